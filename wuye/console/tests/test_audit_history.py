"""The reusable audit-history partial."""

from __future__ import annotations

from django.template import Context, Template

from wuye.places.services import unit_update


def test_audit_history_tag_renders_a_records_changes_newest_first(world):
    # given two edits of a unit
    unit_update(actor=world.manager, unit=world.u1, floor=2)
    unit_update(actor=world.manager, unit=world.u1, use="office")
    # when a page renders its history with the tag
    html = Template("{% load console_ui %}{% audit_history unit %}").render(
        Context({"unit": world.u1})
    )
    # then both changes show, newest first, with readable labels and choice names
    assert html.index("办公") < html.index("楼层")
    assert "住宅" in html  # the old use, as its label
    assert "manager" in html


def test_audit_history_shows_only_that_record(world):
    unit_update(actor=world.manager, unit=world.u2, floor=9)
    html = Template("{% load console_ui %}{% audit_history unit %}").render(
        Context({"unit": world.u1})
    )
    assert "还没有变更记录" in html
