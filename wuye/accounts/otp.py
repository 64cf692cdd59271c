"""One-time login codes for the resident portal, sent by SMS through the message outbox.

Only a keyed hash of each code is stored. A request for a mobile number that has no active
user is treated exactly like one that has (same checks, same rate limits, a code row is
stored) except that nothing is sent, so the form cannot be used to find out who is a user.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from wuye.accounts.models import LoginCode, User
from wuye.core.errors import DomainError
from wuye.core.phones import normalize_phone, validate_mobile
from wuye.messaging.models import MessageChannel
from wuye.messaging.services import message_queue

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Rate limits per mobile number: at most this many requests within each window.
RATE_LIMITS = ((1, dt.timedelta(seconds=60)), (5, dt.timedelta(hours=1)))
# Codes are kept this long after they expire (the hourly rate limit reads them), then pruned.
KEEP_EXPIRED = dt.timedelta(days=1)


def _hash(mobile: str, code: str) -> str:
    return salted_hmac("wuye.accounts.otp", f"{mobile}:{code}", algorithm="sha256").hexdigest()


def _clean_mobile(mobile: str) -> str:
    number = normalize_phone(mobile)
    try:
        validate_mobile(number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_mobile", field="mobile") from exc
    return number


def _active_user(mobile: str) -> User | None:
    return User.objects.filter(mobile=mobile, is_active=True).first()


def _check_rate_limit(mobile: str, now: dt.datetime) -> None:
    # A code's issue time is ``expires_at - CODE_TTL`` (``created_at`` cannot take ``now=``).
    for limit, window in RATE_LIMITS:
        issued = LoginCode.objects.filter(mobile=mobile, expires_at__gt=now - window + CODE_TTL)
        if issued.count() >= limit:
            if window <= dt.timedelta(minutes=1):
                message = _(
                    "A code was sent less than a minute ago. Please wait before asking again."
                )
            else:
                message = _(
                    "Too many codes were requested for this number. Please try again later."
                )
            raise DomainError(message, code="rate_limited", field="mobile")


def login_code_request(*, mobile: str, now: dt.datetime | None = None) -> None:
    """Issue a login code for ``mobile`` and queue it by SMS if an active user has that number.

    Raises ``DomainError`` (field ``mobile``) for a malformed number or when the rate limit
    (1 per minute, 5 per hour per number) is reached — for known and unknown numbers alike.
    """
    now = now or timezone.now()
    number = _clean_mobile(mobile)
    with transaction.atomic():
        _check_rate_limit(number, now)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        login_code = LoginCode.objects.create(
            mobile=number, code_hash=_hash(number, code), expires_at=now + CODE_TTL
        )
        user = _active_user(number)
        if user is None:
            return
        minutes = int(CODE_TTL.total_seconds() // 60)
        message_queue(
            channel=MessageChannel.SMS,
            recipient=number,
            recipient_user=user,
            body=_(
                "Your Wuye login code is %(code)s. It is valid for %(minutes)d minutes. "
                "Do not share it with anyone."
            )
            % {"code": code, "minutes": minutes},
            # The event and variables let an SMS provider send its approved template.
            event="accounts.login_code",
            context={"code": code, "minutes": str(minutes)},
            urgent=True,  # a login code is wanted now, quiet hours or not
            dedupe_key=f"otp:{number}:{login_code.pk}",
            now=now,
        )


def login_code_verify(*, mobile: str, code: str, now: dt.datetime | None = None) -> Any:
    """The active user whose latest live code for ``mobile`` is ``code``, else None.

    A code can be used once, within ``CODE_TTL``, and is burnt after ``MAX_ATTEMPTS``
    tries; every try counts, right or wrong.
    """
    now = now or timezone.now()
    number = normalize_phone(mobile)
    code = (code or "").strip()
    if not number or not code:
        return None
    live = LoginCode.objects.filter(
        mobile=number, used_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS
    )
    with transaction.atomic():
        candidate = live.order_by("-expires_at", "-id").first()
        if candidate is None:
            return None
        # Count the try first, conditionally, so parallel guesses cannot exceed the limit.
        if not live.filter(pk=candidate.pk).update(attempts=F("attempts") + 1):
            return None
    if not hmac.compare_digest(candidate.code_hash, _hash(number, code)):
        return None
    unused = LoginCode.objects.filter(pk=candidate.pk, used_at__isnull=True, expires_at__gt=now)
    if not unused.update(used_at=now):
        return None  # a parallel request used it first
    return _active_user(number)


def login_codes_prune(*, now: dt.datetime | None = None, keep: dt.timedelta = KEEP_EXPIRED) -> int:
    """Delete codes that expired more than ``keep`` ago; returns how many. Idempotent sweep."""
    now = now or timezone.now()
    deleted, _by_model = LoginCode.objects.filter(expires_at__lt=now - keep).delete()
    return deleted
