"""Our own codes for what the SMTP chain finds before and around the server's replies.

Reaching the server (tcp.*), the SMTP conversation (smtp.*), TLS (tls.*), authentication
prerequisites and the egress IP. Exchange Online's own reply codes live in ``smtp_replies``.
"""

from __future__ import annotations

from diagnostics.catalogue import Entry
from diagnostics.catalogue.fixers import DNS_ADMINS, NETWORK_TEAM, NOBODY, PORTAL_ADMINS, RELAY_ADMINS, SAP_BASIS
from diagnostics.findings import Status

_FIREWALL = (
    "Ask the network team to open outbound TCP from the SAP application servers (and this worker's "
    "zone) to the host and port; SAP: check the host and port in SCOT / SBCS_MAIL_CONFIGSMTP."
)
_STRUST = (
    "STRUST: import the root certificate named here (and the intermediates) into the SSL client PSE "
    "used as SCOT client identity (usually 'SSL client Standard'), save, restart ICM in SMICM."
)

ENTRIES: tuple[Entry, ...] = (
    # -- reaching the server ----------------------------------------------------------------------
    Entry(
        "smtp.no_host",
        "No SMTP host is configured and none can be derived.",
        "The mail setup has no host, and the option's default needs a sender domain that is missing.",
        "Fill in the SMTP host (or the sender address) in the system's mail setup.",
        plain="The SAP system's mail setup names no mail server to send to.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "tcp.no_address",
        "The SMTP host does not resolve to an address.",
        "The name is misspelt, or this worker's DNS does not know it (split DNS).",
        "Check the host name in SCOT / the mail setup; see the dns.host check for the DNS answer.",
        plain="The mail server's name cannot be looked up, so the SAP system does not know where to send.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "tcp.port_not_allowed",
        "This portal is not allowed to connect to that port.",
        "PORTAL_ALLOWED_PORTS limits outbound ports (default 25, 465, 587, 2525) so the workers can't be "
        "used to scan other services.",
        "Use the option's standard port, or add the port to PORTAL_ALLOWED_PORTS on the workers.",
        status=Status.ERROR,
        plain="The portal is not allowed to test the mail server's port, so this system could not be checked.",
        fixed_by=PORTAL_ADMINS,
    ),
    Entry(
        "tcp.address_refused",
        "The host resolves to an address this portal never connects to (loopback, link-local, multicast).",
        "A wrong DNS record or host name (e.g. 'localhost'); connecting there would probe the worker itself.",
        "Fix the host name or its DNS record; the lab alone may use loopback (PORTAL_ALLOW_LOOPBACK_TARGETS).",
        plain="The mail server's name points at an address that cannot be right, so the portal did not test it.",
        fixed_by=DNS_ADMINS,
    ),
    Entry(
        "tcp.private_address",
        "The host resolves to a private address, but Exchange Online endpoints are public.",
        "Split-horizon DNS or a hosts entry points the Microsoft name at an internal server "
        "(an old on-premises Exchange or a proxy).",
        "Fix the internal DNS record so the Microsoft name resolves publicly; or, if an internal relay is "
        "meant, choose the option 'relay server'.",
        plain="The name of Microsoft's mail server points at an internal address, so mail goes to the wrong server.",
        fixed_by=DNS_ADMINS,
    ),
    Entry(
        "tcp.refused",
        "Connection refused: nothing listens on that port, or a firewall actively rejects it.",
        "The server is down, the port is wrong, or a firewall sends a reset.",
        _FIREWALL,
        plain="The mail server, or a firewall on the way, turns the SAP system's connection away.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "tcp.timeout",
        "No answer to the connection attempt: a firewall silently drops the traffic (filtered).",
        "Outbound port 25/587 is blocked on the way (many networks and cloud providers block port 25).",
        _FIREWALL,
        plain="A firewall on the way silently blocks the SAP system from reaching the mail server.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "tcp.unreachable",
        "No route to the host: the network is unreachable from here.",
        "No route or gateway towards the address from this worker's network zone.",
        "Ask the network team for a route (or proxy) from the SAP network zone to the host.",
        plain="There is no network path from the SAP system to the mail server.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "tcp.error",
        "The connection failed.",
        "An unusual network error.",
        "See the evidence for the operating system's error.",
        plain="The connection to the mail server failed for an unusual network reason.",
        fixed_by=NETWORK_TEAM,
    ),
    # -- the SMTP conversation --------------------------------------------------------------------
    Entry(
        "smtp.no_banner",
        "The server accepted the connection but never greeted (no 220 banner).",
        "Something other than a mail server answers on the port (a TLS port expecting a handshake first, "
        "a proxy, an overloaded server), or a firewall's SMTP inspection holds the greeting.",
        "Port 465 speaks TLS first: set TLS mode 'implicit' (or use 587 with STARTTLS); otherwise check "
        "what listens on the port and any SMTP inspection on the firewall.",
        plain="Something answers on the mail server's port, but not a mail server ready to talk.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "smtp.closed",
        "The server closed the connection.",
        "The server hung up (a connection limit, a block list, or a crash).",
        "Run the diagnosis again; if it repeats, check the server's logs for this client's IP.",
        plain="The mail server hung up on the SAP system.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "smtp.timeout",
        "The server stopped answering in the middle of the conversation.",
        "An overloaded server, or a firewall that drops long-lived connections.",
        "Run the diagnosis again; check SMTP inspection and idle timeouts on firewalls.",
        plain="The mail server stopped answering in the middle of the conversation.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "smtp.not_smtp",
        "The server on that port does not speak SMTP.",
        "Wrong port (HTTP, IMAP...) or a TLS-only port.",
        "Check host and port in SCOT; Exchange Online: smtp.office365.com:587 or the MX endpoint on 25.",
        plain="The port the SAP system connects to does not belong to a mail server.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "smtp.ehlo_refused",
        "The server refused EHLO.",
        "An old server without ESMTP, or a policy against this client.",
        "See the reply in the evidence.",
        plain="The mail server refused to start a conversation with the SAP system.",
        fixed_by=SAP_BASIS,
    ),
    # -- TLS --------------------------------------------------------------------------------------
    Entry(
        "tls.not_configured",
        "TLS is switched off: mail (and any credentials) cross the network in clear text.",
        "The mail setup's TLS mode is 'none'.",
        "SCOT / SBCS_MAIL_CONFIGSMTP → Security: TLS mandatory (STARTTLS); Exchange Online requires it "
        "for authentication.",
        plain="The SAP system sends mail without encryption, so mail and password cross the network readable.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "tls.starttls_missing",
        "The server does not offer STARTTLS.",
        "The server (or a firewall's SMTP inspection that strips STARTTLS) does not support TLS.",
        "Enable TLS on the server; check firewalls for SMTP inspection ('ESMTP inspection' strips "
        "STARTTLS); Exchange Online always offers it.",
        plain="The mail server does not offer encryption, or a firewall on the way removes the offer.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "tls.starttls_refused",
        "The server advertised STARTTLS but refused to start it.",
        "A TLS configuration problem on the server.",
        "Check the server's certificate and TLS settings.",
        plain="The mail server offered encryption but then refused to start it.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.version_too_old",
        "The server speaks only TLS below 1.2.",
        "An outdated server or library; Microsoft and current SAP CommonCryptoLib require TLS 1.2 or later.",
        "Update the server's TLS configuration to TLS 1.2/1.3 with current ciphers (SAP side: SAP Note 510007 §7).",
        plain="The mail server only knows outdated encryption that SAP and Microsoft no longer accept.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.legacy_ciphers",
        "The server needs legacy ciphers (weak keys or algorithms) for TLS.",
        "An old certificate key or cipher list that current TLS clients refuse by default.",
        "Update the server's certificate (RSA ≥ 2048 bit or ECDSA) and cipher list.",
        plain="The mail server needs weak, outdated encryption settings.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.handshake_failed",
        "The TLS handshake failed.",
        "No common TLS version or cipher, or the server broke off the handshake.",
        "See the evidence for what each attempt answered; align the server's TLS settings with TLS 1.2+.",
        plain="The SAP system and the mail server could not agree on how to encrypt the connection.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "tls.trust_store",
        "The portal could not load its own trust store, so it can't judge the server's certificate.",
        "PORTAL_EXTRA_CA_BUNDLE names a file that is missing or not PEM (the lab's CA before the lab ran).",
        "Point PORTAL_EXTRA_CA_BUNDLE at a readable PEM file on every worker (for the demo: start the lab "
        "first, it writes its CA), or unset it.",
        status=Status.ERROR,
        plain="The portal's own list of trusted certificates is missing, so it could not check this system.",
        fixed_by=PORTAL_ADMINS,
    ),
    Entry(
        "tls.certificate_expired",
        "The server's certificate has expired.",
        "The certificate was not renewed in time.",
        "Renew the server's certificate; SAP refuses expired certificates (SSSLERR_PEER_CERT_EXPIRED in the ICM trace, SAP KBA 3391859).",
        plain="The mail server's certificate (its proof of identity) has expired.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.certificate_name_mismatch",
        "The server's certificate is not valid for the host name SAP connects to.",
        "The host name in SCOT is an alias or IP address the certificate does not name, or the traffic "
        "reaches another server (a proxy).",
        "Use a host name the certificate names in SCOT / SBCS_MAIL_CONFIGSMTP (for Exchange Online: "
        "smtp.office365.com, never an IP address), or renew the certificate with that name.",
        plain="The mail server's certificate does not match the name the SAP system uses for it.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "tls.certificate_untrusted",
        "The server's certificate chain ends at a root this worker does not trust.",
        "A private or unknown CA, a missing intermediate, or a TLS-inspecting proxy that replaces the "
        "server's certificate. Missing trust shows in ICM traces as SSSLERR_PEER_CERT_UNTRUSTED.",
        _STRUST,
        plain="The SAP system does not yet trust the authority that vouches for the mail server's identity.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "tls.chain_incomplete",
        "The server sends its certificate without the intermediate CA certificate(s): SAP (and any client) "
        "cannot build the chain to a trusted root.",
        "The server's certificate file holds only the server certificate. Importing the intermediate into "
        "STRUST would hide the fault for SAP alone; every other client still fails.",
        "On the server: configure the full chain — the server certificate followed by its intermediates (Postfix: "
        "smtpd_tls_chain_files, or the intermediates appended to smtpd_tls_cert_file; IIS: the intermediate in "
        "the computer's Intermediate Certification Authorities store). SAP's STRUST needs only the root.",
        plain="The mail server shows only part of its proof of identity, so the SAP system cannot confirm who it is "
        "sending to.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.certificate_invalid",
        "The server's certificate failed verification.",
        "A certificate problem other than expiry, name or trust.",
        "See the verification error in the evidence.",
        plain="The mail server's certificate (its proof of identity) is not valid.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.certificate_expiring",
        "The server's certificate expires soon.",
        "It has not been renewed yet.",
        "Renew the certificate before it expires (Exchange Online renews its own; this concerns relays).",
        status=Status.WARN,
        plain="The mail server's certificate (its proof of identity) expires soon.",
        fixed_by=RELAY_ADMINS,
    ),
    Entry(
        "tls.root_to_import",
        "The certificate chain is trusted.",
        "",
        _STRUST,
        status=Status.PASS,
        plain="The mail server's identity is confirmed; SAP has to trust the same authority that vouches for it.",
        fixed_by=SAP_BASIS,
    ),
    # -- authentication prerequisites -------------------------------------------------------------
    Entry(
        "smtp.auth_not_offered",
        "The server offers no SMTP AUTH at all.",
        "AUTH is only offered after STARTTLS, or the server (a relay, an MX endpoint) takes no authentication.",
        "Exchange Online: use smtp.office365.com:587 with STARTTLS for OAuth 2.0 / Basic; the MX endpoint "
        "(port 25) is for Direct Send and connectors only.",
        plain="The mail server does not let anyone sign in, so the SAP system cannot send this way.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "smtp.auth_mechanism_missing",
        "The server does not offer the authentication mechanism this option needs.",
        "OAuth 2.0 needs XOAUTH2, Basic needs LOGIN or PLAIN; the server (not Exchange Online, or behind a "
        "proxy) offers others.",
        "Point the system at smtp.office365.com:587; a relay in between must offer the mechanism or "
        "forward through a connector.",
        plain="The mail server does not offer the way of signing in this system needs.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "smtp.auth_no_secret",
        "No password is stored for the mailbox.",
        "The mail setup has no credential, so the portal can't test the logon.",
        "Store the mailbox password in the system's mail setup (it is encrypted), or move to OAuth 2.0.",
        status=Status.ERROR,
        plain="No password is stored for the SAP system's mailbox, so the portal could not test the sign-in.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "smtp.auth_unencrypted",
        "Credentials would cross the network in clear text, so the portal did not send them.",
        "The session has no TLS.",
        "SCOT / SBCS_MAIL_CONFIGSMTP → Security: TLS mandatory (STARTTLS) before logon.",
        plain="The connection is not encrypted, so the portal did not send the password across it.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "smtp.auth_unexpected",
        "The server answered the authentication with an unexpected reply.",
        "Not a success (235) and not a known refusal.",
        "See the reply in the evidence.",
        plain="The mail server answered the sign-in in an unexpected way.",
        fixed_by=SAP_BASIS,
    ),
    # -- egress IP --------------------------------------------------------------------------------
    Entry(
        "egress.ip_mismatch",
        "Exchange Online sees another public IP than the configured static egress IP.",
        "The traffic leaves through another NAT / firewall / proxy than documented, or the egress IP changed. "
        "The result comes from this worker's network zone: the SAP host's own egress may differ.",
        "Find the SAP system's real egress IP (the network team or a test from the SAP host), then update "
        "the connector (Set-InboundConnector -SenderIPAddresses), the SPF record and the mail setup.",
        plain="The SAP system's mail leaves from another internet address than the one recorded and allowed.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "egress.ip_not_configured",
        "No static egress IP is recorded for this system.",
        "Connectors and SPF need the public IP the SAP system sends from.",
        "Record the static egress IP(s) in the mail setup; the connector and SPF steps use them.",
        status=Status.WARN,
        plain="The internet address the SAP system's mail leaves from is not recorded.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "egress.ip_not_reported",
        "The server did not say which IP it sees (no 'Hello [ip]' in its EHLO reply).",
        "Only Exchange Online (and some MTAs) report the client's IP.",
        "Nothing to do; compare the egress IP another way if needed.",
        status=Status.SKIPPED,
        plain="The mail server did not say which internet address it sees; nothing is wrong.",
        fixed_by=NOBODY,
    ),
)
