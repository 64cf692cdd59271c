"""Who may open which console page: anonymous → sign-in, out of scope → 404,
in scope without the capability → 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

# (url name, world attribute(s) for the url args, method)
P1_PAGES = [
    ("console:project-detail", ("p1",), "get"),
    ("console:project-edit", ("p1",), "get"),
    ("console:project-edit", ("p1",), "post"),
    ("console:building-edit", ("b1",), "get"),
    ("console:building-edit", ("b1",), "post"),
    ("console:unit-detail", ("u1",), "get"),
    ("console:unit-edit", ("u1",), "get"),
    ("console:unit-edit", ("u1",), "post"),
    ("console:occupancy-start", ("u1",), "post"),
    ("console:occupancy-end", ("u1", "occupancy1"), "post"),
    ("console:occupant-detail", ("occupant1",), "get"),
    ("console:occupant-edit", ("occupant1",), "get"),
    ("console:occupant-edit", ("occupant1",), "post"),
    ("console:occupant-reveal", ("occupant1",), "post"),
    ("console:staff-deactivate", ("desk_membership",), "post"),
]

LIST_PAGES = [
    "console:dashboard",
    "console:project-list",
    "console:building-list",
    "console:unit-list",
    "console:occupant-list",
    "console:staff-list",
    "console:staff-create",
    "console:building-create",
    "console:unit-create",
    "console:occupant-create",
]


def _arg(world, name):
    if name == "occupancy1":
        return world.u1.occupancies.get().pk
    if name == "desk_membership":
        return world.desk.memberships.get().pk
    return getattr(world, name).pk


def _url(world, name, args):
    return reverse(name, args=[_arg(world, a) for a in args])


@pytest.mark.parametrize(("name", "args", "method"), P1_PAGES)
@pytest.mark.parametrize("user", ["manager2", "admin_b"])
def test_out_of_scope_user_gets_404_on_p1_records(login, world, user, name, args, method):
    # given a user who cannot see project p1
    client = login(user)
    # when they open or post to a page of one of p1's records
    response = getattr(client, method)(_url(world, name, args))
    # then the record does not exist for them
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "args", "method"), P1_PAGES)
def test_anonymous_is_sent_to_sign_in(client, world, name, args, method):
    response = getattr(client, method)(_url(world, name, args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", LIST_PAGES)
def test_anonymous_is_sent_to_sign_in_from_lists(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse(name)}"


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("console:project-edit", ("p1",), "get"),
        ("console:project-edit", ("p1",), "post"),
        ("console:building-edit", ("b1",), "get"),
        ("console:unit-edit", ("u1",), "get"),
        ("console:occupancy-start", ("u1",), "post"),
        ("console:occupancy-end", ("u1", "occupancy1"), "post"),
        ("console:occupant-edit", ("occupant1",), "get"),
        ("console:occupant-reveal", ("occupant1",), "post"),
        ("console:staff-deactivate", ("desk_membership",), "post"),
    ],
)
@pytest.mark.parametrize("user", ["tech", "district"])
def test_view_only_roles_get_403_for_writes(login, world, user, name, args, method):
    # given an engineer / district supervisor who may only look at p1
    client = login(user)
    # when they try to change something in p1
    response = getattr(client, method)(_url(world, name, args))
    # then the console refuses with its 403 page
    assert response.status_code == 403
    assert "console/403.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    "name",
    [
        "console:building-create",
        "console:unit-create",
        "console:occupant-create",
        "console:staff-list",
        "console:staff-create",
    ],
)
def test_view_only_role_cannot_open_create_pages(login, name):
    response = login("tech").get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("console:project-edit", ("p1",)),
        ("console:building-edit", ("b1",)),
        ("console:unit-edit", ("u1",)),
    ],
)
def test_customer_service_cannot_edit_places(login, world, name, args):
    assert login("desk").get(_url(world, name, args)).status_code == 403


@pytest.mark.parametrize(("name", "args", "method"), [p for p in P1_PAGES if p[2] == "get"])
@pytest.mark.parametrize("user", ["manager", "admin"])
def test_managers_of_p1_open_every_page(login, world, user, name, args, method):
    assert login(user).get(_url(world, name, args)).status_code == 200


@pytest.mark.parametrize("user", ["manager", "desk", "tech", "district", "admin", "admin_b"])
@pytest.mark.parametrize(
    "name",
    [
        "console:dashboard",
        "console:project-list",
        "console:building-list",
        "console:unit-list",
        "console:occupant-list",
    ],
)
def test_every_staff_role_opens_the_lists(login, user, name):
    assert login(user).get(reverse(name)).status_code == 200


def test_resident_is_sent_to_the_portal(login):
    response = login("resident").get(reverse("console:unit-list"))
    assert response.status_code == 302
    assert "/portal/" in response["Location"]


def test_user_without_any_role_sees_no_access_page(login):
    response = login("outsider").get(reverse("console:dashboard"))
    assert response.status_code == 403
    assert "console/no_access.html" in [t.name for t in response.templates]
