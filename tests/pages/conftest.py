"""Systems, setups and finished runs for the page tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

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
