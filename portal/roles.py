"""The three groups of the portal and what each may do.

Permissions are Django's; the groups are created by a data migration. Views check permissions, the
navigation only mirrors them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied

BASIS_ADMIN = "Basis admin"
HELPDESK = "Helpdesk"
MANAGER = "Manager"

GROUP_PERMISSIONS: dict[str, list[str]] = {
    BASIS_ADMIN: [
        "portal.view_sapsystem", "portal.add_sapsystem", "portal.change_sapsystem", "portal.delete_sapsystem",
        "portal.view_mailsetup", "portal.add_mailsetup", "portal.change_mailsetup",
        "portal.run_checks", "portal.send_test_mail", "portal.view_dashboard", "portal.view_auditevent",
    ],
    HELPDESK: ["portal.view_sapsystem", "portal.view_mailsetup", "portal.run_checks"],
    MANAGER: ["portal.view_sapsystem", "portal.view_mailsetup", "portal.view_dashboard"],
}  # fmt: skip
# Permissions of apps whose models came later: portal's 0002_roles migration knows only the models of its
# time, so each later app grants its own in a migration (monitoring/0002_alert_permissions).
LATER_PERMISSIONS: dict[str, list[str]] = {
    BASIS_ADMIN: ["monitoring.view_subscription", "monitoring.add_subscription", "monitoring.change_subscription",
                  "monitoring.delete_subscription", "monitoring.change_systemalerting"],
}  # fmt: skip


def role_flags(user: Any) -> dict[str, bool]:
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "edit": user.has_perm("portal.change_mailsetup"),
        "run": user.has_perm("portal.run_checks"),
        "send": user.has_perm("portal.send_test_mail"),
        "dashboard": user.has_perm("portal.view_dashboard"),
        "alerts": user.has_perm("monitoring.change_subscription"),
        "admin": user.is_staff,
    }


def landing_page(user: Any) -> str:
    """The URL name a user starts on: the Helpdesk page for the helpdesk (may run checks, not edit),
    the systems list for everyone else."""
    flags = role_flags(user)
    return "helpdesk" if flags.get("run") and not flags.get("edit") else "system_list"


def roles_with(permission: str) -> list[str]:
    """The groups that hold ``permission`` ("portal.view_dashboard" -> Basis admin, Manager)."""
    return [group for group, permissions in GROUP_PERMISSIONS.items()
            if permission in permissions or permission in LATER_PERMISSIONS.get(group, [])]  # fmt: skip


def roles_of(user: Any) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [name for name in GROUP_PERMISSIONS if name in {group.name for group in user.groups.all()}]


def permission_required(permission: str, *, raise_exception: bool = True) -> Callable[[Callable], Callable]:
    """Django's decorator of the same name, but the refusal names the permission, so that the 403 page
    can say which roles have it. It always refuses with a 403 (``raise_exception`` is accepted for
    Django's signature): the login middleware has already sent anyone not signed in to the login page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not request.user.has_perm(permission):
                raise PermissionDenied(permission)
            return view(request, *args, **kwargs)

        return checked

    return decorator
