"""The API tokens page: list mine, create one (secret shown once), revoke."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wuye.accounts.models import ApiToken
from wuye.accounts.tokens import token_authenticate, token_create

pytestmark = pytest.mark.urls("wuye.api.tests.urls")


def test_login_required(client, world):
    response = client.get(reverse("api:tokens"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_create_shows_the_secret_once(login, world):
    client = login("manager")

    created = client.post(reverse("api:tokens"), {"name": "报表脚本"})

    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    secret = re.search(r'value="(wy_[A-Za-z0-9_-]{43})"', created.content.decode()).group(1)
    assert token_authenticate(secret) == world.manager
    listed = client.get(reverse("api:tokens")).content.decode()
    assert "报表脚本" in listed
    assert secret[:8] in listed and secret not in listed


def test_lists_only_my_tokens(login, world):
    token_create(user=world.desk, name="desk's script")
    token_create(user=world.manager, name="manager's script")

    page = login("manager").get(reverse("api:tokens")).content.decode()

    assert "manager&#x27;s script" in page and "desk&#x27;s script" not in page


def test_revoke(login, world):
    token, secret = token_create(user=world.manager, name="old")
    client = login("manager")

    response = client.post(reverse("api:token-revoke", args=[token.pk]))

    assert response.status_code == 302
    assert token_authenticate(secret) is None
    assert client.post(reverse("api:token-revoke", args=[token.pk])).status_code == 302  # no crash


def test_cannot_revoke_someone_elses_token(login, world):
    token, secret = token_create(user=world.desk)

    response = login("manager").post(reverse("api:token-revoke", args=[token.pk]))

    assert response.status_code == 404
    assert token_authenticate(secret) == world.desk


def test_revoke_needs_post(login, world):
    token, _ = token_create(user=world.manager)

    assert login("manager").get(reverse("api:token-revoke", args=[token.pk])).status_code == 405
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_token_page_query_count_does_not_grow(login, world):
    client = login("manager")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("api:tokens")).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    token_create(user=world.manager, name="first")
    few = queries()
    for n in range(11):
        token_create(user=world.manager, name=f"t{n}")
    many = queries()

    assert len(many) == len(few)
    assert len([sql for sql in many if "accounts_apitoken" in sql]) == 1


def test_page_speaks_chinese_by_default(login, world):
    page = login("manager").get(reverse("api:tokens")).content.decode()

    assert "API 令牌" in page and "您还没有 API 令牌。" in page
