"""SAP GUI steps every ABAP option shares: ICM, SAPconnect, trust, addressing, send job, tests.

The facts come from reference/exchange-online.md (SAP side); the wording is ours.
"""

from __future__ import annotations

from connectors.config import MailConfig
from connectors.guide import Command, Step, Value, Where, say
from connectors.placeholders import sender_domain_or_placeholder, sender_or_placeholder, value_of

# How SAP's mail enters Exchange Online; some steps say different things per path. Only client
# submission (SMTP AUTH, OAuth or Basic) runs through a mailbox: it alone leaves a copy in Sent Items
# and is bound by the mailbox limits (3 concurrent connections, 432 4.3.2). Source: "Compare the
# options" in https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365
SUBMISSION = "submission"  # oauth2, smtp_basic
DIRECT_SEND = "direct_send"  # the MX endpoint, no connector
CONNECTOR = "connector"  # the MX endpoint, an inbound connector relays
RELAY = "relay"  # SAP hands the mail to an MTA of its own
PATHS = (SUBMISSION, DIRECT_SEND, CONNECTOR, RELAY)

ICM_PARAMETER_VALUE = "PROT=SMTP,PORT=25000,TIMEOUT=180,TLS=1"
ROOT_CA = "DigiCert Global Root G2"
ROOT_CA_SHA1 = "DF3C24F9BFD666761B268073FE06D1CC8D4F82A4"
ROOT_CA_DOWNLOAD = "https://cacerts.digicert.com/DigiCertGlobalRootG2.crt"
CLIENT_CIPHERSUITES = "150:PFS:HIGH::EC_P256:EC_HIGH"
SOST_CODES = (
    "XS802 recipient unknown",
    "XS806 invalid recipient address",
    "XS855 sender or recipient invalid",
    "XS853 authentication required",
    "XS804 invalid transfer parameters",
    "XS805 too many recipients",
    "XS899 no delivery information (SAP Note 2494754)",
)


def icm_smtp_service() -> Step:
    return Step(
        key="sap.icm_parameter",
        where=Where.SAP_GUI,
        title="RZ10: add the ICM's SMTP service to the instance profile",
        why=(
            "SAPconnect hands mail to the ICM; without an SMTP service in the ICM nothing leaves "
            "the system, and the send job only runs on application servers where it is active."
        ),
        values=(Value("Parameter", "icm/server_port_<nn>"), Value("Value", ICM_PARAMETER_VALUE)),
        command=Command("ini", f"icm/server_port_<nn> = {ICM_PARAMETER_VALUE}"),
        notes=(
            "Replace <nn> with the next free number (RZ11 shows the icm/server_port_* already in use).",
            "SAP's parameter name uses underscores; Microsoft's article writes icm/server-port-1.",
            "PORT and TLS= set the ICM's inbound SMTP listener only (PORT=0 when the system receives "
            "no mail); outbound TLS is set in SCOT or SBCS_MAIL_CONFIGSMTP.",
            "Put it in the profile of every application server that runs the SAPconnect send job (or in DEFAULT.PFL).",
            "SMTP with TLS and AUTH needs kernel 7.21 patch level 33 or 7.31 SP6 or later (SAP Note 1747180).",
            "SAP Note 455140 (Configuration of e-mail via SMTP) describes the whole SAPconnect SMTP setup these "
            "steps follow.",
        ),
    )


def smicm_restart() -> Step:
    return Step(
        key="sap.smicm",
        where=Where.SAP_GUI,
        title="SMICM: restart the ICM and confirm the SMTP service is active",
        why="The ICM reads the new parameter only at start.",
        values=(
            say("Restart", "SMICM → Administration → ICM → Exit Soft → Global"),
            say("Check", "SMICM → Goto → Services: SMTP listed and active"),
        ),
        notes=("Trace for failed TLS or connections: SMICM → Goto → Trace File (SAP Note 2351619).",),
    )


