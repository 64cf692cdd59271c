"""Token management page; mounted at ``console/tokens/`` in ``wuye/urls.py``."""

from django.urls import path

from wuye.api import views

app_name = "api"
urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("<int:token_id>/revoke/", views.revoke, name="token-revoke"),
]
