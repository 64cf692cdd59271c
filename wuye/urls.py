from django.contrib import admin
from django.urls import include, path

from wuye.api.api import api
from wuye.console.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("wuye.accounts.urls")),
    path("console/", include("wuye.console.urls")),
    path("console/data/", include("wuye.dataio.urls")),
    path("console/desk/", include("wuye.servicedesk.urls")),
    path("console/outreach/", include("wuye.outreach.urls")),
    path("console/messages/", include("wuye.messaging.urls_console")),
    path("console/notices/", include("wuye.notices.urls")),
    path("console/tokens/", include("wuye.api.urls")),
    path("portal/", include("wuye.portal.urls")),
    path("hooks/messaging/", include("wuye.messaging.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
