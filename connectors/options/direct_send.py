"""SMTP Direct Send: SAP delivers to the tenant's MX endpoint on port 25, unauthenticated.

Only recipients in the organisation's own tenant (external ones: 550 5.7.64 or 451 4.4.62), any sender in an
accepted domain, antispam applies, a static IP with SPF is recommended. Tenants can refuse Direct
Send altogether (RejectDirectSend → 550 5.7.68).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors import mx_route, sap_cloud
from connectors.clouds import cloud_for
from connectors.config import MailConfig
from connectors.confirm_delivery import confirm_delivery
from connectors.endpoints import effective_endpoint
from connectors.guide import Command, Guide, Notice, Step, Value, Where
from connectors.notices import cloud_notices
from connectors.option import Option, OptionField
from connectors.placeholders import sender_domain_or_placeholder, sender_or_placeholder
from connectors.plan import PlannedCheck
from connectors.powershell import connect_exchange
from connectors.problems import Problem, dedupe, warning
from connectors.products import describe_system
from connectors.retirement import Milestone
from connectors.rules import refuses_unsafe_text
from connectors.sap_steps import DIRECT_SEND

CODE = "direct_send"
LABEL = "Direct Send"

FIELDS = (
    OptionField("sender", True, "Any address of an accepted domain; its domain gives the MX endpoint."),
    OptionField("egress_ips", False, "Static public IP(s) SAP's mail leaves from — recommended, for SPF."),
    OptionField("cloud", False, "Microsoft cloud of the tenant; global unless set."),
    OptionField("smtp_host", False, "Empty = the MX endpoint of the sender's domain."),
    OptionField("smtp_port", False, "Empty = 25."),
    OptionField("tls", False, "Empty = opportunistic (STARTTLS when offered)."),
    OptionField("test_recipient", False, "A mailbox in your own tenant (external recipients are refused)."),
)


def validate(config: MailConfig) -> list[Problem]:
    problems = mx_route.common_problems(config, tls_required=False)
    if not config.egress_ips:
        problems.append(
            warning(
                "egress_ips", "No static egress IP recorded: SPF can't name SAP's address and mail may land in junk."
            )
        )
    if mx_route.recipient_outside_domain(config):
        problems.append(
            warning(
                "test_recipient",
                f"Direct Send delivers only to mailboxes of your own tenant; {config.test_recipient} is outside "
                f"{config.sender_domain} and is refused (550 5.7.64) or deferred (451 4.4.62) unless that domain is in "
                "the same tenant.",
            )
        )
    return dedupe(problems)


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    return mx_route.plan(config, send_to=send_to)


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
    body = (
        mx_route.egress(
            config,
            why="Without a fixed address SPF can't vouch for SAP's mail, and a block-listed shared address stops it.",
        ),
        mx_route.mx_endpoint(config),
        _direct_send_allowed(config),
        mx_route.spf(config, existing_spf),
        mx_route.dmarc(config),
        mx_route.blocklists(config),
        *mx_route.sap_steps(
            config,
            path=DIRECT_SEND,
            why_node=(
                "Direct Send needs no authentication: SAP hands mail to the tenant's MX endpoint on port 25, "
                "which accepts it for the tenant's own mailboxes."
            ),
        ),
        *confirm_delivery(config),
    )
    return Guide(
        option=CODE,
        option_label=LABEL,
        system=config.system_label,
        title=f"{LABEL} — {config.system_label}",
        summary=(
            f"{describe_system(config)} delivers as {sender_or_placeholder(config)} straight to "
            f"{host or sender_domain_or_placeholder(config)}:{port} (TLS {tls}), without authentication. "
            "Recipients in your own tenant only."
        ),
        steps=body,
        notices=(
            Notice(
                "warning",
                "Direct Send reaches only mailboxes of your own tenant: mail to vendors or customers is "
                "refused (550 5.7.64 TenantAttribution) or deferred (451 4.4.62 'Mail sent to the wrong Office "
                "365 region', ATTR35: SAP retries and the message waits in SOST until it fails). For external "
                "recipients use SMTP OAuth 2.0 or a relay connector.",
            ),
            *cloud_notices(config),
        ),
        problems=tuple(validate(config)),
    )


def _direct_send_allowed(config: MailConfig) -> Step:
    return Step(
        key="exchange.direct_send_allowed",
        where=Where.EXCHANGE_POWERSHELL,
        title="Make sure the tenant accepts Direct Send",
        why=(
            "A tenant can refuse all unauthenticated mail from its own domains (RejectDirectSend); SAP "
            "then gets 550 5.7.68 TenantInboundAttribution."
        ),
        command=Command(
            "powershell",
            f"{connect_exchange(cloud_for(config.cloud))}\nGet-OrganizationConfig | Format-List RejectDirectSend",
        ),
        values=(Value("Expected", "RejectDirectSend : False"),),
        check="smtp.envelope",
        notes=("If it is True, do not switch it off for SAP: set up a relay connector, which is not affected.",),
    )


OPTION = Option(
    code=CODE,
    label=LABEL,
    description=(
        "SAP hands mail to the tenant's MX endpoint on port 25 without authentication. Simple, but only "
        "for recipients in your own tenant; a static IP with SPF is recommended."
    ),
    recipients="inside the organisation only",
    fields=FIELDS,
    validate=validate,
    plan=plan,
    steps=steps,
)
