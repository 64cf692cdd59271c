"""``wuye token USERNAME [--name NAME]``: create an API token and print it.

Only the secret goes to stdout so that scripts can capture it
(``TOKEN=$(wuye token alice --name ci)``); everything else goes to stderr.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from wuye.accounts.models import User
from wuye.accounts.tokens import token_create


class Command(BaseCommand):
    help = "Create an API bearer token for a user and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to recognise the token by.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(username)s.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("User %(username)s is inactive.") % {"username": username})
        token, secret = token_create(user=user, name=name)
        self.stdout.write(secret)
        self.stderr.write(
            _("Created token %(prefix)s… for %(username)s. It is shown only once.")
            % {"prefix": token.prefix, "username": username}
        )
