"""SMTP relay server: SAP hands mail to an MTA (in a DMZ or hub network), which sends it on to
Exchange Online by one of the other options — its *upstream*.

Fields: ``smtp_host`` is the relay (what SAP connects to), ``relay_host`` the relay's upstream
endpoint, ``upstream_option`` how the relay reaches Exchange Online (relay_connector unless set),
``egress_ips`` the relay's public IPs. Debian's Postfix has no XOAUTH2 client, so the generated
Postfix configuration uses a connector (or, while it lasts, Basic authentication) upstream.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.endpoints import (
    UPSTREAM_OPTIONS,
    effective_endpoint,
    relay_expectations,
    upstream_endpoint,
    upstream_option,
)
from connectors.guide import Command, Guide, Notice, Step, Value, Where, say
from connectors.notices import cloud_notices
from connectors.option import Option, OptionField
from connectors.options import direct_send, oauth2, relay_connector, smtp_basic
from connectors.placeholders import placeholder, sender_or_placeholder, value_of
from connectors.plan import PlannedCheck, expecting
from connectors.postfix import SAP_NETWORKS, main_cf, sasl_passwd, supports_upstream
from connectors.powershell import connect_exchange, quote
from connectors.problems import Problem, dedupe, error, warning
from connectors.products import describe_system
from connectors.retirement import Milestone, retirement_summary
from connectors.rules import malformed_values, microsoft_host_rules, missing, product_rules, sender_domain_rules
from connectors.sap_steps import sap_finish, sap_prerequisites, scot_relay_node
from connectors.smtp_chain import connection_checks, domain_records, egress_ip, envelope_and_send, keys

CODE = "relay_server"
LABEL = "SMTP relay server"

FIELDS = (
    OptionField("smtp_host", True, "The relay SAP connects to (host name or IP in your network)."),
    OptionField("upstream_option", False, "How the relay reaches Exchange Online; relay_connector unless set."),
    OptionField("relay_host", False, "The relay's upstream endpoint; empty = the upstream option's default."),
    OptionField("sender", True, "Sender address; its domain gives the MX endpoint and SPF record."),
    OptionField("egress_ips", False, "The relay's static public IP(s): what a connector upstream matches."),
    OptionField("connector", False, "Name of the inbound connector, for a connector upstream."),
    OptionField("mailbox", False, "The mailbox, for a Basic or OAuth upstream."),
    OptionField("smtp_port", False, "Empty = 25."),
    OptionField("tls", False, "SAP to relay; empty = opportunistic."),
    OptionField("cloud", False, "Microsoft cloud of the tenant; global unless set."),
    OptionField("test_recipient", False, "Where test messages go."),
)


def validate(config: MailConfig) -> list[Problem]:
    problems = malformed_values(config) + product_rules(config)
    problems += missing(config, ("smtp_host",), "it is the relay SAP connects to.")
    problems += missing(config, ("sender",), "its domain gives the upstream MX endpoint and the SPF record.")
    cloud = cloud_for(config.cloud)
    if config.smtp_host and cloud.owns_host(config.smtp_host):
        problems.append(
            warning(
                "smtp_host",
                f"{config.smtp_host} is an Exchange Online endpoint, but for a relay server the SMTP host is the "
                "relay itself; to send to Exchange Online directly choose oauth2, direct_send or relay_connector.",
            )
        )
    if config.upstream_option and config.upstream_option not in UPSTREAM_OPTIONS:
        problems.append(
            error(
                "upstream_option",
                f"Unknown upstream '{config.upstream_option}'; use one of {', '.join(UPSTREAM_OPTIONS)}.",
            )
        )
    elif not config.upstream_option:
        problems.append(warning("upstream_option", "Upstream option not set: the steps assume a relay connector."))
    option = upstream_option(config)
    if option == "oauth2":
        problems.append(
            warning(
                "upstream_option",
                "Debian's Postfix has no XOAUTH2 client: it cannot use SMTP OAuth 2.0. Use a relay connector "
                "upstream, or an MTA that supports XOAUTH2.",
            )
        )
    elif option == "smtp_basic":
        problems.append(
            warning(
                "upstream_option", "Basic authentication for SMTP AUTH is retiring: use a relay connector upstream."
            )
        )
    elif option == "direct_send":
        problems.append(warning("upstream_option", "A Direct Send upstream reaches only your own tenant's mailboxes."))
    elif config.credential != "certificate" and not config.egress_ips:
        problems.append(warning("egress_ips", "The relay's static public IP is not set: the connector matches on it."))
    if config.relay_host:
        problems += microsoft_host_rules(config, config.relay_host, field="relay_host")
        if config.relay_host.strip().lower() == cloud.smtp_host and option in ("relay_connector", "direct_send"):
            problems.append(
                warning(
                    "relay_host",
                    f"{cloud.smtp_host} is for authenticated submission; a {option} upstream uses the MX endpoint.",
                )
            )
    if option in ("oauth2", "smtp_basic"):
        problems += missing(config, ("mailbox",), f"a {option} upstream logs in as a mailbox.")
    problems += sender_domain_rules(config)
    return dedupe(problems)


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    checks = (*connection_checks(), *envelope_and_send(after="tls.starttls", send_to=send_to), egress_ip())
    return expecting(relay_expectations(config), (*checks, *domain_records()))


def steps(
    config: MailConfig,
    *,
    milestones: Sequence[Milestone] | None = None,
    existing_spf: str | Sequence[str] | None = None,
    today: date | None = None,
) -> Guide:
    today = today or date.today()
    option = upstream_option(config)
    upstream = _upstream_guide(config, option, existing_spf=existing_spf, today=today)
    plan_keys = set(keys(plan(config, send_to="x")))
    upstream_steps = tuple(
        _as_upstream(step, plan_keys)
        for step in upstream.steps
        if step.where not in (Where.SAP_GUI, Where.BTP) and step.key not in {"network.egress_ip", "network.outbound"}
    )
    relay_side: list[Step] = [_install(config, option), _relay_network(config, option), *upstream_steps]
    relay_side += _relay_configuration(config, option)
    relay_side += [_relay_test(config), _iis_notes(config, option)]
    host, port, tls = effective_endpoint(config)
    relay = host or placeholder("smtp_host")
    sap_side = (
        *sap_prerequisites(),
        *((_strust_relay(relay),) if tls != "none" else ()),
        scot_relay_node(
            config,
            host=relay,
            port=port,
            tls=tls,
            why="SAP hands every message to the relay, which queues it and sends it on to Exchange Online.",
            client_identity="SSL client Standard (trusting the relay's CA, previous step)",
        ),
        *sap_finish(config),
    )
    notices = [*_upstream_notices(config, option, today, milestones), *cloud_notices(config)]
    up_host, up_port, _ = upstream_endpoint(config)
    return Guide(
        option=CODE,
        option_label=LABEL,
        system=config.system_label,
        title=f"{LABEL} — {config.system_label}",
        summary=(
            f"{describe_system(config)} hands mail as {sender_or_placeholder(config)} to the relay {relay}:{port}; "
            f"the relay sends it on to {up_host or placeholder('sender')}:{up_port} by {upstream.option_label}. "
            "Useful in a DMZ or hub network, for several SAP hosts, central routing or old TLS on the SAP side."
        ),
        steps=(*relay_side, *sap_side),
        notices=tuple(notices),
        problems=tuple(validate(config)),
        scripts=upstream.scripts,
    )


def _upstream_guide(config: MailConfig, option: str, *, existing_spf: str | Sequence[str] | None, today: date) -> Guide:
    # The relay is the upstream option's client: its endpoint is relay_host, not smtp_host.
    upstream_config = dataclasses.replace(config, option=option, smtp_host=config.relay_host, smtp_port=None, tls="")
    if option == "oauth2":
        return oauth2.steps(upstream_config, today=today)
    if option == "direct_send":
        return direct_send.steps(upstream_config, existing_spf=existing_spf, today=today)
    if option == "smtp_basic":
        return _basic_upstream_guide(upstream_config)
    return relay_connector.steps(upstream_config, existing_spf=existing_spf, today=today)


def _basic_upstream_guide(config: MailConfig) -> Guide:
    mailbox = value_of(config, "mailbox")
    step = Step(
        key="exchange.smtp_auth",
        where=Where.EXCHANGE_POWERSHELL,
        title=f"Allow SMTP AUTH for {mailbox}",
        why="The relay logs in with the mailbox's user name and password.",
        command=Command(
            "powershell",
            f"{connect_exchange(cloud_for(config.cloud))}\n"
            f"Set-CASMailbox -Identity {quote(mailbox)} -SmtpClientAuthenticationDisabled $false",
        ),
        check="smtp.auth",
    )
    return Guide(
        option=smtp_basic.CODE,
        option_label=smtp_basic.LABEL,
        system=config.system_label,
        title="",
        summary="",
        steps=(step,),
    )


def _as_upstream(step: Step, plan_keys: set[str]) -> Step:
    check = step.check if step.check in plan_keys else ("spf.record" if step.check == "spf.egress_ip" else None)
    return dataclasses.replace(step, key=f"upstream.{step.key}", title=f"Upstream: {step.title}", check=check)


def _upstream_notices(
    config: MailConfig, option: str, today: date, milestones: Sequence[Milestone] | None
) -> list[Notice]:
    if option == "oauth2":
        return [
            Notice(
                "error",
                "Debian's Postfix has no XOAUTH2 client and cannot send to Exchange Online with OAuth 2.0. "
                "Set the upstream to relay_connector (recommended; the guide then includes the Postfix "
                "configuration), or run an MTA with XOAUTH2 support and give it the OAuth values below.",
            )
        ]
    if option == "smtp_basic":
        return [Notice("warning", retirement_summary(milestones, today) + " Move the relay to a connector upstream.")]
    if option == "direct_send":
        return [Notice("warning", "A Direct Send upstream reaches only mailboxes of your own tenant.")]
    return []


def _install(config: MailConfig, option: str) -> Step:
    packages = "postfix ca-certificates" + (" libsasl2-modules" if option == "smtp_basic" else "")
    return Step(
        key="relay.install",
        where=Where.RELAY,
        title="Install Postfix on the relay",
        why="Any MTA can relay; Postfix is the one this guide generates a configuration for.",
        values=(Value("Relay host", value_of(config, "smtp_host")), Value("Debian/Ubuntu packages", packages)),
        command=Command("shell", f"apt-get install -y {packages}"),
        notes=(
            "At the Debian installer's question choose 'No configuration'; the fragment below sets what matters.",
            "Size the relay for your volume; several relays behind a load balancer are common for high volume.",
        ),
    )


def _relay_network(config: MailConfig, option: str) -> Step:
    host, port, _ = upstream_endpoint(config)
    return Step(
        key="relay.network",
        where=Where.NETWORK,
        title="Open the paths SAP → relay → Exchange Online",
        why="SAP reaches only the relay; the relay alone needs the way out to Exchange Online.",
        values=(
            Value(
                "SAP application servers → relay", f"{value_of(config, 'smtp_host')}:{effective_endpoint(config).port}"
            ),
            Value("Relay → Exchange Online", f"{host or placeholder('sender')}:{port}"),
            Value("Relay's static public IP(s)", value_of(config, "egress_ips")),
        ),
        notes=(
            "A connector upstream matches the relay's public address: it must be static and yours alone.",
            "Many providers block outbound port 25; test from the relay itself.",
        ),
    )


def _relay_configuration(config: MailConfig, option: str) -> list[Step]:
    if not supports_upstream(option):
        cloud = cloud_for(config.cloud)
        return [
            Step(
                key="relay.oauth_values",
                where=Where.RELAY,
                title="Configure XOAUTH2 in an MTA that supports it (not Debian's Postfix)",
                why="Debian's Postfix cannot fetch or present OAuth 2.0 tokens; only an MTA with an XOAUTH2 client can use this upstream.",
                values=(
                    Value(
                        "Submission host",
                        f"{upstream_endpoint(config).host}:{upstream_endpoint(config).port} (STARTTLS)",
                    ),
                    Value("Token endpoint", cloud.token_endpoint(value_of(config, "tenant"))),
                    Value("Scope", cloud.scope),
                    Value("Client ID", value_of(config, "client_id")),
                    Value("XOAUTH2 user (mailbox)", value_of(config, "mailbox")),
                ),
                notes=(
                    "Recommended instead: upstream relay_connector, for which this guide generates the Postfix configuration.",
                ),
            )
        ]
    name = (
        relay_connector.certificate_name(config)
        if config.credential == "certificate" and option == "relay_connector"
        else ""
    )
    steps = [
        Step(
            key="relay.postfix",
            where=Where.RELAY,
            title="Configure Postfix: relay for SAP only, send on to Exchange Online with TLS 1.2",
            why=(
                "The relay must accept mail from the SAP servers alone (an open relay gets block-listed within "
                "hours) and hand everything to Exchange Online over TLS."
            ),
            values=(Value("File", "/etc/postfix/main.cf"), Value("mynetworks", SAP_NETWORKS)),
            command=Command("ini", main_cf(config, certificate_name=name)),
        )
    ]
    if option == "smtp_basic":
        steps.append(
            Step(
                key="relay.sasl_passwd",
                where=Where.RELAY,
                title="Store the mailbox login for Postfix",
                why="Postfix reads the user and password for the upstream from this map.",
                values=(Value("File", "/etc/postfix/sasl_passwd"),),
                command=Command("ini", sasl_passwd(config)),
                notes=(
                    "Postfix sends with the MAIL FROM SAP gave; it must be the mailbox or an address it may Send As.",
                ),
            )
        )
    return steps


def _relay_test(config: MailConfig) -> Step:
    host, port, _ = upstream_endpoint(config)
    return Step(
        key="relay.test",
        where=Where.RELAY,
        title="Send a test from the relay itself",
        why="Prove relay → Exchange Online works before pointing SAP at the relay.",
        command=Command(
            "shell",
            f"swaks --server {host or placeholder('sender')} --port {port} --tls "
            f"--from {sender_or_placeholder(config)} --to {value_of(config, 'test_recipient')}\n"
            "postqueue -p   # the queue should be empty afterwards",
        ),
        notes=(
            "swaks talks to Exchange Online directly; then send through Postfix (e.g. with sendmail) and read the log.",
            "550 5.7.64 TenantAttribution: the connector did not match the relay's public IP or certificate.",
        ),
    )


def _iis_notes(config: MailConfig, option: str) -> Step:
    host, port, _ = upstream_endpoint(config)
    security = {
        "smtp_basic": "Basic authentication with the mailbox's user and password, TLS encryption on",
        "oauth2": "not possible: IIS SMTP has no OAuth 2.0 — use a connector upstream",
    }.get(option, "Anonymous, TLS encryption on")
    return Step(
        key="relay.iis",
        where=Where.RELAY,
        title="If the relay is Windows IIS SMTP instead of Postfix",
        why="The same relay built with the IIS 6 SMTP service (a legacy component) needs these settings.",
        values=(
            Value("Delivery → Advanced → Smart host", host or placeholder("sender")),
            Value("Delivery → Outbound connections → TCP port", str(port)),
            say("Delivery → Outbound Security", security),
            say("Access → Relay", "Only the list below: the SAP application servers' addresses"),
            say("Delivery → Advanced → FQDN", "must match the certificate's subject for a certificate connector"),
        ),
        notes=(
            "Enable logging (SMTP virtual server → Properties → Enable logging); logs are in C:\\Windows\\System32\\LogFiles\\SMTPSVC1.",
            "Test by dropping a text file with from:, to: and subject: lines into C:\\Inetpub\\mailroot\\Pickup; "
            "undeliverable mail ends in Badmail.",
        ),
    )


def _strust_relay(relay: str) -> Step:
    return Step(
        key="sap.strust",
        where=Where.SAP_GUI,
        title="STRUST: trust the certificate of the relay",
        why=f"SAP checks the certificate {relay} presents during STARTTLS; it is your relay's, not Microsoft's.",
        values=(
            say("Import", "the CA certificate that issued the relay's server certificate (and intermediates)"),
            say("Into", "the PSE chosen as client identity in SCOT (usually SSL client Standard)"),
        ),
        check="tls.certificate",
        notes=("With TLS if possible, an untrusted certificate makes SAP fall back or fail: check the ICM trace.",),
    )


OPTION = Option(
    code=CODE,
    label=LABEL,
    description=(
        "SAP hands mail to an MTA in your network (DMZ or hub), which relays it to Exchange Online by another "
        "option — with Postfix, an inbound connector. Good for many SAP hosts, central routing and old TLS."
    ),
    recipients="as the upstream option allows",
    fields=FIELDS,
    validate=validate,
    plan=plan,
    steps=steps,
)
