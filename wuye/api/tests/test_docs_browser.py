"""The docs page renders in a real browser with every off-server request blocked."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_offline(live_server, page):
    external = []

    def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{live_server.url}/api/v1/docs")

    page.get_by_text("/api/v1/units/{unit_id}", exact=True).first.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() >= 10
    assert external == []
