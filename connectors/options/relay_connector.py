"""Exchange Online SMTP relay through an inbound connector: SAP delivers to the MX endpoint on port
25 and the connector recognises it by its static public IP(s) — or by a TLS certificate.

Any recipient, inside and outside; any sender address of an accepted domain, no mailbox needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors import domain_auth, mx_route, sap_cloud
from connectors.addresses import parse_egress
from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.confirm_delivery import confirm_delivery
from connectors.endpoints import effective_endpoint
from connectors.guide import Command, Guide, Notice, Step, Value, Where, say
from connectors.notices import cloud_notices
from connectors.option import Option, OptionField
from connectors.placeholders import placeholder, sender_domain_or_placeholder, sender_or_placeholder
from connectors.plan import PlannedCheck, expecting
from connectors.powershell import connect_exchange
from connectors.problems import Problem, dedupe, warning
from connectors.products import describe_system
from connectors.quoting import powershell_literal
from connectors.retirement import Milestone
from connectors.rules import refuses_unsafe_text
from connectors.sap_steps import CONNECTOR

CODE = "relay_connector"
LABEL = "Exchange Online relay connector"
# MailConfig.extra key: the certificate name (CN/SAN) a certificate-based connector matches.
CERTIFICATE_NAME_KEY = "tls_certificate_name"
# New-InboundConnector -SenderIPAddresses takes IPv4 only: single addresses or CIDR ranges /24 to /32;
# RestrictDomainsToIPAddresses / RestrictDomainsToCertificate apply to Partner connectors only.
# https://learn.microsoft.com/powershell/module/exchangepowershell/new-inboundconnector
CONNECTOR_WIDEST_PREFIX = 24
NEW_INBOUND_CONNECTOR_DOC = "https://learn.microsoft.com/powershell/module/exchangepowershell/new-inboundconnector"
# Tenant attribution of relayed mail: Microsoft 365 message center MC1226222 (reference/exchange-online.md);
# "the CN or SAN in the certificate should contain a domain name that you have registered": Learn, "How to set
# up a multifunction device or application to send email using Microsoft 365", certificate-based connector.
ATTRIBUTION_SOURCE = "Microsoft 365 message center MC1226222; Microsoft Learn, certificate-based connector"

FIELDS = (
    OptionField("sender", True, "Any address of an accepted domain; no mailbox needed."),
    OptionField(
        "egress_ips", True, "Static public IP(s) or ranges the connector matches (not needed with a certificate)."
    ),
    OptionField("connector", False, "Name of the inbound connector in Exchange Online."),
    OptionField("credential", False, "certificate = the connector matches SAP's TLS certificate instead of its IP."),
    OptionField("cloud", False, "Microsoft cloud of the tenant; global unless set."),
    OptionField("smtp_host", False, "Empty = the MX endpoint of the sender's domain."),
    OptionField("smtp_port", False, "Empty = 25."),
    OptionField("tls", False, "Empty = opportunistic; a certificate connector needs starttls."),
    OptionField("test_recipient", False, "Any recipient, inside or outside."),
)


def uses_certificate(config: MailConfig) -> bool:
    return config.credential == "certificate"


def connector_name(config: MailConfig) -> str:
    return config.connector or f"SAP {config.sid or 'SID'} relay"


def certificate_name(config: MailConfig) -> str:
    return config.extra.get(CERTIFICATE_NAME_KEY) or config.sender_domain or placeholder("sender")


def connector_ip_problem(address: str) -> str | None:
    """Why ``address`` can't go into -SenderIPAddresses, or None (malformed values are the rules' job)."""
    try:
        network = parse_egress(address)
    except ValueError:
        return None
    if network.version == 6:
        return (
            f"{address} is an IPv6 address: an inbound connector matches IPv4 addresses only "
            "(-SenderIPAddresses), so it is left out of the connector; SPF still names it. The connector "
            "needs the IPv4 address SAP's mail leaves from."
        )
    if network.prefixlen < CONNECTOR_WIDEST_PREFIX:
        parts = list(network.subnets(new_prefix=CONNECTOR_WIDEST_PREFIX))
        shown = ", ".join(str(part) for part in parts[:4]) + (" …" if len(parts) > 4 else "")
        return (
            f"{address} is wider than /{CONNECTOR_WIDEST_PREFIX}: an inbound connector accepts single addresses "
            f"or ranges /{CONNECTOR_WIDEST_PREFIX} to /32, so it is left out of the connector. Enter the "
            f"addresses SAP really sends from, or its {len(parts)} /{CONNECTOR_WIDEST_PREFIX} ranges ({shown})."
        )
    return None


def connector_ips(config: MailConfig) -> tuple[str, ...]:
    """The egress IPs an inbound connector can match (the others are refused by ``validate``)."""
    return tuple(ip for ip in config.egress_ips if connector_ip_problem(ip) is None)


def connector_ip_problems(config: MailConfig) -> list[Problem]:
    """The connector's own rules for its addresses (also used by a relay server with a connector upstream)."""
    if uses_certificate(config):
        return []
    problems = [warning("egress_ips", reason) for ip in config.egress_ips if (reason := connector_ip_problem(ip))]
    if not config.egress_ips:
        problems.append(
            warning(
                "egress_ips",
                "Egress IPs are not set: an IP-based connector needs the static public address(es) SAP's mail "
                "leaves from (or use a certificate-based connector).",
            )
        )
    elif not connector_ips(config):
        problems.append(
            warning(
                "egress_ips",
                "None of the egress IPs can be matched by an inbound connector: enter an IPv4 address or a /24 "
                "to /32 range, or use a certificate-based connector.",
            )
        )
    return problems


