"""Console screens of the notice board, mounted at ``/console/notices/`` (namespace
``notices``)."""

from django.urls import path

from wuye.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list_view, name="list"),
    path("new/", views.notice_create_view, name="create"),
    path("<int:pk>/", views.notice_detail_view, name="detail"),
    path("<int:pk>/edit/", views.notice_edit_view, name="edit"),
    path("<int:pk>/do/<slug:action>/", views.notice_action_view, name="action"),
    path("<int:pk>/poster.pdf", views.notice_poster_view, name="poster"),
]
