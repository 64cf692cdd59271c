"""Portal access for occupants: the desk links an occupant to a login, or removes the link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from wuye.accounts.models import Membership, Role, User
from wuye.accounts.residents import occupant_portal_access_grant, occupant_portal_access_revoke
from wuye.audit.models import AuditEvent
from wuye.core.errors import Conflict, DomainError, PermissionDenied
from wuye.messaging.models import Message
from wuye.places.models import Occupant
from wuye.testing import factories as f

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MOBILE = "13700005555"


@pytest.fixture
def newcomer(world):
    """A person in p1 with a mobile number and no login yet."""
    occupant = f.OccupantFactory(project=world.p1, name="王五", mobile=MOBILE)
    f.OccupancyFactory(unit=f.UnitFactory(building=world.b1, number="1-102"), occupant=occupant)
    return occupant


def grant(world, occupant, actor="desk", **kwargs):
    return occupant_portal_access_grant(actor=world.users[actor], occupant=occupant, **kwargs)


def revoke(world, occupant, actor="desk"):
    return occupant_portal_access_revoke(actor=world.users[actor], occupant=occupant)


# --- grant -----------------------------------------------------------------------------------


def test_grant_creates_a_login_that_signs_in_by_code_only(world, newcomer):
    user = grant(world, newcomer, now=T0)

    assert (user.mobile, user.display_name) == (MOBILE, "王五")
    assert user.username.startswith("r-") and MOBILE[-4:] not in user.username
    assert user.is_active
    assert not user.has_usable_password()
    newcomer.refresh_from_db()
    assert newcomer.user == user
    event = AuditEvent.objects.get(action="accounts.portal_access.granted")
    assert (event.actor, event.object_id, event.project) == (
        world.desk,
        str(newcomer.pk),
        world.p1,
    )
    assert event.changes == {"user": [None, "137****5555"]}
    assert MOBILE not in str(list(AuditEvent.objects.values_list("changes", "note", "object_repr")))
    assert AuditEvent.objects.filter(
        action="accounts.user.created", object_id=str(user.pk)
    ).exists()


def test_grant_queues_a_welcome_sms_with_the_portal_and_how_to_sign_in(world, newcomer):
    user = grant(world, newcomer, now=T0)

    message = Message.objects.get()
    assert (message.channel, message.recipient, message.recipient_user) == ("sms", MOBILE, user)
    assert message.project == world.p1
    assert message.dedupe_key == f"portal-welcome:{newcomer.pk}:{user.pk}"
    assert "/portal/" in message.body
    assert "阳光新邸" in message.body and "短信验证码" in message.body


def test_grant_puts_the_given_portal_link_in_the_sms(world, newcomer):
    grant(world, newcomer, portal_url="https://wy.example.cn/portal/")

    assert "https://wy.example.cn/portal/" in Message.objects.get().body


def test_a_person_with_units_in_two_projects_keeps_one_login(world):
    # Given the p1 resident also rents an office in p2, on file there with the same number
    in_p2 = f.OccupantFactory(project=world.p2, name="张三", mobile="138 0000 1111")
    users_before = User.objects.count()

    # When p2's manager gives that occupant portal access
    user = grant(world, in_p2, actor="manager2")

    # Then the existing login is linked, not a second one created
    assert user == world.resident
    assert User.objects.count() == users_before
    assert set(Occupant.objects.filter(user=world.resident)) == {world.occupant1, in_p2}
    assert world.resident.has_usable_password()


def test_an_organisation_gets_a_login_named_after_its_contact(world):
    org = f.OccupantFactory(
        project=world.p2,
        kind="organisation",
        name="某贸易公司",
        contact_name="赵经理",
        mobile=MOBILE,
    )

    user = grant(world, org, actor="manager2")

    assert user.display_name == "赵经理"


def test_no_mobile_number_is_a_field_error(world, newcomer):
    Occupant.objects.filter(pk=newcomer.pk).update(mobile="")
    newcomer.refresh_from_db()

    with pytest.raises(DomainError) as exc:
        grant(world, newcomer)

    assert (exc.value.field, exc.value.code) == ("mobile", "mobile_required")
    assert str(exc.value.message) == "该住户没有手机号，请先补充手机号再开通住户服务。"
    assert not Message.objects.exists()


def test_a_landline_cannot_receive_codes(world, newcomer):
    Occupant.objects.filter(pk=newcomer.pk).update(mobile="057188886666")
    newcomer.refresh_from_db()

    with pytest.raises(DomainError) as exc:
        grant(world, newcomer)

    assert (exc.value.field, exc.value.code) == ("mobile", "mobile_not_mobile")


def test_an_occupant_already_linked_is_refused(world):
    with pytest.raises(Conflict) as exc:
        grant(world, world.occupant1)

    assert exc.value.code == "portal_access_exists"
    assert not AuditEvent.objects.filter(action="accounts.portal_access.granted").exists()


def test_two_desks_granting_at_once_link_once_and_send_one_welcome(world, newcomer):
    # Both desks opened the occupant before either pressed the button
    first_view = Occupant.objects.get(pk=newcomer.pk)
    second_view = Occupant.objects.get(pk=newcomer.pk)

    user = grant(world, first_view)
    with pytest.raises(Conflict):
        grant(world, second_view, actor="manager")

    assert Occupant.objects.get(pk=newcomer.pk).user == user
    assert User.objects.filter(mobile=MOBILE).count() == 1
    assert Message.objects.count() == 1


def test_the_welcome_is_sent_once_per_occupant_and_login(world, newcomer):
    user = grant(world, newcomer)
    revoke(world, newcomer)

    again = grant(world, newcomer)

    assert again == user
    assert Message.objects.filter(dedupe_key__startswith="portal-welcome:").count() == 1


def test_grant_needs_manage_occupants(world, newcomer):
    with pytest.raises(PermissionDenied):
        grant(world, newcomer, actor="tech")
    with pytest.raises(Http404):
        grant(world, newcomer, actor="manager2")
    with pytest.raises(Http404):
        grant(world, newcomer, actor="admin_b")

    newcomer.refresh_from_db()
    assert newcomer.user is None
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_a_deactivated_staff_account_is_not_revived_by_the_desk(world, newcomer):
    former = f.UserFactory(username="former", mobile=MOBILE, is_active=False)
    Membership.objects.create(
        user=former, role=Role.ENGINEERING, project=world.p1, company=world.company_a
    )

    with pytest.raises(DomainError) as exc:
        grant(world, newcomer)

    assert (exc.value.field, exc.value.code) == ("mobile", "account_inactive")
    former.refresh_from_db()
    assert not former.is_active


# --- revoke ----------------------------------------------------------------------------------


def test_revoke_unlinks_and_switches_off_a_login_nobody_else_uses(world, newcomer):
    user = grant(world, newcomer)

    revoked = revoke(world, newcomer)

    assert revoked == user
    newcomer.refresh_from_db()
    user.refresh_from_db()
    assert newcomer.user is None
    assert not user.is_active
    event = AuditEvent.objects.get(action="accounts.portal_access.revoked")
    assert event.changes == {"user": ["137****5555", None]}
    assert AuditEvent.objects.filter(action="accounts.user.deactivated").exists()


def test_revoke_then_grant_reactivates_the_same_login(world, newcomer):
    user = grant(world, newcomer)
    revoke(world, newcomer)

    again = grant(world, newcomer)

    assert again == user
    user.refresh_from_db()
    assert user.is_active
    assert AuditEvent.objects.filter(action="accounts.user.reactivated").exists()


def test_revoke_keeps_a_staff_members_account_active(world, newcomer):
    # Given the engineer lives in p1 too, and the desk linked their occupant to their login
    User.objects.filter(pk=world.tech.pk).update(mobile=MOBILE)
    assert grant(world, newcomer) == world.tech

    revoke(world, newcomer)

    world.tech.refresh_from_db()
    assert world.tech.is_active


def test_revoke_keeps_a_login_still_linked_elsewhere(world):
    in_p2 = f.OccupantFactory(project=world.p2, name="张三", mobile="13800001111")
    grant(world, in_p2, actor="manager2")

    revoke(world, in_p2, actor="manager2")

    world.resident.refresh_from_db()
    assert world.resident.is_active
    assert list(Occupant.objects.filter(user=world.resident)) == [world.occupant1]


def test_revoke_without_access_is_refused(world, newcomer):
    with pytest.raises(Conflict) as exc:
        revoke(world, newcomer)

    assert exc.value.code == "no_portal_access"


def test_revoke_needs_manage_occupants(world):
    with pytest.raises(PermissionDenied):
        revoke(world, world.occupant1, actor="quality")
    with pytest.raises(Http404):
        revoke(world, world.occupant1, actor="manager2")

    world.occupant1.refresh_from_db()
    assert world.occupant1.user == world.resident
