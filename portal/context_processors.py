from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.roles import role_flags


def roles(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may offer this user; the views check again on every request."""
    return {"can": role_flags(request.user)}
