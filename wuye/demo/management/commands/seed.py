"""``wuye seed --units N`` / ``wuye seed --tickets N``: synthetic data for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuye.demo.seed import seed_units


class Command(BaseCommand):
    help = (
        "Create (or top up) a benchmark project with N units, one owner occupant each, and a "
        "project-manager user with an API token (--units); or bench projects holding N "
        "service-desk tickets with their events, clocks and return visits (--tickets). "
        "Re-running with the same N does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, help="number of units wanted")
        parser.add_argument("--project-code", default="bench", help="project code (default: bench)")
        parser.add_argument(
            "--tickets", type=int, help="number of tickets wanted (projects tk01, tk02, …)"
        )

    def handle(
        self, *args: Any, units: int | None, project_code: str, tickets: int | None, **options: Any
    ) -> None:
        if units is None and tickets is None:
            raise CommandError("give --units N or --tickets N")
        if (units or 0) < 0 or (tickets or 0) < 0:
            raise CommandError("N must not be negative")
        if units is not None:
            result = seed_units(units=units, project_code=project_code)
            self.stdout.write(
                f"project {result.project.code} (id {result.project.pk}): {result.units_total} "
                f"units, {result.units_created} created in {result.seconds:.1f}s"
            )
            self.stdout.write(f"user: {result.user.username}")
            if result.token_secret:
                self.stdout.write(f"API token (shown once): {result.token_secret}")
        if tickets is not None:
            from wuye.demo.seed_tickets import seed_tickets

            seeded = seed_tickets(tickets=tickets)
            codes = ", ".join(p.code for p in seeded.projects)
            self.stdout.write(
                f"projects {codes}: {seeded.tickets_total} tickets, {seeded.tickets_created} "
                f"created in {seeded.seconds:.1f}s"
            )
            if seeded.rows:
                self.stdout.write(
                    "rows: " + ", ".join(f"{n} {name}" for name, n in sorted(seeded.rows.items()))
                )
            self.stdout.write(f"user: {seeded.user.username}")
            if seeded.token_secret:
                self.stdout.write(f"API token (shown once): {seeded.token_secret}")
