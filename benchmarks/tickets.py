"""The service desk at scale: a million tickets.

    python -m benchmarks.tickets [--tickets 1000000] [--seconds 10] [--concurrency 4]
                                 [--database-url URL] [--workers 2] [--json FILE]
                                 [--skip-http] [--only NAMES]

1. Seeds ``--tickets`` tickets with ``wuye seed --tickets`` (``wuye.demo.seed_tickets``:
   bench projects of 40,000 tickets and 2,000 units each, events, clocks, pauses, return
   visits, escalations already sent) into ``var/bench/tickets-<N>.sqlite3`` (or
   ``--database-url``), migrating it first; a database already holding N tickets is reused.
2. In-process, at the moment the tickets were seeded "as of":
   - the **escalation sweep** over every open ticket (``escalation_sweep``): the levels that
     came due in the last ten minutes, the same sweep again (nothing left: the every-minute
     steady state), and the sweep an hour later (an hour of levels to record);
   - the **reports** (``wuye.servicedesk.reports``) for one project and for all of them;
   - **ticket_register** per call (the service under ``POST /api/v1/tickets``);
   all inside transactions that are rolled back, so reruns measure the same data.
3. The SQL queries per request of each endpoint (Django test client), and a check that the
   ticket-list ceiling runs the API's SQL.
4. granian as in ``benchmarks.run``: requests/s, latency and server CPU per request of
   ``GET /api/v1/tickets`` (first and a deep page), ``POST /api/v1/tickets`` (each request
   with its own ``Idempotency-Key``), the ticket-list ceiling (``/bench/tickets``: the API's
   query with the scope handed in and ``JsonResponse``), and the bare ceilings of the unit
   benchmark (``/bench/units``, ``/bench/hello``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import re
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.run import (
    ROOT,
    Endpoint,
    _mint_token,
    drive,
    free_port,
    merge,
    server_cpu_seconds,
    setup_django,
    start_server,
    stop_server,
)

PAIRS = (
    ("api tickets, first page", "ceiling tickets, first page"),
    ("api tickets, deep page", "ceiling tickets, deep page"),
    ("api tickets, first page", "ceiling units, first page"),
)
REPORTS = (
    "sla_report",
    "same_day_report",
    "visit_report",
    "rework_report",
    "complaint_report",
    "hotspot_report",
    "technician_report",
    "overdue_report",
)


@dataclass
class TicketEndpoint(Endpoint):
    method: str = "GET"
    expect: int = 200
    body: Callable[[], tuple[bytes, dict[str, str]]] | None = None

    @property
    def available(self) -> bool:
        return self.status == self.expect


def default_database_url(tickets: int) -> str:
    path = ROOT / "var" / "bench" / f"tickets-{tickets}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    """(result, seconds, SQL queries) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, seconds, len(ctx.captured_queries)


# --- seeding and the in-process figures ----------------------------------------------------------


def seed(tickets: int) -> dict[str, Any]:
    from django.core.management import call_command

    from wuye.demo.seed_tickets import seed_tickets

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = seed_tickets(tickets=tickets)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "created": result.tickets_created,
        "total": result.tickets_total,
        "projects": result.projects,
        "rows": dict(result.rows),
    }


def counts(projects: list[Any]) -> dict[str, int]:
    from wuye.servicedesk.models import Ticket, TicketClock, TicketEvent
    from wuye.servicedesk.selectors import OPEN_STATES

    tickets = Ticket.objects.filter(project__in=projects)
    return {
        "tickets": tickets.count(),
        "open tickets": tickets.filter(
            state__in=[*OPEN_STATES, "completed", "return_visited"]
        ).count(),
        "running clocks": TicketClock.objects.filter(
            ticket__project__in=projects, stopped_at__isnull=True
        ).count(),
        "events": TicketEvent.objects.filter(ticket__project__in=projects).count(),
    }


def sweep_figures(now: dt.datetime) -> list[dict[str, Any]]:
    """The escalation sweep over every open ticket (rolled back afterwards)."""
    from django.db import transaction

    from wuye.servicedesk.escalation import escalation_sweep

    figures = []
    with transaction.atomic():
        for label, at in (
            ("last 10 minutes' levels", now),
            ("again (steady state)", now),
            ("an hour later", now + dt.timedelta(hours=1)),
        ):
            result, seconds, queries = _timed(lambda at=at: escalation_sweep(now=at))
            figures.append(
                {
                    "sweep": label,
                    "seconds": round(seconds, 3),
                    "queries": queries,
                    "warned": result.warned,
                    "breached": result.breached,
                    "second": result.second,
                }
            )
        transaction.set_rollback(True)
    return figures


