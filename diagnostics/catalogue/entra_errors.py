"""Entra ID (AADSTS) replies to the client-credentials grant, and the portal's own OAuth/credential codes.

Data only: ``meaning`` and ``remedy`` per code, in the words of the step that fixes it (Entra admin
center, Exchange Online PowerShell, SAP transactions). ``<name>`` placeholders are filled by the
check that reports the code (``describe``); unfilled ones stay as they are, so the table reads well on its own.
"""

from __future__ import annotations

from typing import Any

from diagnostics.catalogue.fixers import M365_ADMINS, NETWORK_TEAM, SAP_BASIS
from diagnostics.findings import Status

ENTRIES: dict[str, dict[str, Any]] = {
    # -- Entra ID errors (reference/exchange-online.md, "Entra ID errors") ---------------------------
    "AADSTS7000215": {
        "meaning": "Invalid client secret. Very often the secret's ID was copied instead of its value.",
        "remedy": "Entra admin center → App registrations → <client_id> → Certificates & secrets: create a new "
        "client secret and copy its Value (not the Secret ID); enter it in SAP (OA2C_CONFIG, client profile "
        "BCS_MAIL) and in the portal.",
        "plain": "The password the SAP system uses to sign in to Microsoft 365 (its client secret) is wrong; "
        "often the wrong part of it was copied.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS7000222": {
        "meaning": "The client secret has expired.",
        "remedy": "Entra admin center → App registrations → <client_id> → Certificates & secrets: create a new "
        "client secret, enter its Value in SAP (OA2C_CONFIG) and in the portal with its new expiry date; "
        "consider a certificate (JWT bearer, SAP_BASIS ≥ 7.51) instead.",
        "plain": "The password the SAP system uses to sign in to Microsoft 365 (its client secret) has expired.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS700016": {
        "meaning": "No application with this client ID exists in the tenant.",
        "remedy": "Check the Application (client) ID and the tenant: Entra admin center → App registrations → "
        "Overview shows both. An app registered in another tenant or cloud is not found here; grant admin "
        "consent if the app comes from elsewhere.",
        "plain": "Microsoft 365 does not know the app the SAP system signs in as.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS90002": {
        "meaning": "The tenant was not found in this Microsoft cloud.",
        "remedy": "Use the Directory (tenant) ID (a GUID) or a verified domain of the tenant, from Entra admin "
        "center → Overview; check the Microsoft cloud of the setup (global, GCC High, DoD, China).",
        "plain": "Microsoft 365 does not know the company directory the SAP system names.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS900023": {
        "meaning": "The tenant value is neither a GUID nor a valid domain name.",
        "remedy": "Enter the Directory (tenant) ID from Entra admin center → Overview, or a verified domain, "
        "without spaces or URL parts; in SAP the token endpoint is "
        "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token.",
        "plain": "The company directory the SAP system names is written wrongly.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS1002012": {
        "meaning": "The scope is not valid for the client-credentials grant (it needs /.default).",
        "remedy": "In SAP OA2C_CONFIG set the scope to <scope>.",
        "plain": "The SAP system asks Microsoft 365 for the wrong kind of access.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS500011": {
        "meaning": "The resource in the scope was not found in the tenant: a wrong resource or the wrong cloud.",
        "remedy": "Set the scope to <scope> (Office 365 Exchange Online of this cloud) in SAP OA2C_CONFIG.",
        "plain": "The SAP system asks for a Microsoft service that is not found, often because it uses the "
        "wrong Microsoft cloud.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS700027": {
        "meaning": "The client assertion's signature is invalid or its certificate is not registered on the app.",
        "remedy": "Export the JWT certificate from STRUST (SSF application OA2CJC, Base64) and upload it in Entra "
        "admin center → App registrations → <client_id> → Certificates & secrets → Certificates.",
        "plain": "Microsoft 365 does not recognise the certificate the SAP system signs in with.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS700024": {
        "meaning": "The client assertion is outside its valid time range: the clock of the sending host is off.",
        "remedy": "Synchronise the SAP host's clock (NTP) and retry.",
        "plain": "The SAP system's clock is wrong, so Microsoft 365 rejects its sign-in.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS53003": {
        "meaning": "A Conditional Access policy blocked the token. For the app's own sign-in (client credentials) "
        "only a policy for workload identities applies: it targets service principals, needs Workload "
        "Identities Premium and blocks by location or risk.",
        "remedy": "Entra admin center → Sign-in logs → Service principal sign-ins: the failed sign-in names the "
        "policy. Entra admin center → Protection → Conditional Access → that policy: exclude the service "
        "principal of <client_id>, or add SAP's egress IP to the named location it allows. Source: "
        "https://learn.microsoft.com/entra/identity/conditional-access/workload-identity",
        "plain": "A Microsoft 365 security rule blocks the SAP system's sign-in.",
        "fixed_by": M365_ADMINS,
    },
    "AADSTS90038": {
        "meaning": "The tenant belongs to another national cloud.",
        "remedy": "Set the Microsoft cloud of the setup to the tenant's cloud; its login host differs.",
        "plain": "The SAP system signs in to the wrong Microsoft cloud for this company.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS7000218": {
        "meaning": "No client secret or client assertion was sent.",
        "remedy": "Enter the client secret (or the JWT certificate) in SAP OA2C_CONFIG and in the portal.",
        "plain": "The SAP system signs in without its password or certificate.",
        "fixed_by": SAP_BASIS,
    },
    "AADSTS650057": {
        "meaning": "The resource is not among the app's requested permissions.",
        "remedy": "Entra admin center → App registrations → <client_id> → API permissions → Add a permission → "
        "APIs my organization uses → Office 365 Exchange Online → Application permissions → SMTP.SendAsApp; "
        "then Grant admin consent.",
        "plain": "The app the SAP system signs in as has not been given permission to send mail.",
        "fixed_by": M365_ADMINS,
    },
    "AADSTS650056": {
        "meaning": "Misconfigured application: the permission has no admin consent.",
        "remedy": "Entra admin center → App registrations → <client_id> → API permissions → Grant admin consent "
        "for the tenant (Office 365 Exchange Online, SMTP.SendAsApp).",
        "plain": "An administrator has not yet approved the app's permission to send mail.",
        "fixed_by": M365_ADMINS,
    },
    "AADSTS7000112": {
        "meaning": "The application is disabled.",
        "remedy": "Entra admin center → Enterprise applications → <client_id> → Properties: set 'Enabled for "
        "users to sign in' to Yes (or re-enable the service principal).",
        "plain": "The app the SAP system signs in as is switched off in Microsoft 365.",
        "fixed_by": M365_ADMINS,
    },
    "AADSTS": {  # any other AADSTS code: Entra's own text is the explanation
        "meaning": "Entra ID refused the token request.",
        "remedy": "Look the code up at https://login.microsoftonline.com/error?code=<number> and check the "
        "sign-in logs of the app (Entra admin center → Sign-in logs → Service principal sign-ins).",
        "plain": "Microsoft 365 refused the SAP system's sign-in.",
        "fixed_by": M365_ADMINS,
    },
    # -- the token and its claims ---------------------------------------------------------------------
    "oauth.no_smtp_role": {
        "meaning": "The token has no SMTP.SendAsApp role: Exchange Online will answer AUTH XOAUTH2 with "
        "535 5.7.3 Authentication unsuccessful.",
        "remedy": "Entra admin center → App registrations → <client_id> → API permissions: add Office 365 Exchange "
        "Online → Application permissions → SMTP.SendAsApp (not Microsoft Graph SMTP.Send or Mail.Send), remove "
        "User.Read, then Grant admin consent.",
        "plain": "The app the SAP system signs in as is not allowed to send mail.",
        "fixed_by": M365_ADMINS,
    },
    "oauth.wrong_audience": {
        "meaning": "The token is for another resource than Exchange Online: SMTP AUTH will reject it.",
        "remedy": "Set the scope to <scope> in SAP OA2C_CONFIG.",
        "plain": "The SAP system gets a sign-in pass for the wrong Microsoft service.",
        "fixed_by": SAP_BASIS,
    },
    "oauth.wrong_tenant": {
        "meaning": "The token was issued by another tenant than the configured one.",
        "remedy": "Use the Directory (tenant) ID of the tenant that holds the mailbox, in SAP and in the portal.",
        "plain": "The SAP system signs in to another company directory than the one configured.",
        "fixed_by": SAP_BASIS,
    },
    "oauth.token_expired": {
        "meaning": "The token is already expired when it arrives: the clocks disagree.",
        "remedy": "Synchronise the clock (NTP) of the host running the checks and of the SAP host.",
        "plain": "Clocks disagree, so the sign-in pass is already expired when it arrives.",
        "fixed_by": SAP_BASIS,
    },
    "oauth.unreachable": {
        "meaning": "The login host could not be reached over HTTPS from where the checks run.",
        "remedy": "Allow HTTPS (443) from the SAP host and the portal's worker to <host> (firewall, proxy: "
        "PORTAL_HTTPS_PROXY / SAP SM59 or ICM proxy settings).",
        "plain": "Microsoft's sign-in service cannot be reached over the network.",
        "fixed_by": NETWORK_TEAM,
    },
    "oauth.login_host_unresolved": {
        "meaning": "The worker could not look up the login host's address, so no token could be requested.",
        "remedy": "Check that <host> resolves through the DNS servers the portal uses (PORTAL_DNS_NAMESERVERS, "
        "else the worker's resolv.conf): a typo in the cloud or PORTAL_LOGIN_AUTHORITY_HOST, a split-DNS zone "
        "without the name, or a firewall blocking DNS.",
        "plain": "The address of Microsoft's sign-in service could not be looked up.",
        "fixed_by": NETWORK_TEAM,
    },
    "oauth.timeout": {
        "meaning": "The login host did not answer in time.",
        "remedy": "Check the proxy and firewall path to <host>; a proxy that drops CONNECT looks like this.",
        "plain": "Microsoft's sign-in service did not answer in time.",
        "fixed_by": NETWORK_TEAM,
    },
    "oauth.tls_untrusted": {
        "meaning": "The login host's TLS certificate is not trusted (an intercepting proxy, or a missing root).",
        "remedy": "Trust the issuing root: in SAP import it into the SSL client PSE used for the token call "
        "(STRUST); for the portal add it to PORTAL_EXTRA_CA_BUNDLE.",
        "plain": "The connection to Microsoft's sign-in service is intercepted or not trusted.",
        "fixed_by": NETWORK_TEAM,
    },
    "oauth.unexpected_reply": {
        "meaning": "The login host answered with something that is not Entra ID's JSON.",
        "remedy": "Check PORTAL_LOGIN_AUTHORITY_HOST and any proxy between the worker and <host>.",
        "plain": "Something other than Microsoft's sign-in service answered.",
        "fixed_by": NETWORK_TEAM,
    },
    "oauth.incomplete_setup": {
        "meaning": "Tenant, client ID or credential is missing, so no token can be requested.",
        "remedy": "Enter the Directory (tenant) ID, the Application (client) ID and the client secret or "
        "certificate in the system's mail setup.",
        "plain": "The SAP system's mail setup lacks the details it needs to sign in to Microsoft 365.",
        "fixed_by": SAP_BASIS,
    },
    # -- credentials -----------------------------------------------------------------------------------
    "certificate.no_private_key": {
        "status": Status.SKIPPED,
        "meaning": "The JWT private key stays in SAP, so the portal cannot request a token with it.",
        "remedy": "To test the grant from the portal, register a test certificate on the app as well and store "
        "its key here; otherwise test from SAP (SBWP test mail, OA2C_CONFIG 'Request token').",
        "plain": "The secret part of the certificate stays in SAP, so the portal cannot test the sign-in "
        "itself; this is expected.",
        "fixed_by": SAP_BASIS,
    },
    "certificate.thumbprint_mismatch": {
        "meaning": "The stored certificate is not the one whose thumbprint the setup names.",
        "remedy": "Compare Entra admin center → App registrations → <client_id> → Certificates & secrets with "
        "STRUST (SSF OA2CJC) and store the registered certificate in the portal.",
        "plain": "The certificate stored in the portal is not the one the setup names.",
        "fixed_by": SAP_BASIS,
    },
    "certificate.unreadable": {
        "meaning": "The stored certificate or private key cannot be read (not PEM, or key and certificate differ).",
        "remedy": "Store the certificate as Base64 PEM (STRUST export) and, for portal-side tests, the matching key.",
        "plain": "The certificate stored for the SAP system cannot be read.",
        "fixed_by": SAP_BASIS,
    },
    "secret.expired": {
        "meaning": "The credential is past its expiry date: Entra ID answers AADSTS7000222 (secret) or refuses "
        "the certificate, and mail stops.",
        "remedy": "Entra admin center → App registrations → <client_id> → Certificates & secrets: add a new "
        "secret or certificate, enter it in SAP (OA2C_CONFIG / STRUST) and record the new expiry in the portal.",
        "plain": "The password or certificate the SAP system uses to sign in to Microsoft 365 has expired, so "
        "mail stops.",
        "fixed_by": SAP_BASIS,
    },
    "secret.expires_soon": {
        "status": Status.WARN,
        "meaning": "The credential expires within 30 days; when it does, mail stops.",
        "remedy": "Add the new secret or certificate in Entra ID now (both stay valid side by side), switch SAP "
        "(OA2C_CONFIG / STRUST) to it, record the new expiry in the portal, then delete the old one.",
        "plain": "The password or certificate the SAP system uses to sign in to Microsoft 365 expires within "
        "30 days; mail stops then.",
        "fixed_by": SAP_BASIS,
    },
    "secret.expiry_unknown": {
        "status": Status.WARN,
        "meaning": "The credential's expiry date is not recorded, so the portal cannot warn before it runs out.",
        "remedy": "Read the expiry in Entra admin center → App registrations → Certificates & secrets and enter "
        "it in the system's mail setup.",
        "plain": "Nobody recorded when the SAP system's sign-in password or certificate expires, so the portal "
        "cannot warn in time.",
        "fixed_by": SAP_BASIS,
    },
    "basic_auth.retiring": {
        "status": Status.WARN,
        "meaning": "Microsoft is retiring Basic authentication for SMTP AUTH (client submission); once off, "
        "Exchange Online answers 535 5.7.139 or 550 5.7.30 and SAP mail stops.",
        "remedy": "Move to SMTP OAuth 2.0 (SAP_BASIS 7.50 or newer); below 7.50 to Direct Send (internal "
        "recipients only), a relay connector or a relay server — then delete the logon data in SCOT.",
        "plain": "This system still sends with a user name and password, which Microsoft is switching off; "
        "mail stops unless it moves to another option.",
        "fixed_by": SAP_BASIS,
    },
}


def describe(code: str, **values: Any) -> tuple[str, str]:
    """(meaning, remedy) of a code with the check's values filled in for their ``<name>``."""
    entry = ENTRIES.get(code) or ENTRIES["AADSTS"]
    return _fill(entry["meaning"], values), _fill(entry["remedy"], values)


def _fill(text: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        text = text.replace(f"<{name}>", str(value))
    return text
