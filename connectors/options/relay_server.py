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

from connectors import postfix, sap_cloud
from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.confirm_delivery import confirm_delivery
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
from connectors.placeholders import FIELD_LABELS, placeholder, sender_or_placeholder, value_of
from connectors.plan import PlannedCheck, expecting
from connectors.postfix import supports_upstream
from connectors.powershell import connect_exchange
from connectors.problems import Problem, dedupe, error, warning
from connectors.products import describe_system, is_btp_abap
from connectors.quoting import powershell_literal, shell_command, shell_word
from connectors.retirement import Milestone, retirement_summary
from connectors.rules import (
    malformed_values,
    microsoft_host_rules,
    missing,
    product_rules,
    refuses_unsafe_text,
    sender_domain_rules,
)
from connectors.sap_steps import RELAY, sap_finish, sap_prerequisites, scot_relay_node
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
    else:
        problems += relay_connector.connector_ip_problems(config)
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
    if supports_upstream(option):
        # A value Postfix would read differently (a space, "$", a comma...) is refused, never escaped.
        names = postfix.relay_names(config, certificate_name=_client_certificate_name(config, option))
        if isinstance(names, postfix.Unwritable) and names.refused is not None:
            problems.append(names.refused.problem())
    problems += sender_domain_rules(config)
    return dedupe(problems)


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    checks = (*connection_checks(), *envelope_and_send(after="tls.starttls", send_to=send_to), egress_ip())
    return expecting(relay_expectations(config), (*checks, *domain_records()))


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
    today = today or date.today()
    option = upstream_option(config)
    upstream = _upstream_guide(config, option, existing_spf=existing_spf, today=today)
    plan_keys = set(keys(plan(config, send_to="x")))
    upstream_steps = tuple(
        _as_upstream(step, plan_keys)
        for step in upstream.steps
        if step.where not in (Where.SAP_GUI, Where.BTP) and step.key not in _NOT_FOR_THE_RELAY
    )
    relay_side: list[Step] = [_install(config, option), _relay_network(config, option), *upstream_steps]
    relay_side += _relay_configuration(config, option)
    relay_side += [_relay_test(config, option), _iis_notes(config, option)]
    host, port, tls = effective_endpoint(config)
    relay = host or placeholder("smtp_host")
    sap_side: tuple[Step, ...] = (
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
        *sap_finish(config, RELAY),
    )
    notices = [*_upstream_notices(config, option, today, milestones), *cloud_notices(config)]
    if is_btp_abap(config.product):
        # The ABAP environment reaches the relay through the Cloud Connector with SAP_COM_0548: no SAP GUI.
        sap_side = sap_cloud.relay_steps(config, relay=relay, port=port)
        notices.append(sap_cloud.no_sap_gui_notice(config))
    up_host, up_port, _ = upstream_endpoint(config)
    return Guide(
        option=CODE,
        option_label=LABEL,
        system=config.system_label,
        title=f"{LABEL} — {config.system_label}",
        summary=(
            f"{describe_system(config)} hands mail as {sender_or_placeholder(config)} to the relay {relay}:{port}; "
            f"the relay sends it on to {up_host or placeholder('sender')}:{up_port} by {upstream.option_label}. "
            "Useful in a DMZ or hub network, for several SAP hosts or central routing (old TLS on the SAP side: see "
            "the relay's TLS note)."
        ),
        steps=(*relay_side, *sap_side, *confirm_delivery(config)),
        notices=tuple(notices),
        problems=tuple(validate(config)),
        scripts=upstream.scripts,
    )


# The upstream's own network step is the relay's, and delivery is confirmed once, at the end.
_NOT_FOR_THE_RELAY = frozenset(
    {"network.egress_ip", "network.outbound", "exchange.message_trace", "m365.mail_flow_diagnostic"}
)


