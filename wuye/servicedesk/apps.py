import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _install_desk_defaults(sender: Any, instance: Any, created: bool, raw: bool, **_: Any) -> None:
    """A new project gets the default ticket categories and SLA policies.

    A receiver, not a call in a service, because projects are created where this app has no
    say (the places admin, the demo, fixtures) and ``places`` must not depend on the service
    desk. Fixture loading (``raw``) is left alone: the fixture brings its own rows.
    """
    if created and not raw:
        from wuye.servicedesk.policies import desk_install_defaults

        desk_install_defaults(project=instance)


class ServicedeskConfig(AppConfig):
    name = "wuye.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from wuye.core.scheduling import schedule
        from wuye.servicedesk.escalation import escalation_sweep_task

        post_save.connect(
            _install_desk_defaults,
            sender="places.Project",
            dispatch_uid="servicedesk.install_desk_defaults",
        )
        schedule(
            "servicedesk.escalation_sweep",
            task=escalation_sweep_task,
            every=dt.timedelta(minutes=1),
        )
