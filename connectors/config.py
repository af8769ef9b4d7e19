"""The plain, Django-free view of one SAP system's mail setup that connectors and diagnostics share.

``portal.models.MailSetup.to_config()`` builds it. It never carries a secret: only whether one is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

OPTION_CODES = ("oauth2", "smtp_basic", "direct_send", "relay_connector", "relay_server")
PRODUCT_CODES = ("ecc", "s4_onprem", "s4_private", "s4_public", "btp_abap", "other_abap")
ROLE_CODES = ("DEV", "QAS", "PRD", "SBX")
TLS_CODES = ("starttls", "opportunistic", "implicit", "none")
CREDENTIAL_CODES = ("secret", "certificate")


@dataclass(frozen=True)
class MailConfig:
    sid: str
    client: str
    option: str
    role: str = ""
    product: str = ""
    basis_release: int | None = None  # normalised: 740, 750, 751, 758, 816 ...
    description: str = ""
    cloud: str = "global"  # a key of connectors.clouds.CLOUDS
    smtp_host: str = ""
    smtp_port: int | None = None
    tls: str = ""  # one of TLS_CODES, "" = not set
    sender: str = ""
    mailbox: str = ""
    tenant: str = ""
    client_id: str = ""
    credential: str = "secret"  # one of CREDENTIAL_CODES
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
