"""Deployment sanity checks (``manage.py check --deploy`` and every start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


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
