"""Which connection option fits a system: the recommendation with its reasons, and for every other
option why not (or why only second).

The decision follows Microsoft's SAP guidance: SMTP OAuth 2.0 from SAP_BASIS 7.50; below that
Direct Send for internal recipients only, the relay connector for external recipients from a
static public IP, a relay server for DMZ/hub setups, several hosts or old TLS. Basic
authentication is never recommended. Exchange Online's sending limits rule out client submission
for high volume, and mass mailing belongs with a bulk provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.config import CREDENTIALS

# Exchange Online's client-submission limits per mailbox, with their sources, live in connectors/limits.py.
from connectors.limits import (
    CONNECTIONS_PER_MAILBOX,
    MESSAGES_PER_MINUTE,
    RECIPIENTS_PER_DAY,
    RECIPIENTS_PER_MESSAGE,
    big_run_advice,
)
from connectors.products import is_btp_abap, is_managed_by_sap, product_label
from connectors.registry import OPTIONS
from connectors.releases import OAUTH_JWT_MIN, OAUTH_SECRET_MIN, release_label


@dataclass(frozen=True)
class AdvisorInput:
    product: str  # a key of connectors.products.PRODUCT_LABELS
    basis_release: int | None  # 740, 750, 757 ...; None = unknown
    external_recipients: bool  # vendors, customers: anyone outside the tenant
    static_public_ip: bool  # SAP's mail can leave from a static public IP that is yours alone
    outbound_587: bool  # SAP may connect out to port 587
    tls12: bool  # SAP's CommonCryptoLib/kernel can do TLS 1.2
    messages_per_day: int | None = None
    messages_per_minute: int | None = None  # peak
    outbound_25: bool = True  # SAP (or its NAT) may connect out to port 25


@dataclass(frozen=True)
class Verdict:
    option: str
    label: str
    suitable: bool
    reasons: tuple[str, ...]  # why (for the recommendation) or why not / why only second

    def to_dict(self) -> dict[str, Any]:
        return {"option": self.option, "label": self.label, "suitable": self.suitable, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Advice:
    recommended: Verdict | None  # None when no option fits (e.g. mass mail from BTP ABAP)
    alternatives: tuple[Verdict, ...]  # every other option, best first
    notes: tuple[str, ...] = field(default=())
    credential: str | None = None  # oauth2: "certificate" or "secret"

    @property
    def credential_label(self) -> str:
        return CREDENTIALS.get(self.credential or "", "")

    def verdict(self, option: str) -> Verdict:
        for verdict in (self.recommended, *self.alternatives):
            if verdict is not None and verdict.option == option:
                return verdict
        raise KeyError(option)

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommended": self.recommended.to_dict() if self.recommended else None,
            "alternatives": [verdict.to_dict() for verdict in self.alternatives],
            "notes": list(self.notes),
            "credential": self.credential,
        }


def advise(facts: AdvisorInput) -> Advice:
    verdicts = {
        "oauth2": _oauth2(facts),
        "smtp_basic": _smtp_basic(facts),
        "direct_send": _direct_send(facts),
        "relay_connector": _relay_connector(facts),
        "relay_server": _relay_server(facts),
    }
    order = _preference(facts)
    recommended = next((verdicts[code] for code in order if verdicts[code].suitable), None)
    alternatives = tuple(
        _as_alternative(verdicts[code], recommended)
        for code in order
        if recommended is None or code != recommended.option
    )
    configures_oauth = (
        recommended is not None and recommended.option == "oauth2" and not is_managed_by_sap(facts.product)
    )
    credential = _credential(facts) if configures_oauth else None
    return Advice(recommended, alternatives, tuple(_notes(facts, recommended)), credential)


def _preference(facts: AdvisorInput) -> list[str]:
    order = ["oauth2"]
    if not facts.external_recipients:
        order.append("direct_send")  # simplest when only the own tenant is addressed
    # Without TLS 1.2 on the SAP side, a relay that speaks TLS 1.2 beats sending in clear.
    order += ["relay_connector", "relay_server"] if facts.tls12 else ["relay_server", "relay_connector"]
    if facts.external_recipients:
        order.append("direct_send")
    order.append("smtp_basic")
    return order


def _volume_over_submission_limits(facts: AdvisorInput) -> str | None:
    if facts.messages_per_minute and facts.messages_per_minute > MESSAGES_PER_MINUTE:
        return f"{facts.messages_per_minute} messages a minute exceed Exchange Online's {MESSAGES_PER_MINUTE} per minute per mailbox"
    if facts.messages_per_day and facts.messages_per_day > RECIPIENTS_PER_DAY:
        return (
            f"{facts.messages_per_day} messages a day exceed Exchange Online's {RECIPIENTS_PER_DAY:,} recipients "
            "per day per mailbox"
        )
    return None


def _sap_gui_only(facts: AdvisorInput) -> str | None:
    if is_managed_by_sap(facts.product):
        return (
            "S/4HANA Cloud Public Edition has no SAP GUI: SAP operates the SAP side (SMTP OAuth 2.0 managed by SAP, "
            "or SAP's own mail server)"
        )
    if is_btp_abap(facts.product):
        return (
            f"{product_label(facts.product)} sends mail only through SAP_COM_0548: OAuth 2.0 to Exchange Online, "
            "or your relay through the Cloud Connector"
        )
    return None


def _oauth2(facts: AdvisorInput) -> Verdict:
    label = OPTIONS["oauth2"].label
    if is_managed_by_sap(facts.product):
        return Verdict(
            "oauth2",
            label,
            True,
            ("SAP operates SMTP OAuth 2.0 for S/4HANA Cloud Public Edition; nothing to configure.",),
        )
    against: list[str] = []
    volume = _volume_over_submission_limits(facts)
    if volume:
        against.append(volume + ".")
    if is_btp_abap(facts.product):
        if against:
            return Verdict("oauth2", label, False, tuple(against))
        return Verdict(
            "oauth2",
            label,
            True,
            (
                "The only option in BTP ABAP Environment: JWT bearer (certificate) through communication arrangement SAP_COM_0548.",
            ),
        )
    if facts.basis_release is None:
        against.append("The SAP_BASIS release is unknown; SMTP OAuth 2.0 needs 7.50 or later — record it to decide.")
    elif facts.basis_release < OAUTH_SECRET_MIN:
        against.append(f"SAP_BASIS {release_label(facts.basis_release)} has no SMTP OAuth 2.0; it needs 7.50 or later.")
    if not facts.outbound_587:
        against.append(
            "Port 587 outbound is closed; OAuth 2.0 submits on smtp.office365.com:587 (open it to use this option)."
        )
    if not facts.tls12:
        against.append(
            "Exchange Online requires TLS 1.2 or later for submission (421 4.7.66 otherwise); update CommonCryptoLib first."
        )
    if against:
        return Verdict("oauth2", label, False, tuple(against))
    return Verdict(
        "oauth2",
        label,
        True,
        (
            f"SAP_BASIS {release_label(facts.basis_release)} supports it; Microsoft recommends it from 7.50.",
            "Reaches recipients inside and outside the organisation.",
            "No password and no static IP: an Entra ID app with SMTP.SendAsApp on one mailbox.",
        ),
    )


def _smtp_basic(facts: AdvisorInput) -> Verdict:
    return Verdict(
        "smtp_basic",
        OPTIONS["smtp_basic"].label,
        False,
        (
            "Microsoft is retiring Basic authentication for SMTP AUTH: off by default in existing tenants at the end of "
            "December 2026, removal date announced in the second half of 2027 (then 550 5.7.30). Never for a new setup.",
        ),
    )


def _direct_send(facts: AdvisorInput) -> Verdict:
    label = OPTIONS["direct_send"].label
    against: list[str] = []
    if reason := _sap_gui_only(facts):
        against.append(reason + ".")
    if facts.external_recipients:
        against.append(
            "It delivers only to mailboxes of your own tenant; external recipients are refused (550 5.7.64) "
            "or deferred (451 4.4.62)."
        )
    if not facts.outbound_25:
        against.append("Port 25 outbound is closed; Direct Send delivers to the MX endpoint on port 25.")
    if against:
        return Verdict("direct_send", label, False, tuple(against))
    reasons = [
        "Recipients are internal only, which is all Direct Send reaches.",
        "No credentials and no connector: SAP delivers to the tenant's MX endpoint on port 25.",
        "The tenant may refuse it (RejectDirectSend → 550 5.7.68); then use a relay connector.",
    ]
    reasons.append(
        "A static public IP lets SPF name SAP's address."
        if facts.static_public_ip
        else "Without a static public IP SPF can't name SAP's address: mail may land in junk."
    )
    return Verdict("direct_send", label, True, tuple(reasons))


def _relay_connector(facts: AdvisorInput) -> Verdict:
    label = OPTIONS["relay_connector"].label
    against: list[str] = []
    if reason := _sap_gui_only(facts):
        against.append(reason + ".")
    if not facts.outbound_25:
        against.append("Port 25 outbound is closed; the connector receives on the MX endpoint's port 25.")
    if not facts.static_public_ip and not facts.tls12:
        against.append(
            "The connector recognises SAP by a static public IP (none available) or by a TLS certificate (needs TLS 1.2)."
        )
    if against:
        return Verdict("relay_connector", label, False, tuple(against))
    reasons = ["Reaches recipients inside and outside; any sender address of an accepted domain, no mailbox needed."]
    if facts.static_public_ip:
        reasons.append("The static public IP identifies SAP to the connector and goes into SPF.")
    else:
        reasons.append("No static IP: the connector must match SAP's TLS certificate (CN/SAN in an accepted domain).")
    if not facts.tls12:
        reasons.append("Without TLS 1.2 SAP would deliver in clear text over the internet.")
    reasons.append("Subject to 'reasonable limits'; abuse moves it to the high-risk delivery pool.")
    return Verdict("relay_connector", label, True, tuple(reasons))


def _relay_server(facts: AdvisorInput) -> Verdict:
    label = OPTIONS["relay_server"].label
    if is_managed_by_sap(facts.product) and (reason := _sap_gui_only(facts)):
        return Verdict("relay_server", label, False, (reason + ".",))
    if is_btp_abap(facts.product):
        # SAP Help, "Integrating Outbound Emails Using SMTP": an internal SMTP server through the Cloud Connector.
        return Verdict(
            "relay_server",
            label,
            True,
            (
                "The ABAP environment reaches a relay in your network through the Cloud Connector (SAP_COM_0548, "
                "outbound user with user and password); the relay sends on to Exchange Online by a connector.",
                "Mind the relay's allowlist: it sees the Cloud Connector's address, not SAP's.",
            ),
        )
    reasons = [
        "Works from any release: SAP talks plain SMTP to a relay in your network, the relay speaks TLS 1.2 to "
        "Exchange Online through a connector.",
        "Suits several SAP hosts, DMZ or hub networks and central routing — at the price of an MTA to run and size.",
        "The relay needs its own static public IP (or certificate) and outbound port 25.",
    ]
    if not facts.tls12:
        reasons.append(
            "Without TLS 1.2 SAP sends to the relay without TLS on your internal network (the relay offers STARTTLS "
            "with TLS 1.2 only); update CommonCryptoLib (SAP Note 510007) to encrypt that hop too."
        )
    return Verdict("relay_server", label, True, tuple(reasons))


def _as_alternative(verdict: Verdict, recommended: Verdict | None) -> Verdict:
    if not verdict.suitable or recommended is None:
        return verdict
    return Verdict(
        verdict.option,
        verdict.label,
        True,
        (f"Also possible, but {recommended.label} fits better here.", *verdict.reasons),
    )


def _credential(facts: AdvisorInput) -> str:
    if is_btp_abap(facts.product) or (facts.basis_release or 0) >= OAUTH_JWT_MIN:
        return "certificate"
    return "secret"


def _notes(facts: AdvisorInput, recommended: Verdict | None) -> list[str]:
    notes: list[str] = []
    volume = _volume_over_submission_limits(facts)
    if volume:
        notes.append(
            f"Volume: {volume} (and {RECIPIENTS_PER_MESSAGE} recipients per message by default). "
            + big_run_advice(external_recipients=facts.external_recipients)
        )
    if recommended is not None and recommended.option == "oauth2" and not is_managed_by_sap(facts.product):
        notes.append(
            f"Exchange Online allows {CONNECTIONS_PER_MAILBOX} concurrent connections per mailbox: run one SAPconnect "
            "send process per mailbox (432 4.3.2 otherwise)."
        )
        if _credential(facts) == "certificate" and not is_btp_abap(facts.product):
            notes.append(
                "Use the JWT bearer grant (certificate) rather than a client secret for production (SAP Note 3592080)."
            )
    if recommended is None:
        notes.append("No option fits these constraints; reduce the volume or move mass mail to a bulk provider.")
    return notes
