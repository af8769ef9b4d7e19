"""Where a system's mail goes when the setup leaves host, port or TLS empty.

The diagnostics call ``effective_endpoint`` to know what to connect to; the steps call it to
show the same values. Pure: no DNS, no network.
"""

from __future__ import annotations

from typing import NamedTuple

from connectors.clouds import cloud_for, microsoft_cloud_of_host
from connectors.config import MailConfig
from connectors.plan import Expectations

CLIENT_SUBMISSION_OPTIONS = frozenset({"oauth2", "smtp_basic"})
MX_OPTIONS = frozenset({"direct_send", "relay_connector"})
RELAY_PORT = 25
# Debian's Postfix has no XOAUTH2 client and Basic auth is retiring: a relay in front of
# Exchange Online reaches it through a connector unless the setup says otherwise.
DEFAULT_UPSTREAM = "relay_connector"
UPSTREAM_OPTIONS = ("relay_connector", "direct_send", "oauth2", "smtp_basic")


class Endpoint(NamedTuple):
    host: str  # "" when it can't be known yet (e.g. no sender domain for the MX endpoint)
    port: int
    tls: str  # a key of connectors.config.TLS_MODES


def effective_endpoint(config: MailConfig) -> Endpoint:
    """The (host, port, tls) SAP connects to for ``config.option``, defaults filled in.

    - oauth2, smtp_basic: the cloud's submission host and port (587), STARTTLS;
    - direct_send, relay_connector: the MX endpoint of the sender's domain, the cloud's MX port
      (25), opportunistic TLS;
    - relay_server: the relay (``smtp_host``), port 25, opportunistic TLS.

    Raises ``ValueError`` for an unknown option: that is a bug in the caller, not a diagnosis.
    """
    cloud = cloud_for(config.cloud)
    if config.option in CLIENT_SUBMISSION_OPTIONS:
        return Endpoint(
            config.smtp_host or cloud.smtp_host,
            config.smtp_port or cloud.smtp_port,
            config.tls or "starttls",
        )
    if config.option in MX_OPTIONS:
        domain = config.sender_domain
        return Endpoint(
            config.smtp_host or (cloud.mx_endpoint(domain) if domain else ""),
            config.smtp_port or cloud.mx_port,
            config.tls or "opportunistic",
        )
    if config.option == "relay_server":
        return Endpoint(config.smtp_host, config.smtp_port or RELAY_PORT, config.tls or "opportunistic")
    raise ValueError(f"unknown option {config.option!r}")


def submission_expectations(config: MailConfig, *, auth: str, credential: str, expiry_required: bool) -> Expectations:
    """Client submission (oauth2, smtp_basic): Exchange Online's own host, TLS required, SMTP AUTH."""
    host, port, tls = effective_endpoint(config)
    return Expectations(
        host=host,
        port=port,
        tls=tls,
        documented_host=cloud_for(config.cloud).smtp_host,
        auth=auth,
        credential=credential,
        expiry_required=expiry_required,
    )


def mx_expectations(config: MailConfig) -> Expectations:
    """Direct Send and relay connectors: the tenant's MX endpoint, no AUTH, trusted by the egress IP."""
    host, port, tls = effective_endpoint(config)
    cloud = cloud_for(config.cloud)
    documented = cloud.mx_endpoint(config.sender_domain) if config.sender_domain else cloud.smtp_host
    return Expectations(host=host, port=port, tls=tls, documented_host=documented, tls_mandatory=False, ip_bound=True)


def relay_expectations(config: MailConfig) -> Expectations:
    """A relay server the customer runs: any host (an internal one may be private, unless it is one of
    Microsoft's), and old TLS only warns because the relay still carries the mail."""
    host, port, tls = effective_endpoint(config)
    return Expectations(
        host=host,
        port=port,
        tls=tls,
        microsoft_host=False,
        documented_host=cloud_for(config.cloud).smtp_host,
        private_host_ok=microsoft_cloud_of_host(host) is None,
        tls_mandatory=False,
        old_tls_tolerated=True,
    )


def upstream_option(config: MailConfig) -> str:
    """relay_server: how the relay reaches Exchange Online (a connector unless set)."""
    return config.upstream_option if config.upstream_option in UPSTREAM_OPTIONS else DEFAULT_UPSTREAM


def upstream_endpoint(config: MailConfig) -> Endpoint:
    """relay_server: where the relay itself sends, from ``relay_host`` or the upstream's default."""
    cloud = cloud_for(config.cloud)
    option = upstream_option(config)
    if option in CLIENT_SUBMISSION_OPTIONS:
        return Endpoint(config.relay_host or cloud.smtp_host, cloud.smtp_port, "starttls")
    domain = config.sender_domain
    default_host = cloud.mx_endpoint(domain) if domain else ""
    return Endpoint(config.relay_host or default_host, cloud.mx_port, "starttls")
