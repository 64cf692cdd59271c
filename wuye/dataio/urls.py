from django.urls import path

from wuye.dataio import views

app_name = "dataio"
urlpatterns = [
    path("", views.home, name="home"),
    path("template.xlsx", views.template_download, name="template"),
    path("import/", views.import_upload, name="import"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
    path("export.xlsx", views.export, name="export"),
]
