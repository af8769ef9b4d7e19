"""``manage.py explain "<text>"``: exit 0 with the entry when found, 1 when nothing matches, 2 on bad usage."""

from __future__ import annotations

import io
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import SapSystem

pytestmark = pytest.mark.django_db


def _explain(*args: str) -> str:
    out = StringIO()
    call_command("explain", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_prints_meaning_cause_fix_and_the_systems_whose_last_run_shows_the_code() -> None:
    system = SapSystem.objects.create(sid="PRD", client="100")
    run = DiagnosticRun.objects.create(system=system, option="oauth2", state="done", verdict="failed")
    CheckResult.objects.create(run=run, key="oauth.token", status="fail", code="AADSTS7000222")
    output = _explain("AADSTS7000222: The provided client secret keys for app '3f2e' are expired.")
    assert output.startswith("AADSTS7000222 — The client secret has expired.")
    assert "fix: Entra admin center" in output
    assert "systems whose last run shows it: PRD/100" in output
    assert "\n  in plain words: " in output and "\n  who fixes it: the SAP Basis team" in output


def test_a_sost_text_without_its_number_is_found_by_its_words() -> None:
    output = _explain("No", "delivery", "to", "ap@fabrikam.com,", "invalid", "recipient", "address")
    assert output.startswith("XS806 — ")
    assert "systems whose last run shows it: none" in output


def test_nothing_matching_exits_1() -> None:
    with pytest.raises(SystemExit) as exited:
        _explain("the printer is out of paper")
    assert exited.value.code == 1


def test_an_empty_text_is_bad_usage_and_exits_2() -> None:
    with pytest.raises(CommandError) as failed:
        _explain("   ")
    assert failed.value.returncode == 2 and "text" in str(failed.value)


def test_it_reads_standard_input_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("[Thr 1] *** ERROR => SSSLERR_SERVER_CERT_MISMATCH (-30)\n"))
    assert _explain("-").startswith("SSSLERR_SERVER_CERT_MISMATCH — ")
