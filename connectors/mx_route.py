"""What Direct Send and the relay connector share: SAP delivers to the tenant's MX endpoint on
port 25 without authentication, from a known public IP, with SPF naming that IP.

The rules and steps both use; each option's plan, its own rules and the steps that differ (the
connector itself, Direct Send's tenant switch) live in ``direct_send.py`` and ``relay_connector.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors import domain_auth
from connectors.addresses import domain_of, egress_ip_problem, is_ip_literal
from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.endpoints import effective_endpoint, mx_expectations
from connectors.guide import Command, Step, Value, Where, say
from connectors.placeholders import placeholder, sender_domain_or_placeholder, value_of
from connectors.plan import PlannedCheck, expecting
from connectors.problems import Problem, warning
from connectors.rules import (
    malformed_values,
    microsoft_host_rules,
    missing,
    mx_port_rules,
    product_rules,
    sender_domain_rules,
)
from connectors.sap_steps import sap_finish, sap_prerequisites, scot_relay_node, strust_root, tls_client_parameters
from connectors.smtp_chain import connection_checks, egress_ip, envelope_and_send
from connectors.spf import build_spf, is_spf, unquote


def common_problems(config: MailConfig, *, tls_required: bool) -> list[Problem]:
    problems = malformed_values(config) + product_rules(config)
    problems += missing(config, ("sender",), "its domain gives the MX endpoint and the SPF record.")
    host, port, tls = effective_endpoint(config)
    cloud = cloud_for(config.cloud)
    if config.smtp_host:
        problems += microsoft_host_rules(config, config.smtp_host)
        if config.smtp_host.strip().lower() == cloud.smtp_host:
            problems.append(
                warning(
                    "smtp_host",
                    f"{cloud.smtp_host} is the client-submission host (authenticated, port 587). Direct Send "
                    f"and connectors deliver to the MX endpoint, e.g. {_expected_mx(config)}.",
                )
            )
        elif (
            not is_ip_literal(config.smtp_host)
            and config.sender_domain
            and cloud.owns_host(config.smtp_host)
            and config.smtp_host.strip().lower() != cloud.mx_endpoint(config.sender_domain)
        ):
            problems.append(
                warning(
                    "smtp_host",
                    f"The MX endpoint of {config.sender_domain} is {cloud.mx_endpoint(config.sender_domain)}, "
                    f"not {config.smtp_host}; fine only if both domains belong to the same tenant, or if the "
                    "admin center shows this host as the domain's MX.",
                )
            )
    problems += mx_port_rules(config, port, tls, tls_required=tls_required)
    problems += sender_domain_rules(config)
    return problems


def _expected_mx(config: MailConfig) -> str:
    cloud = cloud_for(config.cloud)
    return cloud.mx_endpoint(config.sender_domain) if config.sender_domain else f"contoso-com.{cloud.mx_suffix}"


def egress(config: MailConfig, *, why: str) -> Step:
    host, port, _ = effective_endpoint(config)
    ips = value_of(config, "egress_ips")
    return Step(
        key="network.egress_ip",
        where=Where.NETWORK,
        title="Give SAP's mail one static public IP and open port 25 to the MX endpoint",
        why=why,
        values=(
            Value("Static public egress IP(s)", ips),
            Value("Outbound TCP", f"{host or placeholder('sender')}:{port}"),
            say("How", "a static SNAT / NAT gateway address used by every SAP application server"),
        ),
        check="egress.ip",
        notes=(
            "A dynamic address is not supported. Do not share the address with anyone outside your organisation.",
            "Many providers block outbound port 25; test from every application server that runs the send job.",
            "Exchange Online names the address it sees in its EHLO reply (250-… Hello [a.b.c.d]): the "
            "egress.ip check shows it. It must be the one entered here.",
        ),
    )


def mx_endpoint(config: MailConfig) -> Step:
    cloud = cloud_for(config.cloud)
    domain = sender_domain_or_placeholder(config)
    computed = cloud.mx_endpoint(config.sender_domain) if config.sender_domain else placeholder("sender")
    return Step(
        key="m365.mx_endpoint",
        where=Where.M365_ADMIN,
        title=f"Look up the MX endpoint of {domain}",
        why="SAP delivers straight to the tenant's inbound servers; the domain's MX target is their address.",
        values=(
            say("Admin center", cloud.flagged("m365_admin_center")),
            say("Path", f"Settings → Domains → {domain} → DNS records → MX → Points to address"),
            Value("Expected MX endpoint", computed),
            Value("Port", str(cloud.mx_port)),
        ),
        check="dns.mx",
        notes=(
            "If the admin center shows another target (newer tenants can get one ending in mx.microsoft), "
            "use that value and enter it in the SMTP host field.",
            f"If {domain} is a subdomain without an MX record of its own, Exchange Online gives it an endpoint only "
            "when it is an accepted domain. Otherwise use the MX endpoint of its accepted parent domain as smart "
            "host, and add the subdomain as an accepted domain or send from an address of the parent (550 5.7.64 "
            "otherwise); the dns.mx check tells which case applies.",
        ),
    )


def spf(config: MailConfig, existing_spf: str | Sequence[str] | None) -> Step:
    cloud = cloud_for(config.cloud)
    domain = sender_domain_or_placeholder(config)
    usable = [ip for ip in config.egress_ips if egress_ip_problem(ip, allow_loopback=cloud.is_lab) is None]
    result = build_spf(existing_spf, ips=usable, include=cloud.spf_include)
    record, zone = result.record, result.zone_value()
    if not usable:
        # No address yet: show where it goes rather than a record that silently lacks it.
        record = record.replace("v=spf1", f"v=spf1 ip4:{placeholder('egress_ips')}", 1)
        zone = f'"{record}"'
    notes = list(result.notes)
    notes += [f"{ip} is left out: it is not a public address." for ip in config.egress_ips if ip not in usable]
    if existing_spf is None:
        notes.insert(
            0,
            "The portal did not have the domain's current SPF record when this guide was made. If the "
            "domain has one, merge the terms above into it instead of adding a second record (two SPF "
            "records break SPF for the whole domain); the spf.record check shows the current one.",
        )
    current: list[Value] = []
    if existing_spf is not None:
        # The portal read the live record: show it beside the merged one.
        texts = [existing_spf] if isinstance(existing_spf, str) else list(existing_spf)
        published = " | ".join(unquote(text) for text in texts if is_spf(text))
        current.append(Value("Current record", published) if published else say("Current record", "none published"))
    lookups = say(
        "DNS lookups",
        f"{result.lookups} of the 10 SPF allows (its own terms; the records it includes add theirs)",
    )
    return Step(
        key="dns.spf",
        where=Where.DNS,
        title=f"Publish one SPF record for {domain} that names your sending IP",
        why=(
            "Receivers, Exchange Online included, check that mail from the domain comes from an address the "
            "domain's SPF record names; without your sending IP the mail lands in junk or is refused."
        ),
        values=(
            Value("Name", domain),
            Value("Type", "TXT"),
            Value("Value", record),
            *current,
            Value("Added", ", ".join(result.added) or "nothing — the record already covers it"),
            lookups,
        ),
        command=Command("dns", f"{domain}. 3600 IN TXT {zone}"),
        check="spf.egress_ip",
        notes=tuple(notes),
    )


def dmarc(config: MailConfig) -> Step:
    return domain_auth.dmarc(config)


def blocklists(config: MailConfig) -> Step:
    return Step(
        key="network.blocklists",
        where=Where.NETWORK,
        title="Make sure the egress IP is on no block list",
        why="Exchange Online refuses mail from listed addresses (550 5.7.1 … blocked using Spamhaus, or 5.7.606-649 banned sending IP).",
        values=(
            Value("Egress IP(s)", value_of(config, "egress_ips")),
            Value("Spamhaus delisting", "https://www.spamhaus.org/lookup/"),
            Value("Microsoft delisting", "https://sender.office.com"),
        ),
        check="dnsbl.egress_ip",
    )


def sap_steps(config: MailConfig, *, why_node: str, path: str, client_certificate: str = "") -> tuple[Step, ...]:
    """``client_certificate``: the name a certificate-based connector matches; SAP must present it."""
    host, port, tls = effective_endpoint(config)
    node_host = host or placeholder("sender")
    trust = (strust_root(hosts=(node_host,)),) if tls != "none" else ()
    identity = (
        f"a PSE whose own certificate names {client_certificate} (CN or SAN), issued by a public CA, with its chain"
        if client_certificate
        else "SSL client Standard (the PSE from the STRUST step)"
    )
    return (
        *sap_prerequisites(),
        tls_client_parameters(config.cloud, submission=False),
        *trust,
        scot_relay_node(config, host=node_host, port=port, tls=tls, why=why_node, client_identity=identity),
        *sap_finish(config, path),
    )


def recipient_outside_domain(config: MailConfig) -> bool:
    recipient = domain_of(config.test_recipient)
    return bool(recipient and config.sender_domain and recipient != config.sender_domain)


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    """Direct Send and relay connectors reach the same MX endpoint: one plan for both."""
    dns_host, *reach = connection_checks()
    checks = (
        dns_host,
        PlannedCheck("dns.mx"),
        *reach,
        *envelope_and_send(after="tls.starttls", send_to=send_to),
        egress_ip(),
        PlannedCheck("spf.record"),
        PlannedCheck("spf.egress_ip", after=("spf.record", "egress.ip")),
        PlannedCheck("dmarc.record"),
        PlannedCheck("dnsbl.egress_ip", after=("egress.ip",)),
    )
    return expecting(mx_expectations(config), checks)
