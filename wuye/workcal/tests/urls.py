"""Only the admin: keeps these tests independent of the rest of the URLconf."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
