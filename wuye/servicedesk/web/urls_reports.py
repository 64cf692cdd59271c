"""URL patterns (included by wuye.servicedesk.urls, namespace ``desk``)."""

from django.urls import path

from wuye.servicedesk.web import reports

urlpatterns = [
    path("", reports.report_page, name="reports"),
    path("export.xlsx", reports.report_export, name="reports-export"),
]
