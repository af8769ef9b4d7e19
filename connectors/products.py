"""SAP products and landscape roles as the portal names them: the one definition of both vocabularies."""

from __future__ import annotations

from connectors.config import MailConfig
from connectors.releases import release_label

PRODUCT_LABELS: dict[str, str] = {
    "ecc": "ECC",
    "s4_onprem": "S/4HANA on-premise",
    "s4_private": "S/4HANA Cloud Private Edition",
    "s4_public": "S/4HANA Cloud Public Edition",
    "btp_abap": "BTP ABAP Environment",
    "other_abap": "other ABAP Platform",
}

ROLE_LABELS: dict[str, str] = {
    "DEV": "Development",
    "QAS": "Quality assurance",
    "PRD": "Production",
    "SBX": "Sandbox",
}
# The order a fleet is read in when health is equal: production first, a sandbox last.
ROLES_MOST_CRITICAL_FIRST = ("PRD", "QAS", "DEV", "SBX")

# Products configured in SAP GUI transactions (SCOT, SBCS_MAIL_CONFIGSMTP, STRUST ...).
SAP_GUI_PRODUCTS = frozenset({"ecc", "s4_onprem", "s4_private", "other_abap", ""})
# SAP runs these platforms: the customer neither sees nor upgrades their SAP_BASIS release.
RELEASELESS_PRODUCTS = frozenset({"btp_abap", "s4_public"})
# SAP Note 3581654 is the stated prerequisite for SMTP OAuth 2.0 on these two.
NOTE_3581654_PRODUCTS = frozenset({"s4_onprem", "s4_private"})


def product_choices() -> list[tuple[str, str]]:
    return list(PRODUCT_LABELS.items())


def role_choices() -> list[tuple[str, str]]:
    return list(ROLE_LABELS.items())


def product_label(code: str) -> str:
    return PRODUCT_LABELS.get(code) or "SAP system (product not set)"


def is_managed_by_sap(product: str) -> bool:
    """S/4HANA Cloud Public Edition: SAP runs the Exchange Online integration for the customer."""
    return product == "s4_public"


def is_btp_abap(product: str) -> bool:
    return product == "btp_abap"


def describe_system(config: MailConfig) -> str:
    """``PRD/100 (S/4HANA on-premise, SAP_BASIS 7.57)``; no release for the SAP-run cloud products."""
    if config.product in RELEASELESS_PRODUCTS:
        return f"{config.system_label} ({product_label(config.product)})"
    return f"{config.system_label} ({product_label(config.product)}, SAP_BASIS {release_label(config.basis_release)})"
