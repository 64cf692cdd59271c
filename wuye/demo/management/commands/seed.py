"""``wuye seed --units N [--project-code bench]``: synthetic data for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuye.demo.seed import seed_units


class Command(BaseCommand):
    help = (
        "Create (or top up) a benchmark project with N units, one owner occupant each, and a "
        "project-manager user with an API token. Re-running with the same N does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, required=True, help="number of units wanted")
        parser.add_argument("--project-code", default="bench", help="project code (default: bench)")

    def handle(self, *args: Any, units: int, project_code: str, **options: Any) -> None:
        if units < 0:
            raise CommandError("--units must not be negative")
        result = seed_units(units=units, project_code=project_code)
        self.stdout.write(
            f"project {result.project.code} (id {result.project.pk}): {result.units_total} units, "
            f"{result.units_created} created in {result.seconds:.1f}s"
        )
        self.stdout.write(f"user: {result.user.username}")
        if result.token_secret:
            self.stdout.write(f"API token (shown once): {result.token_secret}")
