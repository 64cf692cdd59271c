"""API test client: bearer token per world user; every JSON response checked against the
OpenAPI document."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from wuye.accounts.tokens import token_authenticate, token_create
from wuye.api.api import api
from wuye.api.tests.openapi import OpenAPIValidator


@lru_cache(maxsize=1)
def openapi_validator() -> OpenAPIValidator:
    # Round-trip through JSON: the document as clients see it (e.g. status codes as strings).
    return OpenAPIValidator(json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder)))


def assert_documented(response: Any) -> None:
    """Fail unless ``response`` (a JSON API response) matches the OpenAPI document."""
    method = response.request["REQUEST_METHOD"]
    path = response.request["PATH_INFO"]
    problems = openapi_validator().errors(method, path, response.status_code, response.json())
    assert not problems, f"{method} {path} → {response.status_code}:\n" + "\n".join(problems)


class ApiClient:
    """Thin wrapper over Django's test client speaking JSON to /api/v1/."""

    def __init__(self, client: Client, token: str | None = None, language: str | None = None):
        self.client = client
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if language:
            self.headers["Accept-Language"] = language

    def _done(self, response: Any) -> Any:
        if response.get("Content-Type", "").startswith("application/json"):
            assert_documented(response)
        return response

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._done(self.client.get(f"/api/v1{path}", params or {}, headers=self.headers))

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self._send("PATCH", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("PUT", path, body)

    def delete(self, path: str) -> Any:
        return self._done(self.client.delete(f"/api/v1{path}", headers=self.headers))

    def _send(self, method: str, path: str, body: Any) -> Any:
        data = body if isinstance(body, str) else json.dumps(body, default=str)
        return self._done(
            self.client.generic(
                method,
                f"/api/v1{path}",
                data,
                content_type="application/json",
                headers=self.headers,
            )
        )


@pytest.fixture
def api_as(world):
    """``api_as("manager")`` → an ApiClient with a fresh token of that world user.

    The token is used once up front so ``last_used_at`` is set and later requests do not
    write (keeps query counts stable).
    """

    def _make(name: str, *, language: str | None = None) -> ApiClient:
        _, secret = token_create(user=world.users[name], name="tests")
        token_authenticate(secret)
        return ApiClient(Client(), secret, language)

    return _make


@pytest.fixture
def anon_api() -> ApiClient:
    return ApiClient(Client())


def ids(response: Any) -> list[int]:
    return [item["id"] for item in response.json()["items"]]
