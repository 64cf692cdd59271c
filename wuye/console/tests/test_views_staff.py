"""Staff memberships: list, grant, deactivate (views and services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.accounts.models import Membership, Role
from wuye.accounts.services import membership_create, membership_deactivate
from wuye.audit.models import AuditEvent
from wuye.core.errors import DomainError, PermissionDenied
from wuye.testing import factories as f


def test_manager_sees_memberships_of_their_project(login, world):
    page = login("manager").get(reverse("console:staff-list")).context["page"]
    users = sorted(m.user.username for m in page)
    assert users == ["cleaner", "desk", "guard", "manager", "quality", "tech"]


def test_company_admin_sees_both_projects_and_company_admins(login, world):
    page = login("admin").get(reverse("console:staff-list"), {"project": ""}).context["page"]
    users = sorted(m.user.username for m in page)
    assert users == ["admin", "cleaner", "desk", "guard", "manager", "manager2", "quality", "tech"]


def test_staff_list_filters_by_role_and_search(login, world):
    client = login("admin")
    page = client.get(reverse("console:staff-list"), {"role": "project_manager"}).context["page"]
    assert sorted(m.user.username for m in page) == ["manager", "manager2"]
    page = client.get(reverse("console:staff-list"), {"q": "desk"}).context["page"]
    assert [m.user.username for m in page] == ["desk"]


def test_manager_grants_a_role_by_mobile(login, world):
    # given an account without a role
    newcomer = f.UserFactory(username="newbie", mobile="13611112222")
    # when the manager grants it engineering in p1, finding it by mobile
    response = login("manager").post(
        reverse("console:staff-create"),
        {
            "user": "136 1111 2222",
            "role": "engineering",
            "project": world.p1.pk,
        },
    )
    # then the membership exists and is audited
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.role, membership.project, membership.company) == (
        "engineering",
        world.p1,
        world.company_a,
    )
    assert AuditEvent.objects.filter(
        action="accounts.membership.created", object_id=str(membership.pk)
    ).exists()


def test_unknown_user_is_a_field_error(login, world):
    response = login("manager").post(
        reverse("console:staff-create"),
        {
            "user": "nobody",
            "role": "engineering",
            "project": world.p1.pk,
        },
    )
    assert "user" in response.context["form"].errors


def test_granting_a_role_already_held_is_a_field_error(login, world):
    response = login("manager").post(
        reverse("console:staff-create"),
        {
            "user": "desk",
            "role": "customer_service",
            "project": world.p1.pk,
        },
    )
    assert response.status_code == 200
    assert "user" in response.context["form"].errors


def test_manager_cannot_appoint_a_company_admin(login, world):
    form = login("manager").get(reverse("console:staff-create")).context["form"]
    assert Role.COMPANY_ADMIN not in dict(form.fields["role"].choices)
    response = login("manager").post(
        reverse("console:staff-create"),
        {
            "user": "tech",
            "role": "company_admin",
            "project": world.p1.pk,
        },
    )
    assert "role" in response.context["form"].errors
    assert not Membership.objects.filter(user=world.tech, role="company_admin").exists()


def test_company_admin_appoints_a_company_admin(login, world):
    response = login("admin").post(
        reverse("console:staff-create"),
        {
            "user": "manager",
            "role": "company_admin",
            "project": world.p2.pk,
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.manager, role="company_admin")
    assert (membership.company, membership.project) == (world.company_a, None)


def test_manager_cannot_grant_in_another_project(login, world):
    response = login("manager").post(
        reverse("console:staff-create"),
        {
            "user": "tech",
            "role": "engineering",
            "project": world.p2.pk,
        },
    )
    assert "project" in response.context["form"].errors


def test_manager_deactivates_a_membership(login, world):
    membership = world.tech.memberships.get()
    response = login("manager").post(reverse("console:staff-deactivate", args=[membership.pk]))
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert AuditEvent.objects.filter(action="accounts.membership.deactivated").exists()
    # and the tech has lost access to p1
    assert login("tech").get(reverse("console:unit-detail", args=[world.u1.pk])).status_code == 403


def test_deactivated_member_is_listed_under_inactive(login, world):
    membership = world.tech.memberships.get()
    membership_deactivate(actor=world.manager, membership=membership)
    page = (
        login("manager").get(reverse("console:staff-list"), {"status": "inactive"}).context["page"]
    )
    assert [m.user.username for m in page] == ["tech"]


def test_manager_cannot_deactivate_own_membership(login, world):
    membership = world.manager.memberships.get()
    client = login("manager")
    response = client.post(reverse("console:staff-deactivate", args=[membership.pk]), follow=True)
    membership.refresh_from_db()
    assert membership.is_active is True
    assert list(response.context["messages"])


def test_project_manager_cannot_deactivate_the_company_admin(login, world):
    admin_membership = world.admin.memberships.get()
    # the company admin's membership is not even visible to a project manager
    response = login("manager").post(
        reverse("console:staff-deactivate", args=[admin_membership.pk])
    )
    assert response.status_code == 404


# --- services ---------------------------------------------------------------------------------


def test_membership_create_reactivates_an_inactive_membership(world):
    membership = world.tech.memberships.get()
    membership_deactivate(actor=world.manager, membership=membership)
    again = membership_create(
        actor=world.manager, user=world.tech, role="engineering", project=world.p1
    )
    assert again.pk == membership.pk
    assert again.is_active is True
    assert AuditEvent.objects.filter(action="accounts.membership.reactivated").exists()


def test_membership_create_checks_the_actor(world):
    with pytest.raises(PermissionDenied):
        membership_create(
            actor=world.desk, user=world.outsider, role="engineering", project=world.p1
        )
    with pytest.raises(PermissionDenied):
        membership_create(
            actor=world.manager, user=world.outsider, role="company_admin", project=world.p1
        )


def test_membership_create_refuses_roles_that_are_not_grantable(world):
    with pytest.raises(DomainError) as exc:
        membership_create(actor=world.admin, user=world.outsider, role="resident", project=world.p1)
    assert exc.value.field == "role"


def test_membership_deactivate_twice_is_an_error(world):
    membership = world.tech.memberships.get()
    membership_deactivate(actor=world.manager, membership=membership)
    with pytest.raises(DomainError):
        membership_deactivate(actor=world.manager, membership=membership)
