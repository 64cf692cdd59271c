"""Writes a resident makes in the portal: their profile and their password. Audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from wuye.accounts.models import User
from wuye.audit.services import audit_record, diff, snapshot


@transaction.atomic
def profile_update(
    *, actor: Any, user: User, display_name: str, email: str, now: dt.datetime | None = None
) -> User:
    """Change the user's display name and e-mail (already validated by ``ProfileForm``)."""
    fields = ["display_name", "email"]
    before = snapshot(user, fields)
    user.display_name = display_name.strip()
    user.email = email.strip()
    changes = diff(before, snapshot(user, fields))
    if changes:
        user.save(update_fields=fields)
        audit_record(
            actor=actor, action="portal.profile.updated", instance=user, changes=changes, now=now
        )
    return user


@transaction.atomic
def password_change(
    *, actor: Any, user: User, new_password: str, now: dt.datetime | None = None
) -> User:
    """Set a new password (already checked by ``PasswordChangeForm``, or ``SetPasswordForm``
    for a login that had none). Audited as ``portal.password.changed`` or, for a first
    password, ``portal.password.set``. The caller keeps the session valid with
    ``update_session_auth_hash``."""
    action = "portal.password.changed" if user.has_usable_password() else "portal.password.set"
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=action, instance=user, now=now)
    return user
