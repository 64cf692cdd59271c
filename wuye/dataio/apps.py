from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "wuye.dataio"
    label = "dataio"
