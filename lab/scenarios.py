"""The demo cast: SAP systems whose mail setups meet a lab state that makes them green, amber or red.

Each ``Scenario`` carries the system and MailSetup values in the import vocabulary of DESIGN.md
(``values()``: one CSV row), the verdict ``manage.py diagnose`` should reach, and the codes the
checks should name. ``configure(lab)`` puts the matching state into a running Lab: Entra ID
tenants and apps, Exchange Online tenants and mailboxes, DNS for the extra domains.

    lab = Lab.start(fixed_ports=True); configure(lab)
    for scenario in SCENARIOS: row = scenario.values()   # demo loader: one system per scenario

Secrets here are lab-only values, never real credentials.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.config import MailConfig
from diagnostics.context import Target

from .dns import MICROSOFT_SPF_INCLUDE, add_dkim, lab_mx_endpoint
from .smtp import LAB_EGRESS_IP

if TYPE_CHECKING:
    from . import Lab

SUBMISSION_HOST = "smtp.office365.lab.test"
DEMO_CONTACT = "sap-basis@good.lab.test"  # every demo system's contact: the demo's alerts go there (the console)
OTHER_IP = "198.51.100.7"  # an address the lab never reports: "the IP we thought we had"


@dataclass(frozen=True)
class LabTenantSpec:
    name: str
    tenant_id: str
    domain: str
    flags: Mapping[str, object] = field(default_factory=dict)  # ExchangeTenant flags
    spf_ips: tuple[str, ...] = (LAB_EGRESS_IP,)  # for domains not in the standard zone


CONTOSO = LabTenantSpec(
    "Contoso", "c0a1b2c3-0000-4000-8000-00000000c001", "good.lab.test", {"connector_ips": {LAB_EGRESS_IP}}
)
FABRIKAM = LabTenantSpec("Fabrikam", "c0a1b2c3-0000-4000-8000-00000000c002", "fabrikam.lab.test")
NORTHWIND = LabTenantSpec(
    "Northwind",
    "c0a1b2c3-0000-4000-8000-00000000c003",
    "northwind.lab.test",
    {"connector_ips": {OTHER_IP}},
    (OTHER_IP,),
)
TAILSPIN = LabTenantSpec(
    "Tailspin", "c0a1b2c3-0000-4000-8000-00000000c004", "tailspin.lab.test",
    {"basic_removed": True, "reject_direct_send": True},
)  # fmt: skip
TENANTS = (CONTOSO, FABRIKAM, NORTHWIND, TAILSPIN)
EXTRA_DOMAINS = (FABRIKAM, NORTHWIND, TAILSPIN)  # good.lab.test is in the standard zone already


@dataclass(frozen=True)
class AppState:
    """The Entra app registration (and its service principal in Exchange) a scenario uses."""

    client_id: str
    secret: str
    secret_expired: bool = False
    roles: tuple[str, ...] = ("SMTP.SendAsApp",)
    service_principal: bool = True  # New-ServicePrincipal was run in Exchange Online


@dataclass(frozen=True)
class MailboxState:
    address: str
    password: str | None = None  # Basic auth
    full_access: bool = True  # the scenario's app has FullAccess on it
    smtp_auth_disabled: bool | None = None
    send_as: tuple[str, ...] = ()
    busy_connections: int = 0


@dataclass(frozen=True)
class Scenario:
    key: str
    story: str  # what the helpdesk should read, one sentence
    verdict: str  # passed | warning | failed (diagnose's overall status)
    codes: Mapping[str, str]  # check key -> the code it should name
    tenant: LabTenantSpec
    system: Mapping[str, object]  # sid, client, description, role, product, basis_release
    setup: Mapping[str, object]  # MailSetup values (CSV vocabulary); smtp_port comes from ``listener``
    listener: str  # the lab listener the setup points at
    app: AppState | None = None
    mailbox: MailboxState | None = None
    secret_days: int | None = None  # secret_expires relative to today
    flaps_to: str = ""  # every other run reaches this verdict instead (and then names ``codes``)
    history: str = "steady"  # the demo's generated past (lab.history): steady, flapping or recovered

    @property
    def label(self) -> str:
        return f"{self.system['sid']}/{self.system['client']}"

    def values(self, ports: Mapping[str, int] | None = None, *, today: dt.date | None = None) -> dict[str, object]:
        """One import row: system and MailSetup columns; fixed lab ports unless ``ports`` (a Lab's) are given."""
        from . import FIXED_PORTS

        today = today or dt.date.today()
        row: dict[str, object] = {**self.system, "cloud": "lab", **self.setup}
        row["smtp_port"] = (ports or FIXED_PORTS)[self.listener]
        if self.app:
            row["client_id"], row["client_secret"] = self.app.client_id, self.app.secret
        if self.secret_days is not None:
            row["secret_expires"] = (today + dt.timedelta(days=self.secret_days)).isoformat()
        return row

    def config(self, ports: Mapping[str, int] | None = None, *, today: dt.date | None = None) -> MailConfig:
        row = self.values(ports, today=today)
        expires = row.get("secret_expires")
        return MailConfig(
            sid=str(row["sid"]),
            client=str(row["client"]),
            option=str(row["option"]),
            role=str(row.get("role", "")),
            product=str(row.get("product", "")),
            basis_release=int(str(row["basis_release"])) if row.get("basis_release") else None,
            description=str(row.get("description", "")),
            cloud="lab",
            smtp_host=str(row.get("smtp_host", "")),
            smtp_port=int(str(row["smtp_port"])),
            tls=str(row.get("tls", "")),
            sender=str(row.get("sender", "")),
            mailbox=str(row.get("mailbox", "")),
            tenant=str(row.get("tenant", "")),
            client_id=str(row.get("client_id", "")),
            has_secret=bool(row.get("client_secret")),
            secret_expires=dt.date.fromisoformat(str(expires)) if expires else None,
            egress_ips=tuple(str(row.get("egress_ips", "")).split()),
            relay_host=str(row.get("relay_host", "")),
            upstream_option=str(row.get("upstream_option", "")),
            test_recipient=str(row.get("test_recipient", "")),
        )

    def target(self, ports: Mapping[str, int] | None = None, *, send_to: str | None = None) -> Target:
        secret = self.app.secret if self.app else (self.mailbox.password if self.mailbox else None)
        return Target(self.config(ports), secret=secret, send_to=send_to)


def _system(
    sid: str, description: str, role: str, product: str, release: int, client: str = "100"
) -> dict[str, object]:
    return {
        "sid": sid,
        "client": client,
        "description": description,
        "role": role,
        "product": product,
        "basis_release": release,
        "contact_email": DEMO_CONTACT,
    }


def _oauth(mailbox: str, *, sender: str = "", recipient: str = "") -> dict[str, object]:
    return {
        "option": "oauth2",
        "smtp_host": SUBMISSION_HOST,
        "tls": "starttls",
        "sender": sender or mailbox,
        "mailbox": mailbox,
        "tenant": CONTOSO.tenant_id,
        "egress_ips": LAB_EGRESS_IP,
        "test_recipient": recipient or f"it-ops@{CONTOSO.domain}",
    }


def _basic(mailbox: str, tenant: LabTenantSpec) -> dict[str, object]:
    return {
        "option": "smtp_basic",
        "smtp_host": SUBMISSION_HOST,
        "tls": "starttls",
        "sender": mailbox,
        "mailbox": mailbox,
        "client_secret": f"lab-password-{mailbox.partition('@')[0]}",
        "egress_ips": LAB_EGRESS_IP,
        "test_recipient": f"it-ops@{tenant.domain}",
    }


def _mx(
    option: str, tenant: LabTenantSpec, sender: str, recipient: str, egress: str = LAB_EGRESS_IP
) -> dict[str, object]:
    return {
        "option": option,
        "smtp_host": lab_mx_endpoint(tenant.domain),
        "tls": "opportunistic",
        "sender": sender,
        "egress_ips": egress,
        "connector": "SAP relay" if option == "relay_connector" else "",
        "test_recipient": recipient,
    }


def _relay(host: str, sender: str) -> dict[str, object]:
    return {
        "option": "relay_server",
        "smtp_host": host,
        "tls": "opportunistic",
        "sender": sender,
        "egress_ips": LAB_EGRESS_IP,
        "relay_host": lab_mx_endpoint(CONTOSO.domain),
        "upstream_option": "relay_connector",
        "test_recipient": f"it-ops@{CONTOSO.domain}",
    }


def _app(n: int, **kwargs: object) -> AppState:
    return AppState(f"a11ce000-0000-4000-8000-{n:012d}", f"lab-secret-{n:03d}-not-real", **kwargs)  # type: ignore[arg-type]


def _password(address: str) -> str:
    return f"lab-password-{address.partition('@')[0]}"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "prd-oauth2-healthy",
        "OAuth 2.0 set up by the book: token, role, service principal, FullAccess, SPF and DMARC all right.",
        "passed",
        {},
        CONTOSO,
        _system("PRD", "S/4HANA production — invoices and dunning", "PRD", "s4_onprem", 816),
        _oauth("sap-prd@good.lab.test"),
        "submission",
        app=_app(1),
        mailbox=MailboxState("sap-prd@good.lab.test"),
        secret_days=300,
    ),
    Scenario(
        "qas-oauth2-secret-expired",
        "The client secret expired: Entra ID refuses the token (AADSTS7000222).",
        "failed",
        {"oauth.token": "AADSTS7000222"},
        CONTOSO,
        _system("QAS", "S/4HANA quality assurance", "QAS", "s4_onprem", 816, client="200"),
        _oauth("sap-qas@good.lab.test"),
        "submission",
        app=_app(2, secret_expired=True),
        mailbox=MailboxState("sap-qas@good.lab.test"),
        secret_days=-12,
    ),
    Scenario(
        "dev-basic-smtp-auth-disabled",
        "Basic auth against a mailbox whose SMTP AUTH is switched off (535 5.7.139).",
        "failed",
        {"smtp.auth": "5.7.139"},
        CONTOSO,
        _system("DEV", "ECC development", "DEV", "ecc", 740, client="300"),
        _basic("sap-dev@good.lab.test", CONTOSO),
        "submission",
        mailbox=MailboxState(
            "sap-dev@good.lab.test", password=_password("sap-dev@good.lab.test"), smtp_auth_disabled=True
        ),
    ),
    Scenario(
        "sbx-basic-working-but-retiring",
        "Basic auth still works, but Microsoft is retiring it: move to OAuth 2.0 before the deadline.",
        "warning",
        {},
        CONTOSO,
        _system("SBX", "Sandbox", "SBX", "s4_onprem", 758, client="400"),
        _basic("sap-sbx@good.lab.test", CONTOSO),
        "submission",
        mailbox=MailboxState("sap-sbx@good.lab.test", password=_password("sap-sbx@good.lab.test")),
    ),
    Scenario(
        "hrp-direct-send-external",
        "Direct Send to an external recipient: Exchange refuses to relay (550 5.7.64).",
        "failed",
        {"smtp.envelope": "5.7.64"},
        FABRIKAM,
        _system("HRP", "HCM production — payslips", "PRD", "ecc", 702),
        _mx("direct_send", FABRIKAM, "hr-noreply@fabrikam.lab.test", "payroll@partner.example"),
        "mx",
    ),
    Scenario(
        "hrq-direct-send-internal",
        "Direct Send to an internal recipient, with SPF for the static IP: works as designed.",
        "passed",
        {},
        FABRIKAM,
        _system("HRQ", "HCM quality assurance", "QAS", "ecc", 702),
        _mx("direct_send", FABRIKAM, "hr-test@fabrikam.lab.test", "hr-team@fabrikam.lab.test"),
        "mx",
    ),
    Scenario(
        "bwp-connector-egress-ip-changed",
        "The relay connector lists the old egress IP; Exchange sees another one and refuses to relay (5.7.64).",
        "failed",
        {"egress.ip": "egress.ip_mismatch", "smtp.envelope": "5.7.64"},
        NORTHWIND,
        _system("BWP", "BW/4HANA production — report bursting", "PRD", "s4_onprem", 757),
        _mx("relay_connector", NORTHWIND, "bw-reports@northwind.lab.test", "analyst@partner.example", OTHER_IP),
        "mx",
    ),
    Scenario(
        "sol-connector-healthy",
        "Relay connector by IP, egress IP matches, SPF authorises it: external recipients reached.",
        "passed",
        {},
        CONTOSO,
        _system("SOL", "Solution Manager — alerts", "PRD", "other_abap", 740),
        _mx("relay_connector", CONTOSO, "solman@good.lab.test", "vendor-support@partner.example"),
        "mx",
    ),
    Scenario(
        "grc-relay-tls10",
        "The relay server speaks only TLS 1.0: mail flows, but the hop is weak and SAP may refuse it.",
        "warning",
        {"tls.starttls": "tls.version_too_old"},
        CONTOSO,
        _system("GRC", "GRC access control", "PRD", "ecc", 750),
        _relay("relay-tls10.lab.test", "grc@good.lab.test"),
        "tls10",
    ),
    Scenario(
        "fin-relay-expired-certificate",
        "The relay server's certificate expired: SAP refuses the TLS connection.",
        "failed",
        {"tls.certificate": "tls.certificate_expired"},
        CONTOSO,
        _system("FIN", "Central Finance", "PRD", "s4_private", 816),
        _relay("relay-expired.lab.test", "finance@good.lab.test"),
        "expired",
    ),
    Scenario(
        "ewp-oauth2-no-sendasapp",
        "The app has Microsoft Graph permissions, not SMTP.SendAsApp: the token has no role (535 5.7.3).",
        "failed",
        {"smtp.auth": "5.7.3"},
        CONTOSO,
        _system("EWP", "EWM production — delivery notes", "PRD", "s4_onprem", 816),
        _oauth("sap-ewp@good.lab.test"),
        "submission",
        app=_app(3, roles=()),
        mailbox=MailboxState("sap-ewp@good.lab.test"),
        secret_days=200,
    ),
    Scenario(
        "crm-oauth2-no-mailbox-permission",
        "The service principal has no FullAccess on the mailbox (535 5.7.3).",
        "failed",
        {"smtp.auth": "5.7.3"},
        CONTOSO,
        _system("CRM", "CRM production — quotes", "PRD", "ecc", 750),
        _oauth("sap-crm@good.lab.test"),
        "submission",
        app=_app(4),
        mailbox=MailboxState("sap-crm@good.lab.test", full_access=False),
        secret_days=200,
    ),
    Scenario(
        "srm-oauth2-send-as-denied",
        "The sender is a shared address the mailbox may not send as (550 5.7.60).",
        "failed",
        {"smtp.envelope": "5.7.60"},
        CONTOSO,
        _system("SRM", "SRM production — purchase orders", "PRD", "ecc", 752),
        _oauth("sap-srm@good.lab.test", sender="purchasing@good.lab.test"),
        "submission",
        app=_app(5),
        mailbox=MailboxState("sap-srm@good.lab.test"),
        secret_days=200,
    ),
    Scenario(
        "ewm-oauth2-thread-limit",
        "The mailbox already has 3 connections (SAP send processes): Exchange defers (432 4.3.2).",
        "warning",
        {"smtp.envelope": "4.3.2"},
        CONTOSO,
        _system("EWM", "EWM quality assurance", "QAS", "s4_onprem", 816),
        _oauth("sap-ewm@good.lab.test"),
        "submission",
        app=_app(6),
        mailbox=MailboxState("sap-ewm@good.lab.test", busy_connections=3),
        secret_days=200,
    ),
    Scenario(
        "ecq-basic-removed",
        "The tenant no longer supports Basic auth for client submission (550 5.7.30).",
        "failed",
        {"smtp.auth": "5.7.30"},
        TAILSPIN,
        _system("ECQ", "ECC quality assurance", "QAS", "ecc", 731),
        _basic("sap-ecq@tailspin.lab.test", TAILSPIN),
        "submission",
        mailbox=MailboxState("sap-ecq@tailspin.lab.test", password=_password("sap-ecq@tailspin.lab.test")),
    ),
    Scenario(
        "tsp-direct-send-rejected",
        "The tenant rejects Direct Send altogether (550 5.7.68): a connector is needed.",
        "failed",
        {"smtp.envelope": "5.7.68"},
        TAILSPIN,
        _system("TSP", "Transportation management", "PRD", "s4_onprem", 816),
        _mx("direct_send", TAILSPIN, "tm-noreply@tailspin.lab.test", "dispatch@tailspin.lab.test"),
        "mx",
    ),
    Scenario(
        "mdg-relay-flapping",
        "Two relay nodes behind one name, one of them crashed: every other connection is dropped before the "
        "greeting, so the system flaps between green and red.",
        "passed",
        {"smtp.banner": "smtp.closed"},
        CONTOSO,
        _system("MDG", "Master Data Governance", "QAS", "s4_onprem", 816),
        _relay("relay-flapping.lab.test", "mdg@good.lab.test"),
        "flapping",
        flaps_to="failed",
        history="flapping",
    ),
    Scenario(
        "plm-oauth2-secret-renewed",
        "The client secret expired last week (AADSTS7000222) and was renewed this morning: red for days, green again.",
        "passed",
        {},
        CONTOSO,
        _system("PLM", "PLM production — engineering change notices", "PRD", "s4_onprem", 816),
        _oauth("sap-plm@good.lab.test"),
        "submission",
        app=_app(7),
        mailbox=MailboxState("sap-plm@good.lab.test"),
        secret_days=365,
        history="recovered",
    ),
)