def validate(config: MailConfig) -> list[Problem]:
    certificate = uses_certificate(config)
    problems = mx_route.common_problems(config, tls_required=certificate)
    problems += connector_ip_problems(config)
    name = config.extra.get(CERTIFICATE_NAME_KEY, "").lower().removeprefix("*.")
    domain = config.sender_domain
    if certificate and name and domain and not (name == domain or name.endswith("." + domain)):
        problems.append(
            warning(
                "credential",
                f"The certificate name {name} is not in the sender's domain {domain}: the connector attributes mail "
                "only for a certificate whose CN/SAN is an accepted domain of the tenant — make sure it is one.",
            )
        )
    return dedupe(problems)


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    # Exchange Online signs what the connector relays outward: the sender domain's DKIM matters here.
    route = mx_route.plan(config, send_to=send_to)
    return (*route, *expecting(route[0].expect, (PlannedCheck("dkim.record"),)))


@refuses_unsafe_text(CODE, LABEL)
def steps(
    config: MailConfig,
    *,
    milestones: Sequence[Milestone] | None = None,
    existing_spf: str | Sequence[str] | None = None,
    today: date | None = None,
) -> Guide:
    if reason := sap_cloud.refusal(config):
        return sap_cloud.refused_guide(config, option_label=LABEL, reason=reason)
    host, port, tls = effective_endpoint(config)
    certificate = uses_certificate(config)
    body = (
        mx_route.egress(
            config,
            why=(
                "The connector trusts mail by the address it comes from; SPF names the same address."
                if not certificate
                else "SPF names the address SAP's mail leaves from; the connector itself matches the certificate."
            ),
        ),
        mx_route.mx_endpoint(config),
        connector_in_admin_center(config),
        connector_in_powershell(config),
        mx_route.spf(config, existing_spf),
        mx_route.dmarc(config),
        domain_auth.dkim(config),
        mx_route.blocklists(config),
        *mx_route.sap_steps(
            config,
            path=CONNECTOR,
            why_node=(
                "SAP hands mail to the tenant's MX endpoint on port 25; the connector recognises it "
                f"by its {'certificate' if certificate else 'IP address'} and relays it to any recipient."
            ),
            client_certificate=certificate_name(config) if certificate else "",
        ),
        *confirm_delivery(config),
    )
    notices = list(cloud_notices(config))
    notices.append(attribution_notice(config))
    notices.append(
        Notice(
            "info",
            "Exchange Online is not for bulk mail: the relay is subject to 'reasonable limits' and abuse moves "
            "it to the high-risk delivery pool. Newsletters and mass mailing belong with a bulk provider.",
        )
    )
    return Guide(
        option=CODE,
        option_label=LABEL,
        system=config.system_label,
        title=f"{LABEL} — {config.system_label}",
        summary=(
            f"{describe_system(config)} delivers as {sender_or_placeholder(config)} to "
            f"{host or sender_domain_or_placeholder(config)}:{port} (TLS {tls}); the inbound connector "
            f"'{connector_name(config)}' recognises it by "
            + (f"its certificate ({certificate_name(config)})" if certificate else "its static public IP")
            + " and relays to recipients inside and outside the organisation."
        ),
        steps=body,
        notices=tuple(notices),
        problems=tuple(validate(config)),
    )


def attribution_notice(config: MailConfig) -> Notice:
    """Microsoft's 2025 tenant attribution of relayed mail (message center MC1226222)."""
    sender_domain = config.sender_domain or placeholder("sender")
    common = (
        f"Exchange Online attributes relayed mail to your tenant only when the MAIL FROM domain ({sender_domain}) "
        "is an accepted domain of the tenant"
    )
    if uses_certificate(config):
        return Notice(
            "info",
            f"{common} and the certificate SAP presents names an accepted domain in its CN or SAN "
            f"({certificate_name(config)}); otherwise the mail is refused (550 5.7.64) or deferred (451 4.4.62).",
            ATTRIBUTION_SOURCE,
        )
    return Notice(
        "warning",
        f"{common} and the connection matches the connector. An egress IP shared with other organisations (a "
        "hosting provider's or cloud NAT pool) cannot attribute mail to one tenant: Microsoft steers customers to "
        "certificate-based connectors. Where SAP can present a certificate for an accepted domain, set Credential "
        "to certificate.",
        ATTRIBUTION_SOURCE,
    )


