import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The console navigation entry (console/base.html) is translated from this catalogue.
NAV_LABEL = pgettext_lazy("console navigation", "Outreach")


class OutreachConfig(AppConfig):
    name = "wuye.outreach"
    label = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from wuye.core.scheduling import schedule
        from wuye.outreach.events import register_outreach_events
        from wuye.outreach.tasks import campaign_sweep_task, outreach_sweep_task

        register_outreach_events()
        schedule("outreach.campaign_sweep", task=campaign_sweep_task, every=dt.timedelta(minutes=1))
        schedule("outreach.rule_sweep", task=outreach_sweep_task, every=dt.timedelta(hours=1))
