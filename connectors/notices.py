"""Notices shown at the top of a guide: about the cloud, the credential's expiry, the product."""

from __future__ import annotations

from datetime import date

from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.guide import Notice

EXPIRY_WARNING_DAYS = 30


def cloud_notices(config: MailConfig) -> list[Notice]:
    cloud = cloud_for(config.cloud)
    if cloud.is_lab:
        return [
            Notice(
                "info",
                "Lab cloud: hosts and ports point at the portal's local stand-ins for the demo. "
                "Commands and scripts are shown with global-cloud names; never run them against a real tenant.",
            )
        ]
    if not cloud.confirmed:
        return [
            Notice(
                "warning",
                f"Some {cloud.label} endpoints (SMTP host, MX suffix) come from secondary sources. "
                "Compare them with your tenant's admin center; every host can be overridden in the setup.",
            )
        ]
    return []


def expiry_notices(config: MailConfig, today: date) -> list[Notice]:
    notices: list[Notice] = []
    for label, expires, code in (
        ("client secret", config.secret_expires if config.credential == "secret" else None, "AADSTS7000222"),
        ("certificate", config.certificate_expires if config.credential == "certificate" else None, "AADSTS700027"),
    ):
        if expires is None:
            continue
        days = (expires - today).days
        if days < 0:
            notices.append(
                Notice(
                    "error",
                    f"The {label} expired on {expires.isoformat()}: token requests fail ({code}). Renew it first.",
                )
            )
        elif days <= EXPIRY_WARNING_DAYS:
            notices.append(
                Notice(
                    "warning",
                    f"The {label} expires on {expires.isoformat()}, in {days} days: renew it and update SAP now.",
                )
            )
    return notices
