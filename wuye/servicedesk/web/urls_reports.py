"""URL patterns (included by wuye.servicedesk.urls, namespace ``desk``)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
