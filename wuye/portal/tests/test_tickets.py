"""报事报修 in the resident portal: report, my tickets, the ticket page and its actions."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wuye.places.models import Relation
from wuye.servicedesk.models import (
    AttachmentStage,
    Category,
    Channel,
    FeeState,
    Ticket,
    TicketKind,
    TicketState,
    Urgency,
)
from wuye.servicedesk.services import (
    ChargeInput,
    fee_propose,
    ticket_accept,
    ticket_acknowledge,
    ticket_arrive,
    ticket_complete,
    ticket_dispatch,
    ticket_pause,
    ticket_register,
    ticket_report_result,
    ticket_start,
)
from wuye.testing import factories as f

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def png(name: str = "leak.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded photos go to a temporary private storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def water(world):
    return Category.objects.create(project=world.p1, name="水龙头维修", code="tap")


@pytest.fixture
def resident(client, world):
    client.force_login(world.resident)
    return client


def report_data(world, **overrides):
    data = {
        "unit": world.u1.pk,
        "kind": TicketKind.REPAIR_UNIT,
        "category": "",
        "place": "",
        "description": "卫生间漏水，楼下天花板在滴水",
        "appointment_at": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    return {**data, **overrides}


def register(world, **kwargs) -> Ticket:
    defaults = {
        "actor": world.desk,
        "project": world.p1,
        "kind": TicketKind.REPAIR_UNIT,
        "unit": world.u1,
        "reporter": world.occupant1,
        "description": "厨房水龙头漏水",
    }
    return ticket_register(**{**defaults, **kwargs})


def page(client, ticket) -> str:
    return client.get(reverse("portal:ticket-detail", args=[ticket.pk])).content.decode()


# --- report ----------------------------------------------------------------------------------


def test_the_report_form_offers_only_my_units_and_my_projects_categories(resident, world, water):
    Category.objects.create(project=world.p3, name="乙小区的类别", code="beta-only")

    response = resident.get(reverse("portal:ticket-report"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1幢 1-101" in html and "9-909" not in html
    assert "水龙头维修" in html and "乙小区的类别" not in html
    assert 'accept="image/*"' in html and "multiple" in html
    assert 'name="idempotency_key"' in html


def test_a_resident_reports_a_leak_with_a_photo(resident, world, water):
    when = (dt.datetime.now() + dt.timedelta(days=1)).replace(hour=9, minute=30, second=0)
    data = report_data(
        world, category=water.pk, appointment_at=when.strftime("%Y-%m-%dT%H:%M"), photos=[png()]
    )

    response = resident.post(reverse("portal:ticket-report"), data)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal:ticket-detail", args=[ticket.pk])
    assert (ticket.kind, ticket.unit, ticket.category) == (TicketKind.REPAIR_UNIT, world.u1, water)
    assert ticket.channel == Channel.PORTAL
    assert ticket.reporter == world.occupant1 and ticket.created_by == world.resident
    assert ticket.urgency == Urgency.APPOINTMENT
    assert ticket.appointment_at.astimezone().strftime("%H:%M") == "09:30"
    [photo] = ticket.attachments.all()
    assert (photo.stage, photo.content_type, photo.name) == (
        AttachmentStage.REPORT,
        "image/png",
        "leak.png",
    )
    html = resident.get(response.url).content.decode()
    assert ticket.number in html and "卫生间漏水" in html
    assert reverse("desk:attachment", args=[photo.pk]) in html
    assert resident.get(reverse("desk:attachment", args=[photo.pk])).status_code == 200


def test_urgent_wins_over_a_preferred_time(resident, world):
    when = (dt.datetime.now() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    resident.post(
        reverse("portal:ticket-report"), report_data(world, urgent="on", appointment_at=when)
    )
    assert Ticket.objects.get().urgency == Urgency.URGENT


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_registered(resident, world):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")

    response = resident.post(
        reverse("portal:ticket-report"), report_data(world, photos=[png(), fake])
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["photos"]
    html = response.content.decode()
    assert "photo.jpg" in html and "不是照片" in html
    assert not Ticket.objects.exists()


def test_at_most_six_photos(resident, world):
    photos = [png(f"p{n}.png") for n in range(7)]
    response = resident.post(reverse("portal:ticket-report"), report_data(world, photos=photos))
    assert "photos" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_field_errors_are_shown_per_field(resident, world, water):
    other = Category.objects.create(project=world.p3, name="别家", code="x")
    data = report_data(
        world,
        kind=TicketKind.REPAIR_PUBLIC,
        description="  ",
        category=other.pk,
        appointment_at="2001-01-01T09:00",
    )

    response = resident.post(reverse("portal:ticket-report"), data)

    errors = response.context["form"].errors
    assert set(errors) == {"description", "category", "place", "appointment_at"}
    html = response.content.decode()
    assert "请描述您遇到的问题" in html and "请选择将来的时间" in html
    assert not Ticket.objects.exists()


def test_a_unit_that_is_not_mine_cannot_be_chosen(resident, world):
    response = resident.post(reverse("portal:ticket-report"), report_data(world, unit=world.u3.pk))
    assert "unit" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_public_area_repair_is_placed_by_the_place_not_the_unit(resident, world):
    resident.post(
        reverse("portal:ticket-report"),
        report_data(world, kind=TicketKind.REPAIR_PUBLIC, place="3幢电梯"),
    )
    ticket = Ticket.objects.get()
    assert (ticket.unit, ticket.place, ticket.reporter) == (None, "3幢电梯", world.occupant1)
    assert ticket in Ticket.objects.filter(reporter__user=world.resident)


def test_a_double_submit_makes_one_ticket(resident, world):
    data = report_data(world)
    first = resident.post(reverse("portal:ticket-report"), {**data, "photos": [png()]})
    second = resident.post(reverse("portal:ticket-report"), {**data, "photos": [png()]})

    ticket = Ticket.objects.get()
    assert first.url == second.url == reverse("portal:ticket-detail", args=[ticket.pk])
    assert ticket.attachments.count() == 1  # the repeat adds no photo either


def test_a_repeat_that_slips_past_the_first_check_adds_no_photos(world, monkeypatch):
    # Two submits racing: both pass the portal's own look-up, registration's unique key
    # hands the second one the first one's ticket, and only the first adds its photos.
    from wuye.portal import services

    report = services.Report(
        unit=world.u1, reporter=world.occupant1, kind=TicketKind.REPAIR_UNIT, description="漏水"
    )
    key = str(uuid.uuid4())
    first = services.ticket_report(
        actor=world.resident, report=report, photos=[png()], idempotency_key=key
    )
    monkeypatch.setattr(services, "_reported_with", lambda actor, key: None)

    second = services.ticket_report(
        actor=world.resident, report=report, photos=[png()], idempotency_key=key
    )

    assert second.pk == first.pk
    assert Ticket.objects.count() == 1 and first.attachments.count() == 1


def test_changing_the_unit_narrows_the_categories(resident, world, water):
    # the resident also rents a unit in p3
    f.OccupancyFactory(
        unit=world.u3,
        occupant=f.OccupantFactory(project=world.p3, user=world.resident),
        relation=Relation.TENANT,
    )
    Category.objects.create(project=world.p3, name="乙小区的类别", code="beta-only")

    both = resident.get(reverse("portal:ticket-report")).content.decode()
    narrowed = resident.get(
        reverse("portal:ticket-report"), {"unit": world.u3.pk}, headers={"HX-Request": "true"}
    ).content.decode()

    assert "水龙头维修" in both and "乙小区的类别" in both and "<optgroup" in both
    assert "乙小区的类别" in narrowed and "水龙头维修" not in narrowed


# --- my tickets ------------------------------------------------------------------------------


def test_my_tickets_lists_only_what_i_reported(resident, world):
    mine = register(world)
    register(world, reporter=None, description="公共区域灯坏了")  # same unit, not my report
    register(world, project=world.p3, actor=world.admin_b, unit=world.u3, reporter=None)

    html = resident.get(reverse("portal:ticket-list")).content.decode()

    assert mine.number in html and "厨房水龙头漏水" in html
    assert "公共区域灯坏了" not in html
    assert html.count('class="card ticket-card"') == 1


@pytest.mark.parametrize("rows", [1, 20])
def test_my_tickets_runs_a_fixed_number_of_queries(
    resident, world, water, rows, django_assert_num_queries
):
    for _ in range(rows):
        register(world, category=water)

    # session, user, is_resident, my units, the user's staff scope, count, page
    with django_assert_num_queries(7):
        response = resident.get(reverse("portal:ticket-list"))

    assert len(response.context["rows"]) == rows


def test_finished_tickets_have_their_own_tab(resident, world):
    open_ticket = register(world, description="还在处理")
    done = register(world, description="已经取消")
    from wuye.servicedesk.services import ticket_cancel

    ticket_cancel(actor=world.desk, ticket=done, reason="重复")

    in_progress = resident.get(reverse("portal:ticket-list")).content.decode()
    finished = resident.get(reverse("portal:ticket-list"), {"tab": "done"}).content.decode()

    assert open_ticket.number in in_progress and done.number not in in_progress
    assert done.number in finished and open_ticket.number not in finished


def test_home_shows_the_report_entry_and_my_open_tickets(resident, world):
    register(world)
    register(world)

    html = resident.get(reverse("portal:home")).content.decode()

    assert f'href="{reverse("portal:ticket-report")}"' in html
    assert "报事报修" in html
    assert f'href="{reverse("portal:ticket-list")}"' in html
    assert "2 项处理中" in html


# --- scoping ---------------------------------------------------------------------------------


def neighbour(world):
    """Another resident of the same project (unit 1-102)."""
    unit = f.UnitFactory(building=world.b1, number="1-102")
    user = f.UserFactory(username="neighbour", mobile="13800004444")
    occupant = f.OccupantFactory(project=world.p1, name="王五", user=user)
    f.OccupancyFactory(unit=unit, occupant=occupant)
    return user


@pytest.mark.parametrize(
    "name", ["ticket-detail", "ticket-cancel", "ticket-reopen", "ticket-rate", "ticket-photos"]
)
def test_a_resident_of_another_unit_gets_404(client, world, name):
    ticket = register(world)
    client.force_login(neighbour(world))

    method = client.get if name == "ticket-detail" else client.post
    response = method(reverse(f"portal:{name}", args=[ticket.pk]), {"cancel-reason": "x"})

    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == TicketState.REGISTERED


def test_staff_who_also_live_in_the_project_see_only_their_own_reports(client, world):
    # the desk clerk lives in 1-102: the portal shows them their reports, not the desk's
    ticket = register(world)
    f.OccupancyFactory(
        unit=f.UnitFactory(building=world.b1, number="1-102"),
        occupant=f.OccupantFactory(project=world.p1, user=world.desk),
    )
    client.force_login(world.desk)

    assert client.get(reverse("portal:ticket-detail", args=[ticket.pk])).status_code == 404
    assert ticket.number not in client.get(reverse("portal:ticket-list")).content.decode()


# --- the ticket page -------------------------------------------------------------------------


def test_the_page_tells_the_story_in_plain_sentences(resident, world):
    tech = world.tech
    tech.display_name = "李师傅"
    tech.mobile = "13911112222"
    tech.save()
    ticket = register(world)
    ticket_dispatch(actor=world.desk, ticket=ticket, assignee=tech, note="内部：带上扳手")
    ticket_accept(actor=tech, ticket=ticket)
    ticket_arrive(actor=tech, ticket=ticket)
    ticket_start(actor=tech, ticket=ticket)

    html = page(resident, ticket)

    assert "客服中心已为您登记" in html
    assert "已派给维修师傅 李师傅" in html
    assert "李师傅 已接单" in html
    assert "师傅已到场" in html and "开始维修" in html
    assert "维修中" in html  # the state, as a resident reads it
    assert "内部：带上扳手" not in html  # staff notes stay inside
    assert "13911112222" not in html and "139****2222" not in html  # the name, not the phone
    assert "预计完成时间" in html


def test_a_paused_ticket_says_what_it_waits_for(resident, world):
    ticket = register(world)
    ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech)
    ticket_accept(actor=world.tech, ticket=ticket)
    ticket_arrive(actor=world.tech, ticket=ticket)
    ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", note="内部：缺货")

    html = page(resident, ticket)

    assert "已暂停 · 等待配件" in html and "暂停：等待配件" in html
    assert "内部：缺货" not in html


def test_cancel_needs_a_reason_and_works_before_work_starts(resident, world):
    ticket = register(world)
    url = reverse("portal:ticket-cancel", args=[ticket.pk])

    response = resident.post(url, {"cancel-reason": " "})
    assert response.status_code == 200
    assert "请填写原因" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.REGISTERED

    response = resident.post(url, {"cancel-reason": "已自己修好"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.cancel_reason) == (TicketState.CANCELLED, "已自己修好")
    html = page(resident, ticket)
    assert "您取消了工单" in html and "已自己修好" in html


def test_cancel_is_refused_once_work_has_started(resident, world):
    ticket = register(world)
    ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech)
    ticket_accept(actor=world.tech, ticket=ticket)
    ticket_arrive(actor=world.tech, ticket=ticket)
    assert 'id="cancel"' not in page(resident, ticket)

    response = resident.post(
        reverse("portal:ticket-cancel", args=[ticket.pk]), {"cancel-reason": "不修了"}, follow=True
    )

    assert "请致电客服中心" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.ARRIVED


def completed(world, **kwargs) -> Ticket:
    ticket = register(world, **kwargs)
    ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech)
    ticket_accept(actor=world.tech, ticket=ticket)
    ticket_arrive(actor=world.tech, ticket=ticket)
    ticket_start(actor=world.tech, ticket=ticket)
    return ticket_complete(actor=world.tech, ticket=ticket, note="换了阀芯")


def test_rate_after_completion_counts_as_the_return_visit(resident, world):
    ticket = completed(world)
    assert 'id="rate"' in page(resident, ticket)

    response = resident.post(
        reverse("portal:ticket-rate", args=[ticket.pk]), {"rating": "5", "comment": "师傅很专业"}
    )

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.rating) == (TicketState.RETURN_VISITED, 5)
    html = page(resident, ticket)
    assert "您的评价" in html and "师傅很专业" in html and "★★★★★" in html
    assert 'id="rate"' not in html


def test_a_rating_needs_stars(resident, world):
    ticket = completed(world)
    response = resident.post(reverse("portal:ticket-rate", args=[ticket.pk]), {"comment": "嗯"})
    assert "请选择 1 到 5 颗星" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.COMPLETED


def test_reopen_within_the_window_makes_a_rework_ticket(resident, world):
    ticket = completed(world)
    url = reverse("portal:ticket-reopen", args=[ticket.pk])

    assert "请填写原因" in resident.post(url, {"reopen-reason": ""}).content.decode()
    response = resident.post(url, {"reopen-reason": "又漏了"})

    rework = Ticket.objects.get(reopened_from=ticket)
    assert response.url == reverse("portal:ticket-detail", args=[rework.pk])
    assert rework.reporter == world.occupant1
    html = page(resident, ticket)
    assert rework.number in html and "又漏了" in html
    assert 'id="reopen"' not in html  # one open rework per ticket


def test_reopen_is_not_offered_after_the_window(resident, world):
    ticket = completed(world)
    Ticket.objects.filter(pk=ticket.pk).update(
        completed_at=ticket.completed_at - dt.timedelta(days=31)
    )

    html = page(resident, ticket)
    response = resident.post(
        reverse("portal:ticket-reopen", args=[ticket.pk]), {"reopen-reason": "又漏了"}, follow=True
    )

    assert 'id="reopen"' not in html
    assert "超过 30 天" in response.content.decode()  # the service says why
    assert not Ticket.objects.filter(reopened_from=ticket).exists()


def complaint_with_result(world) -> Ticket:
    ticket = register(world, kind=TicketKind.COMPLAINT, description="夜间施工噪音")
    ticket_acknowledge(actor=world.desk, ticket=ticket)
    return ticket_report_result(actor=world.desk, ticket=ticket, note="已责令施工方停止夜间施工")


def test_a_complainant_confirms_the_result(resident, world):
    ticket = complaint_with_result(world)
    html = page(resident, ticket)
    assert "已责令施工方停止夜间施工" in html and "待您确认" in html

    resident.post(reverse("portal:ticket-confirm", args=[ticket.pk]), {"confirm-answer": "yes"})

    ticket.refresh_from_db()
    assert ticket.state == TicketState.COMPLETED
    assert "您确认对处理结果满意" in page(resident, ticket)


def test_a_complainant_not_satisfied_sends_it_back(resident, world):
    ticket = complaint_with_result(world)

    resident.post(
        reverse("portal:ticket-confirm", args=[ticket.pk]),
        {"confirm-answer": "no", "confirm-note": "昨晚还在施工"},
    )

    ticket.refresh_from_db()
    assert ticket.state == TicketState.HANDLING
    html = page(resident, ticket)
    assert "昨晚还在施工" in html and "继续处理" in html


def home_repair_with_fee(world) -> Ticket:
    ticket = register(world, kind=TicketKind.HOME_REPAIR, description="更换马桶水箱配件")
    ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech)
    ticket_accept(actor=world.tech, ticket=ticket)
    ticket_arrive(actor=world.tech, ticket=ticket)
    return fee_propose(
        actor=world.tech,
        ticket=ticket,
        lines=[
            ChargeInput(kind="labour", description="上门维修", unit_price=Decimal("50")),
            ChargeInput(kind="material", description="进水阀", unit_price=Decimal("35.5")),
        ],
    )


def test_a_resident_accepts_the_proposed_fee(resident, world):
    ticket = home_repair_with_fee(world)
    html = page(resident, ticket)
    assert "进水阀" in html and "¥85.50" in html

    response = resident.post(reverse("portal:ticket-fee", args=[ticket.pk]), {"fee-answer": "yes"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.fee_state == FeeState.CONFIRMED
    assert "您已同意费用" in page(resident, ticket)


def test_a_resident_declines_the_proposed_fee(resident, world):
    ticket = home_repair_with_fee(world)
    resident.post(
        reverse("portal:ticket-fee", args=[ticket.pk]),
        {"fee-answer": "no", "fee-note": "太贵了"},
    )
    ticket.refresh_from_db()
    assert ticket.fee_state == FeeState.DECLINED
    assert "太贵了" in page(resident, ticket)


def test_more_photos_can_be_added_while_open(resident, world):
    ticket = register(world)
    response = resident.post(
        reverse("portal:ticket-photos", args=[ticket.pk]), {"photos": [png("more.png")]}
    )
    assert response.status_code == 302
    assert ticket.attachments.get().name == "more.png"


def test_the_portal_speaks_english_when_the_cookie_says_so(resident, world, settings):
    resident.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    ticket = register(world)

    report = resident.get(reverse("portal:ticket-report")).content.decode()
    detail = page(resident, ticket)
    errors = resident.post(
        reverse("portal:ticket-report"), report_data(world, description="")
    ).content.decode()

    assert "Report a problem" in report and "Repair at home" in report
    assert "The service centre registered your report." in detail
    assert "Please describe the problem." in errors
    assert "报事报修" not in report


def test_the_resident_reads_the_published_price_list_of_their_community(resident, world):
    from wuye.servicedesk.models import PriceItem

    PriceItem.objects.create(
        project=world.p1,
        code="tap",
        name="更换水龙头",
        unit="个",
        labour_price="30.00",
        material_price="45.50",
    )
    PriceItem.objects.create(project=world.p1, code="old", name="停用项目", active=False)
    PriceItem.objects.create(project=world.p2, code="desk", name="写字楼项目")
    response = resident.get(reverse("portal:prices"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "更换水龙头" in body and "¥30.00" in body and "¥45.50" in body
    assert "停用项目" not in body  # unpublished
    assert "写字楼项目" not in body  # another project
    assert reverse("portal:prices") in resident.get(reverse("portal:home")).content.decode()
