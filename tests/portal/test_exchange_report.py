"""Exchange's SMTP AUTH clients report (issue 13): both header variants, all rows or none with line and
column, each import dated, the accounts matched to the systems by sender and mailbox in any case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.exchange_report import evidence, import_report
from portal.models import ExchangeReport, ExchangeReportRow, SapSystem
from portal.system_import import ImportRefused
from tests.support.fleet import diagnosed_demo

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "support" / "exchange"
EAC = (FIXTURES / "smtp_auth_clients_eac.csv").read_bytes()
SECURITY_CENTER = (FIXTURES / "smtp_auth_clients_security_center.csv").read_bytes()
AS_OF = date(2026, 11, 28)


@pytest.fixture
def demo() -> None:
    diagnosed_demo()
    SapSystem.objects.filter(sid="SBX").update(target_option="oauth2", target_date=date(2026, 12, 20))


def _labels(pairs) -> list[str]:
    return [str(system) for system, _ in pairs]


def test_the_new_admin_center_export_is_matched_to_the_systems(demo):
    found = evidence(import_report(EAC, as_of=AS_OF, filename="smtp-auth.csv"))
    assert found.report.as_of == AS_OF and found.report.states_protocol
    accounts = {account.sender: account for account in found.accounts}
    assert (accounts["sap-prd@good.lab.test"].oauth, accounts["sap-prd@good.lab.test"].basic) == (1520, 12)
    assert accounts["sap-ecq@tailspin.lab.test"].basic == 1204  # "1,204" in the file
    # PRD (OAuth) and BWP (relay connector) count as moved, yet something still signs in with their password
    assert _labels(found.moved_but_basic) == ["BWP/100", "PRD/100"]  # most Basic messages first
    assert sorted(_labels(found.basic_unplanned)) == ["DEV/300", "ECQ/100"]  # SBX is on Basic too, but planned
    assert [account.sender for account in found.unmatched] == ["scanner-3og@good.lab.test"]
    assert [str(system) for system in accounts["sap-srm@good.lab.test"].systems] == ["SRM/100"]  # by mailbox


def test_the_older_security_center_export_imports_and_says_it_cannot_tell_the_protocol(demo):
    found = evidence(import_report(SECURITY_CENTER, as_of=AS_OF))
    assert not found.report.states_protocol
    assert sorted(account.sender for account in found.accounts if account.systems) == [
        "sap-dev@good.lab.test", "sap-ecq@tailspin.lab.test",
    ]  # fmt: skip
    assert found.moved_but_basic == [] and found.basic_unplanned == []  # no protocol: no claim about Basic
    assert [account.sender for account in found.unmatched] == ["hr-printer@fabrikam.lab.test"]
    assert {account.sender: account.not_stated for account in found.accounts}["sap-ecq@tailspin.lab.test"] == 1204


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("Sender address,Domain,Messages sent\nsap@x.test,x.test,12\nnot an address,x.test,3\nsap2@x.test,,many\n",
         ["line 3, column Sender address: 'not an address' is not an e-mail address: write it in ASCII, like "
          "sap-prd@contoso.com (an internationalised domain in its xn-- form).",
          "line 4, column Messages sent: not a whole number of messages (digits 0-9)"]),
        ("Sender address,Messages sent,Authentication Protocol\nsap@x.test,1,Kerberos\n",
         ["line 2, column Authentication Protocol: neither Basic auth nor OAuth (e.g. “Basic Authentication”, “OAuth”)"]),
        ("Recipient,Messages sent\nsap@x.test,1\n",
         ["line 1, column Sender address: missing: is this the SMTP AUTH clients report?"]),
        ("", ["line 1: the file is empty"]),
    ],
)  # fmt: skip
def test_a_report_with_a_problem_names_line_and_column_and_stores_nothing(text, problems):
    with pytest.raises(ImportRefused) as refused:
        import_report(text, as_of=AS_OF)
    assert [str(problem) for problem in refused.value.problems] == problems
    assert not ExchangeReport.objects.exists() and not ExchangeReportRow.objects.exists()


def test_each_import_is_kept_with_its_date_and_the_newest_counts(demo):
    import_report(SECURITY_CENTER, as_of=date(2026, 11, 21))
    import_report(EAC, as_of=AS_OF)
    assert list(ExchangeReport.objects.values_list("as_of", flat=True)) == [AS_OF, date(2026, 11, 21)]


def test_the_command_imports_and_tells_what_it_found(demo, capsys):
    call_command("import_smtp_auth_report", str(FIXTURES / "smtp_auth_clients_eac.csv"), "--as-of", "2026-11-28")
    out = capsys.readouterr().out
    assert "7 sending accounts as of 2026-11-28: 6 matched to systems, 1 match no system" in out
    assert "counted as moved but still on Basic auth: BWP/100 (bw-reports@northwind.lab.test, 88 messages)" in out
    assert "no system sends as scanner-3og@good.lab.test" in out


def test_the_command_refuses_a_bad_file_and_a_day_to_come(tmp_path, capsys):
    bad = tmp_path / "report.csv"
    bad.write_text("Sender address,Messages sent\nsap@x.test,lots\n")
    with pytest.raises(CommandError, match="nothing imported: 1 problem"):
        call_command("import_smtp_auth_report", str(bad))
    assert "line 2, column Messages sent" in capsys.readouterr().err
    with pytest.raises(CommandError, match="have not come yet"):
        call_command("import_smtp_auth_report", str(bad), "--as-of", "2999-01-01")
    assert not ExchangeReport.objects.exists()
