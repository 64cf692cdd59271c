from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "wuye.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")
