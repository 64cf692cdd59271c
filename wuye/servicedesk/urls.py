"""Service-desk screens of the console, mounted at ``/console/desk/`` (namespace ``desk``).

The desk and technician screens are in :mod:`wuye.servicedesk.web.urls_desk`, the reports in
:mod:`wuye.servicedesk.web.urls_reports`.
"""

from django.urls import include, path

app_name = "desk"
urlpatterns = [
    path("", include("wuye.servicedesk.web.urls_desk")),
    path("reports/", include("wuye.servicedesk.web.urls_reports")),
]
