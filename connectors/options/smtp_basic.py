"""Legacy SMTP AUTH with Basic authentication (mailbox user and password) — retiring.

Every output says so: the validation, the plan (``setup.basic_auth_retirement``) and the guide,
which documents the current setup for reference and then the migration to the right option.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

from connectors import sap_cloud
from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.confirm_delivery import confirm_delivery
from connectors.endpoints import effective_endpoint, submission_expectations
from connectors.guide import Command, Guide, Notice, Step, Value, Where, say
from connectors.limits import submission_limits_notice
from connectors.notices import cloud_notices
from connectors.option import Option, OptionField
from connectors.options import oauth2, relay_connector
from connectors.placeholders import hand_off, placeholder, value_of
from connectors.plan import PlannedCheck, expecting
from connectors.powershell import connect_exchange
from connectors.problems import Problem, dedupe, warning
from connectors.products import describe_system, is_btp_abap, is_managed_by_sap
from connectors.quoting import powershell_literal
from connectors.releases import OAUTH_SECRET_MIN, release_label
from connectors.retirement import REMOVED_REPLY, Milestone, next_milestone, or_default, retirement_summary
from connectors.rules import (
    malformed_values,
    microsoft_host_rules,
    missing,
    product_rules,
    refuses_unsafe_text,
    sender_domain_rules,
    submission_port_rules,
)
from connectors.sap_steps import (
    CONNECTOR,
    SUBMISSION,
    delivery_proof,
    sap_finish,
    sap_prerequisites,
    strust_root,
    tls_client_parameters,
)
from connectors.smtp_chain import connection_checks, domain_records, egress_ip, envelope_and_send

CODE = "smtp_basic"
LABEL = "SMTP AUTH with Basic authentication (retiring)"

FIELDS = (
    OptionField("mailbox", True, "The licensed mailbox SAP logs in as (user name = its address)."),
    OptionField("sender", False, "MAIL FROM, if not the mailbox (needs Send As)."),
    OptionField("secret_expires", False, "When the mailbox password expires, if it does."),
    OptionField("cloud", False, "Microsoft cloud of the tenant; global unless set."),
    OptionField("smtp_host", False, "Empty = the cloud's submission host."),
    OptionField("smtp_port", False, "Empty = 587."),
    OptionField("tls", False, "Empty = starttls."),
    OptionField("egress_ips", False, "Public egress IPs: needed by the migration to a connector."),
    OptionField("test_recipient", False, "Where test messages go."),
)

# Steps of the target option already in place in a working Basic setup: not repeated.
_ALREADY_DONE = frozenset(
    {"sap.icm_parameter", "sap.smicm", "sap.sicf", "sap.tls_parameters", "sap.scot_address_types", "sap.send_job"}
)
# The target's own test steps: the cut-over step tests once the password is gone.
_TESTED_AT_CUTOVER = frozenset(
    {
        "sap.sbwp_test",
        "sap.sost",
        "btp.monitor_email_transmissions",
        "exchange.message_trace",
        "m365.mail_flow_diagnostic",
    }
)


def migration_target(config: MailConfig) -> str:
    """Where a Basic-auth system should go: OAuth 2.0 from 7.50 (or unknown), else a connector."""
    if is_btp_abap(config.product) or is_managed_by_sap(config.product):
        return "oauth2"
    if config.basis_release is None or config.basis_release >= OAUTH_SECRET_MIN:
        return "oauth2"
    return "relay_connector"


def validate(config: MailConfig) -> list[Problem]:
    problems = malformed_values(config) + product_rules(config)
    target = migration_target(config)
    problems.append(
        warning(
            "option",
            f"Basic authentication for SMTP AUTH is being retired by Microsoft; once removed, logins get "
            f"'{REMOVED_REPLY}' Move this system to {target} "
            f"(SAP_BASIS {release_label(config.basis_release)}).",
        )
    )
    problems += missing(config, ("mailbox",), "it is the user SAP logs in with.")
    if not config.has_secret:
        problems.append(warning("credential", "No password is stored: the portal cannot test the login."))
    host, port, tls = effective_endpoint(config)
    problems += microsoft_host_rules(config, host)
    problems += submission_port_rules(config, host, port, tls)
    problems += sender_domain_rules(config)
    if config.sender and config.mailbox and config.sender.lower() != config.mailbox.lower():
        problems.append(
            warning(
                "sender",
                f"The sender {config.sender} is not the mailbox {config.mailbox}: the mailbox needs Send As on it.",
            )
        )
    return dedupe(problems)


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    # A mailbox password has no expiry date to watch unless the tenant sets one.
    expect = submission_expectations(config, auth="password", credential="password", expiry_required=False)
    checks = (
        *connection_checks(),
        PlannedCheck("smtp.auth_mechanisms", after=("tls.starttls",)),
        PlannedCheck("smtp.auth", after=("smtp.auth_mechanisms",)),
        *envelope_and_send(after="smtp.auth", send_to=send_to),
        egress_ip(),
        *domain_records(),
        PlannedCheck("secret.expiry"),
        PlannedCheck("setup.basic_auth_retirement"),
    )
    return expecting(expect, checks)


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
    chosen = or_default(milestones)
    target = migration_target(config)
    target_guide = _target_guide(config, target, existing_spf=existing_spf, today=today)
    source = next((milestone.source for milestone in chosen if milestone.source), "")
    upcoming = next_milestone(chosen, today)
    notices = [
        Notice("warning", retirement_summary(chosen, today), source),
        *[Notice("info", f"{m.date.isoformat()}: {m.what}", m.source) for m in chosen if m != upcoming],
        Notice("info", _target_reason(config, target)),
        submission_limits_notice(),
        *cloud_notices(config),
    ]
    host, port, _ = effective_endpoint(config)
    in_place = (*sap_prerequisites(), tls_client_parameters(config.cloud), strust_root(hosts=(host,)))
    current = (*[_as_current(step) for step in in_place], *_current_setup(config))
    # The MX endpoint's certificate chains to the same root as the submission host's: trusted already.
    skipped = _ALREADY_DONE | _TESTED_AT_CUTOVER | ({"sap.strust"} if target != "oauth2" else set())
    migration = (
        _inventory(config),
        *[_as_migration(step, target, config) for step in target_guide.steps if step.key not in skipped],
        _cutover(config, target),
        *[_as_migration(step, target, config) for step in confirm_delivery(config)],
        _block_basic(config, target),
    )
    return Guide(
        option=CODE,
        option_label=LABEL,
        system=config.system_label,
        title=f"{LABEL} — {config.system_label}",
        summary=(
            f"{describe_system(config)} logs in to {host}:{port} as {value_of(config, 'mailbox')} with a password. Part 1 records that "
            f"setup for reference; part 2 moves it to {target_guide.option_label} before Microsoft switches "
            "Basic authentication off."
        ),
        steps=(*current, *migration),
        notices=tuple(notices),
        problems=tuple(validate(config)),
        scripts=target_guide.scripts,
    )


def _target_guide(config: MailConfig, target: str, *, existing_spf: str | Sequence[str] | None, today: date) -> Guide:
    # The password is not a client secret and the submission host is not an MX endpoint: the
    # target starts from the identity fields only, with its own defaults for the endpoint.
    target_config = dataclasses.replace(
        config, option=target, smtp_host="", smtp_port=None, tls="", has_secret=False, secret_expires=None
    )
    if target == "oauth2":
        return oauth2.steps(target_config, today=today)
    return relay_connector.steps(target_config, existing_spf=existing_spf, today=today)


def _target_reason(config: MailConfig, target: str) -> str:
    release = release_label(config.basis_release)
    if target == "oauth2":
        if config.basis_release is None:
            return (
                "Migration target: SMTP OAuth 2.0, provided the system has SAP_BASIS 7.50 or later (the release "
                "is not recorded). Below 7.50 use a relay connector instead."
            )
        return f"Migration target: SMTP OAuth 2.0 — SAP_BASIS {release} supports it and it reaches external recipients too."
    return (
        f"Migration target: relay connector — SAP_BASIS {release} has no SMTP OAuth 2.0. It reaches external "
        "recipients from a static public IP. Without one, use a relay server; for internal recipients only, "
        "Direct Send."
    )


def _current_setup(config: MailConfig) -> tuple[Step, ...]:
    host, port, _ = effective_endpoint(config)
    mailbox = value_of(config, "mailbox")
    return (
        Step(
            key="current.smtp_auth",
            where=Where.EXCHANGE_POWERSHELL,
            title=f"Current: SMTP AUTH allowed for {mailbox}",
            why="A Basic login needs SMTP AUTH on for the mailbox and no authentication policy blocking Basic for SMTP.",
            command=Command(
                "powershell",
                f"{connect_exchange(cloud_for(config.cloud))}\nGet-CASMailbox -Identity {powershell_literal(mailbox)} | Format-List SmtpClientAuthenticationDisabled\n"
                "Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled\n"
                f"Get-User -Identity {powershell_literal(mailbox)} | Format-List AuthenticationPolicy\n"
                "Get-AuthenticationPolicy | Format-List Name,AllowBasicAuthSmtp",
            ),
            check="smtp.auth",
            notes=(
                "Besides the mailbox switch, four things stop a Basic login: the tenant-wide "
                "SmtpClientAuthenticationDisabled (an empty mailbox value inherits it), an authentication policy "
                "without AllowBasicAuthSmtp, security defaults (they disable SMTP AUTH with a password) and a "
                "Conditional Access policy that blocks legacy authentication.",
                "Security defaults: Entra admin center → Overview → Properties → Manage security defaults. Source: "
                "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission",
                "535 5.7.139 … basic authentication is disabled: Basic is blocked (retirement or policy).",
                "535 5.7.139 … the request did not meet the criteria: Conditional Access or security defaults; see the sign-in logs.",
            ),
        ),
        Step(
            key="current.scot_node",
            where=Where.SAP_GUI,
            title="Current: SCOT SMTP node with logon data",
            why="How SAPconnect logs in today; keep a record before the migration changes it.",
            values=(
                Value("Mail host", host),
                Value("Mail port", str(port)),
                say("Security → Settings", "TLS: required (logon data is allowed only with mandatory TLS)"),
                Value("Logon data: user", mailbox),
                Value("Logon data: password", hand_off("in SCOT: the mailbox password (never stored in the guide)")),
            ),
            check="smtp.auth",
            notes=("The mailbox address appears as the sender unless Send As is granted for another address.",),
        ),
        *[_as_current(step) for step in sap_finish(config)],
    )


def _inventory(config: MailConfig) -> Step:
    cloud = cloud_for(config.cloud)
    return Step(
        key="migrate.inventory",
        where=Where.EXCHANGE_ADMIN,
        title="Migration: list every sender still using Basic authentication",
        why=(
            "Other systems or devices may log in with the same mailbox; the report shows, per sender, "
            "whether Basic or OAuth was used, so nothing breaks unnoticed at the cut-over."
        ),
        values=(
            say("Admin center", cloud.flagged("exchange_admin_center")),
            say("Report", "Reports → Mail flow → SMTP AUTH clients submission report"),
            Value("This system's mailbox", value_of(config, "mailbox")),
        ),
        check="setup.basic_auth_retirement",
    )


def _as_migration(step: Step, target: str, config: MailConfig) -> Step:
    """A target step inside this guide. Its check belongs to the target's plan: it runs once the
    setup is switched to the target option, not while the system still uses Basic."""
    runs_now = {check.key for check in plan(config, send_to="x")}
    notes = step.notes
    check = step.check
    if check is not None and check not in runs_now:
        notes = (*notes, f"Once the setup's option is switched to {target}, the check {check} verifies this step.")
        check = None
    return dataclasses.replace(
        step, key=f"migrate.{step.key}", title=f"Migration: {step.title}", check=check, notes=notes
    )


def _cutover(config: MailConfig, target: str) -> Step:
    new_path = (
        "SBCS_MAIL_CONFIGSMTP with authentication method OAuth2 (steps above)"
        if target == "oauth2"
        else f"SCOT SMTP node on {relay_connector_endpoint(config)}:{cloud_for(config.cloud).mx_port} (steps above)"
    )
    return Step(
        key="migrate.cutover",
        where=Where.SAP_GUI,
        title="Migration: remove the stored password and test the new path",
        why="A password left in SCOT keeps SAP trying Basic AUTH, and it is a credential nobody rotates.",
        values=(
            say("Now sending through", new_path),
            say("SCOT → Security → Settings", "delete the stored user and password"),
            say("Test", f"SBWP to {value_of(config, 'test_recipient')}, then SOST: status 'Sent'"),
            say("Proof of delivery", delivery_proof(config, SUBMISSION if target == "oauth2" else CONNECTOR)),
        ),
        check="smtp.auth" if target == "oauth2" else "smtp.envelope",
        notes=("If the test fails, SOST's message and the portal's diagnosis name the step to revisit.",),
    )


def _as_current(step: Step) -> Step:
    return dataclasses.replace(step, title=f"Current: {step.title}")


def relay_connector_endpoint(config: MailConfig) -> str:
    cloud = cloud_for(config.cloud)
    return cloud.mx_endpoint(config.sender_domain) if config.sender_domain else placeholder("sender")


def _block_basic(config: MailConfig, target: str) -> Step:
    mailbox = powershell_literal(value_of(config, "mailbox"))
    lines = [
        "New-AuthenticationPolicy -Name 'Block Basic Auth'  # a new policy allows no Basic protocol",
        f"Set-User -Identity {mailbox} -AuthenticationPolicy 'Block Basic Auth'",
    ]
    if target != "oauth2":
        # A connector needs no SMTP AUTH at all; OAuth does (XOAUTH2 is SMTP AUTH).
        lines.append(f"Set-CASMailbox -Identity {mailbox} -SmtpClientAuthenticationDisabled $true")
    return Step(
        key="migrate.block_basic",
        where=Where.EXCHANGE_POWERSHELL,
        title="Migration: block Basic authentication for the mailbox",
        why=(
            "Once SAP sends the new way, nothing should be able to log in with the old password; "
            "the policy blocks Basic only" + (" — OAuth keeps working." if target == "oauth2" else ".")
        ),
        command=Command("powershell", "\n".join(lines)),
        notes=(
            "Do this only after the inventory report shows no other Basic logins for this mailbox.",
            "Reuse an existing policy that blocks Basic if your tenant has one.",
        ),
    )


OPTION = Option(
    code=CODE,
    label=LABEL,
    description=(
        "SAP logs in to Exchange Online with the mailbox's user name and password (SMTP AUTH, port "
        "587). Microsoft is retiring Basic authentication: use only to document a legacy system "
        "and plan its move."
    ),
    recipients="inside and outside the organisation",
    fields=FIELDS,
    validate=validate,
    plan=plan,
    steps=steps,
    secret="password",
    retiring=True,
)