def connector_in_admin_center(config: MailConfig) -> Step:
    cloud = cloud_for(config.cloud)
    if uses_certificate(config):
        verify = say(
            "Authenticating sent email",
            f"By verifying that the subject name on the certificate … matches this domain name: {certificate_name(config)}",
        )
    else:
        verify = say(
            "Authenticating sent email",
            "By verifying that the IP address of the sending server matches one of these IP addresses, "
            "which belong exclusively to your organization: "
            + (" ".join(connector_ips(config)) or placeholder("egress_ips")),
        )
    return Step(
        key="exchange.connector",
        where=Where.EXCHANGE_ADMIN,
        title=f"Create the inbound connector '{connector_name(config)}'",
        why=(
            "Without a matching connector Exchange Online treats your server like any internet server and refuses to "
            "relay to outside recipients (550 5.7.64 TenantAttribution; Relay Access Denied)."
        ),
        values=(
            say("Admin center", cloud.flagged("exchange_admin_center")),
            say("Path", "Mail flow → Connectors → Add a connector"),
            say("Connection from", "Your organization's email server"),
            say("Connection to", "Office 365"),
            Value("Name → portal field Connector name", connector_name(config)),
            verify,
        ),
        check="smtp.envelope",
        notes=_connector_notes(config),
    )


def connector_in_powershell(config: MailConfig) -> Step:
    name = powershell_literal(connector_name(config))
    # No -RestrictDomainsToIPAddresses / -RestrictDomainsToCertificate: they act on Partner
    # connectors only, so on this OnPremises connector they would look like protection and be none.
    if uses_certificate(config):
        create = (
            f"New-InboundConnector -Name {name} -ConnectorType OnPremises -SenderDomains '*' "
            f"-RequireTls $true -TlsSenderCertificateName {powershell_literal(certificate_name(config))}"
        )
    else:
        ips = ",".join(powershell_literal(ip) for ip in connector_ips(config)) or powershell_literal(
            placeholder("egress_ips")
        )
        create = (
            f"New-InboundConnector -Name {name} -ConnectorType OnPremises -SenderDomains '*' -SenderIPAddresses {ips}"
        )
    return Step(
        key="exchange.connector_powershell",
        where=Where.EXCHANGE_POWERSHELL,
        title="…or create the same connector with PowerShell",
        why="The same connector as the previous step, for scripted or repeatable setups; do one or the other.",
        command=Command(
            "powershell",
            f"{connect_exchange(cloud_for(config.cloud))}\n{create}\n"
            f"Get-InboundConnector -Identity {name} | Format-List Enabled,ConnectorType,SenderIPAddresses,"
            "TlsSenderCertificateName,RequireTls",
        ),
        check="smtp.envelope",
        notes=_powershell_notes(config),
    )


def _powershell_notes(config: MailConfig) -> tuple[str, ...]:
    notes = [
        "-RestrictDomainsToIPAddresses and -RestrictDomainsToCertificate are not used: they act on Partner "
        "connectors only (mail from partner organisations) and protect nothing on this OnPremises connector. "
        f"Source: {NEW_INBOUND_CONNECTOR_DOC}",
    ]
    if not uses_certificate(config):
        notes.append(
            "-SenderIPAddresses takes IPv4 addresses only, single or CIDR /24 to /32; addresses outside that are "
            "left out (the setup's problems name them)."
        )
        notes += [reason for ip in config.egress_ips if (reason := connector_ip_problem(ip))]
    return tuple(notes)


def _connector_notes(config: MailConfig) -> tuple[str, ...]:
    notes = [
        "The sender can be any address of an accepted domain; no mailbox is needed. Senders without an "
        "Exchange Online licence may need an Exchange Online Protection licence.",
    ]
    if uses_certificate(config):
        notes.append(
            "The certificate SAP presents (SCOT client identity PSE) must carry "
            f"{certificate_name(config)} in its CN or SAN, be an accepted domain of the tenant and come with its full "
            "chain; a mismatch shows as 550 5.7.64, or as the deferral 451 4.4.62 (SAP retries, the message waits "
            "in SOST as Waiting for Retry)."
        )
    else:
        notes.append(
            "If SAP runs at a hosting provider (Azure included), older Exchange documentation says IP-based "
            "relay from third-party hosted services is not supported; Microsoft's SAP guide uses a static SNAT "
            "address. A certificate-based connector avoids the question."
        )
    return tuple(notes)


OPTION = Option(
    code=CODE,
    label=LABEL,
    description=(
        "SAP hands mail to the tenant's MX endpoint on port 25; an inbound connector recognises it by its "
        "static public IP (or a certificate) and relays to any recipient. For releases below 7.50 that must "
        "reach external recipients."
    ),
    recipients="inside and outside the organisation",
    fields=FIELDS,
    validate=validate,
    plan=plan,
    steps=steps,
)
