"""Return visits, ratings, paid services, attachments and the desk's reads (dispatch
suggestions, the return-visit queue) over the API."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from wuye.servicedesk import services as s
from wuye.servicedesk.models import Category, PriceItem, ReturnVisit, Team, Ticket, TicketAttachment

from .conftest import ids
from .test_tickets import at, error, new_ticket, p2_ticket

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def completed(world, ticket=None, *, minutes: float = 30) -> Ticket:
    ticket = ticket or new_ticket(world)
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(3))
    s.ticket_start(actor=world.tech, ticket=ticket, now=at(4))
    return s.ticket_complete(actor=world.tech, ticket=ticket, now=at(minutes))


# --- return visits ---------------------------------------------------------------------------


def test_the_desk_records_return_visits_and_lists_them(api_as, world):
    ticket = completed(world)
    api = api_as("desk")
    path = f"/tickets/{ticket.pk}/return-visits"

    first = api.post(path, {"outcome": "unreachable", "comment": "无人接听"})
    second = api.post(path, {"outcome": "satisfied", "rating": 5, "comment": "很好"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() | {"id": 0, "at": ""} == {
        "id": 0,
        "ticket_id": ticket.pk,
        "at": "",
        "actor_id": world.desk.pk,
        "actor_name": str(world.desk),
        "method": "phone",
        "outcome": "satisfied",
        "rating": 5,
        "comment": "很好",
        "follow_up": "",
        "follow_up_ticket_id": None,
    }
    listed = api_as("resident").get(path).json()["items"]
    assert [v["outcome"] for v in listed] == ["unreachable", "satisfied"]
    detail = api.get(f"/tickets/{ticket.pk}").json()
    assert (detail["state"], detail["return_visit_outcome"], detail["rating"]) == (
        "return_visited",
        "satisfied",
        5,
    )
    assert [v["id"] for v in detail["return_visits"]] == [v["id"] for v in listed]


def test_not_satisfied_with_rework_registers_the_follow_up(api_as, world):
    ticket = completed(world)

    response = api_as("desk").post(
        f"/tickets/{ticket.pk}/return-visits",
        {"outcome": "not_satisfied", "rating": 2, "comment": "还在滴水", "follow_up": "rework"},
    )

    rework = Ticket.objects.get(reopened_from=ticket)
    assert response.json()["follow_up_ticket_id"] == rework.pk
    assert response.json()["follow_up"] == "rework"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "satisfied", "rating": 6}, "rating"),
        ({"outcome": "unreachable", "rating": 3}, "rating"),
        ({"outcome": "not_satisfied", "follow_up": "rework"}, "comment"),
    ],
)
def test_return_visit_input_errors(api_as, world, payload, field):
    ticket = completed(world)

    response = api_as("desk").post(f"/tickets/{ticket.pk}/return-visits", payload)

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]
    assert not ReturnVisit.objects.exists()


def test_only_the_desk_records_return_visits_and_only_when_completed(api_as, world):
    ticket = new_ticket(world)

    early = api_as("desk").post(f"/tickets/{ticket.pk}/return-visits", {"outcome": "satisfied"})
    completed(world, ticket)
    by_tech = api_as("tech").post(f"/tickets/{ticket.pk}/return-visits", {"outcome": "satisfied"})

    assert (early.status_code, error(early)["code"]) == (409, "invalid_transition")
    assert (by_tech.status_code, error(by_tech)["code"]) == (403, "permission_denied")


def test_the_resident_rates_their_completed_ticket_once(api_as, world):
    ticket = completed(world)
    api = api_as("resident")

    rated = api.post(f"/tickets/{ticket.pk}/rate", {"rating": 4, "comment": "师傅很专业"})
    again = api.post(f"/tickets/{ticket.pk}/rate", {"rating": 5})
    by_desk = api_as("desk").post(f"/tickets/{ticket.pk}/rate", {"rating": 5})
    out_of_range = api_as("resident", language="en").post(
        f"/tickets/{ticket.pk}/rate", {"rating": 0}
    )

    assert rated.status_code == 201
    assert (rated.json()["method"], rated.json()["outcome"]) == ("portal", "satisfied")
    assert (again.status_code, error(again)["code"]) == (409, "already_rated")
    assert by_desk.status_code == 403
    assert error(out_of_range)["fields"] == {
        "rating": ["Ensure this value is greater than or equal to 1."]
    }


# --- the return-visit queue ------------------------------------------------------------------


def test_the_queue_lists_completed_tickets_soonest_due_first(api_as, world):
    later = completed(world, minutes=40)
    sooner = completed(world, minutes=30)
    s.ticket_return_visit_record(actor=world.desk, ticket=later, outcome="unreachable", now=at(50))
    visited = completed(world, minutes=20)
    s.ticket_return_visit_record(actor=world.desk, ticket=visited, outcome="satisfied", now=at(50))
    new_ticket(world)  # not completed

    body = api_as("desk").get("/return-visits").json()

    assert ids_of(body) == [sooner.pk, later.pk]
    row = body["items"][1]
    assert (row["attempts"], row["last_outcome"]) == (1, "unreachable")
    assert row["reporter_phone"] == "138****1111"
    assert row["return_visit_due"] and row["overdue"] in (True, False)


def ids_of(body) -> list[int]:
    return [row["id"] for row in body["items"]]


def test_the_queue_is_for_customer_service_of_the_project(api_as, world):
    completed(world)

    assert len(ids(api_as("quality").get("/return-visits"))) == 1
    for user in ("tech", "resident", "manager2", "admin_b"):
        assert ids(api_as(user).get("/return-visits")) == [], user


def test_the_queue_pages_with_a_cursor(api_as, world):
    tickets = [completed(world, minutes=30 + i) for i in range(5)]
    api = api_as("desk")

    first = api.get("/return-visits", {"limit": 3}).json()
    s.ticket_return_visit_record(
        actor=world.desk, ticket=tickets[0], outcome="satisfied", now=at(60)
    )
    rest = api.get("/return-visits", {"limit": 3, "cursor": first["next_cursor"]}).json()

    # a visit recorded meanwhile does not shift the next page
    assert ids_of(first) + ids_of(rest) == [t.pk for t in tickets]
    assert rest["next_cursor"] is None
    assert api.get("/return-visits", {"cursor": "bad"}).status_code == 422


def test_the_queue_filters_by_project(api_as, world):
    p1 = completed(world)
    p2 = p2_ticket(world)
    s.ticket_dispatch(actor=world.manager2, ticket=p2, assignee=None, now=at(1))
    api = api_as("admin")

    assert ids(api.get("/return-visits", {"project_id": world.p1.pk})) == [p1.pk]
    assert ids(api.get("/return-visits", {"project_id": world.p2.pk})) == []


# --- dispatch suggestions --------------------------------------------------------------------


def test_the_desk_gets_dispatch_suggestions(api_as, world):
    water = Category.objects.get(project=world.p1, code="water")
    ticket = new_ticket(world, category=water)
    plumbers = Team.objects.create(project=world.p1, name="水电班")
    plumbers.members.add(world.tech)
    plumbers.categories.add(water)
    s.ticket_dispatch(actor=world.desk, ticket=new_ticket(world), assignee=world.guard, now=at(1))

    body = api_as("desk").get(f"/tickets/{ticket.pk}/suggestions", {"limit": 3}).json()

    names = [item["name"] for item in body["items"]]
    assert len(names) == 3
    assert names[0] == str(world.tech)
    tech = body["items"][0]
    assert (tech["teams"], tech["open_tickets"]) == (["水电班"], 0)
    assert tech["score"] > body["items"][1]["score"]
    guard = next(i for i in body["items"] if i["user_id"] == world.guard.pk)
    assert guard["open_tickets"] == 1
    assert any("1" in reason for reason in guard["reasons"])


@pytest.mark.parametrize(("user", "status"), [("tech", 403), ("resident", 403), ("manager2", 404)])
def test_suggestions_are_for_the_desk(api_as, world, user, status):
    ticket = new_ticket(world)

    assert api_as(user).get(f"/tickets/{ticket.pk}/suggestions").status_code == status


# --- paid services ---------------------------------------------------------------------------


@pytest.fixture
def tap(world):
    return PriceItem.objects.create(
        project=world.p1,
        code="tap",
        name="更换水龙头",
        labour_price=Decimal("30.00"),
        material_price=Decimal("45.50"),
    )


def test_fee_proposed_confirmed_and_paid(api_as, world, tap):
    ticket = new_ticket(world, kind="home_repair")
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(3))
    tech = api_as("tech")
    path = f"/tickets/{ticket.pk}"

    too_early = tech.post(f"{path}/start", {})
    assert (too_early.status_code, error(too_early)["code"]) == (409, "fee_not_confirmed")
    proposed = tech.post(
        f"{path}/fee",
        {
            "lines": [
                {"price_item_id": tap.pk, "quantity": "2"},
                {"kind": "other", "description": "上门费", "unit_price": "10"},
            ]
        },
    ).json()
    assert (proposed["fee_state"], proposed["fee_total"]) == ("proposed", "161.00")
    assert [(c["description"], c["amount"], c["list_price"]) for c in proposed["charges"]] == [
        ("更换水龙头", "151.00", "75.50"),
        ("上门费", "10.00", None),
    ]
    confirmed = api_as("resident").post(f"{path}/fee/confirm", {"accepted": True}).json()
    assert confirmed["fee_state"] == "confirmed" and confirmed["fee_confirmed_at"]
    assert tech.post(f"{path}/start", {}).status_code == 200
    unpaid = api_as("desk").post(f"{path}/fee/payment", {})
    assert (unpaid.status_code, error(unpaid)["code"]) == (409, "invalid_transition")
    tech.post(f"{path}/complete", {})
    paid = api_as("desk").post(f"{path}/fee/payment", {}).json()
    assert paid["fee_state"] == "paid"
    assert paid["receipt_number"] == "SJ-" + ticket.number.split("-", 1)[1]
    assert paid["paid_at"]


def test_fee_line_errors_point_at_the_line(api_as, world, tap):
    ticket = new_ticket(world, kind="home_repair")
    theirs = PriceItem.objects.create(project=world.p2, code="tap", name="龙头")
    api = api_as("desk", language="en")
    path = f"/tickets/{ticket.pk}/fee"

    foreign = api.post(path, {"lines": [{"price_item_id": tap.pk}, {"price_item_id": theirs.pk}]})
    no_price = api.post(path, {"lines": [{"description": "杂项"}]})
    none = api.post(path, {"lines": []})
    negative = api.post(path, {"lines": [{"price_item_id": tap.pk, "quantity": "-1"}]})

    assert error(foreign)["fields"] == {
        "lines.1.price_item_id": ["No such record in your projects."]
    }
    assert list(error(no_price)["fields"]) == ["lines.0.unit_price"]
    assert list(error(none)["fields"]) == ["lines"]
    assert list(error(negative)["fields"]) == ["lines.0.quantity"]


def test_a_free_repair_has_no_fee(api_as, world):
    ticket = new_ticket(world)

    response = api_as("desk").post(
        f"/tickets/{ticket.pk}/fee", {"lines": [{"unit_price": "1", "description": "x"}]}
    )

    assert (response.status_code, error(response)["code"]) == (409, "not_a_paid_service")


def test_the_desk_confirms_a_fee_on_the_customers_behalf_with_a_note(api_as, world, tap):
    ticket = new_ticket(world, kind="home_repair")
    s.fee_propose(actor=world.desk, ticket=ticket, lines=[s.ChargeInput(price_item=tap)], now=at(1))
    api = api_as("desk", language="en")

    silent = api.post(f"/tickets/{ticket.pk}/fee/confirm", {"accepted": False})
    noted = api.post(f"/tickets/{ticket.pk}/fee/confirm", {"accepted": False, "note": "电话拒绝"})

    assert list(error(silent)["fields"]) == ["note"]
    assert noted.json()["fee_state"] == "declined"


def test_materials_are_recorded_free_of_charge(api_as, world, tap):
    ticket = completed(world)

    response = api_as("tech").post(
        f"/tickets/{ticket.pk}/materials",
        {"lines": [{"price_item_id": tap.pk, "kind": "material", "quantity": "1"}]},
    )

    assert response.status_code == 200
    assert [(c["chargeable"], c["kind"], c["amount"]) for c in response.json()] == [
        (False, "material", "75.50")
    ]
    assert api_as("desk").get(f"/tickets/{ticket.pk}").json()["fee_total"] == "0.00"


# --- attachments -----------------------------------------------------------------------------


def upload(api, ticket, content=PNG, **fields):
    return api.client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments",
        {"file": _file(content), **fields},
        headers={**api.headers},
    )


def _file(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("漏水.png", content, content_type="image/png")


def test_the_resident_adds_a_photo_and_staff_download_it(api_as, world):
    ticket = new_ticket(world)

    response = upload(api_as("resident"), ticket)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["stage"], body["name"], body["content_type"]) == (
        "photo",
        "report",
        "漏水.png",
        "image/png",
    )
    assert body["url"] == f"/console/desk/files/{body['id']}/"
    assert body["api_url"] == f"/api/v1/tickets/{ticket.pk}/attachments/{body['id']}"
    detail = api_as("desk").get(f"/tickets/{ticket.pk}").json()
    assert [a["id"] for a in detail["attachments"]] == [body["id"]]
    api = api_as("tech")
    file = api.client.get(body["api_url"], headers=api.headers)
    assert file.status_code == 200
    assert file["Content-Type"] == "image/png"
    assert b"".join(file.streaming_content) == PNG
    other = api_as("manager2")
    assert other.client.get(body["api_url"], headers=other.headers).status_code == 404


def test_an_attachment_is_reached_through_its_own_ticket(api_as, world):
    ticket, other = new_ticket(world), new_ticket(world)
    attachment_id = upload(api_as("desk"), ticket).json()["id"]
    api = api_as("desk")

    response = api.client.get(
        f"/api/v1/tickets/{other.pk}/attachments/{attachment_id}", headers=api.headers
    )

    assert response.status_code == 404


def test_an_upload_is_checked_by_its_content(api_as, world):
    ticket = new_ticket(world)

    response = upload(api_as("desk", language="en"), ticket, content=b"MZ\x90\x00 not an image")

    assert response.status_code == 422
    assert error(response)["fields"] == {
        "file": ["This is not a photo: upload a JPEG, PNG, WEBP or HEIC image."]
    }
    assert not TicketAttachment.objects.exists()


def test_residents_add_report_photos_only(api_as, world):
    ticket = new_ticket(world)

    response = upload(api_as("resident"), ticket, kind="signature", stage="completion")
    english = api_as("resident", language="en")
    missing = english.client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"kind": "photo"}, headers=english.headers
    )

    assert response.status_code == 403
    assert error(missing)["fields"] == {"file": ["This field is required."]}


def test_a_session_upload_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.desk)
    ticket = new_ticket(world)

    response = client.post(f"/api/v1/tickets/{ticket.pk}/attachments", {"file": _file(PNG)})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
