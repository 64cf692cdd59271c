"""Who may call the API: bearer tokens and the Django session; everyone else gets 401 JSON."""

from __future__ import annotations

import pytest
from django.test import Client

from wuye.accounts.models import ApiToken
from wuye.accounts.tokens import token_create, token_revoke
from wuye.api.tests.conftest import ApiClient, assert_documented


@pytest.mark.parametrize(
    "path",
    [
        "/projects",
        "/buildings",
        "/units",
        "/occupants",
        "/me",
        "/me/units",
        "/units/1",
        "/occupants/1/personal-data",
    ],
)
def test_anonymous_requests_get_401_json(anon_api, world, path):
    response = anon_api.get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_anonymous_writes_get_401_not_a_csrf_failure(world):
    client = ApiClient(Client(enforce_csrf_checks=True))

    response = client.post("/units", {"building_id": world.b1.pk, "number": "9-9"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer wy_" + "x" * 43, "Bearer ", "Token abc", "Basic Zm9vOmJhcg=="]
)
def test_unknown_tokens_get_401(world, header):
    response = Client().get("/api/v1/units", headers={"Authorization": header})

    assert response.status_code == 401
    assert_documented(response)


def test_the_token_identifies_the_caller(api_as, world):
    response = api_as("desk").get("/me")

    assert response.status_code == 200
    assert response.json() == {"id": world.desk.pk, "username": "desk", "display_name": "desk"}


def test_a_revoked_token_gets_401(api_as, world):
    client = api_as("manager")
    assert client.get("/units").status_code == 200

    token_revoke(actor=world.manager, token=ApiToken.objects.get(user=world.manager))

    assert client.get("/units").status_code == 401


def test_a_deactivated_users_token_gets_401(api_as, world):
    client = api_as("manager")
    world.manager.is_active = False
    world.manager.save(update_fields=["is_active"])

    assert client.get("/units").status_code == 401


def test_the_session_works_for_the_browsable_docs(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.manager)
    api = ApiClient(browser)

    assert api.get("/units").status_code == 200
    # unsafe methods over the session need the CSRF token (the docs page sends it)
    refused = api.post("/units", {"building_id": world.b1.pk, "number": "9-9"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"


def test_a_token_needs_no_csrf_token(world):
    _, secret = token_create(user=world.manager)
    api = ApiClient(Client(enforce_csrf_checks=True), secret)

    response = api.post("/units", {"building_id": world.b1.pk, "number": "9-9"})

    assert response.status_code == 201
