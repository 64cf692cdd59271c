"""Background work for accounts: thin wrappers over services."""

from __future__ import annotations

from django_tasks import task

from wuye.accounts.otp import login_codes_prune


@task()
def prune_login_codes() -> int:
    """Periodic: delete one-time codes that expired more than a day ago."""
    return login_codes_prune()
