"""Deployment sanity checks (``manage.py check --deploy`` and every start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from connectors.products import role_choices
from diagnostics.milestones import configured_milestones
from portal.models import CHECK_INTERVAL_MAX, CHECK_INTERVAL_MIN
from portal.schedule import DEFAULT


@register(deploy=True)
def production_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.PORTAL_KEYS_GENERATED:
        return [
            Error(
                "Secrets are encrypted with a key generated in the data folder.",
                hint="Set PORTAL_SECRET_KEYS (comma-separated Fernet keys, newest first) for production.",
                id="portal.E001",
            )
        ]
    return []


@register()
def loopback_targets(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.PORTAL_ALLOW_LOOPBACK_TARGETS and not settings.EMBEDDED:
        return [
            Warning(
                "PORTAL_ALLOW_LOOPBACK_TARGETS is on in production: diagnostics may connect to this host.",
                hint="It is meant for the lab and tests; unset it.",
                id="portal.W001",
            )
        ]
    return []


@register()
def basic_auth_milestones(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A malformed PORTAL_BASIC_AUTH_MILESTONES stops every command that runs the checks (migrate, runserver)."""
    try:
        configured_milestones()
    except ValueError as exc:
        return [
            Error(
                f"PORTAL_BASIC_AUTH_MILESTONES: {exc}",
                hint='A JSON list of {"date": "YYYY-MM-DD", "what": "...", "source": "..."}; unset for the built-in dates.',
                id="portal.E002",
            )
        ]
    return []


@register()
def check_intervals(app_configs: Any, **kwargs: Any) -> list[Error]:
    """PORTAL_CHECK_INTERVALS names landscape roles (or "default") with minutes a system may have too."""
    known = {code for code, _ in role_choices()} | {DEFAULT}
    errors = []
    for key, minutes in settings.PORTAL_CHECK_INTERVALS.items():
        if key not in known:
            errors.append(f"{key!r} is not a landscape role ({', '.join(sorted(known))})")
        elif not CHECK_INTERVAL_MIN <= minutes <= CHECK_INTERVAL_MAX:
            errors.append(f"{key}:{minutes} is outside {CHECK_INTERVAL_MIN}-{CHECK_INTERVAL_MAX} minutes")
    hint = "e.g. PRD:15,QAS:60,default:60 (minutes; default covers every role not named)"
    return [Error(f"PORTAL_CHECK_INTERVALS: {error}", hint=hint, id="portal.E003") for error in errors]
