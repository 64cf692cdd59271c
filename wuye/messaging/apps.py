import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "wuye.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from wuye.core.scheduling import schedule
        from wuye.messaging.events import register_core_events
        from wuye.messaging.tasks import sweep_messages

        register_core_events()
        schedule("messaging.sweep", task=sweep_messages, every=dt.timedelta(minutes=1))
