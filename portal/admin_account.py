"""The administrator account the embedded mode and a fresh installation start with."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from portal.roles import BASIS_ADMIN


@dataclass(frozen=True)
class AdminAccount:
    username: str
    created: bool
    generated_password: str = ""  # only when it was created just now without PORTAL_ADMIN_PASSWORD


def ensure_admin(username: str) -> AdminAccount:
    """Create the account if it is missing (a Basis admin and superuser); an existing one is left as it is."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return AdminAccount(username, created=False)
    given = os.environ.get("PORTAL_ADMIN_PASSWORD", "")
    password = given or secrets.token_urlsafe(12)
    user = User.objects.create_superuser(username=username, email="", password=password)
    user.groups.add(Group.objects.get(name=BASIS_ADMIN))
    return AdminAccount(username, created=True, generated_password="" if given else password)
