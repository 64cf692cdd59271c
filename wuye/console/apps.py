from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "wuye.console"
    label = "console"