def scenario(key: str) -> Scenario:
    return next(item for item in SCENARIOS if item.key == key)


def configure(lab: Lab) -> None:
    """Put every scenario's state into the lab: DNS, Entra ID, Exchange Online."""
    for tenant in TENANTS:
        lab.entra.add_tenant(tenant.domain, tenant_id=tenant.tenant_id)
        lab.directory.add_tenant(tenant.tenant_id, tenant.domain, **tenant.flags)
    for tenant in EXTRA_DOMAINS:
        _add_domain_records(lab, tenant)
    for item in SCENARIOS:
        _configure_scenario(lab, item)


def _configure_scenario(lab: Lab, item: Scenario) -> None:
    app = item.app
    if app is not None:
        lab.entra.register_app(
            item.tenant.tenant_id, app.client_id, secret=app.secret, secret_expired=app.secret_expired, roles=app.roles
        )
        if app.service_principal:
            lab.directory.tenants[item.tenant.tenant_id].service_principals.add(app.client_id)
    box = item.mailbox
    if box is not None:
        lab.directory.add_mailbox(
            box.address,
            tenant_id=item.tenant.tenant_id,
            password=box.password,
            smtp_auth_disabled=box.smtp_auth_disabled,
            full_access={app.client_id} if app and box.full_access else set(),
            send_as=set(box.send_as),
            busy_connections=box.busy_connections,
        )


def _add_domain_records(lab: Lab, tenant: LabTenantSpec) -> None:
    records, mx = lab.dns.records, lab_mx_endpoint(tenant.domain)
    records.add(tenant.domain, "MX", f"0 {mx}")
    records.add(mx, "A", lab.host)
    authorised = " ".join(f"ip4:{ip}" for ip in tenant.spf_ips)
    records.add(tenant.domain, "TXT", f"v=spf1 {authorised} include:{MICROSOFT_SPF_INCLUDE} -all")
    records.add(f"_dmarc.{tenant.domain}", "TXT", f"v=DMARC1; p=quarantine; rua=mailto:dmarc@{tenant.domain}")
    add_dkim(records, tenant.domain, tenant=tenant.name.lower())
