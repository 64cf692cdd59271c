"""URL patterns of the outreach screens (mounted at ``/console/outreach/``)."""

from django.urls import path

from wuye.outreach.web import views

app_name = "outreach"
urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/audience/", views.audience_preview_view, name="audience-preview"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/do/<slug:action>/", views.campaign_action, name="campaign-action"),
    path("rules/", views.rule_list, name="rule-list"),
    path("activities/", views.activity_list, name="activity-list"),
    path("activities/<int:pk>/publish/", views.activity_publish, name="activity-publish"),
    path("outages/", views.outage_list, name="outage-list"),
    path("outages/<int:pk>/issue/", views.outage_issue, name="outage-issue"),
    path("warranty/", views.warranty, name="warranty"),
]