def _upstream_guide(config: MailConfig, option: str, *, existing_spf: str | Sequence[str] | None, today: date) -> Guide:
    # The relay is the upstream option's client: its endpoint is relay_host, not smtp_host, and it is
    # no SAP product (a BTP ABAP system's relay may well use a connector).
    upstream_config = dataclasses.replace(
        config, option=option, smtp_host=config.relay_host, smtp_port=None, tls="", product=""
    )
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
            f"Set-CASMailbox -Identity {powershell_literal(mailbox)} -SmtpClientAuthenticationDisabled $false",
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
    if option == "relay_connector":
        return [relay_connector.attribution_notice(config)]
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
                "Cloud Connector → relay" if is_btp_abap(config.product) else "SAP application servers → relay",
                f"{value_of(config, 'smtp_host')}:{effective_endpoint(config).port}",
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
    name = _client_certificate_name(config, option)
    names = postfix.relay_names(config, certificate_name=name)
    if isinstance(names, postfix.Unwritable):
        return [_postfix_unwritable(names)]
    steps = [_relay_certificate(names), _sap_networks()]
    if option == "smtp_basic":
        steps.append(
            Step(
                key="relay.sasl_passwd",
                where=Where.RELAY,
                title="Store the mailbox login for Postfix",
                why=(
                    "Postfix reads the upstream's user and password from this table. The password is typed on the "
                    "relay: it is not shown and not kept in the shell history, and the portal never holds it."
                ),
                values=(Value("File", f"{postfix.CONFIG_DIRECTORY}/{postfix.SASL_PASSWORD_FILE}"),),
                command=Command("shell", postfix.sasl_password_command(config)),
                notes=(
                    "Postfix sends with the MAIL FROM SAP gave; it must be the mailbox or an address it may Send As.",
                    # SASL_README: the key must have the relayhost's form, brackets and port included.
                    f"The key {postfix.next_hop(names)} must stay exactly as relayhost is written in main.cf.",
                ),
            )
        )
    steps.append(
        Step(
            key="relay.postfix",
            where=Where.RELAY,
            title="Configure Postfix: relay for SAP only, verified TLS 1.2 to Exchange Online",
            why=(
                "The relay must accept mail from the SAP servers alone (an open relay gets block-listed within "
                "hours), offer SAP STARTTLS, and hand everything to Exchange Online only after checking its "
                "certificate: 'encrypt' alone would send mail (and a password) to any server with any certificate."
            ),
            values=(
                Value("File", f"{postfix.CONFIG_DIRECTORY}/main.cf"),
                Value("Then", "postfix check && systemctl restart postfix"),
                Value("Trusted CAs for the upstream", postfix.ca_file(config)),
            ),
            command=Command("ini", postfix.main_cf(config, certificate_name=name)),
            notes=_postfix_notes(config),
        )
    )
    return steps


def _client_certificate_name(config: MailConfig, option: str) -> str:
    if option != "relay_connector" or config.credential != "certificate":
        return ""
    return relay_connector.certificate_name(config)


def _postfix_unwritable(unwritable: postfix.Unwritable) -> Step:
    values = tuple(Value(FIELD_LABELS.get(field, field), placeholder(field)) for field in unwritable.missing)
    if unwritable.refused is not None:
        values += (say("Cannot be written", str(unwritable.refused)),)
    return Step(
        key="relay.postfix",
        where=Where.RELAY,
        title="Configure Postfix (once the values below are right)",
        why=(
            "The Postfix files name the relay, the upstream and the certificates; a placeholder or a value Postfix "
            "reads differently inside them would pass 'postfix check' and fail when mail flows."
        ),
        values=values,
    )


def _relay_certificate(names: postfix.RelayNames) -> Step:
    directory = f"{postfix.CONFIG_DIRECTORY}/{postfix.TLS_DIRECTORY}"
    stem = names.server_certificate
    return Step(
        key="relay.certificate",
        where=Where.RELAY,
        title="Give the relay a server certificate SAP can verify",
        why=(
            # postconf(5): smtpd_tls_security_level is empty (no TLS) by default; smtpd_tls_cert_file.
            "SAP starts TLS to the relay and checks its certificate against the CA imported in STRUST. Postfix "
            "offers STARTTLS only when configured with a certificate and key (it is off by default)."
        ),
        values=(
            Value("Certificate chain (PEM)", f"{directory}/{stem}.crt"),
            Value("Private key (PEM, not encrypted)", f"{directory}/{stem}.key"),
            say("Names in the certificate", names.myhostname or "the address SAP's SCOT node connects to"),
        ),
        command=Command(
            "shell",
            f"install -d -m 755 {shell_word(directory)}\n"
            f"chmod 644 {shell_word(f'{directory}/{stem}.crt')}\n"
            f"chmod 600 {shell_word(f'{directory}/{stem}.key')}",
        ),
        check="tls.certificate",
        notes=(
            # postconf(5) smtpd_tls_cert_file and smtpd_tls_key_file.
            "The chain file holds the server certificate first, then the intermediate CA certificates.",
            "The key must not be encrypted, and only root may read it.",
            "Issue it from a CA SAP can trust (your internal CA): SAP imports that CA in STRUST, a step below.",
        ),
    )


