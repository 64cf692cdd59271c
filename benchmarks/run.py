"""Throughput of the unit list (API, console page) against a plain-Django ceiling.

    python -m benchmarks.run [--units 100000] [--seconds 10] [--concurrency 4]
                             [--database-url URL] [--workers 2] [--json FILE]

1. Seeds ``--units`` units with ``wuye seed`` into ``var/bench/bench-<units>.sqlite3`` (or
   ``--database-url``), migrating it first.
2. Measures SQL queries per request in-process (Django test client +
   ``CaptureQueriesContext``) and checks the ceiling runs the same SQL as the API.
3. Starts granian (WSGI, ``--workers`` processes, one blocking thread each) on a free
   loopback port with ``DJANGO_SETTINGS_MODULE=benchmarks.settings``, which adds the
   ``/bench/`` ceiling views to the application's URLs.
4. Drives each endpoint for ``--seconds`` with ``--concurrency`` threads, each holding one
   keep-alive ``http.client`` connection, and prints requests/s, p50 and p99 latency.

The load generator shares the machine with the server: on 2 cores the numbers are lower
than a separate client machine would show, but the *ratios* between endpoints hold.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# (endpoint, its ceiling): reported as ratios.
PAIRS = (
    ("api units, first page", "ceiling, first page"),
    ("api units, deep page", "ceiling, deep page"),
    ("ceiling+auth, first page", "ceiling, first page"),
    ("api units, first page", "ceiling+auth, first page"),
)


# --- load generation -----------------------------------------------------------------------------


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000


def drive(
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    seconds: float,
    concurrency: int,
    max_requests: int = 10_000_000,
    method: str = "GET",
    body: Callable[[], tuple[bytes, dict[str, str]]] | None = None,
) -> LoadResult:
    """Request ``path`` from ``concurrency`` threads until ``seconds`` pass or
    ``max_requests`` have been sent. Each thread keeps one HTTP/1.1 connection open.
    ``body`` (for a POST) makes each request's body and extra headers."""
    result = LoadResult()
    lock = threading.Lock()
    budget = [max_requests]
    start = time.perf_counter()
    deadline = start + seconds

    def take() -> bool:
        with lock:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return True

    def worker() -> None:
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        errors = 0
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        while time.perf_counter() < deadline and take():
            payload, extra = body() if body is not None else (None, {})
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers={**headers, **extra})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[response.status] += 1
            if response.will_close:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.statuses.update(statuses)
            result.errors += errors

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - start
    result.requests = len(result.latencies)
    return result


def merge(parts: list[LoadResult]) -> LoadResult:
    total = LoadResult()
    for part in parts:
        total.latencies.extend(part.latencies)
        total.statuses.update(part.statuses)
        total.errors += part.errors
        total.seconds += part.seconds
    total.requests = len(total.latencies)
    return total


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        DATABASE_URL=database_url,
        WUYE_ENV="development",
        WUYE_DEBUG="0",
        WUYE_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    return env


