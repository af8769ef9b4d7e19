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
        values = "; ".join(f"{CLOUD_VALUE_LABELS[name]} {getattr(cloud, name)}" for name in cloud.unconfirmed)
        return [
            Notice(
                "warning",
                f"Not confirmed by Microsoft's documentation for {cloud.label}: {values}. These come from "
                "secondary sources: compare them with your tenant's admin center; the SMTP host can be "
                "overridden in the setup.",
            )
        ]
    return []


CLOUD_VALUE_LABELS = {
    "smtp_host": "SMTP host",
    "scope": "token scope",
    "mx_suffix": "MX endpoint suffix",
    "spf_include": "SPF include",
    "exchange_admin_center": "Exchange admin center",
    "entra_admin_center": "Entra admin center",
    "m365_admin_center": "Microsoft 365 admin center",
}


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
