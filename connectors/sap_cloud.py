"""The SAP products without SAP GUI: S/4HANA Cloud Public Edition and the BTP ABAP Environment.

Neither has SCOT, RZ10, SMICM, SICF or STRUST for the customer, so their guides never hold a SAP GUI
step. What each can use, and why not the rest:

- Public Edition: "the customer-specific email configuration for SMTP OAuth 2.0 is managed by SAP"
  (Microsoft, https://learn.microsoft.com/azure/sap/workloads/exchange-online-integration-sap-email-outbound);
  otherwise SAP's own mail server sends, with the customer's sender domain signed by DKIM (SAP KBA
  3231960). Only oauth2 fits.
- BTP ABAP Environment: communication scenario SAP_COM_0548 to an SMTP server — Exchange Online with
  OAuth 2.0 (Microsoft, same page), or an internal SMTP server reached through the Cloud Connector,
  with an outbound user (SAP Help, "Integrating Outbound Emails Using SMTP",
  https://help.sap.com/docs/sap-btp-abap-environment/abap-environment/integrating-outbound-emails-using-smtp).
  So oauth2 and relay_server fit.

Both send only to addresses the system's email outbound allowlists permit once the check is active
("Configuration of the System Email Outbound", class CL_BCS_MAIL_SYSTEM_CONFIG) and test with the
Monitor Email Transmissions app (SAP Help, "Monitoring Email Transmissions").
"""

from __future__ import annotations

from connectors.config import MailConfig
from connectors.guide import Guide, Notice, Step, Value, Where, say
from connectors.placeholders import placeholder, sender_domain_or_placeholder, sender_or_placeholder, value_of
from connectors.products import is_btp_abap, is_managed_by_sap, product_label

ARRANGEMENT = "SAP_COM_0548"
ALLOWLIST_DOC = (
    "https://help.sap.com/docs/sap-btp-abap-environment/abap-environment/configuration-of-system-mail-outbound"
)
SMTP_DOC = "https://help.sap.com/docs/sap-btp-abap-environment/abap-environment/integrating-outbound-emails-using-smtp"
MONITOR_DOC = "https://help.sap.com/docs/sap-btp-abap-environment/abap-environment/monitoring-email-transmissions"
MICROSOFT_SAP_DOC = "https://learn.microsoft.com/azure/sap/workloads/exchange-online-integration-sap-email-outbound"
SAP_MAIL_SERVER_KBA = "https://userapps.support.sap.com/sap/support/knowledge/en/3231960"

USABLE_OPTIONS: dict[str, tuple[str, ...]] = {"s4_public": ("oauth2",), "btp_abap": ("oauth2", "relay_server")}


def has_no_sap_gui(product: str) -> bool:
    return product in USABLE_OPTIONS


def refusal(config: MailConfig) -> str | None:
    """Why this product cannot use this option, or None when it can."""
    usable = USABLE_OPTIONS.get(config.product)
    if usable is None or config.option in usable:
        return None
    if is_managed_by_sap(config.product):
        return (
            f"{product_label(config.product)} has no SAP GUI and no profile access: SCOT, the ICM and STRUST are "
            "SAP's. Its mail goes out through SMTP OAuth 2.0 to Exchange Online, set up by SAP for your tenant "
            "(choose oauth2), or through SAP's own mail server."
        )
    if config.option == "smtp_basic":
        return (
            f"{product_label(config.product)}: Basic authentication for SMTP AUTH is retiring; {ARRANGEMENT} "
            "connects to Exchange Online with OAuth 2.0 — choose oauth2."
        )
    return (
        f"{product_label(config.product)} sends mail only through communication arrangement {ARRANGEMENT} to an "
        "SMTP server: Exchange Online with OAuth 2.0 (oauth2), or your own relay reached through the Cloud "
        "Connector (relay_server). It has no SCOT node, and its outbound addresses are the platform's, not "
        "yours, so nothing a connector or SPF could name."
    )


