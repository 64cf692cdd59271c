"""The project's URLs plus the token page, for tests that run before ``wuye/urls.py``
mounts ``wuye.api.urls`` (and keep working after)."""

from django.urls import NoReverseMatch, include, path, reverse

from wuye.urls import urlpatterns as project_urlpatterns

try:
    reverse("api:tokens", urlconf="wuye.urls")
    urlpatterns = list(project_urlpatterns)
except NoReverseMatch:
    urlpatterns = [*project_urlpatterns, path("console/tokens/", include("wuye.api.urls"))]
