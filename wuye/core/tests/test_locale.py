"""Chinese first: pages are zh-hans until the user switches; the API negotiates."""

from __future__ import annotations

from django.urls import reverse


def test_an_english_browser_still_opens_the_chinese_console(client, world):
    response = client.get(reverse("accounts:login"), headers={"Accept-Language": "en-US,en"})
    assert "员工登录" in response.content.decode()


def test_the_language_switch_wins(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("accounts:login"), headers={"Accept-Language": "zh-CN"})
    assert "Staff sign-in" in response.content.decode()


def test_the_api_follows_accept_language(client, world):
    response = client.get("/api/v1/units", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    english = response.json()["error"]["message"]
    chinese = client.get("/api/v1/units").json()["error"]["message"]
    assert english != chinese
