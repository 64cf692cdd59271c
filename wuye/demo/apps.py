from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "wuye.demo"
    label = "demo"
