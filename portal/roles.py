"""The three groups of the portal and what each may do.

Permissions are Django's; the groups are created by a data migration. Views check permissions, the
navigation only mirrors them.
"""

from __future__ import annotations

from typing import Any

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


def role_flags(user: Any) -> dict[str, bool]:
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "edit": user.has_perm("portal.change_mailsetup"),
        "run": user.has_perm("portal.run_checks"),
        "send": user.has_perm("portal.send_test_mail"),
        "dashboard": user.has_perm("portal.view_dashboard"),
        "admin": user.is_staff,
    }


def landing_page(user: Any) -> str:
    """The URL name a user starts on: the Helpdesk page for the helpdesk (may run checks, not edit),
    the systems list for everyone else."""
    flags = role_flags(user)
    return "helpdesk" if flags.get("run") and not flags.get("edit") else "system_list"
