"""Run the outreach sweeps once: start due scheduled campaigns and run the due message rules.

``manage.py scheduler`` already runs them (entries ``outreach.campaign_sweep`` every minute
and ``outreach.rule_sweep`` hourly); this command is for operators and for cron. Both
sweeps are idempotent and safe to run while the scheduler runs them too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wuye.outreach.rules import outreach_sweep
from wuye.outreach.services import campaign_sweep


class Command(BaseCommand):
    help = "Start due scheduled campaigns and send what the enabled message rules make due."

    def handle(self, *args: Any, **options: Any) -> None:
        campaigns = campaign_sweep()
        rules = outreach_sweep()
        self.stdout.write(
            f"campaigns: started {campaigns['started']}, re-enqueued {campaigns['requeued']}; "
            f"rules run: {len(rules)}, new notifications: {sum(rules.values())}"
        )
