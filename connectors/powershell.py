"""PowerShell text for the system's cloud: quoting and the connect commands.

Everything here builds strings; nothing runs PowerShell.
"""

from __future__ import annotations

from connectors.clouds import Cloud

# The first-party app "Office 365 Exchange Online"; the owner of the SMTP.SendAsApp role.
EXCHANGE_ONLINE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SEND_AS_APP_ROLE = "SMTP.SendAsApp"


def quote(value: str) -> str:
    """A single-quoted PowerShell literal: nothing inside is expanded, quotes are doubled."""
    return "'" + value.replace("'", "''") + "'"


def connect_exchange(cloud: Cloud) -> str:
    return f"Connect-ExchangeOnline -ExchangeEnvironmentName {cloud.exchange_environment} -ShowBanner:$false"


def connect_entra(cloud: Cloud, tenant_expression: str, scopes: tuple[str, ...]) -> str:
    """``tenant_expression`` is PowerShell as written: a variable (``$TenantId``) or ``quote(...)``."""
    scope_list = ", ".join(quote(scope) for scope in scopes)
    return (
        f"Connect-Entra -TenantId {tenant_expression} -Environment {cloud.entra_environment} "
        f"-Scopes {scope_list} -ContextScope Process -NoWelcome"
    )