def refused_guide(config: MailConfig, *, option_label: str, reason: str) -> Guide:
    """No configuration steps at all: the one step says which option to choose instead, and why."""
    usable = USABLE_OPTIONS[config.product]
    step = Step(
        key="refused.option",
        where=Where.SAP_MANAGED if is_managed_by_sap(config.product) else Where.BTP,
        title=f"Choose {' or '.join(usable)} for {config.system_label}: {option_label} does not work here",
        why=reason,
        values=(Value("Options that work", ", ".join(usable)), Value("Product", product_label(config.product))),
    )
    return Guide(
        option=config.option,
        option_label=option_label,
        system=config.system_label,
        title=f"{option_label} — {config.system_label}",
        summary=f"{option_label} cannot be set up on {config.system_label} ({product_label(config.product)}).",
        steps=(step,),
        notices=(Notice("error", reason, MICROSOFT_SAP_DOC),),
    )


# -- S/4HANA Cloud Public Edition ------------------------------------------------------------------
def public_edition_steps(config: MailConfig) -> tuple[Step, ...]:
    return (
        Step(
            key="sap_managed.exchange_online",
            where=Where.SAP_MANAGED,
            title="Have SAP connect your tenant to Exchange Online",
            why=(
                "In Public Edition SAP manages the SMTP OAuth 2.0 configuration for your tenant; you have no SAP "
                "GUI, profile or SCOT to set it yourself."
            ),
            values=(
                Value("System", config.system_label),
                Value("Mailbox SAP should send as", config.mailbox or placeholder("mailbox")),
                Value("Microsoft Entra tenant", value_of(config, "tenant")),
                say("How", "through your SAP support channel; SAP tells you what it needs from your tenant"),
            ),
            notes=(
                f"Microsoft: 'the customer-specific email configuration for SMTP OAuth 2.0 is managed by SAP' "
                f"({MICROSOFT_SAP_DOC}).",
                "Unverified: where the setting shows in the Fiori launchpad (a communication arrangement in the "
                "Communication Arrangements app, and its scenario) could not be confirmed in SAP's documentation; "
                "follow SAP's instructions for your release.",
            ),
        ),
        Step(
            key="sap_managed.sap_mail_server",
            where=Where.SAP_MANAGED,
            title=f"Or keep SAP's own mail server: let it sign mail from {sender_domain_or_placeholder(config)}",
            why=(
                "Without Exchange Online, SAP's mail server sends with your sender address; receivers then check "
                "SPF and DKIM of your domain, and unsigned mail from a custom domain is not delivered."
            ),
            values=(
                Value("Sender domain", sender_domain_or_placeholder(config)),
                say("DKIM", "the TXT record SAP's cloud operations give you for the domain (requested in a case)"),
                say("SPF", "the include SAP names for its mail servers, merged into the domain's one SPF record"),
            ),
            notes=(f"SAP KBA 3231960 (mail server migration, DKIM for custom sender domains): {SAP_MAIL_SERVER_KBA}",),
        ),
        monitor_test_step(config, where=Where.SAP_MANAGED),
    )


def public_edition_notice() -> Notice:
    return Notice(
        "info",
        "S/4HANA Cloud Public Edition has no SAP GUI: no SCOT, ICM, SICF or STRUST step applies. SAP operates the "
        "SAP side; what is left for you is the request to SAP, your domain's DNS and the test.",
        MICROSOFT_SAP_DOC,
    )


# -- BTP ABAP Environment and both ------------------------------------------------------------------
def allowlist_step(config: MailConfig, *, where: Where = Where.BTP) -> Step:
    domain = sender_domain_or_placeholder(config)
    recipient_domain = config.test_recipient.rpartition("@")[2] if "@" in config.test_recipient else ""
    return Step(
        key="btp.email_allowlist",
        where=where,
        title="Allow the sender and recipient domains of the system's email outbound",
        why=(
            "With the email outbound check active, a message to a domain not on the allowlist is not sent at all: "
            "the test mail fails with 'recipient address … not allowed'."
        ),
        values=(
            Value("Allowed sender domain", domain),
            Value("Allowed recipient domain(s)", recipient_domain or domain),
            Value("Default sender", sender_or_placeholder(config)),
            say("Where", "Upload Business Configuration: SMAIL_VM_SND_DOM, SMAIL_VM_RCV_DOM, SMAIL_VM_DF_ADDR"),
            say(
                "Or in ABAP",
                "CL_BCS_MAIL_SYSTEM_CONFIG: SET_ADDRESS_CHECK_ACTIVE, ADD_ALLOWED_RECIPIENT_DOMAINS, "
                "ADD_ALLOWED_SENDER_DOMAINS, MODIFY_DEFAULT_SENDER_ADDRESS",
            ),
        ),
        notes=(
            "'*' allows every recipient (or sender) domain; only one default sender per system.",
            "The check is inactive until activated; the default sender is used only while it is active.",
            f"SAP Help, Configuration of the System Email Outbound: {ALLOWLIST_DOC}",
        ),
    )


