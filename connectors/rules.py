"""Validation rules several options share. Each returns problems; none raises.

Levels follow connectors.problems: ``error`` only for malformed values, ``warning`` for
everything Microsoft or SAP would refuse, and for missing values.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

from connectors.addresses import (
    domain_of,
    egress_ip_problem,
    is_documentation_range,
    is_email,
    is_guid,
    is_host_name,
    is_ip_literal,
    tenant_problem,
)
from connectors.clouds import CLOUDS, cloud_for, microsoft_cloud_of_host, microsoft_cloud_of_tenant
from connectors.config import CREDENTIALS, TLS_MODES, MailConfig
from connectors.guide import Guide
from connectors.option import StepsFunction
from connectors.placeholders import FIELD_LABELS
from connectors.problems import Problem, error, warning
from connectors.products import is_managed_by_sap
from connectors.quoting import describe_character, unsafe_character
from connectors.retirement import Milestone
from connectors.sap_cloud import refusal

_CONFIG_FIELDS = frozenset(item.name for item in dataclasses.fields(MailConfig))
# Fields that never reach generated text: free text there (a multi-line description) is fine.
_FREE_TEXT_FIELDS = frozenset({"description"})


def reaches_generated_text(field: str) -> bool:
    """Whether a MailConfig field's value can end up in a generated command, script or SAP field."""
    return field in _CONFIG_FIELDS and field not in _FREE_TEXT_FIELDS


def malformed_values(config: MailConfig) -> list[Problem]:
    """Values that are wrong whatever the option: the only rules that block a save or import.

    An unknown option is the registry's to report (``connectors.registry.validate``).

    A value with an unsafe character gets that one error and no other rule's message, which would
    echo it.
    """
    unsafe = unsafe_text_problems(config)
    refused = {problem.field for problem in unsafe}
    return unsafe + [problem for problem in _shape_problems(config) if problem.field not in refused]


def unsafe_text_reason(text: str, label: str) -> str | None:
    """Why ``text`` can't be a value of the field called ``label``, or None: control characters,
    line breaks and bidirectional controls would split a generated command or disguise it."""
    char = unsafe_character(text)
    if char is None:
        return None
    return (
        f"{label} contains {describe_character(char)}. Values that go into commands, scripts and "
        "SAP fields must be one line of printable text: remove it."
    )


def unsafe_text_problems(config: MailConfig) -> list[Problem]:
    """An error per field whose value holds an unsafe character (see connectors.quoting)."""
    problems: list[Problem] = []
    for name, text in _texts(config):
        reason = unsafe_text_reason(text, FIELD_LABELS.get(name, name.replace("_", " ").capitalize()))
        if reason and not any(problem.field == name for problem in problems):
            problems.append(error(name, reason))
    return problems


def _texts(config: MailConfig) -> Iterator[tuple[str, str]]:
    for item in dataclasses.fields(config):
        value = getattr(config, item.name)
        if not reaches_generated_text(item.name):
            continue
        if isinstance(value, str):
            yield item.name, value
        elif isinstance(value, tuple):
            yield from ((item.name, str(part)) for part in value)
        elif isinstance(value, dict):
            yield from ((str(key), str(part)) for key, part in value.items())


def refuses_unsafe_text(code: str, label: str) -> Callable[[StepsFunction], StepsFunction]:
    """Decorate an option's ``steps``: a setup holding an unsafe character gets a guide that says
    which field to correct, with no step and no script, instead of commands built from it."""

    def decorate(steps: StepsFunction) -> StepsFunction:
        @functools.wraps(steps)
        def guarded(
            config: MailConfig,
            *,
            milestones: Sequence[Milestone] | None = None,
            existing_spf: str | Sequence[str] | None = None,
            today: date | None = None,
        ) -> Guide:
            if problems := unsafe_text_problems(config):
                return _refused_guide(config, code, label, problems)
            return steps(config, milestones=milestones, existing_spf=existing_spf, today=today)

        return guarded

    return decorate


def _refused_guide(config: MailConfig, code: str, label: str, problems: list[Problem]) -> Guide:
    system = config.system_label if unsafe_character(config.system_label) is None else "this system"
    fields = ", ".join(FIELD_LABELS.get(p.field, p.field.replace("_", " ").capitalize()) for p in problems)
    return Guide(
        option=code,
        option_label=label,
        system=system,
        title=f"{label} — {system}",
        summary=(
            f"The steps are not generated: a line break or another control character in {fields} would "
            "split or disguise the commands made from it. Correct the value on the Configuration tab "
            "(or in the import file) and the steps follow."
        ),
        steps=(),
        problems=tuple(problems),
    )