def _sap_networks() -> Step:
    return Step(
        key="relay.sap_networks",
        where=Where.RELAY,
        title="List the SAP application servers that may relay",
        why=(
            "Postfix relays only for the relay itself and the addresses in this table; anyone else gets "
            "'554 5.7.1 ... Access denied'. The table starts with comments only, so Postfix runs before you fill it in."
        ),
        values=(
            Value("File", f"{postfix.CONFIG_DIRECTORY}/{postfix.SAP_NETWORKS_FILE}"),
            say("One line per server or network", postfix.SAP_NETWORKS_EXAMPLE),
        ),
        command=Command("text", postfix.sap_networks_table()),
        notes=(
            "Add every SAP application server that sends mail through the relay: address or network/prefix, then "
            "any word (Postfix cidr_table(5); mynetworks ignores the word).",
            "Postfix reads a cidr table into memory once: run 'postfix reload' after changing it (DATABASE_README).",
        ),
    )


def _postfix_notes(config: MailConfig) -> tuple[str, ...]:
    notes = [
        "Restart, not reload: Postfix reads inet_interfaces only when it starts (postconf(5) inet_interfaces).",
        "The upstream's certificate must chain to a CA of the system store, one file per system: "
        + "; ".join(f"{where}: {path}" for where, path in postfix.SYSTEM_CA_FILES)
        + ". Postfix reads it before entering its chroot (postconf(5) smtp_tls_CAfile).",
        *postfix.legacy_notes(),
        postfix.old_sap_tls_note(),
        # Checked on Debian 12: libsasl2-modules installs ANONYMOUS, CRAM-MD5, DIGEST-MD5, LOGIN, NTLM, PLAIN,
        # SASLDB and SCRAM plugins (/usr/lib/x86_64-linux-gnu/sasl2) - no XOAUTH2 for Postfix's client.
        "Debian's Postfix has no XOAUTH2 client (its SASL modules offer none): a Postfix relay reaches Exchange "
        "Online by a connector (IP or certificate), Direct Send or, while it lasts, Basic authentication.",
    ]
    if cloud_for(config.cloud).is_lab:
        notes[1] = (
            f"The lab cloud's certificates come from the lab's CA: copy .data/lab/lab-ca.pem (the demo's "
            f"PORTAL_EXTRA_CA_BUNDLE) to {postfix.CONFIG_DIRECTORY}/lab-ca.pem; real clouds use the system store "
            f"({postfix.SYSTEM_CA_FILE} on Debian)."
        )
    return tuple(notes)


def _relay_test(config: MailConfig, option: str) -> Step:
    host, port, _ = upstream_endpoint(config)
    sender, recipient = sender_or_placeholder(config), value_of(config, "test_recipient")
    lab = cloud_for(config.cloud).is_lab
    upstream = [
        "swaks",
        "--server",
        host or placeholder("sender"),
        "--port",
        str(port),
        "--tls",
        # swaks 20201014 (Debian 12) checks the chain only, not the name; Postfix's 'secure' checks both.
        "--tls-verify",
        "--tls-ca-path",
        f"{postfix.CONFIG_DIRECTORY}/lab-ca.pem" if lab else postfix.SYSTEM_CA_FILE,
    ]
    name = _client_certificate_name(config, option)
    if name:
        directory = f"{postfix.CONFIG_DIRECTORY}/{postfix.TLS_DIRECTORY}"
        upstream += ["--tls-cert", f"{directory}/{name}.crt", "--tls-key", f"{directory}/{name}.key"]
    if option == "smtp_basic":
        # No --auth-password: swaks asks for it, and --protect-prompt keeps it off the screen (swaks(1)).
        upstream += ["--auth", "LOGIN", "--auth-user", value_of(config, "mailbox"), "--protect-prompt"]
    upstream += ["--from", sender, "--to", recipient]
    through_postfix = ["swaks", "--server", "127.0.0.1", "--port", "25", "--tls", "--from", sender, "--to", recipient]
    return Step(
        key="relay.test",
        where=Where.RELAY,
        title="Send a test from the relay itself",
        why="Prove relay → Exchange Online works before pointing SAP at the relay.",
        command=Command(
            "shell",
            "# 1. The relay's own way to Exchange Online (no Postfix involved):\n"
            f"{shell_command(upstream)}\n"
            "# 2. Through Postfix, the way SAP will send; then the queue should be empty and the log say status=sent:\n"
            f"{shell_command(through_postfix)}\n"
            "postqueue -p\n"
            "journalctl -u postfix@- -n 20   # Debian's Postfix logs to the journal\n",
        ),
        notes=(
            "550 5.7.64 TenantAttribution: the connector did not match the relay's public IP or certificate.",
            "status=deferred (Server certificate not verified): the upstream's certificate does not chain to the CA "
            "file or does not name the upstream host — Postfix keeps the mail and sends no password.",
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
        "option — with Postfix, an inbound connector. Good for many SAP hosts and central routing; a stopgap for "
        "old TLS on the SAP side."
    ),
    recipients="as the upstream option allows",
    fields=FIELDS,
    validate=validate,
    plan=plan,
    steps=steps,
)
