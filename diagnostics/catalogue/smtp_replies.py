"""Exchange Online's SMTP replies: meaning, cause and fix (source: reference/exchange-online.md).

One code can mean several things; ``match`` (a regex on the reply text) and ``context``
("xoauth2" or "basic": how the client authenticated) pick the variant.
"""

from __future__ import annotations

from diagnostics.catalogue import Entry
from diagnostics.catalogue.fixers import M365_ADMINS, NETWORK_TEAM, SAP_BASIS
from diagnostics.findings import Status

_EXO = "Exchange Online reply (reference/exchange-online.md)"
_SMTP_AUTH_ON = (
    "Exchange Online PowerShell: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false "
    "(the mailbox setting wins over the tenant's; an empty value means the tenant's Set-TransportConfig "
    "-SmtpClientAuthenticationDisabled applies, $true by default for organisations created after January 2020). "
    "Then wait up to an hour and run the diagnosis again."
)
_TO_OAUTH = (
    "Move the system to SMTP OAuth 2.0 (SAP_BASIS ≥ 7.50): Entra ID app with SMTP.SendAsApp, "
    "New-ServicePrincipal, Add-MailboxPermission, then SBCS_MAIL_CONFIGSMTP with the OAuth 2.0 client "
    "profile BCS_MAIL. Below 7.50: a relay connector or a relay server."
)
_BANNED = (
    "Request delisting at https://sender.office.com (Microsoft's delist portal) for the IP in the reply; "
    "find out why it was listed (an open relay or a compromised host behind the same NAT) first."
)

