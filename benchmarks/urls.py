"""The application's URLs plus the benchmark-only ceiling views under ``/bench/``."""

from django.urls import include, path

from benchmarks import views

urlpatterns = [
    path("bench/hello", views.hello, name="bench-hello"),
    path("bench/units", views.ceiling_units, name="bench-units"),
    path("bench/units-auth", views.ceiling_units_auth, name="bench-units-auth"),
    path("bench/tickets", views.ceiling_tickets, name="bench-tickets"),
    path("", include("wuye.urls")),
]
