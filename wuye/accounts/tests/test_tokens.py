"""API token lifecycle: created once, stored hashed, authenticates, revoked for good."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from wuye.accounts.models import ApiToken
from wuye.accounts.tokens import token_authenticate, token_create, token_list, token_revoke
from wuye.audit.models import AuditEvent
from wuye.core.errors import Conflict, PermissionDenied

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_new_token_is_stored_only_as_its_sha256(world):
    token, secret = token_create(user=world.manager, name="  nightly export ")

    assert secret.startswith("wy_") and len(secret) == 46
    token.refresh_from_db()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.token_hash, token.prefix, token.name}
    assert secret.startswith(token.prefix) and len(token.prefix) == 8
    assert token.name == "nightly export"
    # and no column anywhere holds the secret
    assert not ApiToken.objects.filter(token_hash=secret).exists()


def test_tokens_are_unique(world):
    secrets = {token_create(user=world.manager)[1] for _ in range(20)}
    assert len(secrets) == 20


def test_creating_and_revoking_are_audited(world):
    token, _ = token_create(user=world.manager, name="ci")
    token_revoke(actor=world.manager, token=token)

    events = AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk))
    assert sorted(events.values_list("action", flat=True)) == [
        "accounts.token.created",
        "accounts.token.revoked",
    ]
    assert all(e.actor_id == world.manager.pk for e in events)


def test_the_token_authenticates_its_user(world):
    _, secret = token_create(user=world.desk)
    assert token_authenticate(secret) == world.desk


@pytest.mark.parametrize("secret", ["", "wy_", "nope", "wy_" + "A" * 43, "xx_" + "A" * 43])
def test_unknown_or_malformed_secrets_do_not_authenticate(world, secret):
    token_create(user=world.desk)
    assert token_authenticate(secret) is None


def test_malformed_secrets_cost_no_query(world, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert token_authenticate("Bearer something-else") is None


def test_a_revoked_token_no_longer_authenticates(world):
    token, secret = token_create(user=world.desk)
    token_revoke(actor=world.desk, token=token)

    assert token_authenticate(secret) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_an_inactive_users_token_does_not_authenticate(world):
    _, secret = token_create(user=world.desk)
    world.desk.is_active = False
    world.desk.save(update_fields=["is_active"])

    assert token_authenticate(secret) is None


def test_revoking_twice_is_a_conflict(world):
    token, _ = token_create(user=world.desk)
    token_revoke(actor=world.desk, token=token)

    with pytest.raises(Conflict):
        token_revoke(actor=world.desk, token=token)


def test_only_the_owner_may_revoke(world):
    token, secret = token_create(user=world.desk)

    with pytest.raises(PermissionDenied):
        token_revoke(actor=world.manager, token=token)
    assert token_authenticate(secret) == world.desk


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token, secret = token_create(user=world.desk)

    with time_machine.travel(T0, tick=False):
        with django_assert_num_queries(2):  # lookup + first use recorded
            token_authenticate(secret)
    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        with django_assert_num_queries(1):  # lookup only: a hot client does not write
            token_authenticate(secret)
    token.refresh_from_db()
    assert token.last_used_at == T0

    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        token_authenticate(secret)
    token.refresh_from_db()
    assert token.last_used_at == T0 + dt.timedelta(seconds=61)


def test_token_list_shows_own_tokens_live_first(world):
    old, _ = token_create(user=world.desk, name="old")
    new, _ = token_create(user=world.desk, name="new")
    token_create(user=world.manager, name="someone else's")
    token_revoke(actor=world.desk, token=new, now=timezone.now())

    assert [t.name for t in token_list(user=world.desk)] == ["old", "new"]


def test_command_prints_only_the_secret(world):
    out, err = StringIO(), StringIO()
    call_command("token", "manager", "--name", "backup", stdout=out, stderr=err)

    secret = out.getvalue().strip()
    assert token_authenticate(secret) == world.manager
    assert "\n" not in secret
    assert ApiToken.objects.get(user=world.manager).name == "backup"
    assert secret not in err.getvalue()


def test_command_rejects_unknown_users(world):
    with pytest.raises(CommandError):
        call_command("token", "nobody", stdout=StringIO(), stderr=StringIO())
