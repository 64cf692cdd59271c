from django.apps import AppConfig


class WorkcalConfig(AppConfig):
    name = "wuye.workcal"
    label = "workcal"
