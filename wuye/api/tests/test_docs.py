"""The API docs work on an intranet: no CDN, every asset served by this server."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client


@pytest.fixture
def docs_html(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    return response.content.decode()


def test_docs_page_references_no_external_url(docs_html):
    assert not re.search(r"https?://", docs_html)
    assert "cdn" not in docs_html.lower()


def test_every_asset_of_the_docs_page_is_served_locally(docs_html):
    urls = re.findall(r'(?:src|href)="([^"]+)"', docs_html)

    assert len(urls) >= 4
    for url in urls:
        assert url.startswith("/api/v1/docs/assets/"), url
        response = Client().get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)
        assert "max-age=86400" in response["Cache-Control"]


def test_swagger_settings_point_at_our_schema_and_disable_the_online_validator(docs_html):
    settings = re.search(
        r'<script id="swagger-settings" type="application/json">(.*?)</script>', docs_html, re.S
    )
    config = json.loads(settings.group(1))

    assert config["url"] == "/api/v1/openapi.json"
    assert config["validatorUrl"] is None


@pytest.mark.parametrize("name", ["redoc.standalone.js", "..%2Fmain.py", "missing.js"])
def test_only_the_docs_assets_are_served(db, name):
    assert Client().get(f"/api/v1/docs/assets/{name}").status_code == 404


def test_openapi_document_is_served(db):
    document = Client().get("/api/v1/openapi.json").json()

    assert {"/api/v1/units", "/api/v1/units/{unit_id}", "/api/v1/me/units"} <= set(
        document["paths"]
    )
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert not any("docs/assets" in path for path in document["paths"])
