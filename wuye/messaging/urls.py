"""Provider status callbacks, mounted at ``hooks/messaging/`` (see ``callbacks.py``)."""

from django.urls import path

from wuye.messaging import callbacks

app_name = "messaging_hooks"

urlpatterns = [
    path("<int:account_id>/aliyun/", callbacks.aliyun_report, name="aliyun"),
    path("<int:account_id>/tencent/", callbacks.tencent_report, name="tencent"),
    path("<int:account_id>/http/", callbacks.http_report, name="http"),
    path("<int:account_id>/wechat/", callbacks.wechat_report, name="wechat"),
]