def sicf_sapconnect() -> Step:
    return Step(
        key="sap.sicf",
        where=Where.SAP_GUI,
        title="SICF: activate the SAPconnect service",
        why="SAPconnect's SMTP plug-in runs as an ICF service; an inactive node stops outbound mail too.",
        values=(say("Node", "virtual host SAPCONNECT → right-click → Activate Service"),),
        notes=("Activate it in every client that sends mail.",),
    )


def strust_root(*, hosts: tuple[str, ...], token_host: str = "") -> Step:
    targets = ", ".join(host for host in hosts if host)
    psesto = "the PSE chosen as client identity in SCOT / SBCS_MAIL_CONFIGSMTP (usually SSL client Standard)"
    values = [
        Value("Root certificate", ROOT_CA),
        Value("SHA-1 thumbprint", ROOT_CA_SHA1),
        Value("Download", ROOT_CA_DOWNLOAD),
        say("Import into", psesto),
    ]
    if token_host:
        values.append(say("Also into", f"the SSL client PSE used for the HTTPS token call to {token_host}"))
    return Step(
        key="sap.strust",
        where=Where.SAP_GUI,
        title=f"STRUST: trust {ROOT_CA} and its intermediates",
        why=(
            f"SAP checks the certificate {targets} presents during STARTTLS"
            + (f" and the one {token_host} presents to the token call" if token_host else "")
            + "; an unknown root ends the handshake (SSSLERR_PEER_CERT_UNTRUSTED in the ICM trace)."
        ),
        values=tuple(values),
        check="tls.certificate",
        notes=(
            "STRUST → open the PSE → Import certificate → Add to Certificate List → Save. Repeat for each PSE listed.",
            "Microsoft asked customers to trust DigiCert Global Root G2 and its subordinate CAs by "
            "22 March 2026 (message center MC1224565) and changes issuing CAs over time: the "
            "tls.certificate check shows the chain Exchange Online presents today and names the root "
            "to import.",
        ),
    )


# Microsoft's opt-in endpoint for SMTP AUTH clients that cannot do TLS 1.2 (not in GCC, GCC High, DoD):
# https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/opt-in-exchange-online-endpoint-for-legacy-tls-using-smtp-auth
LEGACY_TLS_DOC = (
    "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/"
    "opt-in-exchange-online-endpoint-for-legacy-tls-using-smtp-auth"
)
LEGACY_TLS_HOSTS = {"global": "smtp-legacy.office365.com", "china": "smtp-legacy.partner.outlook.cn"}


def legacy_tls_notes(cloud_code: str, *, submission: bool) -> tuple[str, ...]:
    """What a system whose CommonCryptoLib cannot do TLS 1.2 can do, best first."""
    notes = [
        "If the SAP side cannot speak TLS 1.2 (421 4.7.66): update CommonCryptoLib per SAP Note 510007 — "
        "CommonCryptoLib 8 runs on 7.0x/7.1x only with a 7.20 kernel of patch level 88 or later, and not on "
        "6.40 — or put a relay server in between that speaks TLS 1.2 to Exchange Online.",
    ]
    legacy_host = LEGACY_TLS_HOSTS.get(cloud_code)
    if submission and legacy_host:
        notes.append(
            f"Microsoft's opt-in endpoint for SMTP AUTH clients with TLS 1.0/1.1: {legacy_host}, after "
            "Set-TransportConfig -AllowLegacyTLSClients $true (Exchange admin center → Settings → Mail flow → "
            "'Turn on use of legacy TLS clients'); not offered in GCC, GCC High or DoD. Unverified: whether "
            f"Microsoft still offers it today — check {LEGACY_TLS_DOC} before relying on it."
        )
    elif submission and cloud_code in ("gcc-high", "dod"):
        notes.append("Microsoft's opt-in legacy-TLS endpoint is not offered in GCC, GCC High or DoD.")
    return tuple(notes)