def start_server(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or shutil.which(
        "granian"
    )
    if not granian:
        raise SystemExit("granian is not installed")
    command = [
        granian, "--interface", "wsgi", "--workers", str(workers), "--blocking-threads", "1",
        "--host", HOST, "--port", str(port), "--no-ws", "wuye.wsgi:application",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=server_env(database_url),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise SystemExit(f"granian exited with {process.returncode}:\n{stderr}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/bench/hello")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit("granian did not answer within 60 s")


def server_cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User + system CPU time consumed so far by the server's process group (Linux /proc).

    CPU time per request does not depend on what else runs on the machine the way
    requests/s do, so it is the steadier basis for comparing endpoints on a busy host.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # after the command name: state ppid pgrp ... utime(14th) stime(15th) of the full line
        if int(fields[2]) == process.pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        # granian was started in its own session: signal its process group (it and its workers).
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- preparing data and measuring queries in-process ---------------------------------------------


@dataclass
class Endpoint:
    name: str
    path: str
    headers: dict[str, str]
    queries: int | None = None  # per request, measured in-process
    status: int | None = None  # in-process status
    result: LoadResult | None = None
    rounds: list[LoadResult] = field(default_factory=list)
    cpu_seconds: float = 0.0  # server CPU over the measured rounds

    @property
    def cpu_ms_per_request(self) -> float | None:
        if not self.result or not self.result.requests:
            return None
        return self.cpu_seconds / self.result.requests * 1000

    @property
    def available(self) -> bool:
        return self.status == 200


def default_database_url(units: int) -> str:
    path = ROOT / "var" / "bench" / f"bench-{units}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def setup_django(database_url: str) -> None:
    for key, value in server_env(database_url).items():
        if key.startswith(("DJANGO_", "WUYE_", "DATABASE_")):
            os.environ[key] = value
    import django

    django.setup()


def prepare(units: int, project_code: str) -> tuple[list[Endpoint], dict[str, Any]]:
    """Migrate, seed, mint credentials and build the endpoint list (Django is set up)."""
    from django.core.management import call_command
    from django.test import Client

    from wuye.accounts.models import User
    from wuye.places.models import Occupant, Project, Unit

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed", units=units, project_code=project_code, stdout=open(os.devnull, "w"))  # noqa: SIM115
    seed_seconds = time.perf_counter() - t0
    project = Project.objects.get(company__code="bench", code=project_code)
    user = User.objects.get(username=f"bench-{project_code}")
    token = _mint_token(user)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value

    unit_count = Unit.objects.filter(project=project).count()
    # A phone tail that exists (about ten owners share each tail in 100,000 units).
    middle = Occupant.objects.filter(project=project).order_by("id")[unit_count // 2 :][:1].get()
    deep = _deep_cursor(project.pk, unit_count)
    api_headers = {"Authorization": f"Bearer {token}"} if token else {}
    pid = project.pk
    endpoints = [
        Endpoint("api units, first page", f"/api/v1/units?project={pid}&limit=50", api_headers),
        Endpoint("api units, deep page", f"/api/v1/units?project={pid}&limit=50&cursor={deep}", api_headers),
        Endpoint("api units, q=phone tail", f"/api/v1/units?q={middle.mobile_tail}&project={pid}", api_headers),
        Endpoint("console units page", f"/console/units/?project={pid}", {"Cookie": f"sessionid={session}"}),
        Endpoint("ceiling, first page", f"/bench/units?project={pid}&limit=50", {}),
        Endpoint("ceiling, deep page", f"/bench/units?project={pid}&limit=50&cursor={deep}", {}),
        Endpoint("ceiling+auth, first page", f"/bench/units-auth?project={pid}&limit=50", api_headers),
        Endpoint("hello (no database)", "/bench/hello", {}),
    ]  # fmt: skip
    info = {"units": unit_count, "project_id": pid, "seed_seconds": round(seed_seconds, 1)}
    return endpoints, info


def _mint_token(user: Any) -> str | None:
    try:
        from wuye.accounts.tokens import token_create
    except ImportError:
        return None
    from wuye.accounts.models import ApiToken

    # One live benchmark token at a time in the bench database.
    ApiToken.objects.filter(user=user, name="benchmark run").delete()
    _token, secret = token_create(user=user, name="benchmark run")
    return secret


def _deep_cursor(project_id: int, unit_count: int) -> str:
    """The API's cursor for the row in the middle of the project's unit list."""
    import base64

    from wuye.places.models import Unit

    order = ("project_id", "building_id", "number", "id")
    row = (
        Unit.objects.filter(project_id=project_id)
        .order_by(*order)
        .values_list(*order)[unit_count // 2]
    )
    raw = json.dumps(list(row), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def measure_queries(endpoints: list[Endpoint]) -> dict[str, tuple[str, Any]]:
    """Status and SQL query count per endpoint in-process; returns the unit-list SQL and the
    decoded JSON body per endpoint name (for the ceiling check)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    seen: dict[str, tuple[str, Any]] = {}
    for endpoint in endpoints:
        headers = {}
        for name, value in endpoint.headers.items():
            if name == "Cookie":
                key, _, val = value.partition("=")
                client.cookies[key] = val
            else:
                headers[name] = value
        client.get(endpoint.path, headers=headers)  # warm: e.g. a token's last-used write
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(endpoint.path, headers=headers)
        endpoint.status = response.status_code
        endpoint.queries = len(ctx.captured_queries)
        sql = "\n".join(
            q["sql"] for q in ctx.captured_queries if re.search(r'FROM "places_unit"', q["sql"])
        )
        is_json = response.get("Content-Type", "").startswith("application/json")
        seen[endpoint.name] = (sql, json.loads(response.content) if is_json else None)
        client.cookies.clear()
    return seen


def same_work(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    """The same unit-list SQL, whitespace aside, and the same JSON body."""
    (sql_a, body_a), (sql_b, body_b) = a, b
    normal = re.sub(r"\s+", " ", sql_a).strip() == re.sub(r"\s+", " ", sql_b).strip()
    return bool(sql_a) and normal and body_a == body_b


# --- report ------------------------------------------------------------------------------------


def table(endpoints: list[Endpoint]) -> str:
    header = f"{'endpoint':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>8} {'queries':>8}  note"
    lines = [header, "-" * len(header)]
    for e in endpoints:
        if not e.available or e.result is None:
            note = "n/a" if e.status == 404 else f"n/a (status {e.status})"
            lines.append(
                f"{e.name:<26} {'n/a':>8} {'n/a':>8} {'n/a':>8} {'n/a':>8} {'n/a':>8}  {note}"
            )
            continue
        r = e.result
        bad = sum(n for s, n in r.statuses.items() if s != 200) + r.errors
        note = f"{bad} non-200/errors" if bad else ""
        lines.append(
            f"{e.name:<26} {r.rps:>8.0f} {r.percentile(50):>8.1f} {r.percentile(99):>8.1f} "
            f"{e.cpu_ms_per_request or 0:>8.2f} {e.queries:>8}  {note}"
        )
    return "\n".join(lines)


def ratio(endpoints: list[Endpoint], api: str, ceiling: str) -> dict[str, float] | None:
    """API ÷ ceiling: requests/s overall, the median of the per-round requests/s ratios, and
    the inverse ratio of server CPU per request (the requests/s ratio a dedicated, CPU-bound
    server would show)."""
    by_name = {e.name: e for e in endpoints}
    a, c = by_name[api], by_name[ceiling]
    if not (a.available and c.available and a.result and c.result and c.result.rps):
        return None
    per_round = sorted(x.rps / y.rps for x, y in zip(a.rounds, c.rounds, strict=True) if y.rps)
    a_cpu, c_cpu = a.cpu_ms_per_request, c.cpu_ms_per_request
    return {
        "rps": a.result.rps / c.result.rps,
        "rps_median_round": statistics.median(per_round),
        "cpu": c_cpu / a_cpu if a_cpu and c_cpu else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=100_000)
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
    parser.add_argument(
        "--database-url", default="", help="default: var/bench/bench-<units>.sqlite3"
    )
    parser.add_argument("--project-code", default="bench")
    parser.add_argument("--only", default="", help="comma-separated substrings of endpoint names")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    database_url = args.database_url or default_database_url(args.units)
    setup_django(database_url)
    print(f"database: {database_url}")
    endpoints, info = prepare(args.units, args.project_code)
    print(
        f"seeded: {info['units']} units in project {info['project_id']} ({info['seed_seconds']} s)"
    )
    seen = measure_queries(endpoints)
    from django.db import connections

    connections.close_all()
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        endpoints = [e for e in endpoints if any(w in e.name for w in wanted)]

    checks = {}
    for api, ceiling in PAIRS:
        if seen.get(api, ("", None))[0]:
            checks[(api, ceiling)] = same_work(seen[api], seen[ceiling])

    port = free_port()
    server = start_server(database_url, port, args.workers)
    live = [e for e in endpoints if e.available]
    per_round = args.seconds / args.rounds
    try:
        for endpoint in live:
            if args.warmup:
                drive(
                    port,
                    endpoint.path,
                    endpoint.headers,
                    seconds=args.warmup,
                    concurrency=args.concurrency,
                )
        # Rounds interleave the endpoints, so a burst of unrelated load on the machine
        # hits every endpoint alike instead of skewing one of them.
        for n in range(args.rounds):
            for endpoint in live:
                cpu_before = server_cpu_seconds(server)
                part = drive(
                    port, endpoint.path, endpoint.headers, seconds=per_round,
                    concurrency=args.concurrency, max_requests=args.max_requests,
                )  # fmt: skip
                endpoint.cpu_seconds += server_cpu_seconds(server) - cpu_before
                endpoint.rounds.append(part)
            print(f"  round {n + 1}/{args.rounds}: "
                  + ", ".join(f"{e.name} {e.rounds[-1].rps:.0f}/s" for e in live), flush=True)  # fmt: skip
    finally:
        stop_server(server)
    for endpoint in live:
        endpoint.result = merge(endpoint.rounds)

    print()
    print(f"granian --workers {args.workers} --blocking-threads 1; {args.concurrency} client threads; "
          f"{args.seconds:g} s per endpoint in {args.rounds} rounds; {os.cpu_count()} CPUs; "
          f"{info['units']} units")  # fmt: skip
    print(table(endpoints))
    ratios = {}
    for api, ceiling in PAIRS:
        if api in {e.name for e in endpoints} and ceiling in {e.name for e in endpoints}:
            value = ratio(endpoints, api, ceiling)
            ratios[f"{api} / {ceiling}"] = value
            shown = (
                "n/a"
                if value is None
                else f"{value['rps']:.2f}× by req/s (median of rounds {value['rps_median_round']:.2f}×), "
                f"{value['cpu']:.2f}× by server CPU per request"
            )
            sql = {
                True: "same SQL and JSON",
                False: "SQL OR JSON DIFFERS",
                None: "SQL not compared",
            }[checks.get((api, ceiling))]
            print(f"{api} / {ceiling}: {shown} ({sql})")
    if args.json:
        args.json.write_text(json.dumps({
            "info": info, "args": {k: str(v) for k, v in vars(args).items()},
            "endpoints": [
                {"name": e.name, "path": e.path, "status": e.status, "queries": e.queries,
                 "rps": e.result.rps if e.result else None,
                 "p50_ms": e.result.percentile(50) if e.result else None,
                 "p99_ms": e.result.percentile(99) if e.result else None,
                 "cpu_ms": e.cpu_ms_per_request}
                for e in endpoints
            ],
            "ratios": ratios, "same_sql": {f"{a} / {c}": v for (a, c), v in checks.items()},
        }, indent=2, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
