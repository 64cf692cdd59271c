"""Portal pages of the notice board, included by ``wuye.portal.urls`` at ``/portal/notices/``
(names in the ``portal`` namespace)."""

from django.urls import path

from wuye.notices import views_portal

urlpatterns = [
    path("", views_portal.board, name="notice-list"),
    path("<int:pk>/", views_portal.notice_detail, name="notice-detail"),
    path("disclosures/<int:project_id>/", views_portal.disclosures, name="disclosures"),
]