ENTRIES: tuple[Entry, ...] = (
    Entry(
        "5.7.139",
        "SMTP AUTH is disabled for this mailbox.",
        "Exchange Online refuses SMTP AUTH (client submission) for the mailbox "
        "(Set-CASMailbox -SmtpClientAuthenticationDisabled $true); this blocks OAuth 2.0 as well as Basic.",
        _SMTP_AUTH_ON,
        match=r"disabled for the Mailbox",
        source=_EXO,
        plain="Microsoft 365 has switched off sending by sign-in for the mailbox the SAP system uses.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.139",
        "SMTP AUTH is disabled for the whole tenant.",
        "Set-TransportConfig -SmtpClientAuthenticationDisabled $true turns SMTP AUTH off for every "
        "mailbox that has no own setting; OAuth 2.0 is blocked too.",
        _SMTP_AUTH_ON,
        match=r"disabled for the Tenant",
        source=_EXO,
        plain="Microsoft 365 has switched off sending by sign-in for the whole company, so the SAP system cannot send.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.139",
        "Basic authentication is disabled for SMTP AUTH.",
        "Microsoft's Basic auth retirement or an authentication policy blocks user name + password; "
        "OAuth 2.0 still works for the same mailbox.",
        _TO_OAUTH,
        match=r"basic authentication is disabled",
        source=_EXO,
        plain="Microsoft 365 no longer accepts the user name and password the SAP system signs in with.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.139",
        "The sign-in did not meet the criteria to be authenticated.",
        "Conditional Access, security defaults or a locked / password-expired account stopped the sign-in. With "
        "security defaults on, SMTP AUTH with a password (Basic) is disabled altogether; a Conditional Access "
        "policy that blocks legacy authentication does the same for the users it covers.",
        "Entra admin center → Sign-in logs for the mailbox user: see which policy blocked it; exclude the "
        "workload or fix the account. Better: move to OAuth 2.0.",
        match=r"did not meet the criteria",
        source=_EXO,
        plain="A Microsoft 365 security rule stopped the SAP system's sign-in, or its mailbox account is locked.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.139",
        "Authentication unsuccessful (5.7.139).",
        "SMTP AUTH is disabled for the mailbox or tenant, Basic auth is blocked, or a policy stopped the sign-in.",
        _SMTP_AUTH_ON,
        source=_EXO,
        plain="Microsoft 365 refused the SAP system's sign-in for sending mail.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.30",
        "Basic authentication is no longer supported for client submission.",
        "Microsoft has removed Basic auth for SMTP AUTH in this tenant: user name + password never works again.",
        _TO_OAUTH,
        source="Exchange team blog; reference/exchange-online.md (Basic auth retirement)",
        plain="Microsoft 365 no longer accepts the user name and password the SAP system signs in with; the "
        "system has to move to another way of sending.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.3",
        "Exchange Online did not accept the OAuth token for this mailbox.",
        "The token is fine for Entra ID, but Exchange can't map it to the mailbox: the app's service "
        "principal is not registered in Exchange (New-ServicePrincipal, with the ENTERPRISE application's "
        "Object ID), it has no FullAccess on the mailbox, the token lacks the role SMTP.SendAsApp "
        "(Microsoft Graph SMTP.Send chosen instead of Office 365 Exchange Online SMTP.SendAsApp), or "
        "user= names another address than the mailbox's primary SMTP address.",
        "Exchange Online PowerShell: New-ServicePrincipal -AppId <client id> -ObjectId <enterprise app "
        "object id>; Add-MailboxPermission -Identity <mailbox> -User <service principal id> -AccessRights "
        "FullAccess. Entra ID: API permission Office 365 Exchange Online → SMTP.SendAsApp with admin "
        "consent. SAP: the OAuth user in SBCS_MAIL_CONFIGSMTP is the mailbox's primary address.",
        context="xoauth2",
        source=_EXO,
        plain="Microsoft 365 accepted the SAP system's sign-in pass, but the app has not been allowed to use "
        "the mailbox.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.3",
        "Wrong user name or password.",
        "Exchange Online rejected the credentials of the mailbox user.",
        "Check the logon data in SCOT (SMTP node → Security) / SBCS_MAIL_CONFIGSMTP: the mailbox's primary "
        "address and its current password; better, move to OAuth 2.0.",
        context="basic",
        source=_EXO,
        plain="Microsoft 365 rejected the user name or password the SAP system signs in with.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.3",
        "Authentication unsuccessful (5.7.3).",
        "Wrong credentials; with XOAUTH2 the service principal is not registered in Exchange, has no "
        "mailbox permission, or the mailbox in user= is wrong.",
        "Register the service principal (New-ServicePrincipal), grant FullAccess (Add-MailboxPermission), "
        "use the mailbox's primary address.",
        source=_EXO,
        plain="Microsoft 365 rejected the SAP system's sign-in.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.57",
        "The client is not authenticated to send mail.",
        "MAIL FROM came before a successful AUTH on the submission endpoint (587).",
        "SCOT / SBCS_MAIL_CONFIGSMTP: set the authentication (OAuth 2.0, or logon data for Basic); for a "
        "connector or Direct Send use the MX endpoint on port 25 instead of smtp.office365.com.",
        source=_EXO,
        plain="The SAP system tries to send without signing in first, which Microsoft 365 refuses.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.60",
        "The mailbox may not send as this sender.",
        "The sender address differs from the authenticated mailbox and has no Send As permission for it.",
        "Use the mailbox's own address as sender (SAP: SCOT default domain / user's e-mail in SU01), or "
        "grant it: Add-RecipientPermission -Identity <sender> -Trustee <mailbox> -AccessRights SendAs "
        "(per user; not to a group).",
        source=_EXO,
        plain="The SAP system sends from an address its mailbox is not allowed to send as.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.2.0",
        "Send As denied at submission.",
        "The sender differs from the mailbox and the mailbox has no Send As permission for it.",
        "Use the mailbox address as sender or grant Send As (Add-RecipientPermission … -AccessRights SendAs).",
        match=r"SendAsDenied",
        source=_EXO,
        plain="The SAP system sends from an address its mailbox is not allowed to send as.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.64",
        "Relay access denied: Exchange Online did not attribute this message to your tenant, and the recipient "
        "is outside it.",
        "The MAIL FROM domain is not an accepted domain of the tenant (then even a connector whose IP matches "
        "does not relay: a sender in a subdomain or another domain needs that domain accepted too); or no "
        "inbound connector matched the connection (the public IP Exchange sees, or the certificate's CN/SAN); "
        "or Direct Send was used for an outside recipient.",
        "First the sender: Microsoft 365 admin center → Settings → Domains — the sender's domain must be an "
        "accepted (verified) domain, or use a sender address in one. Then the connector: Exchange admin center → "
        "Mail flow → Connectors → the inbound connector from 'Your organization's email server', matching the "
        "static egress IP(s) (New-InboundConnector -SenderIPAddresses <ip>) or SAP's certificate. Direct Send "
        "reaches internal recipients only.",
        source="https://learn.microsoft.com/exchange/mail-flow-best-practices/non-delivery-reports-in-exchange-online/"
        "fix-error-code-5-7-64-in-exchange-online; tenant attribution of relayed mail (MC1226222, "
        "reference/exchange-online.md)",
        plain="Microsoft 365 does not recognise the mail as the company's own (by its sender address or by the "
        "server it comes from), so it will not pass it on to outside recipients.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.4.1",
        "Recipient address rejected: the recipient does not exist in the tenant (Directory-Based Edge Blocking).",
        "Exchange Online refuses, already at RCPT TO, an address of its own accepted domains that no mailbox, "
        "group or contact carries: a typo in SAP's recipient, a mailbox that was deleted or renamed, or a "
        "test recipient that was never created.",
        "Check the recipient in SAP (SOST → the send request, SU01 / business partner e-mail) and in the "
        "Microsoft 365 admin center → Users / Teams & groups. For a domain whose mailboxes live elsewhere as "
        "well, set the accepted domain to Internal relay (Exchange admin center → Mail flow → Accepted domains).",
        match=r"Recipient address rejected: Access denied",
        source="https://learn.microsoft.com/exchange/mail-flow-best-practices/use-directory-based-edge-blocking",
        plain="The recipient's address does not exist in the company's Microsoft 365, so the message is refused; "
        "often a typing error in SAP or a mailbox that was removed.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.68",
        "The tenant refuses Direct Send.",
        "Set-OrganizationConfig -RejectDirectSend $true: unauthenticated mail from outside that claims the "
        "tenant's domains is refused.",
        "Create a relay connector (IP or certificate) for the SAP system and switch the option to relay "
        "connector; the steps page lists the commands.",
        source=_EXO,
        plain="The company's Microsoft 365 refuses mail handed to it without a sign-in (Direct Send), which is "
        "how this system sends.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.1",
        "The sending IP is on a public blocklist.",
        "Exchange Online found the connecting IP on Spamhaus (or another list it uses).",
        "Check the IP at https://check.spamhaus.org and request removal; fix the cause first.",
        match=r"Spamhaus|blocked using (?!FBLW15)",
        source=_EXO,
        plain="The internet address SAP's mail leaves from is on a public spam blocklist, so Microsoft 365 refuses it.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "5.7.1",
        "The sending IP is on Microsoft's own block list.",
        "Microsoft's FBLW15 list blocks the connecting IP.",
        _BANNED,
        match=r"FBLW15",
        source=_EXO,
        plain="The internet address SAP's mail leaves from is on Microsoft's own blocklist, so Microsoft 365 "
        "refuses it.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "5.7.606-649",
        "Access denied: Microsoft has banned the sending IP.",
        "The public IP Exchange sees is on Microsoft's list of banned senders (spam from that IP or its range).",
        _BANNED,
        source=_EXO,
        plain="Microsoft has banned the internet address SAP's mail leaves from.",
        fixed_by=NETWORK_TEAM,
    ),
    Entry(
        "5.7.708",
        "Exchange Online does not accept traffic from this IP.",
        "A low-reputation IP, often a new tenant sending from a fresh address.",
        "Send through a connector or another egress IP; open a Microsoft support ticket if it persists.",
        source=_EXO,
        plain="Microsoft 365 does not trust the internet address SAP's mail leaves from.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.750",
        "The sender domain is not registered in the tenant.",
        "The sender's domain is not an accepted (verified) domain of the tenant.",
        "Microsoft 365 admin center → Settings → Domains: add and verify the domain, or use a sender of an "
        "accepted domain.",
        source=_EXO,
        plain="The sender's mail domain is not registered in the company's Microsoft 365.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.1.8",
        "The sending account is blocked for outbound mail.",
        "Microsoft blocked the mailbox for sending spam (Restricted entities).",
        "Microsoft Defender portal → Restricted entities: release the user after securing the account.",
        source=_EXO,
        plain="Microsoft 365 has blocked the SAP system's mailbox from sending, usually after it sent spam.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "4.7.500-699",
        "Exchange Online is throttling: server busy.",
        "Too much traffic from this IP, or a new IP still ramping up.",
        "Retry later and spread the sends (SAPconnect send job interval); nothing to change if it is rare.",
        status=Status.WARN,
        source=_EXO,
        plain="Microsoft 365 is busy and asks the SAP system to send later: mail is delayed, not lost.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "4.3.2",
        "Sender thread limit exceeded: more than 3 connections to this mailbox at once.",
        "Exchange Online allows 3 concurrent SMTP connections per mailbox; SAP's send processes (and "
        "other clients of the same mailbox) use more.",
        "Limit the concurrent SAPconnect send processes (SCOT → Settings → Send job / fewer parallel "
        "application servers sending at the same time) or spread senders over several mailboxes.",
        status=Status.WARN,
        source=_EXO,
        plain="The SAP system opens more connections to its mailbox at once than Microsoft 365 allows, so some "
        "mail is delayed.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "4.2.0",
        "Mailbox logon failure: the token is fine but the app can't open the mailbox.",
        "The Exchange service principal has no FullAccess on the mailbox, or the mailbox is another one.",
        "Add-MailboxPermission -Identity <mailbox> -User <service principal id> -AccessRights FullAccess; "
        "use the right mailbox address.",
        match=r"logon failure|STOREDRV",
        source=_EXO,
        plain="The SAP system signed in, but it may not open its mailbox in Microsoft 365.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "4.7.66",
        "The client offered TLS below 1.2, which Exchange Online refuses.",
        "SAP's CommonCryptoLib or its cipher settings offer only TLS 1.0/1.1.",
        "SAP Note 510007 §7: ssl/client_ciphersuites = 150:PFS:HIGH::EC_P256:EC_HIGH, CommonCryptoLib ≥ "
        "8.4.38, restart ICM (SMICM); CommonCryptoLib 8 needs a 7.20 kernel ≥ patch level 88 on 7.0x/7.1x. "
        "Otherwise a relay server that speaks TLS 1.2 upstream. For SMTP AUTH only, Microsoft documented an "
        "opt-in endpoint smtp-legacy.office365.com (Set-TransportConfig -AllowLegacyTLSClients $true; not in "
        "GCC, GCC High or DoD) — unverified whether it is still offered.",
        source=_EXO,
        plain="The SAP system offers an outdated kind of encryption that Microsoft 365 refuses.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "4.4.62",
        "Exchange Online deferred the message: 'Mail sent to the wrong Office 365 region' (ATTR35). It is a "
        "temporary refusal: SAP keeps retrying and the message waits in SOST (Waiting for Retry) until the node's "
        "maximum waiting time has passed.",
        "Exchange could not attribute the connection to your tenant: a wrong smart host (the legacy "
        "mail.messaging.microsoft.com or an IP address instead of the tenant's MX endpoint), mail to external "
        "recipients through the MX endpoint without a connector that matches (Direct Send to outside "
        "recipients ends here too, not only in 550 5.7.64), or a connector whose IP address or certificate no "
        "longer matches the sender (a changed egress IP, a renewed certificate with another name or chain).",
        "SCOT / the relay: send to the tenant's MX endpoint by name (<domain-with-dashes>.mail.protection.outlook.com), "
        "never an IP or mail.messaging.microsoft.com. Exchange admin center → Mail flow → Connectors: make the "
        "inbound connector match the public IP Exchange sees (egress.ip) or the certificate SAP presents (CN/SAN in "
        "an accepted domain, sent with its full chain). For external recipients without a connector, set one up "
        "(Direct Send reaches only your own tenant).",
        status=Status.WARN,
        source=_EXO,
        plain="Microsoft 365 does not recognise the certificate the company's mail server presents.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.2.251-255",
        "Repeated errors: Exchange Online throttles this sender.",
        "The same failing request was repeated too often.",
        "Fix the underlying error first, then wait before retrying.",
        source=_EXO,
        plain="Microsoft 365 slows the SAP system down because the same error happened too often.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.705",
        "The tenant exceeded its outbound threshold.",
        "Too much mail from the tenant (bulk mail through Exchange Online).",
        "Reduce the volume; send mass mail through a bulk provider, not Exchange Online.",
        source=_EXO,
        plain="The company has sent more mail than Microsoft 365 allows, so sending is blocked for now.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.233",
        "The tenant exceeded its daily limit for sending to external recipients (tenant external recipient rate "
        "limit).",
        "Every mailbox, application and relay of the tenant counts together: recipients outside the accepted "
        "domains in a rolling 24 hours, per message-recipient pair; the limit grows with the number of licences.",
        "Wait until the count of the last 24 hours falls below the limit; find who sent most (Exchange admin center "
        "→ Reports → Mail flow, and message trace); move mass mail to a bulk provider.",
        source="https://learn.microsoft.com/exchange/troubleshoot/email-delivery/ndr/non-delivery-reports-in-"
        "exchange-online; https://learn.microsoft.com/defender-office-365/outbound-spam-sending-limits-troubleshoot",
        plain="The company has sent mail to more outside recipients in the last day than Microsoft 365 allows, "
        "so mail to outside addresses is refused for now.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.2.2",
        "The sending mailbox is full.",
        "Sent Items of the SAP mailbox filled the quota.",
        "Apply a retention policy to the mailbox's Sent Items (or stop saving sent items).",
        source=_EXO,
        plain="The SAP system's mailbox is full, so it cannot send.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.3.4",
        "The message is larger than the maximum message size.",
        "The mailbox's (or the organisation's) maximum send size is below the message size; 35 MB by default.",
        "Send smaller attachments, or raise the limit: Set-Mailbox -Identity <mailbox> -MaxSendSize 150MB.",
        source=_EXO,
        plain="The message is bigger than Microsoft 365 allows for this mailbox.",
        fixed_by=M365_ADMINS,
    ),
    Entry(
        "5.7.4",
        "The server refused the authentication mechanism.",
        "AUTH before STARTTLS, or a mechanism the server does not offer.",
        "SCOT: TLS mandatory (STARTTLS) before logon; OAuth 2.0 uses XOAUTH2.",
        source=_EXO,
        plain="The mail server refused the way the SAP system tried to sign in.",
        fixed_by=SAP_BASIS,
    ),
    Entry(
        "5.7.11",
        "The server requires encryption before authentication.",
        "AUTH was attempted on a connection without TLS.",
        "SCOT / SBCS_MAIL_CONFIGSMTP: TLS mandatory (STARTTLS).",
        plain="The SAP system tried to sign in before encrypting the connection, which the mail server refuses.",
        fixed_by=SAP_BASIS,
    ),
)
