"""What SAP itself shows when mail fails: SAPconnect messages (class XS), SOST statuses and ICM trace errors.

For the error lookup: each entry names the codes our checks report for the same fault (``related``),
and ``recognise`` finds it in pasted text when the number is missing (a SOST status, a message text).
Every message number and text here was checked against SAP's message texts (class XS, "SAPconnect: All
messages", as published on erplingo.com/stechno.net), SAP's data element documentation and SAP
Knowledge Base Articles; the source is on each entry.
"""

from __future__ import annotations

from diagnostics.catalogue import Entry
from diagnostics.catalogue.fixers import RELAY_ADMINS, SAP_BASIS
from diagnostics.findings import Status

_XS = (
    "SAP message class XS (SAPconnect: All messages), number {}: https://www.erplingo.com/sap-error-messages/en/xs/xs{}"
)
_TRACES = (
    "Details: SAPconnect trace (SCOT → Utilities → Trace, SAP Note 1639935) and ICM trace level 2 or 3 (SMICM → "
    "Goto → Trace Level, SAP Note 2351619): look for the SMTP reply around the failing send."
)
_STRUST = (
    "STRUST: import the root certificate (and for Exchange Online DigiCert Global Root G2) into the PSE used as "
    "client identity in SCOT / SBCS_MAIL_CONFIGSMTP (usually SSL client Standard), save, restart the ICM."
)


def _xs(number: str) -> str:
    return _XS.format(number, number)