def report_figures(
    manager: Any, admin: Any, project_id: int, now: dt.datetime, repeat: int = 3
) -> list[dict[str, Any]]:
    """Each report's time (median of ``repeat`` runs) and query count."""
    from django.db import transaction

    from wuye.servicedesk import reports

    today = now.date()
    cases = [
        ("1 project, last month", {"user": manager, "project_id": project_id, "period": "last_month"}),
        ("all projects, last month", {"user": admin, "period": "last_month"}),
        ("all projects, 12 months", {
            "user": admin, "date_from": today - dt.timedelta(days=365), "date_to": today,
        }),
    ]  # fmt: skip
    figures = []
    with transaction.atomic():  # some reports might cache settings rows: leave nothing behind
        for label, kwargs in cases:
            f = reports.report_filter(now=now, **kwargs)
            for name in REPORTS:
                fn = getattr(reports, name, None)
                if fn is None:
                    figures.append({"case": label, "report": name, "missing": True})
                    continue
                runs = []
                queries = 0
                for _ in range(repeat):
                    fresh = reports.report_filter(now=now, **kwargs) if runs else f
                    _result, seconds, queries = _timed(lambda fn=fn, fresh=fresh: fn(fresh))
                    runs.append(seconds)
                figures.append(
                    {
                        "case": label,
                        "report": name,
                        "ms": round(statistics.median(runs) * 1000, 1),
                        "queries": queries,
                    }
                )
        transaction.set_rollback(True)
    return figures


def register_figures(manager: Any, project: Any, n: int = 200) -> dict[str, Any]:
    """``ticket_register`` in-process, ``n`` calls (rolled back)."""
    from django.db import transaction

    from wuye.places.models import Occupancy
    from wuye.servicedesk.models import Category
    from wuye.servicedesk.services import ticket_register

    homes = list(
        Occupancy.objects.filter(unit__project=project, end_date__isnull=True)
        .select_related("unit__building", "occupant")
        .order_by("id")[:n]
    )
    water = Category.objects.filter(project=project, code="water").first()
    with transaction.atomic():
        started = time.perf_counter()
        for home in itertools.islice(itertools.cycle(homes), n):
            ticket_register(
                actor=manager,
                project=project,
                kind="repair_unit",
                description="厨房水龙头关不紧，一直滴水",
                category=water,
                unit=home.unit,
                reporter=home.occupant,
            )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "calls": n,
        "ms_per_call": round(seconds / n * 1000, 2),
        "per_second": round(n / seconds),
    }


# --- endpoints -----------------------------------------------------------------------------------


