from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "wuye.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from wuye.accounts.tasks import prune_login_codes
        from wuye.core.scheduling import schedule

        schedule(
            "accounts.prune_login_codes",
            task=prune_login_codes,
            rule="FREQ=DAILY;BYHOUR=4;BYMINUTE=10;BYSECOND=0",
        )
