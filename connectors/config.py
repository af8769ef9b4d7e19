"""The plain, Django-free view of one SAP system's mail setup that connectors and diagnostics share.

``portal.models.MailSetup.to_config()`` builds it. It never carries a secret: only whether one is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from connectors.clouds import DEFAULT_CLOUD

# The two small vocabularies of a setup's own fields (code → label); forms, the import and the
# model's choices all read them from here. Options: connectors.registry; products and landscape
# roles: connectors.products; clouds: connectors.clouds.
TLS_MODES: dict[str, str] = {
    "starttls": "STARTTLS required",
    "opportunistic": "STARTTLS if offered",
    "implicit": "Implicit TLS (port 465)",
    "none": "No TLS",
}
CREDENTIALS: dict[str, str] = {
    "secret": "Client secret",
    "certificate": "Certificate (JWT bearer)",
}
DEFAULT_CREDENTIAL = "secret"


def tls_choices() -> list[tuple[str, str]]:
    return list(TLS_MODES.items())


def credential_choices() -> list[tuple[str, str]]:
    return list(CREDENTIALS.items())


@dataclass(frozen=True)
class MailConfig:
    sid: str
    client: str
    option: str
    role: str = ""
    product: str = ""
    basis_release: int | None = None  # normalised: 740, 750, 751, 758, 816 ...
    description: str = ""
    cloud: str = DEFAULT_CLOUD  # a key of connectors.clouds.CLOUDS
    smtp_host: str = ""
    smtp_port: int | None = None
    tls: str = ""  # a key of TLS_MODES, "" = not set
    sender: str = ""
    mailbox: str = ""
    tenant: str = ""
    client_id: str = ""
    credential: str = DEFAULT_CREDENTIAL  # a key of CREDENTIALS
    has_secret: bool = False  # a client secret (oauth2) or password (smtp_basic) is stored
    has_private_key: bool = False  # a test certificate's private key is stored (JWT bearer tests)
    certificate_thumbprint: str = ""
    certificate_expires: date | None = None
    secret_expires: date | None = None
    egress_ips: tuple[str, ...] = ()
    connector: str = ""  # name of the Exchange Online inbound connector
    relay_host: str = ""  # relay_server: the relay's upstream endpoint
    upstream_option: str = ""  # relay_server: how the relay reaches Exchange Online
    test_recipient: str = ""
    zone: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # Added by the connectors: the Object ID of the app's *enterprise application* (service
    # principal) in Entra ID — what New-ServicePrincipal and Add-MailboxPermission need. Not the
    # app registration's Object ID, the classic mix-up. Empty = not recorded yet.
    service_principal_id: str = ""

    @property
    def system_label(self) -> str:
        return f"{self.sid}/{self.client}"

    @property
    def effective_sender(self) -> str:
        """The MAIL FROM address: the sender, or the mailbox when no separate sender is set."""
        return self.sender or self.mailbox

    @property
    def sender_domain(self) -> str:
        address = self.sender or self.mailbox
        return address.rpartition("@")[2].lower() if "@" in address else ""