def tls_client_parameters(cloud_code: str = "global", *, submission: bool = True) -> Step:
    return Step(
        key="sap.tls_parameters",
        where=Where.SAP_GUI,
        title="RZ10: make sure the SAP side speaks TLS 1.2 with SNI",
        why="Exchange Online refuses TLS 1.0 and 1.1 (421 4.7.66) and routes by server name (SNI).",
        values=(
            Value("ssl/client_ciphersuites", CLIENT_CIPHERSUITES),
            Value("ssl/client_sni_enabled", "TRUE"),
            Value("icm/HTTPS/client_sni_enabled", "TRUE"),
            say("CommonCryptoLib", "8.4.38 or later"),
        ),
        command=Command(
            "ini",
            f"ssl/client_ciphersuites = {CLIENT_CIPHERSUITES}\nssl/client_sni_enabled = TRUE\n"
            "icm/HTTPS/client_sni_enabled = TRUE",
        ),
        check="tls.starttls",
        notes=(
            "Recommended values from SAP Note 510007, section 7; restart the ICM afterwards.",
            *legacy_tls_notes(cloud_code, submission=submission),
        ),
    )


def scot_relay_node(
    config: MailConfig,
    *,
    host: str,
    port: int,
    tls: str,
    why: str,
    client_identity: str = "SSL client Standard (the PSE from the STRUST step)",
) -> Step:
    """SCOT's SMTP node for options without SMTP authentication (Direct Send, connector, relay)."""
    security = {
        "starttls": "TLS: required (STARTTLS mandatory)",
        "opportunistic": "TLS: if possible (STARTTLS when offered)",
        "implicit": "TLS: required — but the endpoint offers STARTTLS; prefer 'required' with port 25",
        "none": "TLS: off — not recommended",
    }.get(tls, "TLS: if possible")
    return Step(
        key="sap.scot_node",
        where=Where.SAP_GUI,
        title="SCOT: point the SMTP node at the mail host, without logon data",
        why=why,
        values=(
            Value("Mail host", host),
            Value("Mail port", str(port)),
            say("Security → Settings", security),
            say("Logon data", "none — delete any stored user and password"),
            say("Client identity (TLS)", client_identity),
        ),
        check="smtp.envelope",
        notes=(
            "SCOT → double-click the SMTP node → Settings next to Security. If an old user and "
            "password from SMTP AUTH is still there, delete it with the delete button below the "
            "logon data: stale logon data makes SAP try AUTH, which the MX endpoint refuses.",
            "The portal's smtp.envelope check uses the same host, port and sender from its worker: "
            "if it passes but SAP fails, the difference is the SAP host's network or trust store.",
        ),
    )


# SCOT's SMTP node: "Node in use" must be set, and the maximum waiting time for repeat send attempts
# bounds how long a temporary refusal is retried. SAP Help, "The SMTP Node":
# https://help.sap.com/saphelp_nw70/helpdata/en/1b/b8e93a2876a81ae10000000a11402f/content.htm
SMTP_NODE_DOC = "https://help.sap.com/saphelp_nw70/helpdata/en/1b/b8e93a2876a81ae10000000a11402f/content.htm"


def scot_addressing(config: MailConfig) -> Step:
    domain = sender_domain_or_placeholder(config)
    return Step(
        key="sap.scot_address_types",
        where=Where.SAP_GUI,
        title="SCOT: accept Internet addresses and set the default domain",
        why="Without the Internet address type SAPconnect never routes a message to the SMTP node.",
        values=(
            say("Supported address types", "Internet → Set → address area *"),
            Value("Default domain", domain),
            Value("Sender address", sender_or_placeholder(config)),
            say("Node in use", "checked on the SMTP node — without it SAPconnect sends nothing through the node"),
            say(
                "Maximum waiting time for repeat send attempt procedure",
                "how long SAPconnect retries a temporary refusal (451 4.4.62, 4.7.5xx throttling) before Errors",
            ),
        ),
        notes=(
            "SCOT → Settings → Default Domain. A * address area sends to every domain; narrow it if you must.",
            f"SAP Help, The SMTP Node: {SMTP_NODE_DOC}",
        ),
    )


