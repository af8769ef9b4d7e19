"""Sample mail setups for the connector tests: one realistic system, varied per test."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from connectors.config import MailConfig

TODAY = date(2026, 11, 30)
TENANT_ID = "8a3c1f52-6b1e-4c2d-9f0a-2d7e5b4c9a11"
CLIENT_ID = "3f2e1d0c-4b5a-4678-9abc-def012345678"
SP_OBJECT_ID = "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"

PRD = MailConfig(
    sid="PRD",
    client="100",
    option="oauth2",
    role="PRD",
    product="s4_onprem",
    basis_release=757,
    description="S/4HANA production",
    cloud="global",
    sender="sap-prd@contoso.com",
    mailbox="sap-prd@contoso.com",
    tenant="contoso.onmicrosoft.com",
    client_id=CLIENT_ID,
    credential="secret",
    has_secret=True,
    secret_expires=date(2027, 6, 30),
    service_principal_id=SP_OBJECT_ID,
    egress_ips=(),  # oauth2 needs none; MX-route tests set their own
    test_recipient="basis-team@contoso.com",
)


def config(**changes: Any) -> MailConfig:
    return dataclasses.replace(PRD, **changes)


def all_text(guide: Any) -> str:
    """Everything a reader sees in a guide, for 'never appears' assertions."""
    return guide.to_markdown()
