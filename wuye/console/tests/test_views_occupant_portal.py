"""Occupant detail: the desk gives or removes access to the resident portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.messaging.models import Message
from wuye.places.models import Occupant
from wuye.testing import factories as f

MOBILE = "13700005555"


@pytest.fixture
def newcomer(world):
    return f.OccupantFactory(project=world.p1, name="王五", mobile=MOBILE)


def detail(occupant):
    return reverse("console:occupant-detail", args=[occupant.pk])


def grant_url(occupant):
    return reverse("console:occupant-portal-grant", args=[occupant.pk])


def revoke_url(occupant):
    return reverse("console:occupant-portal-revoke", args=[occupant.pk])


def test_detail_shows_no_access_and_the_give_button_to_the_desk(login, world, newcomer):
    html = login("desk").get(detail(newcomer)).content.decode()

    assert "未开通住户服务" in html
    assert grant_url(newcomer) in html
    assert revoke_url(newcomer) not in html


def test_detail_shows_the_linked_login_masked_and_the_remove_button(login, world):
    html = login("desk").get(detail(world.occupant1)).content.decode()

    assert "已关联 138****1111" in html
    assert "13800001111" not in html
    assert revoke_url(world.occupant1) in html
    assert grant_url(world.occupant1) not in html


@pytest.mark.parametrize("user", ["tech", "quality", "district"])
def test_buttons_are_hidden_without_manage_occupants(login, world, newcomer, user):
    client = login(user)

    assert grant_url(newcomer) not in client.get(detail(newcomer)).content.decode()
    linked = client.get(detail(world.occupant1)).content.decode()
    assert "已关联 138****1111" in linked
    assert revoke_url(world.occupant1) not in linked


def test_desk_gives_access_and_an_sms_with_the_portal_link_is_queued(login, world, newcomer):
    response = login("desk").post(grant_url(newcomer), follow=True)

    assert response.redirect_chain[-1][0] == detail(newcomer) + "#portal-access"
    html = response.content.decode()
    assert "已开通住户服务" in html and "137****5555" in html
    newcomer.refresh_from_db()
    assert newcomer.user.mobile == MOBILE
    message = Message.objects.get(recipient=MOBILE)
    assert "http://testserver/portal/" in message.body


def test_a_refusal_is_shown_as_a_message_on_the_detail_page(login, world, newcomer):
    Occupant.objects.filter(pk=newcomer.pk).update(mobile="")

    response = login("desk").post(grant_url(newcomer), follow=True)

    assert response.status_code == 200
    assert "该住户没有手机号，请先补充手机号再开通住户服务。" in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_desk_removes_access(login, world):
    response = login("desk").post(revoke_url(world.occupant1), follow=True)

    assert "已取消住户服务" in response.content.decode()
    world.occupant1.refresh_from_db()
    world.resident.refresh_from_db()
    assert world.occupant1.user is None
    assert not world.resident.is_active  # linked to nothing else and not staff


@pytest.mark.parametrize("url", [grant_url, revoke_url])
def test_without_the_capability_the_answer_is_403(login, world, url):
    response = login("tech").post(url(world.occupant1))

    assert response.status_code == 403
    world.occupant1.refresh_from_db()
    assert world.occupant1.user == world.resident


@pytest.mark.parametrize("user", ["manager2", "admin_b"])
@pytest.mark.parametrize("url", [grant_url, revoke_url])
def test_out_of_scope_occupants_are_404(login, world, newcomer, user, url):
    client = login(user)

    assert client.post(url(newcomer)).status_code == 404
    assert client.post(url(world.occupant1)).status_code == 404
    newcomer.refresh_from_db()
    world.occupant1.refresh_from_db()
    assert (newcomer.user, world.occupant1.user) == (None, world.resident)


def test_get_is_not_allowed(login, world, newcomer):
    assert login("desk").get(grant_url(newcomer)).status_code == 405
