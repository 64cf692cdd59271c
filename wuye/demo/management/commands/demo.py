"""``wuye demo``: load the demo world (idempotent) and print the demo logins."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wuye.demo.data.plan import RESIDENT_MOBILE
from wuye.demo.services import demo_load


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = (
        "Create the demo companies, projects, buildings, units, occupants and users, and the "
        "service desk's teams, price lists and a few hundred tickets of the last 90 days. Safe "
        "to run again: existing rows are kept and nothing is duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Also set the demo password on demo users that already exist.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Load even when WUYE_ENV=production."
        )
        parser.add_argument(
            "--no-tickets",
            action="store_true",
            help="Skip the service desk's demo tickets (teams, price lists, tickets).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("Refusing to load demo data with WUYE_ENV=production (use --force).")
        started = time.monotonic()
        result = demo_load(
            reset_passwords=options["reset_passwords"], tickets=not options["no_tickets"]
        )
        seconds = time.monotonic() - started
        if result.created_total:
            parts = ", ".join(f"{n} {name}" for name, n in sorted(result.created.items()))
            self.stdout.write(f"Demo data loaded in {seconds:.1f} s: created {parts}.")
        else:
            self.stdout.write(f"Demo data already present; nothing created ({seconds:.1f} s).")
        if options["verbosity"] < 1:
            return
        rows = [("username", "name", "role", "scope")]
        rows += [(x.username, x.display_name, x.role, x.scope) for x in result.logins]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        for n, row in enumerate(rows):
            self.stdout.write(
                "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
            )
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Password for every demo login: {settings.WUYE_DEMO_PASSWORD}")
        self.stdout.write(
            f"The resident also signs in to the portal with mobile {RESIDENT_MOBILE} "
            "(password or one-time code, printed here by the console channel)."
        )
        if result.created.get("user", 0) < len(result.logins) and not options["reset_passwords"]:
            self.stdout.write(
                "(Users that existed before keep their password; --reset-passwords sets it.)"
            )
