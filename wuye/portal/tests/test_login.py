"""Signing in to the portal: by password, by SMS code, and who gets in."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from wuye.messaging.models import Message
from wuye.testing.factories import PASSWORD

LOGIN = reverse("portal:login")
MOBILE = "13800001111"


def code_from_outbox(mobile: str = MOBILE) -> str:
    body = Message.objects.filter(recipient=mobile, channel="sms").latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_login_page_shows_both_tabs(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "密码" in html and "短信验证码" in html
    assert 'name="password"' in html

    html = client.get(LOGIN + "?tab=code").content.decode()
    assert 'value="send_code"' in html
    assert 'name="password"' not in html


def test_resident_logs_in_with_mobile_and_password(client, world):
    response = client.post(LOGIN, {"action": "password", "mobile": MOBILE, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_wrong_password_is_refused_with_a_message(client, world):
    response = client.post(LOGIN, {"action": "password", "mobile": MOBILE, "password": "nope"})

    assert response.status_code == 200
    assert "手机号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_empty_fields_get_field_errors(client, db):
    response = client.post(LOGIN, {"action": "password", "mobile": "", "password": ""})
    assert response.context["password_form"].errors.keys() == {"mobile", "password"}


def test_login_honours_a_safe_next_only(client, world):
    data = {"action": "password", "mobile": MOBILE, "password": PASSWORD}
    response = client.post(LOGIN, {**data, "next": reverse("portal:units")})
    assert response.url == reverse("portal:units")

    client.logout()
    response = client.post(LOGIN, {**data, "next": "https://evil.example/"})
    assert response.url == reverse("portal:home")


def test_resident_logs_in_with_a_code_from_the_outbox(client, world):
    # When the resident asks for a code
    response = client.post(LOGIN, {"action": "send_code", "mobile": MOBILE})
    assert response.status_code == 200
    assert "验证码" in response.content.decode()
    assert 'value="verify_code"' in response.content.decode()

    # Then an SMS is queued, and typing its code signs them in
    response = client.post(
        LOGIN, {"action": "verify_code", "mobile": MOBILE, "code": code_from_outbox()}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert int(client.session["_auth_user_id"]) == world.resident.pk


def test_code_login_over_htmx_swaps_the_panel_and_redirects_at_the_end(client, world):
    headers = {"HX-Request": "true"}
    response = client.post(LOGIN, {"action": "send_code", "mobile": MOBILE}, headers=headers)
    assert response.templates[0].name == "portal/_code_panel.html"
    assert b"<html" not in response.content

    response = client.post(
        LOGIN, {"action": "verify_code", "mobile": MOBILE, "code": "000000"}, headers=headers
    )
    assert "验证码不正确或已过期" in response.content.decode()

    response = client.post(
        LOGIN,
        {"action": "verify_code", "mobile": MOBILE, "code": code_from_outbox()},
        headers=headers,
    )
    assert response["HX-Redirect"] == reverse("portal:home")


def test_unknown_number_gets_the_same_answer_and_no_sms(client, world):
    known = client.post(LOGIN, {"action": "send_code", "mobile": MOBILE}).content.decode()
    unknown = client.post(LOGIN, {"action": "send_code", "mobile": "13700000000"}).content.decode()

    def normalise(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
        return html.replace("13700000000", MOBILE)

    assert normalise(unknown) == normalise(known)
    assert Message.objects.filter(recipient="13700000000").count() == 0


def test_second_code_within_a_minute_is_refused_politely(client, world):
    client.post(LOGIN, {"action": "send_code", "mobile": MOBILE})
    response = client.post(LOGIN, {"action": "send_code", "mobile": MOBILE})

    html = response.content.decode()
    with translation.override("zh-hans"):
        refusal = translation.gettext(
            "A code was sent less than a minute ago. Please wait before asking again."
        )
    assert refusal != "A code was sent less than a minute ago. Please wait before asking again."
    assert f'<div class="alert alert--error" role="alert"><p>{refusal}</p></div>' in html
    assert 'value="verify_code"' in html  # they can still type the code they got
    assert Message.objects.count() == 1


def test_malformed_mobile_for_code_gets_a_field_error(client, db):
    response = client.post(LOGIN, {"action": "send_code", "mobile": "123"})
    assert "mobile" in response.context["code_form"].errors


@pytest.mark.parametrize("name", ["manager", "admin"])
def test_staff_without_a_unit_are_sent_to_the_console(client, world, name):
    client.post(LOGIN, {"action": "password", "mobile": name, "password": PASSWORD})

    response = client.get(reverse("portal:home"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "本门户仅供住户使用" in html
    assert reverse("console:dashboard") in html


def test_user_without_a_unit_is_told_to_ask_the_service_centre(client, world):
    client.force_login(world.outsider)

    response = client.get(reverse("portal:units"))

    assert response.status_code == 403
    assert reverse("console:dashboard") not in response.content.decode()
    assert "服务中心" in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client, world):
    client.force_login(world.resident)
    assert client.get(reverse("portal:logout")).status_code == 405

    response = client.post(reverse("portal:logout"))

    assert response.url == LOGIN
    assert client.get(reverse("portal:home")).status_code == 302


def test_username_with_punctuation_is_passed_to_the_backend_as_typed(client, world):
    world.manager.username = "wang-li (desk)"
    world.manager.save(update_fields=["username"])

    response = client.post(
        LOGIN, {"action": "password", "mobile": " wang-li (desk) ", "password": PASSWORD}
    )

    assert response.status_code == 302
