from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from portal.roles import BASIS_ADMIN


class Command(BaseCommand):
    help = (
        "Make sure an administrator account exists. Its password comes from PORTAL_ADMIN_PASSWORD, "
        "otherwise one is generated once and printed. An existing account is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=os.environ.get("PORTAL_ADMIN_USER", "admin"))

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Administrator {username!r} exists; its password is unchanged.")
            return
        password = os.environ.get("PORTAL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=BASIS_ADMIN))
        if os.environ.get("PORTAL_ADMIN_PASSWORD"):
            self.stdout.write(f"Administrator {username!r} created with the password from PORTAL_ADMIN_PASSWORD.")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Administrator {username!r} created with the generated password: {password}\n"
                    "It is shown only this once; change it with `python manage.py changepassword admin`."
                )
            )
