"""The bulk path of notifications, for campaigns: ``notify_many`` plans and queues one
notification per occupant in chunks written with ``executemany`` (``COPY`` on PostgreSQL),
and a few ``deliver_batch`` tasks share the delivery. The rules are those of
:func:`wuye.messaging.notify.notify` (plan, opt-outs, quiet hours, dedupe)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from django.db import connections, models, router, transaction
from django.utils import timezone

from wuye.messaging.events import event_type
from wuye.messaging.models import (
    ContactPreference,
    Message,
    MessageStatus,
    Notification,
    NotificationStatus,
)
from wuye.messaging.notify import (
    Policy,
    _addresses,
    opted_out,
    plan_channels,
    policy_for,
    quiet_release,
)
from wuye.places.models import Company, Occupant, Project

BULK_CHUNK = 2000
BATCH_WORKERS = 4


# --- bulk -----------------------------------------------------------------------------------


def notify_many(
    *,
    event: str,
    occupant_ids: Sequence[int],
    context: dict[str, Any],
    company: Company,
    source: str,
    dedupe_prefix: str,
    project: Project | None = None,
    category: str | None = None,
    now: dt.datetime | None = None,
) -> int:
    """One notification per occupant (skipping those already queued under
    ``dedupe_prefix``), queued in chunks; returns how many were new. Each chunk commits on
    its own, so a crash loses nothing and a re-run queues only the rest."""
    from wuye.messaging.services import enqueue_batch_delivery

    et = event_type(event)
    now = now or timezone.now()
    category = category or et.category
    policy = policy_for(company.pk)
    created = 0
    ids = list(dict.fromkeys(occupant_ids))
    for start in range(0, len(ids), BULK_CHUNK):
        chunk = ids[start : start + BULK_CHUNK]
        with transaction.atomic():
            created += _notify_chunk(
                event=event,
                chunk=chunk,
                context=context,
                company=company,
                project=project,
                source=source,
                dedupe_prefix=dedupe_prefix,
                category=category,
                urgent=et.urgent,
                policy=policy,
                now=now,
            )
    if created:
        with transaction.atomic():
            enqueue_batch_delivery(source=source, workers=BATCH_WORKERS)
    return created


def _notify_chunk(
    *,
    event: str,
    chunk: list[int],
    context: dict[str, Any],
    company: Company,
    project: Project | None,
    source: str,
    dedupe_prefix: str,
    category: str,
    urgent: bool,
    policy: Policy,
    now: dt.datetime,
) -> int:
    keys = {oid: f"{dedupe_prefix}:o{oid}" for oid in chunk}
    done = set(
        Notification.objects.filter(dedupe_key__in=keys.values()).values_list(
            "dedupe_key", flat=True
        )
    )
    todo = [oid for oid in chunk if keys[oid] not in done]
    if not todo:
        return 0
    occupants = {
        o["pk"]: o
        for o in Occupant.objects.filter(pk__in=todo).values(
            "pk",
            "name",
            "contact_name",
            "mobile",
            "email",
            "project_id",
            "project__name",
            "project__service_phone",
            "user_id",
            "user__is_active",
            "user__mobile",
            "user__email",
        )
    }
    prefs: dict[tuple[str, int], ContactPreference] = {}
    user_ids = [o["user_id"] for o in occupants.values() if o["user_id"]]
    for row in ContactPreference.objects.filter(occupant_id__in=todo):
        prefs[("o", row.occupant_id)] = row  # type: ignore[index]
    for row in ContactPreference.objects.filter(user_id__in=user_ids):
        prefs[("u", row.user_id)] = row  # type: ignore[index]
    notifications: list[dict[str, Any]] = []
    first_address: dict[str, str | None] = {}
    for oid in todo:
        o = occupants.get(oid)
        if o is None:
            continue
        pref = prefs.get(("o", oid)) or (prefs.get(("u", o["user_id"])) if o["user_id"] else None)
        name = o["contact_name"] or o["name"]
        addresses = _addresses(
            user=None,
            mobile=o["mobile"] or o["user__mobile"] or "",
            email=o["email"] or o["user__email"] or "",
            openid=pref.wechat_openid if pref else "",
        )
        if o["user_id"] and o["user__is_active"]:
            addresses["in_app"] = str(o["user_id"])
        plan = plan_channels(
            addresses=addresses,
            preferred=pref.channels if pref else (),
            policy=policy,
            requested=None,
        )
        if opted_out(category, pref):
            status = NotificationStatus.OPTED_OUT
        elif not plan:
            status = NotificationStatus.UNREACHABLE
        else:
            status = NotificationStatus.PENDING
        notifications.append(
            {
                "company_id": company.pk,
                "project_id": o["project_id"],
                "event": event,
                "source": source[:100],
                "category": category,
                "urgent": urgent,
                "recipient_user_id": o["user_id"],
                "recipient_occupant_id": oid,
                "recipient_name": name[:200],
                "context": {
                    "name": name,
                    "project": o["project__name"],
                    "company": company.name,
                    "service_phone": o["project__service_phone"],
                    **context,
                },
                "language": (pref.language if pref and pref.language else "zh-hans"),
                "channels": plan,
                "status": status,
                "dedupe_key": keys[oid],
                "created_at": now,
                "finished_at": None if status == NotificationStatus.PENDING else now,
            }
        )
        first_address[keys[oid]] = addresses.get(plan[0]) if plan else None
    if not notifications:
        return 0
    new_ids = _insert_rows(Notification, notifications, allocate_ids=True)
    if new_ids is not None:
        pks = {n["dedupe_key"]: pk for n, pk in zip(notifications, new_ids, strict=True)}
    else:  # executemany returns no ids: read them back by the (unique) dedupe keys
        pks = dict(
            Notification.objects.filter(dedupe_key__in=first_address).values_list(
                "dedupe_key", "pk"
            )
        )
    messages: list[dict[str, Any]] = []
    releases: dict[str, dt.datetime | None] = {}
    for n in notifications:
        if n["status"] != NotificationStatus.PENDING:
            continue
        channel = n["channels"][0]
        if channel not in releases:
            releases[channel] = quiet_release(policy=policy, channel=channel, urgent=urgent, at=now)
        messages.append(
            {
                "company_id": company.pk,
                "project_id": n["project_id"],
                "notification_id": pks[n["dedupe_key"]],
                "event": event,
                "category": category,
                "urgent": urgent,
                "language": n["language"],
                "channel": channel,
                "recipient": first_address[n["dedupe_key"]],
                "recipient_user_id": n["recipient_user_id"],
                "context": n["context"],
                "status": MessageStatus.QUEUED,
                "next_attempt_at": releases[channel] or now,
                "dedupe_key": f"{n['dedupe_key']}:{channel}"[:200],  # as _message_key
                "created_at": now,
            }
        )
    if messages:
        _insert_rows(Message, messages)
    return len(notifications)


_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.SlugField,
    models.BooleanField,
    models.SmallIntegerField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.ForeignKey,
)


def _insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, allocate_ids: bool = False
) -> list[int] | None:
    """INSERT ``rows`` (attname → Python value; every row with the same keys) with one
    ``executemany`` (``COPY`` on PostgreSQL): the values ``bulk_create`` would write,
    without building model instances or compiling SQL per value (≈3.5× faster on SQLite
    for 100,000 notifications). Columns the rows leave out get the field's default; no
    signals are sent. With ``allocate_ids`` on PostgreSQL the ids are taken from the
    table's sequence first and returned, in the order of ``rows``; else None."""
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = rows[0].keys()
    unknown = set(given) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in given
    }

    def converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
        prep = partial(field.get_db_prep_save, connection=connection)
        if type(field) in _PLAIN_FIELDS:  # exact classes: no encrypting subclass here
            plain = (str, int, bool, type(None))
            memo: dict[Any, Any] = {}

            def plain_or_memo(value: Any) -> Any:
                if type(value) in plain:
                    return value
                if value not in memo:  # enum members, mostly
                    memo[value] = prep(value)
                return memo[value]

            return plain_or_memo
        if isinstance(field, models.DateTimeField):
            stamps: dict[Any, Any] = {}

            def stamp(value: Any) -> Any:
                if value not in stamps:
                    stamps[value] = prep(value)
                return stamps[value]

            return stamp
        return prep

    columns = [f for f in fields if f.attname in given]
    convert = [(f.attname, converter(f)) for f in columns]
    qn = connection.ops.quote_name
    column_of = {f.attname: str(f.column) for f in fields}
    names = [f.attname for f in columns] + list(defaults)
    table = qn(model._meta.db_table)
    column_list = ", ".join(qn(column_of[name]) for name in names)
    constant = tuple(defaults.values())
    values = [tuple(fn(row[name]) for name, fn in convert) + constant for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids: list[int] | None = None
            if allocate_ids:
                pk = model._meta.pk
                assert pk is not None
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [model._meta.db_table, pk.column, len(values)],
                )
                ids = [row[0] for row in cursor.fetchall()]
                column_list = f"{qn(str(pk.column))}, {column_list}"
                values = [(pk_value, *value) for pk_value, value in zip(ids, values, strict=True)]
            # COPY: several times faster than even psycopg's pipelined executemany.
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
            return ids
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(names))})"
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])
    return None