def _shape_problems(config: MailConfig) -> list[Problem]:
    problems: list[Problem] = []
    if config.cloud and config.cloud not in CLOUDS:
        problems.append(error("cloud", f"Unknown Microsoft cloud '{config.cloud}'; choose one of {', '.join(CLOUDS)}."))
    if config.tls and config.tls not in TLS_MODES:
        problems.append(error("tls", f"Unknown TLS mode '{config.tls}'; choose one of {', '.join(TLS_MODES)}."))
    if config.credential and config.credential not in CREDENTIALS:
        problems.append(
            error("credential", f"Unknown credential '{config.credential}'; use {' or '.join(CREDENTIALS)}.")
        )
    for name in ("sender", "mailbox", "test_recipient"):
        address = getattr(config, name)
        if address and not is_email(address):
            problems.append(error(name, f"'{address}' is not an e-mail address."))
    if config.tenant and (reason := tenant_problem(config.tenant)):
        problems.append(error("tenant", reason))
    for name in ("client_id", "service_principal_id"):
        value = getattr(config, name)
        if value and not is_guid(value):
            problems.append(
                error(name, f"'{value}' is not a GUID; copy the {FIELD_LABELS[name]} from the Entra admin center.")
            )
    if config.smtp_port is not None and not 0 < config.smtp_port < 65536:
        problems.append(error("smtp_port", f"{config.smtp_port} is not a TCP port (1-65535)."))
    for name in ("smtp_host", "relay_host"):
        host = getattr(config, name)
        if host and not (is_host_name(host) or is_ip_literal(host)):
            problems.append(error(name, f"'{host}' is neither a host name nor an IP address."))
    problems += egress_ip_problems(config)
    return problems


def egress_ip_problems(config: MailConfig) -> list[Problem]:
    """Private or malformed egress IPs are refused (error) with the reason; documentation
    ranges (203.0.113.0/24 ...) pass with a warning, because demos use them."""
    problems: list[Problem] = []
    allow_loopback = cloud_for(config.cloud).is_lab
    for address in config.egress_ips:
        reason = egress_ip_problem(address, allow_loopback=allow_loopback)
        if reason:
            problems.append(error("egress_ips", reason))
        elif is_documentation_range(address) and not allow_loopback:  # the lab's demo data uses them
            problems.append(
                warning(
                    "egress_ips",
                    f"{address} is in a documentation range (RFC 5737/3849): fine for a demo, never seen on the internet.",
                )
            )
    return problems


def missing(config: MailConfig, fields: Iterable[str], why: str) -> list[Problem]:
    """A warning per empty field: the guide still renders, with a placeholder naming the field."""
    problems: list[Problem] = []
    for name in fields:
        value = getattr(config, name)
        if value is None or value == "" or value == ():
            problems.append(warning(name, f"{FIELD_LABELS.get(name, name)} is not set: {why}"))
    return problems


def product_rules(config: MailConfig) -> list[Problem]:
    """Products without SAP GUI: an option they cannot use is refused with the reason (sap_cloud)."""
    if reason := refusal(config):
        return [warning("option", reason)]
    if is_managed_by_sap(config.product):
        return [
            warning(
                "product",
                "S/4HANA Cloud Public Edition has no SAP GUI and no profile access: SAP manages the SMTP OAuth 2.0 "
                "configuration for your tenant, or SAP's own mail server sends. The guide lists your part.",
            )
        ]
    return []


def microsoft_host_rules(config: MailConfig, host: str, *, field: str = "smtp_host") -> list[Problem]:
    """A Microsoft endpoint must be a host name of the system's own cloud."""
    if not host:
        return []
    cloud = cloud_for(config.cloud)
    if is_ip_literal(host):
        return [
            warning(
                field,
                f"'{host}' is an IP address. Exchange Online does not support IP addresses: its "
                "addresses change and the TLS certificate names the host. Use the host name "
                f"(e.g. {cloud.smtp_host}).",
            )
        ]
    other = microsoft_cloud_of_host(host)
    if other is not None and not cloud.owns_host(host):
        return [
            warning(
                field,
                f"{host} belongs to the {other.label} cloud, but this system is set to "
                f"{cloud.label}: a tenant answers only in its own cloud. Fix the host or the cloud.",
            )
        ]
    return []


