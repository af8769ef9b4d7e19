"""Microsoft cloud endpoints per national cloud, plus the local lab.

Each cloud names in ``unconfirmed`` the values that could not be checked against Microsoft's own
documentation (they come from secondary sources); guides show them flagged, never as certain. A
MailSetup can always override the SMTP host, so a wrong default costs a field edit, not a release.

Sources for the confirmed values:
- Connect-ExchangeOnline -ExchangeEnvironmentName (O365USGovGCCHigh, O365USGovDoD, O365China):
  https://learn.microsoft.com/powershell/module/exchangepowershell/connect-exchangeonline
- GCC High and DoD MX endpoint <domain>.mail.protection.office365.us and SPF include
  spf.protection.office365.us: Microsoft's DNS records for the US Government clouds
  (reference/exchange-online.md, "Clouds").
- GCC High Exchange admin center https://admin.exchange.office365.us: Exchange Online docs, "new EAC
  generally available in GCC-H" (MicrosoftDocs/OfficeDocs-Exchange).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    code: str
    label: str
    smtp_host: str
    login_host: str  # host[:port] of the Entra ID authority
    scope: str  # client-credentials scope for SMTP AUTH XOAUTH2
    mx_suffix: str  # <domain-with-dashes>.<mx_suffix> is a tenant's MX endpoint
    exchange_environment: str  # Connect-ExchangeOnline -ExchangeEnvironmentName
    entra_environment: str  # Connect-Entra -Environment
    entra_admin_center: str
    exchange_admin_center: str
    smtp_port: int = 587
    mx_port: int = 25
    # Names of the fields above that Microsoft's own documentation did not confirm.
    unconfirmed: tuple[str, ...] = ()
    is_lab: bool = False
    # Added for the generated steps; defaults are the global cloud's values.
    spf_include: str = "spf.protection.outlook.com"  # the include: term for the domain's SPF record
    m365_admin_center: str = "https://admin.microsoft.com"
    tenant_suffix: str = "onmicrosoft.com"  # initial domains: <name>.<tenant_suffix>

    @property
    def confirmed(self) -> bool:
        return not self.unconfirmed

    def is_confirmed(self, name: str) -> bool:
        return name not in self.unconfirmed

    def flagged(self, name: str) -> str:
        """A value to read (not to copy), marked when it is not confirmed by Microsoft's documentation."""
        value = str(getattr(self, name))
        return value if self.is_confirmed(name) else f"{value} (unconfirmed: check it in your tenant)"

    @property
    def login_base(self) -> str:
        return f"https://{self.login_host}"

    def authority(self, tenant: str, login_base: str | None = None) -> str:
        """MSAL authority: ``<base>/<tenant>`` (no /v2.0, MSAL adds it)."""
        return f"{(login_base or self.login_base).rstrip('/')}/{tenant}"

    def token_endpoint(self, tenant: str, login_base: str | None = None) -> str:
        return f"{self.authority(tenant, login_base)}/oauth2/v2.0/token"

    def mx_endpoint(self, domain: str) -> str:
        """The classic MX endpoint of an accepted domain (dots become dashes)."""
        return f"{domain.strip().rstrip('.').lower().replace('.', '-')}.{self.mx_suffix}"

    @property
    def server_domains(self) -> tuple[str, ...]:
        """Domains of the servers that answer for this cloud: the submission host's parent (…office365.com
        greets as <name>.outlook.office365.com) and the MX suffix; the global cloud's servers also name
        themselves in prod.outlook.com (e.g. in 5.7.3 replies)."""
        parent = self.smtp_host.split(".", 1)[1]
        extra = ("prod.outlook.com",) if self.code == "global" else ()
        return (parent, self.mx_suffix, *extra)

    def owns_host(self, host: str) -> bool:
        """True when ``host`` is this cloud's client-submission host or one of its MX endpoints."""
        name = host.strip().rstrip(".").lower()
        return name == self.smtp_host or name.endswith("." + self.mx_suffix)