def endpoints(project: Any, manager: Any, token: str | None) -> list[TicketEndpoint]:
    from wuye.api.routers import tickets_read as read
    from wuye.places.models import Unit
    from wuye.servicedesk.models import Category, Ticket

    pid = project.pk
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    total = Ticket.objects.filter(project=project).count()
    middle = (
        Ticket.objects.filter(project=project)
        .order_by("-created_at", "-id")
        .values_list("project_id", "created_at", "id")[total // 2]
    )
    deep = read._encode(list(middle))
    units = list(Unit.objects.filter(project=project).order_by("id").values_list("id", flat=True))
    water = (
        Category.objects.filter(project=project, code="water").values_list("id", flat=True).first()
    )
    turn = itertools.count()

    def create_body() -> tuple[bytes, dict[str, str]]:
        unit = units[next(turn) % len(units)]
        payload = {
            "unit_id": unit,
            "kind": "repair_unit",
            "category_id": water,
            "description": "卫生间地漏返臭味，排水很慢",
            "channel": "phone",
        }
        return json.dumps(payload).encode(), {
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }

    uid = manager.pk
    return [
        TicketEndpoint("api tickets, first page", f"/api/v1/tickets?project_id={pid}&limit=50", auth),
        TicketEndpoint("api tickets, deep page", f"/api/v1/tickets?project_id={pid}&limit=50&cursor={deep}", auth),
        TicketEndpoint("api create ticket", "/api/v1/tickets", auth, method="POST", expect=201, body=create_body),
        TicketEndpoint("ceiling tickets, first page", f"/bench/tickets?project={pid}&user={uid}&limit=50", {}),
        TicketEndpoint("ceiling tickets, deep page", f"/bench/tickets?project={pid}&user={uid}&limit=50&cursor={deep}", {}),
        TicketEndpoint("ceiling units, first page", f"/bench/units?project={pid}&limit=50", {}),
        TicketEndpoint("hello (no database)", "/bench/hello", {}),
    ]  # fmt: skip


def measure_queries(eps: list[TicketEndpoint]) -> dict[str, str]:
    """Status and queries per endpoint in-process, after one warming request (writes rolled
    back); returns each endpoint's ticket-list SQL, for the ceiling check."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    sql: dict[str, str] = {}
    for e in eps:

        def call(e: TicketEndpoint = e) -> Any:
            payload, extra = e.body() if e.body else (None, {})
            headers = {k: v for k, v in {**e.headers, **extra}.items() if k != "Content-Type"}
            if e.method == "POST":
                return client.post(
                    e.path, data=payload, content_type="application/json", headers=headers
                )
            return client.get(e.path, headers=headers)

        with transaction.atomic():
            call()  # warm: e.g. the token's last-used write
            with CaptureQueriesContext(connection) as ctx:
                response = call()
            transaction.set_rollback(True)
        e.status = response.status_code
        e.queries = len(ctx.captured_queries)
        sql[e.name] = "\n".join(
            q["sql"] for q in ctx.captured_queries if 'FROM "servicedesk_ticket"' in q["sql"]
        )
    return sql


def same_sql(a: str, b: str) -> bool:
    return bool(a) and re.sub(r"\s+", " ", a).strip() == re.sub(r"\s+", " ", b).strip()


# --- report --------------------------------------------------------------------------------------


def table(eps: list[TicketEndpoint]) -> str:
    header = f"{'endpoint':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>8} {'queries':>8}  note"
    lines = [header, "-" * len(header)]
    for e in eps:
        if e.available and e.result is None:  # --skip-http, or left out by --only
            lines.append(
                f"{e.name:<28} {'-':>8} {'-':>8} {'-':>8} {'-':>8} {e.queries:>8}  not loaded"
            )
            continue
        if not e.available or e.result is None:
            note = "n/a" if e.status == 404 else f"n/a (status {e.status})"
            lines.append(
                f"{e.name:<28} {'n/a':>8} {'n/a':>8} {'n/a':>8} {'n/a':>8} {'n/a':>8}  {note}"
            )
            continue
        r = e.result
        bad = sum(n for s, n in r.statuses.items() if s != e.expect) + r.errors
        note = f"{bad} unexpected statuses/errors" if bad else ""
        lines.append(
            f"{e.name:<28} {r.rps:>8.0f} {r.percentile(50):>8.1f} {r.percentile(99):>8.1f} "
            f"{e.cpu_ms_per_request or 0:>8.2f} {e.queries:>8}  {note}"
        )
    return "\n".join(lines)


def ratio(eps: list[TicketEndpoint], a_name: str, c_name: str) -> dict[str, float] | None:
    by_name = {e.name: e for e in eps}
    a, c = by_name.get(a_name), by_name.get(c_name)
    if not (a and c and a.available and c.available and a.result and c.result and c.result.rps):
        return None
    per_round = sorted(x.rps / y.rps for x, y in zip(a.rounds, c.rounds, strict=True) if y.rps)
    a_cpu, c_cpu = a.cpu_ms_per_request, c.cpu_ms_per_request
    return {
        "rps": a.result.rps / c.result.rps,
        "rps_median_round": statistics.median(per_round),
        "cpu": c_cpu / a_cpu if a_cpu and c_cpu else float("nan"),
    }


def load(eps: list[TicketEndpoint], database_url: str, args: argparse.Namespace) -> None:
    port = free_port()
    server = start_server(database_url, port, args.workers)
    live = [e for e in eps if e.available]
    per_round = args.seconds / args.rounds
    try:
        for e in live:
            if args.warmup:
                drive(port, e.path, e.headers, seconds=args.warmup, concurrency=args.concurrency,
                      method=e.method, body=e.body)  # fmt: skip
        for n in range(args.rounds):
            for e in live:
                cpu_before = server_cpu_seconds(server)
                part = drive(
                    port, e.path, e.headers, seconds=per_round, concurrency=args.concurrency,
                    max_requests=args.max_requests, method=e.method, body=e.body,
                )  # fmt: skip
                e.cpu_seconds += server_cpu_seconds(server) - cpu_before
                e.rounds.append(part)
            print(f"  round {n + 1}/{args.rounds}: "
                  + ", ".join(f"{e.name} {e.rounds[-1].rps:.0f}/s" for e in live), flush=True)  # fmt: skip
    finally:
        stop_server(server)
    for e in live:
        e.result = merge(e.rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per endpoint")
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds (seconds are split)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (connections)")
    parser.add_argument(
        "--max-requests", type=int, default=10_000_000, help="per endpoint and round"
    )
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--database-url", default="", help="default: var/bench/tickets-<N>.sqlite3")
    parser.add_argument("--only", default="", help="comma-separated substrings of endpoint names")
    parser.add_argument("--skip-http", action="store_true", help="in-process figures only")
    parser.add_argument("--register-calls", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    database_url = args.database_url or default_database_url(args.tickets)
    setup_django(database_url)
    print(f"database: {database_url}")
    from django.utils import timezone

    from wuye.accounts.models import User
    from wuye.demo.seed_tickets import BENCH_ADMIN, seeded_at

    seeded = seed(args.tickets)
    projects = seeded["projects"]
    project = projects[0]
    print(f"seeded: {seeded['total']} tickets in {len(projects)} projects "
          f"({seeded['created']} new in {seeded['seconds']} s)")  # fmt: skip
    if seeded["rows"]:
        print("  rows: " + ", ".join(f"{n} {k}" for k, n in sorted(seeded["rows"].items())))
    now = seeded_at(project) or timezone.now()
    manager = User.objects.get(username=f"bench-{project.code}")
    admin = User.objects.get(username=BENCH_ADMIN)
    info: dict[str, Any] = {"as_of": now.isoformat(), **counts(projects)}
    print("  " + ", ".join(f"{k}: {v}" for k, v in info.items()))

    print("\nescalation sweep over all open tickets (as of the seeding, rolled back):")
    sweeps = sweep_figures(now)
    for s in sweeps:
        print(f"  {s['sweep']:<26} {s['seconds']:>8.3f} s  {s['queries']:>6} queries  "
              f"recorded: {s['warned']} warn, {s['breached']} breach, {s['second']} second")  # fmt: skip

    print("\nreports (median of 3, ms; queries):")
    report_rows = report_figures(manager, admin, project.pk, now)
    for r in report_rows:
        shown = "missing" if r.get("missing") else f"{r['ms']:>9.1f} ms {r['queries']:>4} q"
        print(f"  {r['case']:<26} {r['report']:<18} {shown}")

    register = register_figures(manager, project, args.register_calls)
    print(f"\nticket_register in-process: {register['ms_per_call']} ms per call "
          f"({register['per_second']}/s, {register['calls']} calls, rolled back)")  # fmt: skip

    token = _mint_token(manager)
    eps = endpoints(project, manager, token)
    sql = measure_queries(eps)
    from django.db import connections

    connections.close_all()
    checks = {
        (a, c): same_sql(sql.get(a, ""), sql.get(c, ""))
        for a, c in PAIRS
        if c.startswith("ceiling tickets")
    }
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        eps = [e for e in eps if any(w in e.name for w in wanted)]
    if not args.skip_http:
        print()
        load(eps, database_url, args)
        print()
        print(f"granian --workers {args.workers} --blocking-threads 1; {args.concurrency} client "
              f"threads; {args.seconds:g} s per endpoint in {args.rounds} rounds; "
              f"{os.cpu_count()} CPUs; {info['tickets']} tickets")  # fmt: skip
    print(table(eps))
    ratios = {}
    for a, c in PAIRS:
        value = ratio(eps, a, c)
        ratios[f"{a} / {c}"] = value
        shown = ("n/a" if value is None else
                 f"{value['rps']:.2f}× by req/s (median of rounds {value['rps_median_round']:.2f}×), "
                 f"{value['cpu']:.2f}× by server CPU per request")  # fmt: skip
        check = checks.get((a, c))
        note = "" if check is None else " (same SQL)" if check else " (SQL DIFFERS)"
        print(f"{a} / {c}: {shown}{note}")
    if args.json:
        args.json.write_text(json.dumps({
            "info": info, "seed": {k: v for k, v in seeded.items() if k != "projects"},
            "args": {k: str(v) for k, v in vars(args).items()},
            "sweep": sweeps, "reports": report_rows, "register": register,
            "endpoints": [
                {"name": e.name, "method": e.method, "path": e.path, "status": e.status,
                 "queries": e.queries, "rps": e.result.rps if e.result else None,
                 "p50_ms": e.result.percentile(50) if e.result else None,
                 "p99_ms": e.result.percentile(99) if e.result else None,
                 "cpu_ms": e.cpu_ms_per_request}
                for e in eps
            ],
            "ratios": ratios, "same_sql": {f"{a} / {c}": v for (a, c), v in checks.items()},
        }, indent=2, ensure_ascii=False, default=str))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
