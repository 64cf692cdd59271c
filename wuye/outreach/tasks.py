"""Background tasks: thin, idempotent wrappers over the services and the rule sweep."""

from __future__ import annotations

from django_tasks import task

from wuye.outreach.rules import outreach_sweep
from wuye.outreach.services import campaign_send, campaign_sweep


@task()
def send_campaign(campaign_id: int) -> int:
    return campaign_send(campaign_id=campaign_id)


@task()
def campaign_sweep_task() -> dict[str, int]:
    return campaign_sweep()


@task()
def outreach_sweep_task() -> dict[str, int]:
    return outreach_sweep()
