"""Console: the outbox, the staff inbox and message templates (``console/messages/``)."""

from django.urls import path

from wuye.messaging.web import console

app_name = "messaging"

urlpatterns = [
    path("", console.outbox, name="outbox"),
    path("<int:pk>/", console.message_detail, name="message-detail"),
    path("<int:pk>/retry/", console.message_retry_view, name="message-retry"),
    path("<int:pk>/cancel/", console.message_cancel_view, name="message-cancel"),
    path("inbox/", console.inbox, name="inbox"),
    path("inbox/<int:pk>/", console.inbox_detail, name="inbox-detail"),
    path("inbox/bell/", console.bell, name="bell"),
    path("inbox/read-all/", console.inbox_read_all, name="inbox-read-all"),
    path("templates/", console.template_list, name="templates"),
    path("templates/edit/", console.template_edit, name="template-edit"),
    path("templates/preview/", console.template_preview, name="template-preview"),
    path("templates/<int:pk>/delete/", console.template_delete_view, name="template-delete"),
]