def send_job(path: str = SUBMISSION) -> Step:
    notes = ["The job runs only on application servers where the ICM's SMTP service is active."]
    if path == SUBMISSION:
        notes.append(
            "Exchange Online allows 3 concurrent SMTP connections per mailbox: do not run several "
            "send processes in parallel for one mailbox (432 4.3.2 otherwise)."
        )
    return Step(
        key="sap.send_job",
        where=Where.SAP_GUI,
        title="SCOT: schedule the SAPconnect send job",
        why="Messages wait in SOST until the send process picks them up.",
        values=(
            Value("Program", "RSCONN01"),
            Value("Variant", "SAP&CONNECTINT"),
            say("Period", "every 5–10 minutes (SCOT → Send Job → Schedule Job for INT)"),
        ),
        notes=tuple(notes),
    )


def sbwp_test(config: MailConfig) -> Step:
    return Step(
        key="sap.sbwp_test",
        where=Where.SAP_GUI,
        title="SBWP: send a test message",
        why="Only a message from SAP itself proves the whole chain: SAPconnect, ICM, TLS, trust and Exchange Online.",
        values=(
            Value("Recipient", value_of(config, "test_recipient")),
            say("Then", "SCOT → Start Send Process for INT, or wait for the send job"),
        ),
        check="send.test",
        notes=("The portal's send.test sends the same kind of message from its worker, for comparison.",),
    )


def sost_status(config: MailConfig, path: str = SUBMISSION) -> Step:
    return Step(
        key="sap.sost",
        where=Where.SAP_GUI,
        title="SOST: read the message status",
        why="SOST shows whether the next server took the message and, if not, what it answered.",
        values=(
            say("Sent", "the message left SAP; whether it reached the recipient is known only downstream"),
            say("Proof of delivery", delivery_proof(config, path)),
        ),
        notes=(
            "Waiting for Retry: a temporary refusal (a 4xx reply such as 451 4.4.62): SAPconnect retries until the "
            "node's maximum waiting time for repeat send attempts has passed, then sets Errors.",
            "Still no entry in queue: the sending program never committed the message (no COMMIT WORK); "
            "resend from SOST and look at the application.",
            "Common SAPconnect errors: " + "; ".join(SOST_CODES) + ".",
            "For details switch on the SAPconnect trace (SCOT → Utilities → Trace, SAP Note 1639935) and the "
            "ICM trace (SMICM, SAP Note 2351619).",
            "Status meanings: SAP's SOST documentation (wiki.scn.sap.com, SOST - Send Request Overview) and the "
            "data elements SOST_STATUS_RETRY / SOST_STATUS_INCONS.",
        ),
    )


def delivery_proof(config: MailConfig, path: str) -> str:
    """What proves, after SOST says Sent, that the message really went through Exchange Online."""
    recipient = value_of(config, "test_recipient")
    if path == SUBMISSION:
        return (
            f"a copy in the Sent Items of {value_of(config, 'mailbox')} (only SMTP AUTH keeps one), the message "
            f"in {recipient}'s mailbox, and message trace status Delivered"
        )
    if path == DIRECT_SEND:
        return (
            f"the message in {recipient}'s mailbox (your own tenant) and message trace status Delivered; "
            "Direct Send uses no mailbox, so nothing appears in Sent Items"
        )
    if path == CONNECTOR:
        return (
            f"message trace for {sender_or_placeholder(config)} with status Delivered and the message at "
            f"{recipient}; the connector uses no mailbox, so nothing appears in Sent Items"
        )
    return (
        "the relay's log shows the message handed on (Postfix: status=sent with Exchange Online's 250 reply), then "
        f"message trace status Delivered and the message at {recipient}; no mailbox, no Sent Items copy"
    )


def sap_prerequisites() -> tuple[Step, ...]:
    return (icm_smtp_service(), smicm_restart(), sicf_sapconnect())


def sap_finish(config: MailConfig, path: str = SUBMISSION) -> tuple[Step, ...]:
    return (scot_addressing(config), send_job(path), sbwp_test(config), sost_status(config, path))
