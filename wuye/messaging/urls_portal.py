"""Portal: the resident's inbox and message settings (``portal/messages/``)."""

from django.urls import path

from wuye.messaging.web import portal

urlpatterns = [
    path("", portal.inbox, name="inbox"),
    path("<int:pk>/", portal.inbox_detail, name="inbox-detail"),
    path("settings/", portal.preferences, name="message-preferences"),
]
