"""Writes of the notice board: create, update, publish, withdraw, pin, and counting reads.

Every service is keyword-only, checks the actor's ``MANAGE_NOTICES`` capability in the
notice's project (``PermissionDenied`` → 403; a project outside the actor's scope → 404),
validates with ``full_clean`` (field-keyed ``ValidationError``), runs in one transaction and
writes a :class:`~wuye.notices.models.NoticeEvent` (dotted code ``notices.notice.<verb>``)
and an audit record with the same action code. Transitions lock the row
(``select_for_update``) so two clicks cannot both publish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wuye.accounts.access import Capability, require
from wuye.audit.services import audit_created, audit_record, diff, snapshot
from wuye.core.errors import DomainError
from wuye.notices.models import Notice, NoticeEvent, NoticeRead, NoticeState
from wuye.places.models import Project

S = NoticeState

#: The fields ``notice_update`` may change.
EDITABLE = ("title", "body", "category", "starts_at", "ends_at", "pinned")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _require_writer(actor: Any, project_id: int) -> None:
    require(actor, project_id, Capability.MANAGE_NOTICES)


def _clean(notice: Notice) -> None:
    """Trim the text, then the model's own checks plus the window rule; every problem at once."""
    notice.title = (notice.title or "").strip()
    notice.body = (notice.body or "").replace("\r\n", "\n").strip()
    errors: dict[str, list[Any]] = {}
    try:
        # The window rule is checked below, on ``ends_at``; the database constraint backs it.
        notice.full_clean(exclude=["project", "created_by"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if notice.ends_at and "starts_at" not in errors and notice.ends_at <= notice.starts_at:
        errors.setdefault("ends_at", []).append(
            ValidationError(_("The end must be after the start."), code="ends_before_start")
        )
    if errors:
        raise ValidationError(errors)


def _event(
    notice: Notice,
    *,
    actor: Any,
    at: dt.datetime,
    code: str,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> NoticeEvent:
    return NoticeEvent.objects.create(
        notice=notice,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        code=f"notices.notice.{code}",
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )


def _locked(notice: Notice) -> Notice:
    return Notice.objects.select_for_update().select_related("project").get(pk=notice.pk)


def _invalid(notice: Notice, action: Any) -> DomainError:
    return DomainError(
        _("“%(action)s” is not possible: the notice is “%(state)s”.")
        % {"action": action, "state": S(notice.state).label},
        code="invalid_transition",
    )


def notice_create(
    *,
    actor: Any,
    project: Project,
    title: str,
    body: str,
    category: str,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    pinned: bool = False,
    now: dt.datetime | None = None,
) -> Notice:
    """A new notice in ``project``, as a draft. ``starts_at`` defaults to ``now``.
    Raises ``ValidationError`` (field-keyed) for bad input."""
    at = _now(now)
    _require_writer(actor, project.pk)
    notice = Notice(
        project=project,
        title=title,
        body=body,
        category=category,
        starts_at=starts_at or at,
        ends_at=ends_at,
        pinned=pinned,
        state=S.DRAFT,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _clean(notice)
    with transaction.atomic():
        notice.save(force_insert=True)
        _event(notice, actor=actor, at=at, code="created", to_state=S.DRAFT)
        audit_created(actor=actor, action="notices.notice.created", instance=notice, now=at)
    return notice


def notice_update(
    *, actor: Any, notice: Notice, now: dt.datetime | None = None, **fields: Any
) -> Notice:
    """Change the given fields (any of ``EDITABLE``), in any state: a published notice may be
    corrected. Nothing changed → no event, no audit record."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"notice_update: unknown fields {sorted(unknown)}")
    at = _now(now)
    _require_writer(actor, notice.project_id)
    with transaction.atomic():
        n = _locked(notice)
        before = snapshot(n, EDITABLE)
        for name, value in fields.items():
            setattr(n, name, value)
        _clean(n)
        changes = diff(before, snapshot(n, EDITABLE))
        if not changes:
            return n
        n.save(update_fields=[*changes, "updated_at"])
        _event(n, actor=actor, at=at, code="updated", data={"fields": sorted(changes)})
        audit_record(
            actor=actor, action="notices.notice.updated", instance=n, changes=changes, now=at
        )
    return n


def _move(
    notice: Notice,
    *,
    actor: Any,
    action: Any,
    allowed: set[str],
    to: str,
    code: str,
    note: str,
    now: dt.datetime | None,
    extra: dict[str, Any] | None = None,
) -> Notice:
    at = _now(now)
    _require_writer(actor, notice.project_id)
    with transaction.atomic():
        n = _locked(notice)
        if n.state not in allowed:
            raise _invalid(n, action)
        old = n.state
        n.state = to
        update = ["state", "updated_at"]
        for name, value in (extra or {}).items():
            setattr(n, name, value(at) if callable(value) else value)
            update.append(name)
        n.save(update_fields=update)
        _event(n, actor=actor, at=at, code=code, from_state=old, to_state=to, note=note)
        audit_record(
            actor=actor,
            action=f"notices.notice.{code}",
            instance=n,
            changes={"state": [old, to]},
            note=note,
            now=at,
        )
    return n


def notice_publish(
    *, actor: Any, notice: Notice, note: str = "", now: dt.datetime | None = None
) -> Notice:
    """Draft or withdrawn → published; ``published_at`` is set to now. Residents see it from
    then on, inside its window."""
    return _move(
        notice,
        actor=actor,
        action=_("Publish"),
        allowed={S.DRAFT, S.WITHDRAWN},
        to=S.PUBLISHED,
        code="published",
        note=note.strip(),
        now=now,
        extra={"published_at": lambda at: at},
    )


def notice_withdraw(
    *, actor: Any, notice: Notice, note: str = "", now: dt.datetime | None = None
) -> Notice:
    """Published → withdrawn: the notice leaves the portal at once (kept, with its reads)."""
    return _move(
        notice,
        actor=actor,
        action=_("Withdraw"),
        allowed={S.PUBLISHED},
        to=S.WITHDRAWN,
        code="withdrawn",
        note=note.strip(),
        now=now,
    )


def notice_pin(
    *, actor: Any, notice: Notice, pinned: bool = True, now: dt.datetime | None = None
) -> Notice:
    """Pin (``pinned=True``) or unpin the notice; pinned notices come first on the board.
    Asking for what already holds → ``DomainError`` ``unchanged``."""
    at = _now(now)
    _require_writer(actor, notice.project_id)
    with transaction.atomic():
        n = _locked(notice)
        if n.pinned == pinned:
            message = (
                _("The notice is already pinned.") if pinned else _("The notice is not pinned.")
            )
            raise DomainError(message, code="unchanged", field="pinned")
        n.pinned = pinned
        n.save(update_fields=["pinned", "updated_at"])
        code = "pinned" if pinned else "unpinned"
        _event(n, actor=actor, at=at, code=code)
        audit_record(
            actor=actor,
            action=f"notices.notice.{code}",
            instance=n,
            changes={"pinned": [not pinned, pinned]},
            now=at,
        )
    return n


def notice_read_record(*, user: Any, notice: Notice, now: dt.datetime | None = None) -> bool:
    """Count ``user`` as a reader of ``notice`` (idempotent, safe when two tabs open it at
    once: the unique constraint decides). Returns whether this was their first read.

    Precondition: the caller fetched ``notice`` through a resident selector (the user may
    see it)."""
    _, created = NoticeRead.objects.get_or_create(
        notice=notice, user=user, defaults={"read_at": _now(now)}
    )
    return created