ENTRIES: tuple[Entry, ...] = (
    # -- SAPconnect messages (long text of a SOST status) ----------------------------------------------
    Entry(
        "XS802",
        "No delivery to the recipient, as recipient unknown (SAPconnect XS802).",
        "The mail server answered that the recipient does not exist: a typo, a deleted mailbox, or Exchange "
        "Online's directory-based edge blocking (550 5.4.1) or 550 5.1.1 for an address of its own domains.",
        "Check the recipient address in the send request (SOST) and in the application's master data; " + _TRACES,
        recognise=r"as recipient unknown",
        related=("5.4.1", "5.1.1", "5.1.10"),
        source=_xs("802"),
        plain="The message was not delivered because the recipient's address does not exist; often a typing error or "
        "a mailbox that was removed.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS804",
        "No delivery to the recipient, invalid transfer parameters (SAPconnect XS804).",
        "The mail server refused the message as it was handed over: a size limit (552 5.3.4), a refused "
        "sender or an unexpected reply during the transfer.",
        "Read the server's reply in the send request's long text; " + _TRACES,
        recognise=r"invalid transfer parameters",
        related=("5.3.4",),
        source=_xs("804"),
        plain="The mail server refused the message as SAP handed it over, for example because it was too large or its "
        "sender was not allowed.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS805",
        "No delivery to the recipient, as too many recipients (SAPconnect XS805).",
        "The mail server refused the number of recipients: Exchange Online allows 500 recipients per message "
        "by default.",
        "Send to fewer recipients per message (a distribution list counts as one), or ask the Exchange "
        "administrator about the recipient limit of the sending mailbox.",
        recognise=r"as too many recipients",
        source=_xs("805"),
        plain="The message has more recipients than the mail server accepts in one message, so it was not delivered.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS806",
        "No delivery to the recipient, invalid recipient address (SAPconnect XS806).",
        "A server after SAP classified the recipient address as invalid or unknown; with Exchange Online "
        "typically 550 5.4.1 (recipient not in the tenant) or 550 5.7.64 (outside recipient without a "
        "matching connector).",
        "Check the address; for outside recipients through the MX endpoint set up a relay connector. " + _TRACES,
        recognise=r"invalid recipient address",
        related=("5.4.1", "5.7.64", "5.1.1"),
        source=_xs("806"),
        plain="A mail server on the way refused the recipient's address as wrong or unknown, so the message was not "
        "delivered.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS807",
        "No delivery to the recipient, as recipient is no longer valid (SAPconnect XS807).",
        "A server after SAP reported that the recipient address is no longer valid.",
        "Find the recipient's current address and send again.",
        recognise=r"recipient is no longer valid",
        source=_xs("807"),
        plain="The recipient's address is no longer in use, so the message was not delivered.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS853",
        "No delivery, authentication required (SAPconnect XS853).",
        "The mail server wants SMTP authentication and SAP did not authenticate: SCOT points at "
        "smtp.office365.com:587 (client submission) without OAuth 2.0 or logon data (530 5.7.57).",
        "SMTP OAuth 2.0: authentication method OAuth2 in SBCS_MAIL_CONFIGSMTP with the OAuth 2.0 client "
        "profile; Direct Send or a relay connector: the tenant's MX endpoint on port 25 instead of "
        "smtp.office365.com.",
        recognise=r"authentication required",
        related=("5.7.57", "smtp.auth_not_offered"),
        source="https://stechno.net/repository/sap-messages.html?id=XS853",
        plain="The SAP system tries to send without signing in first, which the mail server refuses.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS855",
        "No delivery, as sender or receiver address is invalid (SAPconnect XS855).",
        "A server after SAP refused the sender or the recipient: with Exchange Online a sender the mailbox may "
        "not send as (550 5.7.60), a sender domain that is not accepted (550 5.7.750, 550 5.7.64) or an "
        "unknown recipient (550 5.4.1).",
        "Check the sender (SCOT default domain, the user's address in SU01) and the recipient; the server's "
        "reply in the long text names which. " + _TRACES,
        recognise=r"sender or receiver address is invalid",
        related=("5.7.60", "5.7.750", "5.7.64", "5.4.1"),
        source=_xs("855"),
        plain="A mail server refused the sender's or the recipient's address, so the message was not delivered.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "XS899",
        "No information on delivery, status invalid (SAPconnect XS899).",
        "SAP handed the message over, but the send status that came back was faulty or incomplete, so SAP "
        "cannot tell whether it was delivered; the cause is in the mail server's reply.",
        "SAP Note 2494754: capture the ICM trace (level 3, SAP Note 2351619) and the SAPconnect trace (SAP Note "
        "1639935), search for SMTP and read the server's reply there; then look the reply up here.",
        recognise=r"No information on delivery, status invalid",
        source="SAP Note 2494754 (https://me.sap.com/notes/2494754); text: https://itsiti.com/no-information-on-"
        "delivery-status-invalid-message-no-xs899/",
        plain="SAP handed the message over but cannot tell whether it was delivered, because the answer it got back "
        "was incomplete.",
        fixed_by=SAP_BASIS,
    ),
    # -- SOST statuses ----------------------------------------------------------------------------------
    Entry(
        "sost.waiting_for_retry",
        "SOST status 'Waiting for Retry': the message was sent and refused for now (a temporary 4xx reply).",
        "SAPconnect retries at intervals until the node's maximum waiting time for repeat send attempts has "
        "passed, then sets Errors. With Exchange Online: 451 4.4.62 (no connector match, wrong smart host), "
        "451 4.7.500-699 (throttling), 432 4.3.2 (more than 3 connections to one mailbox).",
        "Read the reply in the status's long text and look it up here; fix the cause, the retry then delivers.",
        status=Status.WARN,
        recognise=r"Waiting for Retry",
        related=("4.4.62", "4.7.500-699", "4.3.2"),
        source="SAP data element SOST_STATUS_RETRY: https://www.sapdatasheet.org/abap/dtel/sost_status_retry.html",
        plain="The mail server turned the message away for now and SAP will try again by itself: the mail is delayed, "
        "not lost yet.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "sost.no_queue_entry",
        "SOST status 'Still no entry in queue': the message never reached SAPconnect's send queue.",
        "The sending program did not commit (no COMMIT WORK), so the persistence service never wrote the queue "
        "entry; the send process never sees the message. Mail settings are not the cause.",
        "Resend from SOST (it puts the message into the queue); for a lasting fix the application that sends "
        "must commit its work.",
        status=Status.WARN,
        recognise=r"Still no entry in queue",
        source="SAP data element SOST_STATUS_INCONS: https://www.sapdatasheet.org/abap/dtel/sost_status_incons.html",
        plain="The message never reached SAP's outgoing mail because the program that wrote it did not finish saving "
        "it; the mail setup is not the cause.",
        fixed_by=SAP_BASIS,
    ),
    # -- ICM trace (SMICM → Goto → Trace File) and HTTP client errors of the token call -----------------
    Entry(
        "SSSLERR_PEER_CERT_UNTRUSTED",
        "ICM trace: the server's certificate chain is not trusted by SAP.",
        "The root that issued the mail server's (or login host's) certificate is not in the PSE SAP uses, or the "
        "server sends an incomplete chain.",
        _STRUST + " If the trace shows only the server's own certificate, the server must send its intermediates.",
        related=("tls.certificate_untrusted", "tls.chain_incomplete"),
        source="SAP wiki, 'Troubleshooting Guide - How to troubleshoot the SSSLERR_PEER_CERT_UNTRUSTED issue'",
        plain="The SAP system does not trust the authority that vouches for the mail server's identity, so it will "
        "not send.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "ICM_HTTP_SSL_PEER_CERT_UNTRUSTED",
        "The HTTPS call (the OAuth token request to the login host) failed: the server certificate is not trusted.",
        "The SSL client PSE used for the token call lacks the root of the login host's certificate (SAP message "
        "SCLNT_HTTP 421).",
        "STRUST: import the login host's root into the SSL client PSE of the OAuth 2.0 client (usually SSL client "
        "Standard or Anonymous), save, restart the ICM.",
        related=("oauth.tls_untrusted",),
        source="https://www.erplingo.com/sap-error-messages/en/sclnt_http/sclnt_http421",
        plain="The SAP system does not trust the authority that vouches for Microsoft's sign-in service, so it cannot "
        "get its sign-in pass.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "SSSLERR_SERVER_CERT_MISMATCH",
        "ICM trace: the server's certificate does not name the host SAP connected to.",
        "SCOT / SBCS_MAIL_CONFIGSMTP names the server by an IP address or an alias the certificate does not carry, "
        "DNS points the name at another server, or SNI is off.",
        "Use the host name the certificate names (Exchange Online: smtp.office365.com or the MX endpoint, never an "
        "IP); check the name's DNS answer from the SAP host; ssl/client_sni_enabled = TRUE.",
        related=("tls.certificate_name_mismatch", "dns.ip_literal"),
        source="SAP KBA 3391859 (SSSLERR errors due to wrong hostname resolution)",
        plain="The mail server's certificate (its proof of identity) does not match the name the SAP system uses for "
        "it.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "ICM_HTTP_SSL_CERT_MISMATCH",
        "The HTTPS call failed: the server certificate names another host (SAP message SCLNT_HTTP 415).",
        "The token endpoint's host name in OA2C_CONFIG does not match the certificate, or a proxy answers.",
        "Use the login host exactly as the cloud documents it (login.microsoftonline.com for the global cloud) "
        "and check proxies between SAP and the login host.",
        related=("oauth.unexpected_reply",),
        source="https://www.erplingo.com/sap-error-messages/en/sclnt_http/sclnt_http415",
        plain="The sign-in service the SAP system reaches cannot prove it is Microsoft's, often because its address "
        "is written wrongly or another server answers in between.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "SSSLERR_PEER_CERT_EXPIRED",
        "ICM trace: the server's certificate has expired.",
        "The relay's certificate was not renewed, or DNS sends SAP to an old server.",
        "Renew the server's certificate (Exchange Online renews its own: then check where the name points).",
        related=("tls.certificate_expired",),
        source="SAP KBA 3391859",
        plain="The mail server's certificate (its proof of identity) has expired.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "NIEHOST_UNKNOWN",
        "ICM trace: the mail host's name could not be resolved on the SAP host.",
        "The host name in SCOT is misspelt, or the SAP host's DNS (or hosts file) does not know it.",
        "Check the host in SCOT / SBCS_MAIL_CONFIGSMTP and resolve it on the SAP host (SAP Notes 129997 and "
        "124562: host name and IP address lookup).",
        related=("dns.nxdomain", "tcp.no_address"),
        source="SAP Note 2494754 (trace example: NiHLGetNodeAddr … NIEHOST_UNKNOWN)",
        plain="The SAP system cannot look up the mail server's name, so it does not know where to send.",
        fixed_by=SAP_BASIS,
    ),
)
