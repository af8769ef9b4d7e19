"""DNS, SPF, DMARC and blocklist findings: meaning and fix per code.

Data only. ``<name>`` placeholders are filled by the check that reports the code (``describe``);
unfilled ones stay as they are, so the table reads well on its own.
"""

from __future__ import annotations

from typing import Any

from diagnostics.catalogue.fixers import DNS_ADMINS, M365_ADMINS, NETWORK_TEAM, PORTAL_ADMINS, SAP_BASIS
from diagnostics.findings import Status

ENTRIES: dict[str, dict[str, Any]] = {
    # -- names -------------------------------------------------------------------------------------
    "dns.no_host": {
        "meaning": "No mail host is configured and none follows from the option (no sender domain).",
        "remedy": "Enter the sender address (or the SMTP host) in the system's mail setup.",
        "plain": "The SAP system's mail setup names neither a mail server nor a sender address.",
        "fixed_by": SAP_BASIS,
    },
    "dns.nxdomain": {
        "meaning": "The name does not exist in DNS (NXDOMAIN): a typo, or a domain that was never set up.",
        "remedy": "Correct the host in SCOT / SBCS_MAIL_CONFIGSMTP (Mail host) and in the portal: <expected>.",
        "plain": "The mail server name the SAP system uses does not exist.",
        "fixed_by": SAP_BASIS,
    },
    "dns.timeout": {
        "meaning": "No DNS server answered in time, so the name could not be resolved from here.",
        "remedy": "Check the DNS servers of the SAP host and the worker (/etc/resolv.conf, PORTAL_DNS_NAMESERVERS) "
        "and that UDP/TCP 53 to them is open.",
        "plain": "The name look-up service did not answer, so the mail server could not be found.",
        "fixed_by": NETWORK_TEAM,
    },
    "dns.servfail": {
        "meaning": "The DNS servers failed to answer for this name (SERVFAIL), e.g. a broken delegation or DNSSEC.",
        "remedy": "Ask the DNS team to check the zone of the name; retry from another resolver to compare.",
        "plain": "The name look-up service failed for the mail server's name.",
        "fixed_by": DNS_ADMINS,
    },
    "dns.no_address": {
        "meaning": "The name exists but has no IPv4 or IPv6 address.",
        "remedy": "Publish an A record for the host or correct the host in SCOT (Mail host).",
        "plain": "The mail server's name exists but leads to no address.",
        "fixed_by": DNS_ADMINS,
    },
    "dns.ip_literal": {
        "meaning": "An IP address is configured where Exchange Online must be addressed by name: its addresses "
        "change without notice and its TLS certificate names the host, not an address.",
        "remedy": "In SCOT / SBCS_MAIL_CONFIGSMTP enter the host name <expected> as Mail host.",
        "plain": "The SAP system names Microsoft's mail server by a number instead of its name, which breaks "
        "when Microsoft changes it.",
        "fixed_by": SAP_BASIS,
    },
    "dns.loopback_refused": {
        "meaning": "The name resolves to a loopback address (127.0.0.0/8 or ::1); the portal does not probe those.",
        "remedy": "Correct the DNS entry (or a hosts-file entry on the worker) so that <host> resolves to its "
        "real address.",
        "plain": "The mail server's name points at an address that cannot be right.",
        "fixed_by": DNS_ADMINS,
    },
    "dns.link_local_refused": {
        "meaning": "The name resolves to a link-local address (169.254.0.0/16 or fe80::/10), which only exists on "
        "the worker's own network segment; the portal never probes one (a cloud's instance metadata service "
        "answers on 169.254.169.254).",
        "cause": "A DNS record or hosts-file entry left from a test, an address a DHCP client gave itself when "
        "it got no lease, or a record made to point the portal at the metadata service.",
        "remedy": "Correct the DNS entry (or a hosts-file entry on the worker) so that <host> resolves to the "
        "mail server's routable address.",
        "plain": "The mail server's name points at a self-assigned local address that no mail server uses, so the "
        "portal did not test it.",
        "fixed_by": DNS_ADMINS,
    },
    "dns.unspecified_refused": {
        "meaning": "The name resolves to the unspecified address (0.0.0.0 or ::), which no server has: a "
        "connection to it reaches the worker itself, so the portal does not probe it.",
        "cause": "A placeholder record, or a blocking DNS resolver (ad or malware filter) that answers 0.0.0.0 for "
        "names it refuses to resolve.",
        "remedy": "Publish the real address of <host>, or ask the DNS team why the resolver answers 0.0.0.0 for it.",
        "plain": "The mail server's name leads to an empty placeholder address instead of a real one, often because a "
        "filter blocks the name, so the portal did not test it.",
        "fixed_by": DNS_ADMINS,
    },
    "dns.multicast_refused": {
        "meaning": "The name resolves to a multicast address (224.0.0.0/4 or ff00::/8), a group address no mail "
        "server listens on; the portal does not probe it.",
        "cause": "A mistyped DNS record.",
        "remedy": "Correct the DNS entry so that <host> resolves to the mail server's unicast address.",
        "plain": "The mail server's name points at a group address that no mail server answers on, most likely a "
        "typing error, so the portal did not test it.",
        "fixed_by": DNS_ADMINS,
    },
    "dns.private_address": {
        "meaning": "A Microsoft endpoint resolves to a private address: split-horizon DNS, a hosts-file entry "
        "or a proxy rule sends the mail elsewhere. Exchange Online has public addresses only.",
        "remedy": "Remove the internal DNS or hosts-file entry for <host>, or configure the internal relay as a "
        "relay server instead.",
        "plain": "The name of Microsoft's mail server points at an internal address, so mail goes to the wrong server.",
        "fixed_by": DNS_ADMINS,
    },
    # -- MX endpoint (direct send, relay connector) ------------------------------------------------------
    "dns.no_sender_domain": {
        "meaning": "Without a sender address the sender domain's MX endpoint cannot be determined.",
        "remedy": "Enter the sender address in the system's mail setup.",
        "plain": "Without a sender address the portal cannot tell where the company's mail is received.",
        "fixed_by": SAP_BASIS,
    },
    "dns.mx_mismatch": {
        "meaning": "Direct Send and the relay connector deliver to the sender domain's MX endpoint; another host "
        "(smtp.office365.com is client submission with authentication) refuses or misroutes the mail.",
        "remedy": "In SCOT (SMTP node → Mail host) or SBCS_MAIL_CONFIGSMTP enter <expected>, port 25, and "
        "delete any old logon data under Security.",
        "plain": "The SAP system sends to another mail server than the one that receives the company's mail.",
        "fixed_by": SAP_BASIS,
    },
    "dns.mx_subdomain": {
        "meaning": "The sender domain <domain> has no MX record and no Exchange Online MX endpoint of its own: it is "
        "not an accepted domain of the tenant. Its computed endpoint does not exist, and mail relayed with it as "
        "sender is not attributed to the tenant (550 5.7.64).",
        "remedy": "Smart host in SCOT / on the relay: <expected>, the tenant's MX endpoint (of <parent>). Then either "
        "add <domain> as an accepted domain (Microsoft 365 admin center → Settings → Domains) or send from an "
        "address in <parent>.",
        "plain": "The SAP system sends from a sub-domain that Microsoft 365 does not know as the company's, so it is "
        "sent to a mail server that does not exist and its mail is not accepted as the company's.",
        "fixed_by": SAP_BASIS,
    },
    "dns.mx_missing": {
        "meaning": "The sender domain has no MX record, so its Exchange Online MX endpoint cannot be confirmed.",
        "remedy": "Publish the domain's MX record as shown in Microsoft 365 admin center → Settings → Domains "
        "(<expected>).",
        "plain": "The company's mail domain does not say which server receives its mail.",
        "fixed_by": DNS_ADMINS,
    },
    # -- DKIM (source: https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure) ----
    "dkim.missing": {
        "status": Status.WARN,
        "meaning": "<domain> publishes no DKIM selector for Exchange Online: its mail is signed with the tenant's "
        "onmicrosoft.com domain, which does not align with the From address, so DMARC can pass only on SPF.",
        "remedy": "Microsoft Defender portal → Email & collaboration → Policies & rules → Threat policies → Email "
        "authentication settings → DKIM → <domain>: publish the two CNAMEs shown (selector1._domainkey and "
        "selector2._domainkey) at your DNS host, then switch 'Sign messages for this domain with DKIM signatures' "
        "on. PowerShell: Get-DkimSigningConfig -Identity <domain> | Format-List Selector1CNAME,Selector2CNAME.",
        "plain": "Microsoft 365 does not sign SAP's mail in the company's own name, so receivers may trust it less "
        "and put it in junk folders.",
        "fixed_by": M365_ADMINS,
    },
    "dkim.selector_missing": {
        "status": Status.WARN,
        "meaning": "Only one of the two DKIM selectors of <domain> points at Exchange Online: signing breaks at the "
        "next key rotation, when Microsoft switches to the other selector.",
        "remedy": "Publish the missing CNAME exactly as the Defender portal (Email authentication settings → DKIM) "
        "or Get-DkimSigningConfig shows it.",
        "plain": "One of the two entries Microsoft 365 needs to sign the company's mail is missing, so the signing "
        "will break when Microsoft next renews its keys.",
        "fixed_by": DNS_ADMINS,
    },
    "dkim.other_signer": {
        "status": Status.WARN,
        "meaning": "The DKIM selectors of <domain> point at another service, not at Exchange Online: mail SAP sends "
        "through Exchange Online is not signed with <domain>.",
        "remedy": "If Exchange Online sends for <domain>, set up its DKIM (Defender portal → Email authentication "
        "settings → DKIM); the other service can keep its own selector names.",
        "plain": "Another service signs mail in the company's name, not Microsoft 365, so the mail SAP sends through "
        "Microsoft 365 goes out unsigned and may be trusted less.",
        "fixed_by": M365_ADMINS,
    },
    "dkim.lookup_failed": {
        "status": Status.ERROR,
        "meaning": "The DKIM selectors of <domain> could not be looked up (DNS timeout or failure).",
        "remedy": "Check the DNS servers the portal uses (PORTAL_DNS_NAMESERVERS) and run the check again.",
        "plain": "The entries that let Microsoft 365 sign the company's mail could not be read just now; nothing was "
        "concluded.",
        "fixed_by": PORTAL_ADMINS,
    },
    # -- SPF ------------------------------------------------------------------------------------------
    "spf.missing": {
        "meaning": "The sender domain publishes no SPF record: receivers cannot tell SAP's mail from spoofing.",
        "remedy": "Publish one TXT record at <domain>: <record>",
        "plain": "The company's mail domain does not list which servers may send for it, so SAP's mail can be "
        "taken for forged.",
        "fixed_by": DNS_ADMINS,
    },
    "spf.multiple": {
        "meaning": "The domain publishes more than one SPF record; receivers treat that as a permanent error "
        "(RFC 7208 §4.5) and SPF fails for every message.",
        "remedy": "Merge them into one TXT record at <domain>, e.g. <record>",
        "plain": "The company's mail domain lists its allowed senders twice, which makes the list invalid.",
        "fixed_by": DNS_ADMINS,
    },
    "spf.no_include": {
        "meaning": "The SPF record does not authorise Exchange Online's servers (include:<include>); mail that "
        "Exchange Online sends for the domain fails SPF.",
        "remedy": "Add include:<include> to the SPF record of <domain>: <record>",
        "plain": "The company's mail domain does not list Microsoft 365 as an allowed sender.",
        "fixed_by": DNS_ADMINS,
    },
    "spf.too_many_lookups": {
        "meaning": "Evaluating the SPF record needs more than 10 DNS lookups (RFC 7208 §4.6.4); receivers return "
        "permerror and SPF fails.",
        "remedy": "Flatten the record of <domain>: replace includes you do not need by ip4:/ip6: terms, keep "
        "include:<include>.",
        "plain": "The company's list of allowed senders is too long for receivers to check.",
        "fixed_by": DNS_ADMINS,
    },
    "spf.invalid": {
        "meaning": "The SPF record cannot be evaluated (syntax error, include loop or an include without a record).",
        "remedy": "Correct the SPF record of <domain>; a valid form is <record>",
        "plain": "The company's list of allowed senders is written wrongly.",
        "fixed_by": DNS_ADMINS,
    },
    "spf.ip_not_authorised": {
        "meaning": "The SPF record does not authorise the egress IP, so receivers treat SAP's mail as spoofed "
        "(junk folder, rejection, DMARC failure).",
        "remedy": "Add ip4:<ip> to the SPF record of <domain>: <record>",
        "plain": "The company's list of allowed senders leaves out the SAP system's internet address, so its "
        "mail may land in junk folders.",
        "fixed_by": DNS_ADMINS,
    },
    "spf.lookup_failed": {
        "status": Status.ERROR,
        "meaning": "The SPF record could not be read (DNS timeout or server failure); nothing was concluded.",
        "remedy": "Retry; if it persists check the DNS servers used by the checks (PORTAL_DNS_NAMESERVERS).",
        "plain": "The company's list of allowed senders could not be read just now; nothing was concluded.",
        "fixed_by": PORTAL_ADMINS,
    },
    "spf.no_egress_ip": {
        "status": Status.SKIPPED,
        "meaning": "No egress IP is known: the SMTP session did not report one and no static IP is configured.",
        "remedy": "Enter the static public egress IP(s) of the SAP system in the mail setup.",
        "plain": "The SAP system's internet address is not known, so the list of allowed senders could not be checked.",
        "fixed_by": SAP_BASIS,
    },
    # -- DMARC ----------------------------------------------------------------------------------------
    "dmarc.missing": {
        "status": Status.WARN,
        "meaning": "The sender domain publishes no DMARC policy: receivers decide alone about spoofed mail, and "
        "large mailbox providers penalise domains without DMARC.",
        "remedy": "Publish a TXT record at _dmarc.<domain>: <record> — start with p=none, read the reports, then "
        "move to p=quarantine.",
        "plain": "The company's mail domain has no policy against forged mail, so receivers may distrust SAP's mail.",
        "fixed_by": DNS_ADMINS,
    },
    "dmarc.monitoring_only": {
        "status": Status.WARN,
        "meaning": "The DMARC policy is p=none: reports only, spoofed mail is still delivered.",
        "remedy": "Once the reports show SAP's mail passing SPF or DKIM, raise the policy at _dmarc.<domain> to "
        "p=quarantine (then p=reject).",
        "plain": "The company's policy against forged mail only reports: forged mail is still delivered.",
        "fixed_by": DNS_ADMINS,
    },
    "dmarc.invalid": {
        "meaning": "The DMARC record is invalid (syntax, several records, or a record in the wrong place); "
        "receivers ignore it.",
        "remedy": "Publish exactly one valid record at _dmarc.<domain>, e.g. <record>",
        "plain": "The company's policy against forged mail is written wrongly, so receivers ignore it.",
        "fixed_by": DNS_ADMINS,
    },
    "dmarc.lookup_failed": {
        "status": Status.ERROR,
        "meaning": "The DMARC record could not be read (DNS timeout or server failure); nothing was concluded.",
        "remedy": "Retry; if it persists check the DNS servers used by the checks (PORTAL_DNS_NAMESERVERS).",
        "plain": "The policy against forged mail could not be read just now; nothing was concluded.",
        "fixed_by": PORTAL_ADMINS,
    },
    # -- DNS blocklists -------------------------------------------------------------------------------
    "dnsbl.listed": {
        "meaning": "The egress IP is on a DNS blocklist: Exchange Online Protection and other receivers reject "
        "or junk mail from it (550 5.7.1 … blocked using …).",
        "remedy": "Find and stop the cause (an infected host, an open relay, bulk mail behind the same NAT), then "
        "request delisting: <delist>",
        "plain": "The internet address SAP's mail leaves from is on a spam blocklist, so receivers may refuse it.",
        "fixed_by": NETWORK_TEAM,
    },
    "dnsbl.query_refused": {
        "status": Status.ERROR,
        "meaning": "The blocklist refused to answer (127.255.255.x): it does not serve queries through public or "
        "high-volume resolvers, so the listing status is unknown — not 'listed'.",
        "remedy": "Point PORTAL_DNS_NAMESERVERS at your own recursive resolver (not 8.8.8.8 / 1.1.1.1), or use the "
        "list's free data query service key.",
        "plain": "A spam blocklist would not answer the portal, so it is unknown whether the address is listed.",
        "fixed_by": PORTAL_ADMINS,
    },
    "dnsbl.lookup_failed": {
        "status": Status.ERROR,
        "meaning": "The blocklist could not be queried (timeout or server failure); the listing status is unknown.",
        "remedy": "Retry; check that the worker may query DNS on the internet.",
        "plain": "A spam blocklist could not be asked, so it is unknown whether the address is listed.",
        "fixed_by": PORTAL_ADMINS,
    },
    "dnsbl.no_public_ip": {
        "status": Status.SKIPPED,
        "meaning": "Blocklists list public addresses only; the known egress IPs are not public.",
        "remedy": "Enter the public (NAT) egress IP of the SAP system in the mail setup.",
        "plain": "The recorded sending addresses are internal ones, so blocklists could not be checked.",
        "fixed_by": SAP_BASIS,
    },
}


def describe(code: str, **values: Any) -> tuple[str, str]:
    """(meaning, remedy) of a code with the check's values filled in for their ``<name>``."""
    entry = ENTRIES[code]
    return _fill(entry["meaning"], values), _fill(entry["remedy"], values)


def _fill(text: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        text = text.replace(f"<{name}>", str(value))
    return text
