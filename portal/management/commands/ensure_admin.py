from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.admin_account import ensure_admin


class Command(BaseCommand):
    help = (
        "Make sure an administrator account exists. Its password comes from PORTAL_ADMIN_PASSWORD, "
        "otherwise one is generated once and printed. An existing account is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=os.environ.get("PORTAL_ADMIN_USER", "admin"))

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        account = ensure_admin(username)
        if not account.created:
            self.stdout.write(f"Administrator {username!r} exists; its password is unchanged.")
        elif not account.generated_password:
            self.stdout.write(f"Administrator {username!r} created with the password from PORTAL_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Administrator {username!r} created with the generated password: {account.generated_password}\n"
                    "It is shown only this once; change it with `python manage.py changepassword admin`."
                )
            )
