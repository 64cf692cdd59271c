from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "wuye.portal"
    label = "portal"