def submission_port_rules(config: MailConfig, host: str, port: int, tls: str) -> list[Problem]:
    """Client submission (oauth2, smtp_basic) to Exchange Online: 587 (or 25) with STARTTLS."""
    problems: list[Problem] = []
    microsoft = cloud_for(config.cloud).owns_host(host) if host else True
    if tls == "none":
        problems.append(
            warning(
                "tls", "TLS is off: Exchange Online refuses AUTH without STARTTLS (530 5.7.57). Set TLS to starttls."
            )
        )
    elif tls == "implicit" or port == 465:
        problems.append(
            warning(
                "smtp_port" if port == 465 else "tls",
                "Port 465 / implicit TLS is not offered for client submission by Exchange Online; "
                "use port 587 with STARTTLS.",
            )
        )
    elif tls == "opportunistic":
        problems.append(
            warning(
                "tls",
                "TLS is only opportunistic: if STARTTLS is ever missing SAP would send the "
                "credentials in clear, and Exchange Online refuses AUTH without TLS. Set TLS to starttls.",
            )
        )
    if microsoft and port not in (587, 25, 465) and not cloud_for(config.cloud).is_lab:
        problems.append(warning("smtp_port", f"Exchange Online accepts client submission on 587 (or 25), not {port}."))
    elif microsoft and port == 25:
        problems.append(
            warning(
                "smtp_port",
                "Port 25 works for client submission but is often blocked outbound; 587 is the recommended port.",
            )
        )
    return problems


def mx_port_rules(config: MailConfig, port: int, tls: str, *, tls_required: bool) -> list[Problem]:
    """Direct Send and connectors deliver to the MX endpoint on port 25 (SMTP, STARTTLS)."""
    problems: list[Problem] = []
    cloud = cloud_for(config.cloud)
    if port != cloud.mx_port:
        hint = " — 587 is client submission, which needs authentication" if port == 587 else ""
        problems.append(
            warning("smtp_port", f"The MX endpoint accepts mail on port {cloud.mx_port}, not {port}{hint}.")
        )
    if tls == "implicit":
        problems.append(
            warning("tls", "The MX endpoint offers STARTTLS, not implicit TLS; use opportunistic or starttls.")
        )
    elif tls == "none":
        level_text = "required for a certificate-based connector" if tls_required else "strongly recommended"
        problems.append(warning("tls", f"TLS is off; it is {level_text}. Set TLS to starttls (or opportunistic)."))
    elif tls_required and tls == "opportunistic":
        problems.append(
            warning("tls", "A certificate-based connector needs TLS on every connection: set TLS to starttls.")
        )
    return problems


def sender_domain_rules(config: MailConfig) -> list[Problem]:
    """Sender vs mailbox vs tenant: what can be told from the names alone."""
    problems: list[Problem] = []
    cloud = cloud_for(config.cloud)
    tenant = config.tenant.strip().lower()
    if tenant and not is_guid(tenant):
        tenant_cloud = microsoft_cloud_of_tenant(tenant)
        if tenant_cloud is not None and not tenant.endswith("." + cloud.tenant_suffix) and not cloud.is_lab:
            problems.append(
                warning(
                    "tenant",
                    f"{tenant} is an initial domain of the {tenant_cloud.label} cloud, but the system is "
                    f"set to {cloud.label}: Entra ID would answer AADSTS90002/AADSTS90038.",
                )
            )
    sender_domain = domain_of(config.sender)
    mailbox_domain = domain_of(config.mailbox)
    if sender_domain and mailbox_domain and sender_domain != mailbox_domain:
        problems.append(
            warning(
                "sender",
                f"The sender ({sender_domain}) and the mailbox ({mailbox_domain}) are in different "
                "domains: both must be accepted domains of the same tenant.",
            )
        )
    if tenant and not is_guid(tenant) and sender_domain and microsoft_cloud_of_tenant(tenant) is None:
        if sender_domain != tenant and not sender_domain.endswith("." + tenant):
            problems.append(
                warning(
                    "sender",
                    f"The sender's domain {sender_domain} differs from the tenant domain {tenant}: "
                    "make sure it is an accepted domain of that tenant (550 5.7.750 otherwise).",
                )
            )
    return problems