def monitor_test_step(config: MailConfig, *, where: Where = Where.BTP) -> Step:
    return Step(
        key="btp.monitor_email_transmissions",
        where=where,
        title="Monitor Email Transmissions: send a test mail and read its status",
        why="The app sends a fixed test message through the configured outbound and shows the server's answer.",
        values=(
            Value("Recipient", value_of(config, "test_recipient")),
            say("App", "Monitor Email Transmissions → Send Test Mail"),
            say("Then", "the request's Details: Status, Status Code and Response (the SMTP reply)"),
        ),
        check="send.test",
        notes=(
            "The sender is the logged-on user's address, or the default sender.",
            "Sent and failed requests stay visible for 30 days.",
            "'recipient address … not allowed': extend the allowlist of the previous step.",
            f"SAP Help, Monitoring Email Transmissions: {MONITOR_DOC}",
        ),
    )


def relay_steps(config: MailConfig, *, relay: str, port: int) -> tuple[Step, ...]:
    """BTP ABAP → Cloud Connector → your relay, with SAP_COM_0548 (replaces the SAP GUI steps)."""
    system_name = f"MAIL_RELAY_{config.sid}" if config.sid else "MAIL_RELAY"
    return (
        Step(
            key="btp.cloud_connector",
            where=Where.BTP,
            title=f"Cloud Connector: map a virtual host to the relay {relay}:{port} (TCP)",
            why="The ABAP environment reaches servers in your network only through the Cloud Connector.",
            values=(
                say("Cloud Connector", "Cloud To On-Premise → Access Control: a mapping to the relay"),
                Value("Protocol", "TCP"),
                Value("Internal host and port", f"{relay}:{port}"),
                say("Virtual host", "the same name as the internal host keeps the relay's certificate name valid"),
            ),
            notes=(
                "The relay sees the Cloud Connector's address, not SAP's: let the relay accept mail from it "
                "(the relay's mynetworks, or the SMTP AUTH account of the outbound user below).",
                "A TCP mapping whose virtual host is the relay's own name keeps STARTTLS certificate checks valid "
                "(SAP Community, connecting to an on-premise mail server through the Cloud Connector).",
            ),
        ),
        Step(
            key="btp.communication_system",
            where=Where.BTP,
            title=f"Communication Systems: create {system_name} for the relay",
            why="The communication system holds where the ABAP environment's mail goes and as whom it logs in.",
            values=(
                Value("System ID / name", system_name),
                Value("Host name", relay),
                Value("Port", str(port)),
                say("Cloud Connector", "enabled; SCC Location ID when the subaccount has several Cloud Connectors"),
                say("Outbound user", "authentication method User and Password (the relay's SMTP account)"),
            ),
            notes=(f"SAP Help, Integrating Outbound Emails Using SMTP: {SMTP_DOC}",),
        ),
        Step(
            key="btp.communication_arrangement",
            where=Where.BTP,
            title=f"Communication Arrangements: create {ARRANGEMENT} with the relay's system",
            why=f"{ARRANGEMENT} is the scenario the ABAP environment sends mail with.",
            values=(Value("Scenario", ARRANGEMENT), Value("Communication system", system_name)),
        ),
        allowlist_step(config),
        monitor_test_step(config),
    )


def no_sap_gui_notice(config: MailConfig) -> Notice:
    if is_btp_abap(config.product):
        return Notice(
            "info",
            "BTP ABAP Environment has no SAP GUI: its side is the Communication Systems and Communication "
            f"Arrangements apps ({ARRANGEMENT}), the email outbound allowlist and Monitor Email Transmissions.",
            SMTP_DOC,
        )
    return public_edition_notice()
