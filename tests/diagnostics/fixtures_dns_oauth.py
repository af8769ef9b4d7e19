"""Fixtures for the DNS/SPF/DMARC/DNSBL and OAuth checks: the lab's DNS server and Entra ID stand-in.

Import the fixtures you use into a test module (or into tests/diagnostics/conftest.py). The
servers live for the session; ``lab_dns`` reloads the standard zone before every test, so a test
may change records freely.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace

import dns.resolver
import pytest

from connectors.config import MailConfig
from diagnostics.context import Environment, RunContext, Target
from lab.dns import LAB_DNSBL_ZONES, LabDns, load_standard_zone
from lab.entra import LabEntra
from lab.pki import LabPki

DNS_TIMEOUT = 0.4  # the lab answers in microseconds; only the "no answer" cases wait this long


@pytest.fixture(scope="session")
def lab_dns_server() -> Iterator[LabDns]:
    with LabDns() as server:
        yield server


@pytest.fixture
def lab_dns(lab_dns_server: LabDns) -> LabDns:
    """The lab DNS with exactly the standard zone."""
    lab_dns_server.records.clear()
    load_standard_zone(lab_dns_server.records)
    return lab_dns_server


@pytest.fixture
def resolver(lab_dns: LabDns) -> dns.resolver.Resolver:
    """A resolver asking only the lab, as ``RunContext.resolver()`` builds it from PORTAL_DNS_NAMESERVERS."""
    return RunContext(Target(MailConfig("LAB", "000", "oauth2")), lab_env_for(lab_dns)).resolver()


@pytest.fixture(scope="session")
def lab_pki() -> Iterator[LabPki]:
    pki = LabPki()
    yield pki
    pki.close()


@pytest.fixture(scope="session")
def lab_entra(lab_pki: LabPki) -> Iterator[LabEntra]:
    with LabEntra(lab_pki) as server:
        yield server


@pytest.fixture
def tenant(lab_entra: LabEntra) -> str:
    """A fresh tenant (GUID) with its own verified domain, so tests never see each other's apps."""
    return lab_entra.add_tenant(f"t{uuid.uuid4().hex[:8]}.lab.test")


@pytest.fixture
def client_id() -> str:
    return str(uuid.uuid4())


def lab_env_for(
    lab_dns: LabDns | None = None, lab_entra: LabEntra | None = None, lab_pki: LabPki | None = None, **overrides
) -> Environment:
    env = Environment(
        nameservers=lab_dns.nameservers if lab_dns else (),
        extra_ca_bundle=str(lab_pki.ca_pem_path) if lab_pki else None,
        login_base=lab_entra.base_url if lab_entra else None,
        allow_loopback=True,
        dnsbl_zones=LAB_DNSBL_ZONES,
        timeout=DNS_TIMEOUT if lab_entra is None else 2.0,
    )
    return replace(env, **overrides)


@pytest.fixture
def oauth_env(lab_dns: LabDns, lab_entra: LabEntra, lab_pki: LabPki) -> Environment:
    """Everything pointed at the lab, as PORTAL_* settings would for the demo."""
    return lab_env_for(lab_dns, lab_entra, lab_pki)


@pytest.fixture
def make_ctx(lab_dns: LabDns) -> Callable[..., RunContext]:
    """``make_ctx(config_field=..., secret=..., env=...)`` → a RunContext on the lab's DNS (pass ``env=oauth_env``
    for the Entra stand-in too)."""

    def build(
        *,
        env: Environment | None = None,
        secret: str | None = None,
        private_key_pem: str | None = None,
        certificate_pem: str | None = None,
        **config: object,
    ) -> RunContext:
        fields = {"sid": "PRD", "client": "100", "option": "oauth2", "cloud": "global", **config}
        target = Target(
            MailConfig(**fields),
            secret=secret,
            private_key_pem=private_key_pem,  # type: ignore[arg-type]
            certificate_pem=certificate_pem,
        )
        return RunContext(target, env or lab_env_for(lab_dns))

    return build
