"""The diagnostics tests' world: the session's lab (tests/conftest.py) and what tests take from it.

``lab`` is the whole lab (DNS, Entra ID, Exchange Online SMTP), started once per session and
configured with the demo's cast (lab.scenarios). Tests never change what other tests rely on:
``lab_dns`` hands out its DNS server and puts every record back when the test ends; each test
that needs tenants or mailboxes gets its own ``org`` (a fresh tenant with its own domain, app and
mailboxes). Helpers that are not fixtures are in tests/support/lab_checks.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import dns.resolver
import pytest

from connectors.config import MailConfig
from connectors.registry import plan_for
from diagnostics.context import Environment, RunContext, Target
from lab import Lab
from lab.dns import LabDns
from lab.entra import LabEntra
from lab.pki import LabPki
from tests.support.lab_checks import FAST, Org, lab_env_for


@pytest.fixture
def lab_dns(lab: Lab) -> Iterator[LabDns]:
    """The lab's DNS; whatever a test adds, removes or silences is undone when it ends.

    A test that changes records asks for this fixture; one that only reads them may use ``lab``.
    """
    baseline = lab.dns.records.snapshot()
    yield lab.dns
    lab.dns.records.restore(baseline)


@pytest.fixture
def lab_env(lab: Lab) -> Environment:
    return lab.environment(timeout=FAST, worker="sap-worker-01")


@pytest.fixture
def lab_pki(lab: Lab) -> LabPki:
    return lab.pki


@pytest.fixture
def lab_entra(lab: Lab) -> LabEntra:
    return lab.entra


@pytest.fixture
def resolver(lab: Lab, lab_dns: LabDns) -> dns.resolver.Resolver:
    """A resolver asking only the lab, as ``RunContext.resolver()`` builds it from PORTAL_DNS_NAMESERVERS."""
    return RunContext(Target(MailConfig("LAB", "000", "oauth2")), lab_env_for(lab)).resolver()


@pytest.fixture
def oauth_env(lab: Lab) -> Environment:
    """Everything pointed at the lab, as PORTAL_* settings would for the demo."""
    return lab_env_for(lab, entra=True)


@pytest.fixture
def tenant(lab_entra: LabEntra) -> str:
    """A fresh tenant (GUID) with its own verified domain, so tests never see each other's apps."""
    return lab_entra.add_tenant(f"t{uuid.uuid4().hex[:8]}.lab.test")


@pytest.fixture
def client_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def org(lab: Lab) -> Org:
    domain = f"t{uuid.uuid4().hex[:10]}.lab.test"
    tenant_id = lab.entra.add_tenant(domain)
    app = lab.entra.register_app(tenant_id, str(uuid.uuid4()), secret="lab-only-secret-value")
    lab.directory.add_tenant(tenant_id, domain, service_principals={app.client_id})
    return Org(lab, tenant_id, domain, app)


@pytest.fixture
def make_ctx(lab: Lab, lab_dns: LabDns) -> Callable[..., RunContext]:
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
        ctx = RunContext(target, env or lab_env_for(lab))
        ctx.use_plan(plan_for(target.config))  # the expectations the engine would hand the checks
        return ctx

    return build
