"""Notice services: every transition, its error, validation and permissions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from wuye.audit.models import AuditEvent
from wuye.core.errors import DomainError, PermissionDenied
from wuye.notices import services as s
from wuye.notices.models import Notice, NoticeRead

from .conftest import T0, at


def codes(notice: Notice) -> list[str]:
    return list(notice.events.order_by("at", "id").values_list("code", flat=True))


def audits(notice: Notice) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="notices.notice", object_id=str(notice.pk))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def test_create_makes_a_draft_with_an_event_and_an_audit_record(world, make_notice):
    notice = make_notice(title="  停水通知  ")
    assert notice.state == "draft"
    assert notice.title == "停水通知"  # trimmed
    assert notice.created_by == world.desk
    event = notice.events.get()
    assert (event.code, event.to_state, event.actor) == (
        "notices.notice.created",
        "draft",
        world.desk,
    )
    assert audits(notice) == ["notices.notice.created"]


def test_create_defaults_the_start_to_now(world):
    notice = s.notice_create(
        actor=world.manager, project=world.p1, title="通知", body="正文", category="general", now=T0
    )
    assert notice.starts_at == T0


def test_create_reports_every_field_error_at_once(world):
    with pytest.raises(ValidationError) as exc:
        s.notice_create(
            actor=world.manager,
            project=world.p1,
            title=" ",
            body="",
            category="gossip",
            starts_at=at(2),
            ends_at=at(1),
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"title", "body", "category", "ends_at"}
    assert not Notice.objects.exists()


def test_end_before_start_is_an_error_on_ends_at(world):
    with pytest.raises(ValidationError) as exc:
        s.notice_create(
            actor=world.manager,
            project=world.p1,
            title="通知",
            body="正文",
            category="general",
            starts_at=at(2),
            ends_at=at(2),
        )
    assert list(exc.value.message_dict) == ["ends_at"]
    assert exc.value.error_dict["ends_at"][0].code == "ends_before_start"


@pytest.mark.parametrize("name", ["tech", "guard", "cleaner", "district"])
def test_staff_without_the_capability_may_not_write(world, name):
    with pytest.raises(PermissionDenied):
        s.notice_create(
            actor=world.users[name], project=world.p1, title="x", body="y", category="general"
        )


@pytest.mark.parametrize("name", ["manager", "desk", "quality", "admin"])
def test_writers_per_role(world, name):
    notice = s.notice_create(
        actor=world.users[name], project=world.p1, title="x", body="y", category="general"
    )
    assert notice.pk


@pytest.mark.parametrize("name", ["manager2", "admin_b", "outsider", "resident"])
def test_another_projects_staff_get_404(world, make_notice, name):
    notice = make_notice()
    with pytest.raises(Http404):
        s.notice_publish(actor=world.users[name], notice=notice)
    with pytest.raises(Http404):
        s.notice_create(
            actor=world.users[name], project=world.p1, title="x", body="y", category="general"
        )


def test_publish_moves_a_draft_and_records_who_and_when(world, make_notice):
    notice = make_notice()
    notice = s.notice_publish(actor=world.manager, notice=notice, note="经理审核", now=at(0))
    assert notice.state == "published"
    assert notice.published_at == at(0)
    event = notice.events.order_by("-id").first()
    assert event is not None
    assert (event.code, event.from_state, event.to_state, event.actor, event.at, event.note) == (
        "notices.notice.published",
        "draft",
        "published",
        world.manager,
        at(0),
        "经理审核",
    )
    record = AuditEvent.objects.get(action="notices.notice.published")
    assert record.changes == {"state": ["draft", "published"]}
    assert record.project_id == world.p1.pk


def test_publishing_twice_is_refused(world, make_notice):
    notice = make_notice(publish=True)
    with pytest.raises(DomainError) as exc:
        s.notice_publish(actor=world.manager, notice=notice)
    assert exc.value.code == "invalid_transition"
    assert "已发布" in str(exc.value.message)


def test_withdraw_then_publish_again(world, make_notice):
    notice = make_notice(publish=True)
    notice = s.notice_withdraw(actor=world.desk, notice=notice, note="信息有误", now=at(1))
    assert notice.state == "withdrawn"
    notice = s.notice_publish(actor=world.desk, notice=notice, now=at(2))
    assert notice.state == "published"
    assert notice.published_at == at(2)
    assert codes(notice) == [
        "notices.notice.created",
        "notices.notice.published",
        "notices.notice.withdrawn",
        "notices.notice.published",
    ]
    assert audits(notice)[-2:] == ["notices.notice.withdrawn", "notices.notice.published"]


@pytest.mark.parametrize("publish", [False, True])
def test_withdraw_needs_a_published_notice(world, make_notice, publish):
    notice = make_notice(publish=publish)
    if publish:
        notice = s.notice_withdraw(actor=world.desk, notice=notice)
    with pytest.raises(DomainError) as exc:
        s.notice_withdraw(actor=world.desk, notice=notice)
    assert exc.value.code == "invalid_transition"


def test_pin_and_unpin(world, make_notice):
    notice = make_notice()
    notice = s.notice_pin(actor=world.desk, notice=notice, pinned=True)
    assert notice.pinned
    with pytest.raises(DomainError) as exc:
        s.notice_pin(actor=world.desk, notice=notice, pinned=True)
    assert (exc.value.code, exc.value.field) == ("unchanged", "pinned")
    notice = s.notice_pin(actor=world.desk, notice=notice, pinned=False)
    assert not notice.pinned
    with pytest.raises(DomainError):
        s.notice_pin(actor=world.desk, notice=notice, pinned=False)
    assert codes(notice)[-2:] == ["notices.notice.pinned", "notices.notice.unpinned"]
    assert audits(notice)[-2:] == ["notices.notice.pinned", "notices.notice.unpinned"]


def test_pin_needs_the_capability(world, make_notice):
    with pytest.raises(PermissionDenied):
        s.notice_pin(actor=world.tech, notice=make_notice())


def test_update_records_what_changed(world, make_notice):
    notice = make_notice(publish=True)
    notice = s.notice_update(
        actor=world.desk, notice=notice, title="3幢停水通知（更正）", ends_at=at(8)
    )
    assert notice.title == "3幢停水通知（更正）"
    assert notice.state == "published"  # a correction keeps it published
    event = notice.events.order_by("-id").first()
    assert event is not None and event.code == "notices.notice.updated"
    assert event.data == {"fields": ["ends_at", "title"]}
    record = AuditEvent.objects.get(action="notices.notice.updated")
    assert record.changes["title"] == ["3幢停水通知", "3幢停水通知（更正）"]


def test_update_without_a_change_writes_nothing(world, make_notice):
    notice = make_notice()
    s.notice_update(actor=world.desk, notice=notice, title=notice.title)
    assert codes(notice) == ["notices.notice.created"]


def test_update_validates(world, make_notice):
    notice = make_notice()
    with pytest.raises(ValidationError) as exc:
        s.notice_update(actor=world.desk, notice=notice, ends_at=at(-5))
    assert list(exc.value.message_dict) == ["ends_at"]
    notice.refresh_from_db()
    assert notice.ends_at is None


def test_update_needs_the_capability(world, make_notice):
    with pytest.raises(PermissionDenied):
        s.notice_update(actor=world.tech, notice=make_notice(), title="改")


def test_a_read_is_counted_once(world, make_notice):
    notice = make_notice(publish=True)
    assert s.notice_read_record(user=world.resident, notice=notice, now=at(0)) is True
    assert s.notice_read_record(user=world.resident, notice=notice, now=at(1)) is False
    read = NoticeRead.objects.get()
    assert (read.user, read.read_at) == (world.resident, at(0))


def test_paragraphs_split_at_blank_lines(make_notice):
    notice = make_notice(body="第一段\n第一段续\r\n\r\n\n第二段\n\n  ")
    assert notice.paragraphs() == ["第一段\n第一段续", "第二段"]
