"""SMTP OAuth 2.0 (client credentials): SAP authenticates to Exchange Online with an Entra ID app.

Client secret from SAP_BASIS 7.50, JWT bearer (certificate) from 7.51; BTP ABAP Environment uses
JWT only, through communication arrangement SAP_COM_0548; S/4HANA Cloud Public Edition is run by
SAP. Recipients inside and outside the organisation; 587 with STARTTLS; TLS 1.2 or later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors import domain_auth, sap_cloud
from connectors.clouds import Cloud, cloud_for
from connectors.config import MailConfig
from connectors.confirm_delivery import confirm_delivery
from connectors.endpoints import effective_endpoint, submission_expectations
from connectors.guide import Command, Guide, Notice, Step, Value, Where, say
from connectors.limits import submission_limits_notice
from connectors.notices import cloud_notices, expiry_notices
from connectors.oauth2_scripts import app_display_name, setup_script, verification_script
from connectors.option import Option, OptionField
from connectors.placeholders import hand_off, value_of
from connectors.plan import PlannedCheck, expecting
from connectors.powershell import SEND_AS_APP_ROLE, connect_exchange
from connectors.problems import Problem, dedupe, warning
from connectors.products import NOTE_3581654_PRODUCTS, describe_system, is_btp_abap, is_managed_by_sap
from connectors.quoting import powershell_literal
from connectors.releases import OAUTH_JWT_MIN, OAUTH_SECRET_MIN, release_label
from connectors.retirement import Milestone
from connectors.rules import (
    malformed_values,
    microsoft_host_rules,
    missing,
    product_rules,
    refuses_unsafe_text,
    sender_domain_rules,
    submission_port_rules,
)
from connectors.sap_steps import (
    icm_smtp_service,
    sap_finish,
    sicf_sapconnect,
    smicm_restart,
    strust_root,
    tls_client_parameters,
)
from connectors.smtp_chain import connection_checks, domain_records, egress_ip, envelope_and_send

CODE = "oauth2"
LABEL = "SMTP OAuth 2.0"
CLIENT_PROFILE = "BCS_MAIL"
BTP_SCENARIO = "SAP_COM_0548"

FIELDS = (
    OptionField("tenant", True, "Directory (tenant) ID or a verified domain of the Entra ID tenant."),
    OptionField("client_id", True, "Application (client) ID of the app registered for this SAP system."),
    OptionField(
        "mailbox",
        True,
        "The Exchange Online mailbox SAP sends as (a shared mailbox needs no licence); its primary address.",
    ),
    OptionField("sender", False, "MAIL FROM, if not the mailbox itself (needs Send As)."),
    OptionField("credential", True, "secret (from 7.50) or certificate (JWT bearer, from 7.51; BTP ABAP: only this)."),
    OptionField("secret_expires", False, "When the client secret expires; the portal warns ahead."),
    OptionField("certificate_thumbprint", False, "Thumbprint of SAP's JWT signing certificate uploaded to the app."),
    OptionField("certificate_expires", False, "When that certificate expires."),
    OptionField(
        "service_principal_id", False, "Object ID of the app's enterprise application (not the registration's)."
    ),
    OptionField("cloud", False, "Microsoft cloud of the tenant; global unless set."),
    OptionField("smtp_host", False, "Empty = the cloud's submission host (smtp.office365.com)."),
    OptionField("smtp_port", False, "Empty = 587."),
    OptionField("tls", False, "Empty = starttls, the only mode Exchange Online accepts here."),
    OptionField("test_recipient", False, "Where test messages go."),
)


def validate(config: MailConfig) -> list[Problem]:
    """Rules for oauth2. Errors only for malformed values; the rest are warnings (see problems.py)."""
    problems = malformed_values(config) + product_rules(config)
    if is_managed_by_sap(config.product):
        return dedupe(problems)
    problems += missing(config, ("tenant", "client_id", "mailbox"), "the steps show a placeholder until it is.")
    problems += _release_rules(config)
    if is_btp_abap(config.product) and config.credential != "certificate":
        problems.append(
            warning(
                "credential",
                f"BTP ABAP Environment supports only the JWT bearer grant ({BTP_SCENARIO}); set Credential to certificate.",
            )
        )
    if config.credential == "secret" and not config.has_secret:
        problems.append(warning("credential", "No client secret is stored: the portal cannot test the token request."))
    if config.credential == "secret" and config.secret_expires is None:
        problems.append(
            warning("secret_expires", "Secret expiry not recorded: the portal cannot warn before the secret runs out.")
        )
    if config.credential == "certificate" and not config.certificate_thumbprint:
        problems.append(
            warning(
                "certificate_thumbprint",
                "Certificate thumbprint not recorded: the verification cannot match it on the app.",
            )
        )
    host, port, tls = effective_endpoint(config)
    problems += microsoft_host_rules(config, host)
    problems += submission_port_rules(config, host, port, tls)
    problems += sender_domain_rules(config)
    if config.sender and config.mailbox and config.sender.lower() != config.mailbox.lower():
        problems.append(
            warning(
                "sender",
                f"The sender {config.sender} is not the mailbox {config.mailbox}: the app needs Send As on "
                "it (550 5.7.60 otherwise), unless it is an address of the mailbox itself.",
            )
        )
    return dedupe(problems)


def _release_rules(config: MailConfig) -> list[Problem]:
    if is_btp_abap(config.product):
        return []
    release = config.basis_release
    if release is None:
        return [
            warning(
                "basis_release",
                "SAP_BASIS release not set: SMTP OAuth 2.0 needs 7.50 (client secret) or 7.51 (certificate).",
            )
        ]
    if release < OAUTH_SECRET_MIN:
        return [
            warning(
                "basis_release",
                f"SMTP OAuth 2.0 needs SAP_BASIS 7.50 or later; this system has {release_label(release)}. "
                "Use relay_connector (external recipients, static public IP), direct_send (internal "
                "recipients only) or relay_server instead.",
            )
        ]
    if config.credential == "certificate" and release < OAUTH_JWT_MIN:
        return [
            warning(
                "credential",
                f"The JWT bearer grant (certificate) needs SAP_BASIS 7.51; this system has "
                f"{release_label(release)}: use a client secret.",
            )
        ]
    return []


def plan(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    expect = submission_expectations(config, auth="xoauth2", credential=config.credential, expiry_required=True)
    checks = (
        *connection_checks(),
        PlannedCheck("smtp.auth_mechanisms", after=("tls.starttls",)),
        PlannedCheck("oauth.token"),
        PlannedCheck("oauth.claims", after=("oauth.token",)),
        PlannedCheck("smtp.auth", after=("smtp.auth_mechanisms", "oauth.token")),
        *envelope_and_send(after="smtp.auth", send_to=send_to),
        egress_ip(),
        *domain_records(),
        PlannedCheck("secret.expiry"),
    )
    return expecting(expect, checks)


@refuses_unsafe_text(CODE, LABEL)
def steps(
    config: MailConfig,
    *,
    milestones: Sequence[Milestone] | None = None,
    existing_spf: str | Sequence[str] | None = None,
    today: date | None = None,
) -> Guide:
    today = today or date.today()
    cloud = cloud_for(config.cloud)
    problems = tuple(validate(config))
    notices = cloud_notices(config) + expiry_notices(config, today) + _release_notices(config)
    if is_managed_by_sap(config.product):
        return Guide(
            option=CODE,
            option_label=LABEL,
            system=config.system_label,
            title=f"{LABEL} — {config.system_label}",
            summary=(
                f"{config.system_label} is an S/4HANA Cloud Public Edition system: SAP operates its SAP side and "
                "manages the SMTP OAuth 2.0 configuration for your tenant. You ask SAP, prepare your domain and test."
            ),
            steps=(
                *sap_cloud.public_edition_steps(config),
                domain_auth.dkim(config),
                domain_auth.dmarc(config),
                *confirm_delivery(config),
            ),
            notices=(sap_cloud.public_edition_notice(), *notices),
            problems=problems,
        )
    btp = is_btp_abap(config.product)
    certificate = btp or config.credential == "certificate"
    if config.credential == "secret" and config.role == "PRD" and not btp:
        notices.append(
            Notice(
                "info",
                "Microsoft recommends the JWT bearer grant (certificate) over a client secret before going "
                "to production; it needs SAP_BASIS 7.51 and SAP Note 3592080.",
            )
        )
    notices.append(submission_limits_notice())
    notices.append(
        Notice(
            "info",
            "Every Entra ID and Exchange Online step below is also in the one-shot setup script at the "
            "end of this guide; the read-only verification script checks the result.",
        )
    )
    host, port, _ = effective_endpoint(config)
    microsoft_steps = (
        *_entra_steps(config, cloud, certificate=certificate, btp=btp),
        _shared_mailbox(config, cloud),
        *_exchange_steps(config, cloud),
    )
    if btp:
        # SAP runs the BTP network: no firewall or SAP Note steps for the customer.
        body = (*microsoft_steps[:3], *_btp_steps(config, cloud), *microsoft_steps[3:])
        body = (
            *_move_btp_arrangement_last(body),
            sap_cloud.allowlist_step(config),
            sap_cloud.monitor_test_step(config),
        )
        notices.append(sap_cloud.no_sap_gui_notice(config))
    else:
        body = (
            _network(config, cloud),
            *_sap_notes(config, certificate),
            *microsoft_steps,
            *_sap_gui_steps(config, cloud),
        )
    body = (
        *body,
        domain_auth.dkim(config),
        domain_auth.dmarc(config),
        *confirm_delivery(config),
        _credential_rotation(config, certificate=certificate, btp=btp),
    )
    credential_text = "JWT bearer (certificate)" if certificate else "client secret"
    return Guide(
        option=CODE,
        option_label=LABEL,
        system=config.system_label,
        title=f"{LABEL} — {config.system_label}",
        summary=(
            f"{describe_system(config)} sends as {value_of(config, 'mailbox')} through "
            f"{host}:{port} with STARTTLS, authenticated with OAuth 2.0 client credentials "
            f"({credential_text}) of an Entra ID app in tenant {value_of(config, 'tenant')} "
            f"({cloud.label} cloud). Recipients inside and outside the organisation."
        ),
        steps=tuple(body),
        notices=tuple(notices),
        problems=problems,
        scripts=(setup_script(config), verification_script(config)),
    )


def _release_notices(config: MailConfig) -> list[Notice]:
    release = config.basis_release
    if is_btp_abap(config.product) or is_managed_by_sap(config.product) or release is None:
        return []
    if release < OAUTH_SECRET_MIN:
        return [
            Notice(
                "error",
                f"SAP_BASIS {release_label(release)} cannot use SMTP OAuth 2.0 (it needs 7.50). These steps "
                "will not work on this system: choose relay_connector, direct_send or relay_server.",
            )
        ]
    if config.credential == "certificate" and release < OAUTH_JWT_MIN:
        return [
            Notice(
                "error",
                f"SAP_BASIS {release_label(release)} has no JWT bearer grant (it needs 7.51): use a client secret.",
            )
        ]
    return []


# --- steps -----------------------------------------------------------------------------------


def _network(config: MailConfig, cloud: Cloud) -> Step:
    host, port, _ = effective_endpoint(config)
    return Step(
        key="network.outbound",
        where=Where.NETWORK,
        title=f"Open outbound {port} to {host} and HTTPS to {_https_target(cloud)}",
        why=(
            "SAP submits mail on the submission port and fetches its token over HTTPS from the login "
            "host; a firewall dropping either is the most common first failure."
        ),
        values=(
            Value("SMTP (STARTTLS)", f"{host}:{port}"),
            Value("Token call (HTTPS)", _https_target(cloud)),
            say("Resolve by name", "both hosts through DNS — never pin Microsoft IP addresses"),
        ),
        check="tcp.connect",
        notes=(
            "Test from every application server that runs the send job, e.g. telnet or openssl s_client -starttls smtp.",
        ),
    )


def _https_target(cloud: Cloud) -> str:
    return cloud.login_host if ":" in cloud.login_host else f"{cloud.login_host}:443"


def _sap_notes(config: MailConfig, certificate: bool) -> tuple[Step, ...]:
    values: list[Value] = []
    if config.product in NOTE_3581654_PRODUCTS:
        values.append(
            say("SAP Note 3581654", "prerequisite for SMTP OAuth 2.0 on S/4HANA on-premise and Private Edition")
        )
    else:
        values.append(say("SAP Note 3581654", "check whether it applies to your release and support package"))
    if certificate:
        values.append(
            say("SAP Note 3592080", "JWT bearer client authentication (certificate), SAP_BASIS 7.51 or later")
        )
    return (
        Step(
            key="sap.notes",
            where=Where.SAP_GUI,
            title="SNOTE: implement the SAP Notes for SMTP OAuth 2.0",
            why="The OAuth 2.0 support in SAPconnect depends on corrections delivered by these notes.",
            values=tuple(values),
        ),
    )


def _entra_steps(config: MailConfig, cloud: Cloud, *, certificate: bool, btp: bool) -> tuple[Step, ...]:
    registration = Step(
        key="entra.app_registration",
        where=Where.ENTRA,
        title=f"Register an app for {config.system_label}",
        why=(
            "The app is the SAP system's identity in Entra ID: SAP obtains its access tokens with the "
            "app's client ID and credential."
        ),
        values=(
            say("Admin center", cloud.flagged("entra_admin_center")),
            say("Path", "Applications → App registrations → New registration"),
            Value("Name", app_display_name(config)),
            say("Supported account types", "Accounts in this organizational directory only (single tenant)"),
            say("Redirect URI", "none"),
            Value("Application (client) ID → portal field Client ID", value_of(config, "client_id")),
            Value("Directory (tenant) ID → portal field Tenant", value_of(config, "tenant")),
        ),
        check="oauth.token",
        notes=("A client ID unknown in the tenant gives AADSTS700016; a tenant in another cloud AADSTS90002.",),
    )
    permission = Step(
        key="entra.api_permission",
        where=Where.ENTRA,
        title=f"Add the application permission {SEND_AS_APP_ROLE}",
        why=(
            f"Exchange Online accepts an app's token for SMTP only when it carries the role {SEND_AS_APP_ROLE} "
            "of Office 365 Exchange Online."
        ),
        values=(
            say("Path", "App registrations → the app → API permissions → Add a permission"),
            say("Tab", "APIs my organization uses"),
            Value("API", "Office 365 Exchange Online"),
            say("Permission type", "Application permissions"),
            Value("Permission", SEND_AS_APP_ROLE),
            say("Remove", "Microsoft Graph → User.Read (not needed)"),
        ),
        check="oauth.claims",
        notes=("Not Microsoft Graph's SMTP.Send or Mail.Send: those look right, but AUTH then fails with 535 5.7.3.",),
    )
    consent = Step(
        key="entra.admin_consent",
        where=Where.ENTRA,
        title="Grant admin consent",
        why=(
            "An application permission counts only after an administrator consents; before that the token "
            "has no roles claim and AUTH fails with 535 5.7.3."
        ),
        values=(
            say("Path", "API permissions → Grant admin consent for <your organisation> → Yes"),
            say("Expected", f"{SEND_AS_APP_ROLE}: status 'Granted for …'"),
        ),
        check="oauth.claims",
    )
    object_id = Step(
        key="entra.enterprise_app_object_id",
        where=Where.ENTRA,
        title="Copy the Object ID of the app's enterprise application",
        why=(
            "Exchange Online knows the app through its service principal — the enterprise application — "
            "and its own Object ID. The app registration's Object ID is a different object; using it is "
            "the classic reason for 535 5.7.3."
        ),
        values=(
            say("Path", "App registration → Overview → Managed application in local directory → Overview"),
            say("Or", "Enterprise applications → search the app name → Object ID"),
            Value(
                "Object ID → portal field Enterprise application Object ID", value_of(config, "service_principal_id")
            ),
            Value("Application ID (same as the client ID)", value_of(config, "client_id")),
        ),
        check="smtp.auth",
    )
    steps: list[Step] = [registration, permission, consent]
    if certificate:
        if not btp:
            steps.append(_sap_jwt_export(config))
        steps.append(_entra_certificate_upload(config, btp=btp))
    else:
        steps.append(_entra_client_secret(config))
    steps.append(object_id)
    return tuple(steps)


def _entra_client_secret(config: MailConfig) -> Step:
    return Step(
        key="entra.client_secret",
        where=Where.ENTRA,
        title="Create a client secret",
        why="SAP proves it is the app by sending this secret with each token request (client credentials grant).",
        values=(
            say("Path", "Certificates & secrets → Client secrets → New client secret"),
            Value("Description", f"SAP {config.system_label}"),
            say("Expires", "per your policy (e.g. 12 months)"),
            Value("Expiry date → portal field Secret expires", value_of(config, "secret_expires")),
        ),
        check="secret.expiry",
        notes=(
            "Copy the Value column, not the Secret ID: the ID gives AADSTS7000215.",
            "The value is shown once: paste it straight into OA2C_CONFIG (next SAP steps). The portal "
            "never shows a stored secret.",
            "An expired secret gives AADSTS7000222: plan the renewal before the date above.",
        ),
    )


def _sap_jwt_export(config: MailConfig) -> Step:
    return Step(
        key="sap.jwt_certificate_export",
        where=Where.SAP_GUI,
        title="Export SAP's JWT signing certificate",
        why=(
            "With the JWT bearer grant SAP signs each token request with its own key; Entra ID checks "
            "the signature with this certificate. The private key never leaves SAP."
        ),
        values=(
            say(
                "Newer systems", "SOAUTH2_CLIENT → Global Settings → Settings for JWT Client Authentication → download"
            ),
            say(
                "Otherwise",
                "STRUST → SSF OA2CJC (OAuth2 Client - JWT Client Authentication) → double-click the Subject of "
                "Own Certificate → Export certificate",
            ),
            say("File format", "Base64"),
        ),
        notes=("Needs SAP_BASIS 7.51 and SAP Note 3592080.",),
    )


def _entra_certificate_upload(config: MailConfig, *, btp: bool) -> Step:
    source = (
        "the certificate downloaded from the communication system's outbound user"
        if btp
        else "the Base64 file exported from SAP"
    )
    return Step(
        key="entra.certificate_upload",
        where=Where.ENTRA,
        title="Upload the JWT signing certificate to the app",
        why="Entra ID accepts SAP's signed token requests only for certificates registered on the app (AADSTS700027 otherwise).",
        values=(
            say("Path", "App registration → Certificates & secrets → Certificates → Upload certificate"),
            say("File", source),
            Value("Thumbprint → portal field Certificate thumbprint", value_of(config, "certificate_thumbprint")),
            Value("Expiry → portal field Certificate expires", value_of(config, "certificate_expires")),
        ),
        check="secret.expiry",
        notes=(
            "The portal can request a token with a certificate only if a test certificate whose key it "
            "holds is also registered; otherwise it checks the certificate's registration and expiry.",
        ),
    )


def _exchange_steps(config: MailConfig, cloud: Cloud) -> tuple[Step, ...]:
    client_id = value_of(config, "client_id")
    sp_id = value_of(config, "service_principal_id")
    mailbox = value_of(config, "mailbox")
    steps: list[Step] = [
        Step(
            key="exchange.service_principal",
            where=Where.EXCHANGE_POWERSHELL,
            title="Register the service principal in Exchange Online",
            why="Exchange Online must hold a reference to the enterprise application before it can give it mailbox rights.",
            command=Command(
                "powershell",
                f"{connect_exchange(cloud)}\n"
                f"New-ServicePrincipal -AppId {powershell_literal(client_id)} -ObjectId {powershell_literal(sp_id)} "
                f"-DisplayName {powershell_literal(app_display_name(config))}",
            ),
            values=(
                Value("-AppId", client_id),
                Value("-ObjectId (enterprise application)", sp_id),
            ),
            check="smtp.auth",
            notes=(
                f"Exchange admin center: {cloud.flagged('exchange_admin_center')} (Cloud Shell works too).",
                "If it was registered with the wrong Object ID: Remove-ServicePrincipal, then run this again.",
            ),
        ),
        Step(
            key="exchange.mailbox_permission",
            where=Where.EXCHANGE_POWERSHELL,
            title=f"Give the app FullAccess on {mailbox}",
            why=(
                "FullAccess lets the app act as the mailbox. Without it AUTH fails (535 5.7.3) or "
                "submission fails (430 4.2.0 mailbox logon failure)."
            ),
            command=Command(
                "powershell",
                f"Add-MailboxPermission -Identity {powershell_literal(mailbox)} -User {powershell_literal(sp_id)} -AccessRights FullAccess",
            ),
            check="smtp.auth",
            notes=(
                "Check: Exchange admin center → Mailboxes → the mailbox → Delegation → Read and manage (Full Access).",
            ),
        ),
    ]
    if config.sender and config.mailbox and config.sender.lower() != config.mailbox.lower():
        steps.append(
            Step(
                key="exchange.send_as",
                where=Where.EXCHANGE_POWERSHELL,
                title=f"Allow the app to send as {config.sender}",
                why="SAP sends with a From address that is not the mailbox; Exchange Online requires Send As on it (550 5.7.60).",
                command=Command(
                    "powershell",
                    f"Add-RecipientPermission -Identity {powershell_literal(config.sender)} -Trustee {powershell_literal(sp_id)} "
                    "-AccessRights SendAs -Confirm:$false",
                ),
                check="smtp.envelope",
                notes=(
                    "Not needed when the sender is one of the mailbox's own addresses.",
                    "Send As is granted to individual principals only; granting it to a group is not supported.",
                ),
            )
        )
    steps += [
        Step(
            key="exchange.smtp_auth",
            where=Where.EXCHANGE_POWERSHELL,
            title=f"Allow SMTP AUTH for {mailbox}",
            why=(
                "XOAUTH2 is SMTP AUTH: the mailbox must allow it. An explicit $false on the mailbox "
                "overrides a tenant-wide block."
            ),
            command=Command(
                "powershell",
                f"Set-CASMailbox -Identity {powershell_literal(mailbox)} -SmtpClientAuthenticationDisabled $false\n"
                f"Get-CASMailbox -Identity {powershell_literal(mailbox)} | Format-List SmtpClientAuthenticationDisabled\n"
                "Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled",
            ),
            check="smtp.auth",
            notes=(
                "Same setting in the Microsoft 365 admin center: Users → Active users → the mailbox → Mail → "
                "Manage email apps → Authenticated SMTP.",
                "An empty mailbox value means the tenant's setting decides; organisations created after January 2020 "
                "have SMTP AUTH off tenant-wide (SmtpClientAuthenticationDisabled $true). Source: "
                "https://learn.microsoft.com/powershell/module/exchangepowershell/set-transportconfig",
                "An authentication policy that blocks Basic authentication for SMTP blocks only Basic, not OAuth.",
                "Refused AUTH shows as 535 5.7.139 … SmtpClientAuthentication is disabled for the Tenant/Mailbox.",
            ),
        ),
        _conditional_access(config),
        Step(
            key="exchange.verify_script",
            where=Where.EXCHANGE_POWERSHELL,
            title="Run the read-only verification script",
            why=(
                "It checks from Microsoft's side what SMTP cannot show (object IDs, consent, permissions, "
                "SMTP AUTH, expiry) and prints PASS or FAIL for each."
            ),
            values=(Value("Script", verification_script(config).filename),),
            command=Command("powershell", f"pwsh {powershell_literal('./' + verification_script(config).filename)}"),
        ),
    ]
    return tuple(steps)


def _credential_rotation(config: MailConfig, *, certificate: bool, btp: bool) -> Step:
    """Renewing the credential without an outage: Entra ID holds old and new side by side."""
    if not certificate:
        return Step(
            key="entra.credential_rotation",
            where=Where.ENTRA,
            title="Later: renew the client secret before it expires, without a gap",
            why="An app can hold several secrets at once: the new one works before the old one goes.",
            values=(
                Value("Current expiry (portal field Secret expires)", value_of(config, "secret_expires")),
                say("1. Entra", "Certificates & secrets → New client secret; note its expiry"),
                say("2. SAP", "OA2C_CONFIG: enter the new secret's Value in the client configuration"),
                say("3. Portal", "store the new secret and its expiry; run the checks (oauth.token)"),
                say("4. Entra", "delete the old secret once SAP has sent with the new one"),
            ),
            check="secret.expiry",
            notes=("The portal warns 30 days before the recorded expiry (secret.expiry, and on this page).",),
        )
    source = "the communication system's outbound user (Download Certificate)" if btp else "SAP (SSF OA2CJC)"
    return Step(
        key="entra.credential_rotation",
        where=Where.ENTRA,
        title="Later: renew the JWT certificate before it expires, with both certificates on the app",
        why=(
            "The app accepts every certificate registered on it: upload the new one next to the old, switch SAP, "
            "then remove the old — token requests never meet an unknown certificate (AADSTS700027)."
        ),
        values=(
            Value(
                "Current certificate (portal field Certificate thumbprint)", value_of(config, "certificate_thumbprint")
            ),
            Value("Expires (portal field Certificate expires)", value_of(config, "certificate_expires")),
            say("1. SAP", f"create the new signing certificate and export it (Base64) from {source}"),
            say("2. Entra", "Certificates & secrets → Certificates → Upload certificate: the old one stays"),
            say("3. SAP", "sign with the new key (the renewed certificate becomes active in SAP)"),
            say("4. Portal", "record the new thumbprint and expiry; run the checks"),
            say("5. Entra", "delete the old certificate once SAP's mail went out with the new one"),
        ),
        check="secret.expiry",
        notes=(
            "Upload the new certificate before SAP signs with it: until Entra ID knows it, token requests fail "
            "with AADSTS700027. If SAP activates a renewed key at once, upload right after the renewal, in a quiet "
            "window.",
            "Unverified: the exact SAP screens for renewing the JWT key (STRUST SSF OA2CJC, SOAUTH2_CLIENT → "
            "Global Settings, or the BTP outbound user) — follow SAP Note 3592080 and SAP's documentation.",
            "The portal warns 30 days before the recorded expiry (secret.expiry, and on this page).",
        ),
    )


def _shared_mailbox(config: MailConfig, cloud: Cloud) -> Step:
    """The mailbox SAP sends as: a shared mailbox needs no licence (Microsoft Learn, "Remove a license from a
    shared mailbox": Exchange Online Plan 2 only above 50 GB, with archiving or litigation hold); Microsoft's SAP
    guide speaks of the SAP mailbox as a shared mailbox."""
    mailbox = value_of(config, "mailbox")
    return Step(
        key="m365.shared_mailbox",
        where=Where.M365_ADMIN,
        title=f"Create {mailbox} as a shared mailbox, if it does not exist",
        why=(
            "SAP needs a mailbox to send as, not a person: a shared mailbox has no password to expire or leak, "
            "and needs no licence."
        ),
        values=(
            say("Admin center", cloud.flagged("m365_admin_center")),
            say("Path", "Teams & groups → Shared mailboxes → Add a shared mailbox"),
            Value("Email", mailbox),
            say("Licence", "none below 50 GB, without archive or litigation hold (otherwise Exchange Online Plan 2)"),
        ),
        notes=(
            "SMTP AUTH keeps a copy of every message in the mailbox's Sent Items: give it a retention policy so it "
            "stays below 50 GB (and 5.2.2 'mailbox full' away).",
            "An existing user mailbox works as well; the next steps are the same.",
            "Sources: https://learn.microsoft.com/microsoft-365/admin/email/remove-license-from-shared-mailbox; "
            "Microsoft's SAP guide (Exchange Online integration for email outbound from SAP), OAuth limitations.",
        ),
    )


def _conditional_access(config: MailConfig) -> Step:
    """What else can stop the app's token: Conditional Access for workload identities (security defaults and
    legacy-authentication policies block only Basic SMTP AUTH, not the app's OAuth sign-in)."""
    return Step(
        key="entra.conditional_access",
        where=Where.ENTRA,
        title="Make sure no Conditional Access policy for workload identities blocks the app",
        why=(
            "The app signs in as itself (client credentials): user policies, MFA and security defaults do not "
            "apply to it, but a Conditional Access policy that targets service principals can block its token "
            "by location or risk (AADSTS53003)."
        ),
        values=(
            say(
                "Policies",
                "Entra admin center → Protection → Conditional Access → policies whose assignment is "
                "'Workload identities'",
            ),
            say("Allow", "SAP's egress IP(s) in the named location such a policy permits, or exclude the app"),
            say("Evidence", "Sign-in logs → Service principal sign-ins → the app → Conditional Access tab"),
            Value("App (client) ID", value_of(config, "client_id")),
        ),
        check="oauth.token",
        notes=(
            "Policies for workload identities need Workload Identities Premium and cover single-tenant apps.",
            "The portal's oauth.token check asks from its worker's address, not SAP's: a location policy can let "
            "one through and stop the other.",
            "Source: https://learn.microsoft.com/entra/identity/conditional-access/workload-identity",
        ),
    )


def _sap_gui_steps(config: MailConfig, cloud: Cloud) -> tuple[Step, ...]:
    host, port, _ = effective_endpoint(config)
    certificate = config.credential == "certificate"
    token_endpoint = cloud.token_endpoint(value_of(config, "tenant"))
    configuration = f"EXCHANGE_ONLINE_{config.sid}" if config.sid else "EXCHANGE_ONLINE"
    credential_value = (
        say("Client authentication", "JWT, signed with the SSF OA2CJC certificate — no secret")
        if certificate
        else Value("Client secret", hand_off("in SAP: the client secret's Value"))
    )
    oa2c = Step(
        key="sap.oauth_client",
        where=Where.SAP_GUI,
        title=f"OA2C_CONFIG: create the OAuth 2.0 client configuration (profile {CLIENT_PROFILE})",
        why=(
            f"SAP requests and renews the access token with this configuration; {CLIENT_PROFILE} is the "
            "client profile SAP delivers for mail (an own copy works too)."
        ),
        values=(
            Value("OAuth 2.0 Client Profile", CLIENT_PROFILE),
            Value("Configuration name", configuration),
            Value("OAuth 2.0 Client ID", value_of(config, "client_id")),
            credential_value,
            say("Grant type", "Client Credentials"),
            Value("Token endpoint", token_endpoint),
            Value("Scope", cloud.scope),
        ),
        check="oauth.token",
        notes=(
            "If the screen insists on an authorization endpoint, enter "
            f"{cloud.login_base}/{value_of(config, 'tenant')}/oauth2/v2.0/authorize — client credentials never use it.",
            "The portal's oauth.token check asks for a token with the same endpoint, client ID and scope.",
        ),
    )
    smtp_config = Step(
        key="sap.sbcs_mail_configsmtp",
        where=Where.SAP_GUI,
        title="SBCS_MAIL_CONFIGSMTP: send through Exchange Online with OAuth 2.0",
        why="This is where SAPconnect learns the host, the TLS mode and that it authenticates with OAuth 2.0.",
        values=(
            Value("Mail host", host),
            Value("Mail port", str(port)),
            say("TLS", "STARTTLS, required"),
            Value("Authentication method", "OAuth2"),
            Value("OAuth 2.0 Client Profile", CLIENT_PROFILE),
            Value("OAuth 2.0 Client Configuration", configuration),
            say("OAuth 2.0 Client User", "the SAP user the token is requested for (e.g. the send job's user)"),
            Value("Mailbox (XOAUTH2 user)", value_of(config, "mailbox")),
            say("Modify legacy SMTP node", "checked — copies the settings to SCOT"),
        ),
        check="smtp.auth",
        notes=(
            "SCOT's SMTP node takes the same values if you prefer it.",
            "The mailbox must be given by its primary SMTP address; another address gives 535 5.7.3.",
            "Use the host name, never an IP address: Exchange Online does not support IPs.",
        ),
    )
    return (
        icm_smtp_service(),
        smicm_restart(),
        sicf_sapconnect(),
        tls_client_parameters(config.cloud),
        strust_root(hosts=(host,), token_host=cloud.login_host),
        oa2c,
        smtp_config,
        *sap_finish(config),
    )


def _btp_steps(config: MailConfig, cloud: Cloud) -> tuple[Step, ...]:
    host, port, _ = effective_endpoint(config)
    system_name = f"EXCHANGE_ONLINE_{config.sid}" if config.sid else "EXCHANGE_ONLINE"
    return (
        Step(
            key="btp.communication_system",
            where=Where.BTP,
            title="Communication Systems: create the system for Exchange Online with an OAuth 2.0 outbound user",
            why=(
                "In the ABAP environment the communication system holds host, token endpoint and the "
                "outbound user whose JWT signing certificate identifies the system to Entra ID."
            ),
            values=(
                Value("System ID / name", system_name),
                Value("Host name", host),
                Value("Port", str(port)),
                Value("Token endpoint", cloud.token_endpoint(value_of(config, "tenant"))),
                Value("Outbound user → authentication method", "OAuth 2.0"),
                Value("OAuth 2.0 Client ID", value_of(config, "client_id")),
                say("Then", "Download Certificate (the JWT signing certificate for the next step)"),
            ),
            check="oauth.token",
            notes=("BTP ABAP Environment supports only the JWT bearer grant; there is no client secret.",),
        ),
        Step(
            key="btp.communication_arrangement",
            where=Where.BTP,
            title=f"Communication Arrangements: create {BTP_SCENARIO} for outbound mail",
            why=f"{BTP_SCENARIO} is the scenario the ABAP environment sends mail with; it ties the system, user and mailbox together.",
            values=(
                Value("Scenario", BTP_SCENARIO),
                Value("Communication system", system_name),
                say("Outbound user", "the OAuth 2.0 user of the communication system"),
                Value("OAuth User", value_of(config, "mailbox")),
                Value("Additional Scope", cloud.scope),
            ),
            check="smtp.auth",
            notes=("Save, then use Check Connection; the portal's smtp.auth check tests the mailbox side.",),
        ),
    )


def _move_btp_arrangement_last(body: tuple[Step, ...]) -> tuple[Step, ...]:
    """The arrangement needs the Exchange side done first; the communication system comes before
    the certificate upload because the certificate is downloaded from it."""
    arrangement = [step for step in body if step.key == "btp.communication_arrangement"]
    return tuple(step for step in body if step.key != "btp.communication_arrangement") + tuple(arrangement)


OPTION = Option(
    code=CODE,
    label=LABEL,
    description=(
        "SAP authenticates to Exchange Online with an Entra ID app (client credentials: secret from "
        "SAP_BASIS 7.50, certificate/JWT from 7.51) and sends as a mailbox on port 587 with STARTTLS. "
        "Microsoft's recommended option from 7.50."
    ),
    recipients="inside and outside the organisation",
    fields=FIELDS,
    validate=validate,
    plan=plan,
    steps=steps,
    secret="client secret",
)
