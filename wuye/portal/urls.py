from django.urls import path

from wuye.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("units/", views.units, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("profile/", views.profile, name="profile"),
]
