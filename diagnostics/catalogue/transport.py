"""Our own codes for what the SMTP chain finds before and around the server's replies.

Reaching the server (tcp.*), the SMTP conversation (smtp.*), TLS (tls.*), authentication
prerequisites and the egress IP. Exchange Online's own reply codes live in ``smtp_replies``.
"""

from __future__ import annotations

from diagnostics.catalogue import Entry
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
    ),
    Entry(
        "tcp.no_address",
        "The SMTP host does not resolve to an address.",
        "The name is misspelt, or this worker's DNS does not know it (split DNS).",
        "Check the host name in SCOT / the mail setup; see the dns.host check for the DNS answer.",
    ),
    Entry(
        "tcp.port_not_allowed",
        "This portal is not allowed to connect to that port.",
        "PORTAL_ALLOWED_PORTS limits outbound ports (default 25, 465, 587, 2525) so the workers can't be "
        "used to scan other services.",
        "Use the option's standard port, or add the port to PORTAL_ALLOWED_PORTS on the workers.",
        status=Status.ERROR,
    ),
    Entry(
        "tcp.address_refused",
        "The host resolves to an address this portal never connects to (loopback, link-local, multicast).",
        "A wrong DNS record or host name (e.g. 'localhost'); connecting there would probe the worker itself.",
        "Fix the host name or its DNS record; the lab alone may use loopback (PORTAL_ALLOW_LOOPBACK_TARGETS).",
    ),
    Entry(
        "tcp.private_address",
        "The host resolves to a private address, but Exchange Online endpoints are public.",
        "Split-horizon DNS or a hosts entry points the Microsoft name at an internal server "
        "(an old on-premises Exchange or a proxy).",
        "Fix the internal DNS record so the Microsoft name resolves publicly; or, if an internal relay is "
        "meant, choose the option 'relay server'.",
    ),
    Entry(
        "tcp.refused",
        "Connection refused: nothing listens on that port, or a firewall actively rejects it.",
        "The server is down, the port is wrong, or a firewall sends a reset.",
        _FIREWALL,
    ),
    Entry(
        "tcp.timeout",
        "No answer to the connection attempt: a firewall silently drops the traffic (filtered).",
        "Outbound port 25/587 is blocked on the way (many networks and cloud providers block port 25).",
        _FIREWALL,
    ),
    Entry(
        "tcp.unreachable",
        "No route to the host: the network is unreachable from here.",
        "No route or gateway towards the address from this worker's network zone.",
        "Ask the network team for a route (or proxy) from the SAP network zone to the host.",
    ),
    Entry(
        "tcp.error",
        "The connection failed.",
        "An unusual network error.",
        "See the evidence for the operating system's error.",
    ),
    # -- the SMTP conversation --------------------------------------------------------------------
    Entry(
        "smtp.no_banner",
        "The server accepted the connection but never greeted (no 220 banner).",
        "Something other than a mail server answers on the port (a TLS port expecting a handshake first, "
        "a proxy, an overloaded server), or a firewall's SMTP inspection holds the greeting.",
        "Port 465 speaks TLS first: set TLS mode 'implicit' (or use 587 with STARTTLS); otherwise check "
        "what listens on the port and any SMTP inspection on the firewall.",
    ),
    Entry(
        "smtp.closed",
        "The server closed the connection.",
        "The server hung up (a connection limit, a block list, or a crash).",
        "Run the diagnosis again; if it repeats, check the server's logs for this client's IP.",
    ),
    Entry(
        "smtp.timeout",
        "The server stopped answering in the middle of the conversation.",
        "An overloaded server, or a firewall that drops long-lived connections.",
        "Run the diagnosis again; check SMTP inspection and idle timeouts on firewalls.",
    ),
    Entry(
        "smtp.not_smtp",
        "The server on that port does not speak SMTP.",
        "Wrong port (HTTP, IMAP...) or a TLS-only port.",
        "Check host and port in SCOT; Exchange Online: smtp.office365.com:587 or the MX endpoint on 25.",
    ),
    Entry(
        "smtp.ehlo_refused",
        "The server refused EHLO.",
        "An old server without ESMTP, or a policy against this client.",
        "See the reply in the evidence.",
    ),
    # -- TLS --------------------------------------------------------------------------------------
    Entry(
        "tls.not_configured",
        "TLS is switched off: mail (and any credentials) cross the network in clear text.",
        "The mail setup's TLS mode is 'none'.",
        "SCOT / SBCS_MAIL_CONFIGSMTP → Security: TLS mandatory (STARTTLS); Exchange Online requires it "
        "for authentication.",
    ),
    Entry(
        "tls.starttls_missing",
        "The server does not offer STARTTLS.",
        "The server (or a firewall's SMTP inspection that strips STARTTLS) does not support TLS.",
        "Enable TLS on the server; check firewalls for SMTP inspection ('ESMTP inspection' strips "
        "STARTTLS); Exchange Online always offers it.",
    ),
    Entry(
        "tls.starttls_refused",
        "The server advertised STARTTLS but refused to start it.",
        "A TLS configuration problem on the server.",
        "Check the server's certificate and TLS settings.",
    ),
    Entry(
        "tls.version_too_old",
        "The server speaks only TLS below 1.2.",
        "An outdated server or library; Microsoft and current SAP CommonCryptoLib require TLS 1.2 or later.",
        "Update the server's TLS configuration to TLS 1.2/1.3 with current ciphers (SAP side: SAP Note 510007 §7).",
    ),
    Entry(
        "tls.legacy_ciphers",
        "The server needs legacy ciphers (weak keys or algorithms) for TLS.",
        "An old certificate key or cipher list that current TLS clients refuse by default.",
        "Update the server's certificate (RSA ≥ 2048 bit or ECDSA) and cipher list.",
    ),
    Entry(
        "tls.handshake_failed",
        "The TLS handshake failed.",
        "No common TLS version or cipher, or the server broke off the handshake.",
        "See the evidence for what each attempt answered; align the server's TLS settings with TLS 1.2+.",
    ),
    Entry(
        "tls.trust_store",
        "The portal could not load its own trust store, so it can't judge the server's certificate.",
        "PORTAL_EXTRA_CA_BUNDLE names a file that is missing or not PEM (the lab's CA before the lab ran).",
        "Point PORTAL_EXTRA_CA_BUNDLE at a readable PEM file on every worker (for the demo: start the lab "
        "first, it writes its CA), or unset it.",
        status=Status.ERROR,
    ),
    Entry(
        "tls.certificate_expired",
        "The server's certificate has expired.",
        "The certificate was not renewed in time.",
        "Renew the server's certificate; SAP refuses expired certificates (SSSLERR_PEER_CERT_EXPIRED in the ICM trace, SAP KBA 3391859).",
    ),
    Entry(
        "tls.certificate_name_mismatch",
        "The server's certificate is not valid for the host name SAP connects to.",
        "The host name in SCOT is an alias or IP address the certificate does not name, or the traffic "
        "reaches another server (a proxy).",
        "Use a host name the certificate names in SCOT / SBCS_MAIL_CONFIGSMTP (for Exchange Online: "
        "smtp.office365.com, never an IP address), or renew the certificate with that name.",
    ),
    Entry(
        "tls.certificate_untrusted",
        "The server's certificate chain ends at a root this worker does not trust.",
        "A private or unknown CA, a missing intermediate, or a TLS-inspecting proxy that replaces the "
        "server's certificate. Missing trust shows in ICM traces as SSSLERR_PEER_CERT_UNTRUSTED.",
        _STRUST,
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
    ),
    Entry(
        "tls.certificate_invalid",
        "The server's certificate failed verification.",
        "A certificate problem other than expiry, name or trust.",
        "See the verification error in the evidence.",
    ),
    Entry(
        "tls.certificate_expiring",
        "The server's certificate expires soon.",
        "It has not been renewed yet.",
        "Renew the certificate before it expires (Exchange Online renews its own; this concerns relays).",
        status=Status.WARN,
    ),
    Entry(
        "tls.root_to_import",
        "The certificate chain is trusted.",
        "",
        _STRUST,
        status=Status.PASS,
    ),
    # -- authentication prerequisites -------------------------------------------------------------
    Entry(
        "smtp.auth_not_offered",
        "The server offers no SMTP AUTH at all.",
        "AUTH is only offered after STARTTLS, or the server (a relay, an MX endpoint) takes no authentication.",
        "Exchange Online: use smtp.office365.com:587 with STARTTLS for OAuth 2.0 / Basic; the MX endpoint "
        "(port 25) is for Direct Send and connectors only.",
    ),
    Entry(
        "smtp.auth_mechanism_missing",
        "The server does not offer the authentication mechanism this option needs.",
        "OAuth 2.0 needs XOAUTH2, Basic needs LOGIN or PLAIN; the server (not Exchange Online, or behind a "
        "proxy) offers others.",
        "Point the system at smtp.office365.com:587; a relay in between must offer the mechanism or "
        "forward through a connector.",
    ),
    Entry(
        "smtp.auth_no_secret",
        "No password is stored for the mailbox.",
        "The mail setup has no credential, so the portal can't test the logon.",
        "Store the mailbox password in the system's mail setup (it is encrypted), or move to OAuth 2.0.",
        status=Status.ERROR,
    ),
    Entry(
        "smtp.auth_unencrypted",
        "Credentials would cross the network in clear text, so the portal did not send them.",
        "The session has no TLS.",
        "SCOT / SBCS_MAIL_CONFIGSMTP → Security: TLS mandatory (STARTTLS) before logon.",
    ),
    Entry(
        "smtp.auth_unexpected",
        "The server answered the authentication with an unexpected reply.",
        "Not a success (235) and not a known refusal.",
        "See the reply in the evidence.",
    ),
    # -- egress IP --------------------------------------------------------------------------------
    Entry(
        "egress.ip_mismatch",
        "Exchange Online sees another public IP than the configured static egress IP.",
        "The traffic leaves through another NAT / firewall / proxy than documented, or the egress IP changed. "
        "The result comes from this worker's network zone: the SAP host's own egress may differ.",
        "Find the SAP system's real egress IP (the network team or a test from the SAP host), then update "
        "the connector (Set-InboundConnector -SenderIPAddresses), the SPF record and the mail setup.",
    ),
    Entry(
        "egress.ip_not_configured",
        "No static egress IP is recorded for this system.",
        "Connectors and SPF need the public IP the SAP system sends from.",
        "Record the static egress IP(s) in the mail setup; the connector and SPF steps use them.",
        status=Status.WARN,
    ),
    Entry(
        "egress.ip_not_reported",
        "The server did not say which IP it sees (no 'Hello [ip]' in its EHLO reply).",
        "Only Exchange Online (and some MTAs) report the client's IP.",
        "Nothing to do; compare the egress IP another way if needed.",
        status=Status.SKIPPED,
    ),
)