CLOUDS: dict[str, Cloud] = {
    "global": Cloud(
        code="global",
        label="Global (incl. GCC)",
        smtp_host="smtp.office365.com",
        login_host="login.microsoftonline.com",
        scope="https://outlook.office365.com/.default",
        mx_suffix="mail.protection.outlook.com",
        exchange_environment="O365Default",
        entra_environment="Global",
        entra_admin_center="https://entra.microsoft.com",
        exchange_admin_center="https://admin.exchange.microsoft.com",
    ),
    "gcc-high": Cloud(
        code="gcc-high",
        label="US Government GCC High",
        smtp_host="smtp.office365.us",
        login_host="login.microsoftonline.us",
        scope="https://outlook.office365.us/.default",
        mx_suffix="mail.protection.office365.us",
        exchange_environment="O365USGovGCCHigh",
        entra_environment="USGov",
        entra_admin_center="https://entra.microsoft.us",
        exchange_admin_center="https://admin.exchange.office365.us",
        spf_include="spf.protection.office365.us",
        m365_admin_center="https://portal.office365.us",
        tenant_suffix="onmicrosoft.us",
        # Admin center addresses seen in secondary lists only.
        unconfirmed=("entra_admin_center", "m365_admin_center"),
    ),
    "dod": Cloud(
        code="dod",
        label="US Government DoD",
        smtp_host="outlook-dod.office365.us",
        login_host="login.microsoftonline.us",
        scope="https://outlook-dod.office365.us/.default",
        mx_suffix="mail.protection.office365.us",
        exchange_environment="O365USGovDoD",
        entra_environment="USGovDoD",
        entra_admin_center="https://entra.microsoft.us",
        # DoD's Exchange Online PowerShell lives under apps.mil (webmail.apps.mil, Connect-ExchangeOnline
        # docs); admin.exchange.apps.mil comes from a secondary endpoint list only.
        exchange_admin_center="https://admin.exchange.apps.mil",
        spf_include="spf.protection.office365.us",
        m365_admin_center="https://portal.apps.mil",
        tenant_suffix="onmicrosoft.us",
        unconfirmed=("smtp_host", "scope", "exchange_admin_center", "entra_admin_center", "m365_admin_center"),
    ),
    "china": Cloud(
        code="china",
        label="China (operated by 21Vianet)",
        smtp_host="smtp.partner.outlook.cn",
        login_host="login.partner.microsoftonline.cn",
        scope="https://partner.outlook.cn/.default",
        mx_suffix="mail.protection.partner.outlook.cn",
        exchange_environment="O365China",
        entra_environment="China",
        entra_admin_center="https://entra.microsoftonline.cn",
        exchange_admin_center="https://admin.exchange.partner.outlook.cn",
        spf_include="spf.protection.partner.outlook.cn",
        m365_admin_center="https://portal.partner.microsoftonline.cn",
        tenant_suffix="partner.onmschina.cn",
        # Only the PowerShell environment (O365China) is confirmed here; Microsoft's legacy-TLS page
        # names smtp-legacy.partner.outlook.cn, which makes the submission host likely but not certain.
        unconfirmed=(
            "smtp_host",
            "mx_suffix",
            "spf_include",
            "exchange_admin_center",
            "entra_admin_center",
            "m365_admin_center",
        ),
    ),
    # The local stand-ins of diagnostics/lab on fixed loopback ports; used by the demo data.
    "lab": Cloud(
        code="lab",
        label="Lab (local stand-ins, demo only)",
        smtp_host="smtp.office365.lab.test",
        login_host="login.microsoftonline.lab.test:8443",  # only the lab DNS knows it: PORTAL_DNS_NAMESERVERS
        scope="https://outlook.office365.com/.default",
        mx_suffix="mail.protection.lab.test",
        exchange_environment="O365Default",
        entra_environment="Global",
        entra_admin_center="https://entra.microsoft.com",
        exchange_admin_center="https://admin.exchange.microsoft.com",
        smtp_port=2587,
        mx_port=2525,
        is_lab=True,
    ),
}

DEFAULT_CLOUD = "global"


def cloud_choices() -> list[tuple[str, str]]:
    """(code, label) of every cloud: the model's and the import's choices."""
    return [(code, cloud.label) for code, cloud in CLOUDS.items()]


def cloud_for(code: str) -> Cloud:
    """The cloud for a code; unknown or empty codes fall back to the global cloud."""
    return CLOUDS.get(code or DEFAULT_CLOUD, CLOUDS[DEFAULT_CLOUD])


def microsoft_cloud_of_host(host: str) -> Cloud | None:
    """The Microsoft cloud a host name belongs to (the lab excluded), or None for other hosts."""
    for cloud in CLOUDS.values():
        if not cloud.is_lab and cloud.owns_host(host):
            return cloud
    return None


def exchange_online_cloud_of_server(name: str) -> Cloud | None:
    """The cloud (the lab included) whose Exchange Online servers carry a name like ``name``, or None.

    An on-premises or hybrid Exchange greets with the same 'Microsoft ESMTP MAIL Service' text, but with
    a name in the customer's own domain."""
    server = name.strip().rstrip(".").lower()
    for cloud in CLOUDS.values():
        if any(server == domain or server.endswith("." + domain) for domain in cloud.server_domains):
            return cloud
    return None


def microsoft_cloud_of_tenant(tenant: str) -> Cloud | None:
    """The cloud an initial tenant domain (``*.onmicrosoft.us`` ...) points to; None for GUIDs."""
    name = tenant.strip().rstrip(".").lower()
    for cloud in CLOUDS.values():
        if not cloud.is_lab and name.endswith("." + cloud.tenant_suffix):
            return cloud
    return None
