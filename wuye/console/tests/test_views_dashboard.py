"""The start page, the dashboard and the project switcher."""

from __future__ import annotations

from django.urls import reverse

from wuye.console.current import SESSION_KEY


def test_root_sends_anonymous_to_sign_in(client, world):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_root_sends_staff_to_the_dashboard(login):
    response = login("desk").get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:dashboard")


def test_root_sends_residents_to_the_portal(login):
    response = login("resident").get("/")
    assert response.status_code == 302
    assert "/portal/" in response["Location"]


def test_dashboard_shows_a_card_per_visible_project_with_counts(login, world, populate):
    # given p1 with 3 more occupied units (4 in all)
    populate(3)
    # when the company admin of A opens the dashboard
    response = login("admin").get(reverse("console:dashboard"))
    # then both of A's projects are shown with their counts, and nothing of company B
    assert response.status_code == 200
    cards = {p.name: p for p in response.context["projects"]}
    assert set(cards) == {"阳光新邸", "中心大厦"}
    p1 = cards["阳光新邸"]
    assert (p1.n_buildings, p1.n_units, p1.n_occupants, p1.n_occupancies) == (2, 4, 4, 4)
    assert "乙小区" not in response.content.decode()


def test_switching_project_keeps_it_in_the_session_and_filters_lists(login, world):
    client = login("admin")
    # when the admin makes p2 current
    response = client.post(
        reverse("console:switch-project"),
        {"project": world.p2.pk, "next": reverse("console:unit-list")},
    )
    # then they return where they were, and lists default to p2
    assert response.status_code == 302
    assert response["Location"] == reverse("console:unit-list")
    assert client.session[SESSION_KEY] == world.p2.pk
    units = client.get(reverse("console:unit-list")).context["page"].object_list
    assert [u.number for u in units] == ["1201"]
    # and "all my projects" shows both again
    client.post(reverse("console:switch-project"), {"project": ""})
    units = client.get(reverse("console:unit-list")).context["page"].object_list
    assert sorted(u.number for u in units) == ["1-101", "1201"]


def test_switching_to_a_project_out_of_scope_is_404(login, world):
    client = login("manager2")
    response = client.post(reverse("console:switch-project"), {"project": world.p1.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_switcher_lists_only_visible_projects(login, world):
    content = login("manager2").get(reverse("console:dashboard")).content.decode()
    assert "中心大厦" in content
    assert "阳光新邸" not in content


def test_switch_ignores_an_unsafe_next(login, world):
    response = login("admin").post(
        reverse("console:switch-project"), {"project": world.p1.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("console:dashboard")
