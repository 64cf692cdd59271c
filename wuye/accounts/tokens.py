"""API bearer tokens: create (shown once), revoke, authenticate.

Only the SHA-256 hex digest of a token is stored, so a leaked database does not leak
usable tokens. Tokens carry 32 random bytes, which is why a plain (unsalted, fast) hash is
enough: there is nothing to brute-force.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.models import ApiToken, User
from wuye.audit.services import audit_record
from wuye.core.errors import Conflict, PermissionDenied

TOKEN_PREFIX = "wy_"
# ``wy_`` + 43 url-safe base64 characters for 32 bytes.
_TOKEN_LENGTH = len(TOKEN_PREFIX) + 43
_DISPLAY_PREFIX_LENGTH = 8  # "wy_" + 5 characters: enough to tell tokens apart in a list
# A token used again within this interval does not write ``last_used_at``: busy API
# clients would otherwise turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *, user: User, name: str = "", actor: Any = None, now: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its secret.

    The secret is returned only here; afterwards only its hash exists. ``actor`` defaults
    to ``user`` (people create their own tokens; the command line passes no actor).
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=secret[:_DISPLAY_PREFIX_LENGTH],
            token_hash=_digest(secret),
        )
        audit_record(
            actor=actor if actor is not None else user,
            action="accounts.token.created",
            instance=token,
            changes={"user": [None, user.pk], "name": [None, token.name]},
            now=now,
        )
    return token, secret


def token_revoke(*, actor: Any, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Revoke ``token``. Only its owner (or a superuser) may; revoking twice is a conflict."""
    if token.user_id != getattr(actor, "pk", None) and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("You can only revoke your own API tokens."))
    now = now or timezone.now()
    with transaction.atomic():
        # Conditional update: two concurrent revocations record one event.
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now
        )
        if not updated:
            raise Conflict(_("This API token has already been revoked."), code="token_revoked")
        token.revoked_at = now
        audit_record(
            actor=actor,
            action="accounts.token.revoked",
            instance=token,
            changes={"revoked_at": [None, now.isoformat()]},
            now=now,
        )
    return token


# Every API request runs this lookup, so it is written by hand: the ORM spent ~0.4 ms
# building the joined query for ~0.05 ms of database time (docs/performance.md).
_AUTHENTICATE_SQL = f"""
    SELECT u.*, t.id AS token_id, t.last_used_at AS token_last_used_at
    FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id
    WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s
"""


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """``token_last_used_at`` is an extra column of a raw query, so no model field converts
    it: SQLite hands back text or a naive UTC datetime, PostgreSQL an aware one."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def token_authenticate(secret: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user owning the live token ``secret``, or ``None``.

    Costs one query; a second (an ``UPDATE`` of ``last_used_at``) at most once a minute per
    token.
    """
    if not secret or len(secret) != _TOKEN_LENGTH or not secret.startswith(TOKEN_PREFIX):
        return None
    user = next(iter(User.objects.raw(_AUTHENTICATE_SQL, [_digest(secret), True])), None)
    if user is None:
        return None
    now = now or timezone.now()
    stale = now - LAST_USED_RESOLUTION
    last_used = _aware(user.token_last_used_at)  # type: ignore[attr-defined]  # raw extra column
    if last_used is None or last_used <= stale:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale),
            pk=user.token_id,  # type: ignore[attr-defined]  # raw extra column
        ).update(last_used_at=now)
    return user


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, live first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )
