"""Each check in words: a short name (the systems list's "Why" column), a definition of its jargon
(shown on hover and focus), what its failure means to a non-specialist, and who fixes it.

The plain sentence is what a helpdesk card says when the failing result carries no catalogue code;
a code's own entry (``plain``, ``fixed_by``) is more exact and wins. A test holds every registered
check key to having a term here.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics.catalogue.fixers import DNS_ADMINS, M365_ADMINS, NETWORK_TEAM, SAP_BASIS


@dataclass(frozen=True)
class CheckTerm:
    name: str  # short: "Token", "STARTTLS"
    definition: str  # the jargon explained in one line
    plain: str  # what it means when this check fails, for a non-specialist
    fixed_by: str  # one of fixers.FIXERS


CHECK_TERMS: dict[str, CheckTerm] = {
    "dns.host": CheckTerm(
        "Name look-up",
        "DNS: the internet's directory that turns the mail server's name into an address.",
        "The mail server's address could not be looked up.",
        SAP_BASIS,
    ),
    "dns.mx": CheckTerm(
        "MX record",
        "MX record: the DNS entry that says which server receives a domain's mail.",
        "The company's mail domain does not lead to the server the SAP system sends to.",
        DNS_ADMINS,
    ),
    "tcp.connect": CheckTerm(
        "Connection",
        "TCP connection: the network line from the checks to the mail server's port.",
        "The SAP system cannot reach the mail server over the network.",
        NETWORK_TEAM,
    ),
    "smtp.banner": CheckTerm(
        "Greeting",
        "SMTP banner: the first line a mail server sends to say it is ready (a 220 reply).",
        "Something answers on the mail server's port, but not a mail server ready to talk.",
        NETWORK_TEAM,
    ),
    "smtp.ehlo": CheckTerm(
        "EHLO",
        "EHLO: the sender's hello, which the server answers with the list of what it supports.",
        "The mail server refused to start a conversation with the SAP system.",
        SAP_BASIS,
    ),
    "smtp.auth_mechanisms": CheckTerm(
        "Sign-in methods",
        "AUTH mechanisms: the ways of signing in a mail server offers (XOAUTH2 for OAuth, LOGIN for a password).",
        "The mail server does not offer the way of signing in this system needs.",
        SAP_BASIS,
    ),
    "smtp.auth": CheckTerm(
        "Sign-in",
        "SMTP AUTH: the SAP system signing in to the mail server before it may send.",
        "The SAP system could not sign in to Microsoft 365 to send mail.",
        M365_ADMINS,
    ),
    "smtp.envelope": CheckTerm(
        "Sender and recipient",
        "SMTP envelope: the sender (MAIL FROM) and recipient (RCPT TO) given to the server before any message.",
        "Microsoft 365 refuses the sender or the recipient of SAP's mail.",
        M365_ADMINS,
    ),
    "send.test": CheckTerm(
        "Test message",
        "Test send: a real message sent through this setup to a chosen address.",
        "A test message from the SAP system's setup was not accepted.",
        SAP_BASIS,
    ),
    "tls.starttls": CheckTerm(
        "STARTTLS",
        "STARTTLS: the command that turns the connection encrypted.",
        "The connection to the mail server could not be encrypted.",
        SAP_BASIS,
    ),
    "tls.certificate": CheckTerm(
        "Certificate",
        "TLS certificate: the mail server's proof of identity, vouched for by an authority SAP must trust.",
        "The mail server's identity could not be confirmed.",
        SAP_BASIS,
    ),
    "egress.ip": CheckTerm(
        "Sending address",
        "Egress IP: the public internet address the SAP system's mail leaves from.",
        "The SAP system's mail leaves from another internet address than the one recorded.",
        NETWORK_TEAM,
    ),
    "oauth.token": CheckTerm(
        "Token",
        "OAuth token: a short-lived pass from Entra ID that lets the SAP system sign in without a password.",
        "The SAP system could not get its sign-in pass from Microsoft 365 (Entra ID).",
        SAP_BASIS,
    ),
    "oauth.claims": CheckTerm(
        "Token contents",
        "Token claims: what the pass says the app may do, such as the SMTP.SendAsApp role.",
        "The SAP system's sign-in pass does not allow it to send mail.",
        M365_ADMINS,
    ),
    "spf.record": CheckTerm(
        "SPF",
        "SPF: a DNS record listing the servers allowed to send mail for a domain.",
        "The company's list of allowed senders is missing or wrong, so SAP's mail may land in junk folders.",
        DNS_ADMINS,
    ),
    "spf.egress_ip": CheckTerm(
        "SPF for the IP",
        "SPF for the egress IP: whether the SPF record allows the address SAP's mail leaves from.",
        "The company's list of allowed senders leaves out the SAP system's internet address.",
        DNS_ADMINS,
    ),
    "dmarc.record": CheckTerm(
        "DMARC",
        "DMARC: a DNS record telling receivers what to do with mail that fails SPF and DKIM.",
        "The company's mail domain has no working policy against forged mail.",
        DNS_ADMINS,
    ),
    "dkim.record": CheckTerm(
        "DKIM",
        "DKIM: a signature Microsoft 365 adds to each message, checked against keys the domain publishes in DNS, "
        "that proves the mail really comes from the company.",
        "Microsoft 365 does not sign SAP's mail in the company's own name, so receivers may trust it less.",
        M365_ADMINS,
    ),
    "dnsbl.egress_ip": CheckTerm(
        "Blocklists",
        "DNS blocklist (DNSBL): a public list of internet addresses known for spam.",
        "The internet address SAP's mail leaves from is on a spam blocklist.",
        NETWORK_TEAM,
    ),
    "secret.expiry": CheckTerm(
        "Credential expiry",
        "Credential expiry: the date the client secret, password or certificate stops working.",
        "The password or certificate the SAP system signs in with has expired, or soon will.",
        SAP_BASIS,
    ),
    "setup.basic_auth_retirement": CheckTerm(
        "Basic auth",
        "Basic authentication: signing in with a user name and password, which Microsoft is switching off for SMTP.",
        "This system still sends with a user name and password, which Microsoft is switching off.",
        SAP_BASIS,
    ),
}
