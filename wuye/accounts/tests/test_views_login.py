"""Staff sign-in and sign-out."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from wuye.testing.factories import PASSWORD


def test_login_page_renders(client, world):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_staff_signs_in_with_username(client, world):
    response = client.post(reverse("accounts:login"), {"username": "desk", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:dashboard")
    assert int(client.session[SESSION_KEY]) == world.desk.pk


def test_staff_signs_in_with_mobile(client, world):
    world.desk.mobile = "13711112222"
    world.desk.save(update_fields=["mobile"])
    response = client.post(
        reverse("accounts:login"), {"username": "137 1111 2222", "password": PASSWORD}
    )
    assert response["Location"] == reverse("console:dashboard")


def test_wrong_password_shows_a_translated_error(client, world):
    response = client.post(reverse("accounts:login"), {"username": "desk", "password": "nope"})
    assert response.status_code == 200
    assert "用户名、手机号或密码不正确" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_wrong_password_error_in_english(client, world):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:login"), {"username": "desk", "password": "nope"})
    assert "The username, mobile number or password is incorrect." in response.content.decode()


def test_inactive_user_cannot_sign_in(client, world):
    world.desk.is_active = False
    world.desk.save(update_fields=["is_active"])
    response = client.post(reverse("accounts:login"), {"username": "desk", "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_next_is_honoured_for_staff(client, world):
    target = reverse("console:unit-list")
    response = client.post(
        reverse("accounts:login") + f"?next={target}",
        {"username": "desk", "password": PASSWORD, "next": target},
    )
    assert response["Location"] == target


def test_unsafe_next_is_ignored(client, world):
    response = client.post(
        reverse("accounts:login"),
        {"username": "desk", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("console:dashboard")


def test_resident_signing_in_here_goes_to_the_portal(client, world):
    response = client.post(
        reverse("accounts:login"),
        {"username": "resident", "password": PASSWORD, "next": reverse("console:dashboard")},
    )
    assert response.status_code == 302
    assert "/portal/" in response["Location"]


def test_signed_in_staff_opening_login_goes_to_the_console(login):
    response = login("desk").get(reverse("accounts:login"))
    assert response["Location"] == reverse("console:dashboard")


def test_logout_is_post_only(login):
    client = login("desk")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
