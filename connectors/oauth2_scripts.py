"""PowerShell for the oauth2 option, generated for one system and its Microsoft cloud.

- ``setup_script``: the one-shot setup of the Entra ID / Exchange Online side (changes the tenant;
  safe to re-run, every step looks before it creates).
- ``verification_script``: read-only. Only ``Get-*`` cmdlets (plus connect/disconnect); it prints
  one ``PASS``/``FAIL`` line per fact the portal cannot see over SMTP, and exits with the number
  of failures.

Both use the Microsoft.Entra and ExchangeOnlineManagement modules with the cloud's environment
names (``Connect-Entra -Environment``, ``Connect-ExchangeOnline -ExchangeEnvironmentName``).
No secret is ever written into a script.

The scripts are the templates ``scripts/oauth2_setup.ps1`` and ``scripts/oauth2_verify.ps1``.
A system's values enter them only as ``$Variable = ${placeholder}`` lines at the top, each filled
with a quoted PowerShell literal by ``powershell.render_script``; the rest of the script uses the
variables, which PowerShell never parses again.
"""

from __future__ import annotations

from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.guide import Script
from connectors.placeholders import value_of
from connectors.powershell import EXCHANGE_ONLINE_APP_ID, render_script
from connectors.products import is_btp_abap

EXPIRY_WARNING_DAYS = 30


def uses_certificate(config: MailConfig) -> bool:
    """JWT bearer: chosen, or the only grant the BTP ABAP Environment has."""
    return config.credential == "certificate" or is_btp_abap(config.product)


def app_display_name(config: MailConfig) -> str:
    return f"SAP {config.system_label} mail (SMTP OAuth)"


def _filename(config: MailConfig, kind: str) -> str:
    return f"{kind}-smtp-oauth-{config.sid or 'SID'}-{config.client or 'client'}.ps1".lower()


def _cloud_values(config: MailConfig) -> dict[str, str]:
    cloud = cloud_for(config.cloud)
    return {
        "system": config.system_label,
        "exchange_online_app_id": EXCHANGE_ONLINE_APP_ID,
        "entra_environment": cloud.entra_environment,
        "exchange_environment": cloud.exchange_environment,
    }


def setup_script(config: MailConfig) -> Script:
    cloud = cloud_for(config.cloud)
    mailbox = value_of(config, "mailbox")
    certificate = uses_certificate(config)
    text = render_script(
        "oauth2_setup.ps1",
        values={
            **_cloud_values(config),
            "app_name": app_display_name(config),
            "client_id": config.client_id,
            "tenant": value_of(config, "tenant"),
            "mailbox": mailbox,
            "sender": config.sender or mailbox,
            "login_base": cloud.login_base,
            "scope": cloud.scope,
        },
        sections={"certificate": certificate, "secret": not certificate},
    )
    return Script(
        key="setup",
        title=f"One-shot setup for {config.system_label} ({cloud.label})",
        purpose=(
            "Does every Entra ID and Exchange Online step of this guide in one run, for this "
            "system's cloud. Use it instead of the manual steps, or to repair a partial setup."
        ),
        filename=_filename(config, "setup"),
        text=text,
    )


def verification_script(config: MailConfig) -> Script:
    cloud = cloud_for(config.cloud)
    mailbox = value_of(config, "mailbox")
    text = render_script(
        "oauth2_verify.ps1",
        values={
            **_cloud_values(config),
            "tenant": value_of(config, "tenant"),
            "client_id": value_of(config, "client_id"),
            "mailbox": mailbox,
            "sender": config.sender or mailbox,
            "service_principal_id": config.service_principal_id,
            "credential": "certificate" if uses_certificate(config) else "secret",
            "thumbprint": config.certificate_thumbprint.replace(":", "").replace(" ", "").upper(),
            "warn_days": str(EXPIRY_WARNING_DAYS),
        },
    )
    return Script(
        key="verify",
        title=f"Read-only verification for {config.system_label} ({cloud.label})",
        purpose=(
            "Checks the Entra ID and Exchange Online side that SMTP alone cannot show: the app and "
            "its enterprise application Object ID, SMTP.SendAsApp with admin consent, the service "
            "principal in Exchange, FullAccess (and Send As), SMTP AUTH for tenant and mailbox, and "
            "the credential's expiry. It reads only and prints a PASS or FAIL line for each."
        ),
        filename=_filename(config, "verify"),
        text=text,
        read_only=True,
    )
