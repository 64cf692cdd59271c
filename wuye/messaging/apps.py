from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "wuye.messaging"
    label = "messaging"
