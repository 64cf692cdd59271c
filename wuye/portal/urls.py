from django.urls import include, path

from wuye.portal import views, views_tickets

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("profile/", views.profile, name="profile"),
    # 报事报修
    path("tickets/", views_tickets.ticket_list, name="ticket-list"),
    path("tickets/new/", views_tickets.ticket_report, name="ticket-report"),
    path("tickets/<int:pk>/", views_tickets.ticket_detail, name="ticket-detail"),
    path("tickets/<int:pk>/cancel/", views_tickets.ticket_cancel, name="ticket-cancel"),
    path("tickets/<int:pk>/reopen/", views_tickets.ticket_reopen_view, name="ticket-reopen"),
    path("tickets/<int:pk>/rate/", views_tickets.ticket_rate_view, name="ticket-rate"),
    path("tickets/<int:pk>/confirm/", views_tickets.ticket_confirm_view, name="ticket-confirm"),
    path("tickets/<int:pk>/fee/", views_tickets.ticket_fee, name="ticket-fee"),
    path("prices/", views_tickets.price_list, name="prices"),
    path("tickets/<int:pk>/photos/", views_tickets.ticket_photos, name="ticket-photos"),
    # 公示栏 and 三公开 (wuye.notices)
    path("notices/", include("wuye.notices.urls_portal")),
    # 消息 (wuye.messaging)
    path("messages/", include("wuye.messaging.urls_portal")),
]
