"""Systems, setups and finished runs for the page tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from lab.dns import LabDns
from portal.models import SapSystem
from tests.support.pages import finished_run, make_system


@pytest.fixture
def prd() -> SapSystem:
    return make_system()


@pytest.fixture
def failing_prd(prd: SapSystem) -> SapSystem:
    earlier = timezone.now() - timedelta(hours=3)
    finished_run(prd, "passed", at=earlier)
    finished_run(
        prd, "failed", at=earlier + timedelta(hours=1), key="oauth.token", code="AADSTS7000222",
        summary="The client secret expired", remedy="Basis must renew the client secret in Entra ID",
        evidence="POST /token -> 401 invalid_client",
    )  # fmt: skip
    finished_run(prd, "failed", at=earlier + timedelta(hours=2), key="oauth.token", code="AADSTS7000222",
                 summary="The client secret expired", remedy="Basis must renew the client secret in Entra ID",
                 evidence="POST /token -> 401 invalid_client (again)")  # fmt: skip
    return prd


@pytest.fixture(scope="session")
def page_dns() -> Iterator[LabDns]:
    """A DNS server on loopback for the pages: guides read the sender domain's SPF record live."""
    with LabDns() as server:
        yield server


@pytest.fixture(autouse=True)
def dns_stays_on_loopback(settings, page_dns: LabDns) -> LabDns:
    """Every name a page looks up goes to the loopback server (empty unless a test adds records): no test
    ever asks the internet, and a domain it doesn't know simply does not exist."""
    page_dns.records.clear()
    settings.PORTAL_DNS_NAMESERVERS = page_dns.nameservers
    return page_dns
