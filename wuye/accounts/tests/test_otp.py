"""One-time login codes: issue, rate limits, no user enumeration, verification rules."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from wuye.accounts.models import LoginCode
from wuye.accounts.otp import login_code_request, login_code_verify, login_codes_prune
from wuye.core.errors import DomainError
from wuye.messaging.models import Message

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MOBILE = "13800001111"  # the world's resident


def sent_code(mobile: str = MOBILE) -> str:
    body = (
        Message.objects.filter(recipient=mobile).order_by("-id").values_list("body", flat=True)[0]
    )
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_code_is_queued_by_sms_and_only_its_hash_is_stored(world):
    login_code_request(mobile="138 0000 1111", now=T0)

    message = Message.objects.get()
    code = sent_code()
    login_code = LoginCode.objects.get()
    assert message.channel == "sms"
    assert message.recipient == MOBILE
    assert message.recipient_user == world.resident
    assert message.dedupe_key == f"otp:{MOBILE}:{login_code.pk}"
    assert code not in login_code.code_hash
    assert len(login_code.code_hash) == 64
    assert login_code.expires_at == T0 + dt.timedelta(minutes=5)


def test_correct_code_logs_the_user_in_once(world):
    login_code_request(mobile=MOBILE, now=T0)
    code = sent_code()

    assert (
        login_code_verify(mobile=MOBILE, code=code, now=T0 + dt.timedelta(minutes=1))
        == world.resident
    )
    assert login_code_verify(mobile=MOBILE, code=code, now=T0 + dt.timedelta(minutes=2)) is None


def test_expired_code_is_rejected(world):
    with time_machine.travel(T0, tick=False):
        login_code_request(mobile=MOBILE)
    code = sent_code()

    with time_machine.travel(T0 + dt.timedelta(minutes=5, seconds=1), tick=False):
        assert login_code_verify(mobile=MOBILE, code=code) is None


def test_code_is_burnt_after_five_wrong_attempts(world):
    login_code_request(mobile=MOBILE, now=T0)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(5):
        assert login_code_verify(mobile=MOBILE, code=wrong, now=T0) is None

    assert login_code_verify(mobile=MOBILE, code=code, now=T0) is None
    assert LoginCode.objects.get().attempts == 5


def test_right_code_on_the_fifth_attempt_still_works(world):
    login_code_request(mobile=MOBILE, now=T0)
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        login_code_verify(mobile=MOBILE, code=wrong, now=T0)

    assert login_code_verify(mobile=MOBILE, code=code, now=T0) == world.resident


def test_code_of_one_number_does_not_work_for_another(world):
    login_code_request(mobile=MOBILE, now=T0)
    login_code_request(mobile="13900009999", now=T0)  # the outsider

    assert login_code_verify(mobile="13900009999", code=sent_code(MOBILE), now=T0) is None


def test_rate_limit_one_per_minute_and_five_per_hour(world):
    with time_machine.travel(T0, tick=False):
        login_code_request(mobile=MOBILE)
        with pytest.raises(DomainError) as exc:
            login_code_request(mobile=MOBILE)
        assert exc.value.code == "rate_limited" and exc.value.field == "mobile"

    for minute in range(1, 5):
        with time_machine.travel(T0 + dt.timedelta(minutes=minute, seconds=1), tick=False):
            login_code_request(mobile=MOBILE)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False), pytest.raises(DomainError):
        login_code_request(mobile=MOBILE)
    with time_machine.travel(T0 + dt.timedelta(minutes=61), tick=False):
        login_code_request(mobile=MOBILE)

    assert Message.objects.count() == 6


def test_unknown_and_inactive_numbers_look_the_same_but_get_nothing(world):
    world.outsider.is_active = False
    world.outsider.save(update_fields=["is_active"])

    login_code_request(mobile="13700000000", now=T0)  # nobody
    login_code_request(mobile="13900009999", now=T0)  # inactive user

    assert Message.objects.count() == 0
    assert LoginCode.objects.count() == 2
    # and the same rate limit applies, so timing of refusals reveals nothing either
    with pytest.raises(DomainError):
        login_code_request(mobile="13700000000", now=T0)


def test_malformed_number_is_refused(world):
    with pytest.raises(DomainError) as exc:
        login_code_request(mobile="12345", now=T0)
    assert exc.value.field == "mobile"
    assert login_code_verify(mobile="", code="123456", now=T0) is None
    assert login_code_verify(mobile=MOBILE, code="", now=T0) is None


def test_deactivated_user_cannot_use_an_earlier_code(world):
    login_code_request(mobile=MOBILE, now=T0)
    world.resident.is_active = False
    world.resident.save(update_fields=["is_active"])

    assert login_code_verify(mobile=MOBILE, code=sent_code(), now=T0) is None


def test_old_codes_are_pruned_after_a_day(world):
    login_code_request(mobile=MOBILE, now=T0)
    login_code_request(mobile=MOBILE, now=T0 + dt.timedelta(hours=2))

    assert login_codes_prune(now=T0 + dt.timedelta(days=1, minutes=4)) == 0
    assert login_codes_prune(now=T0 + dt.timedelta(days=1, minutes=6)) == 1
    assert LoginCode.objects.count() == 1
