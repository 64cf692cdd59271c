"""``wuye holidays import FILE.csv`` and ``wuye holidays check [YEAR ...]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from wuye.core.errors import DomainError
from wuye.workcal import calendar, services


class Command(BaseCommand):
    help = "Import public holidays for years chinese-calendar does not cover, or check a year's coverage."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="Create or update holidays from a CSV (date,kind,name[,note])."
        )
        imp.add_argument("file", type=Path)
        check = sub.add_parser("check", help="Say where each year's holidays come from.")
        check.add_argument("years", nargs="*", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["file"])
        else:
            this_year = timezone.localdate().year  # Asia/Shanghai, as the admin warning
            self._check(options["years"] or [this_year, this_year + 1])

    def _import(self, file: Path) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = services.holidays_import(actor=None, rows=services.parse_holiday_csv(text))
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged "
                f"(years: {', '.join(str(y) for y in sorted(result.years)) or '-'})"
            )
        )

    def _check(self, years: list[int]) -> None:
        for year in years:
            package, table = calendar.year_sources(year)
            if package and table:
                line = f"{year}: chinese-calendar, with Holiday table overrides"
            elif package:
                line = f"{year}: chinese-calendar"
            elif table:
                line = f"{year}: Holiday table only"
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"{year}: NO holiday data — only the projects' working weekdays apply; "
                        f"import the year with `wuye holidays import FILE.csv`"
                    )
                )
                continue
            self.stdout.write(line)
