import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    name = "wuye.dataio"
    label = "dataio"
    verbose_name = _("Data import and export")

    def ready(self) -> None:
        from wuye.core.scheduling import schedule
        from wuye.dataio.tasks import import_jobs_sweep

        schedule("dataio.requeue_stale", task=import_jobs_sweep, every=dt.timedelta(minutes=5))
