"""`manage.py diagnose --all`: the demo fleet against the lab, a summary table and Nagios exit codes."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from diagnostics.models import DiagnosticRun
from portal.models import FleetRun, MailSetup, SapSystem

# Threads run the fleet, each with its own database connection: the demo data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def _diagnose(capsys, *args: str) -> tuple[int, list[str], str]:
    code = 0
    try:
        call_command("diagnose", *args)
    except SystemExit as exit_:
        code = int(exit_.code)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _zone(zone: str, *labels: str) -> None:
    for label in labels:
        sid, client = label.split("/")
        SapSystem.objects.filter(sid=sid, client=client).update(zone=zone)


def test_a_healthy_zone_exits_0_with_a_nagios_first_line_and_a_row_per_system(demo, capsys):
    _zone("green", "PRD/100", "HRQ/100", "SOL/100")
    code, lines, _ = _diagnose(capsys, "--all", "--zone", "GREEN")
    assert code == 0
    assert lines[0] == "MAIL HEALTH OK - 3 systems: 3 OK"
    assert [line.split()[0] for line in lines[1:]] == ["HRQ/100", "PRD/100", "SOL/100"]
    assert all(" OK" in line for line in lines[1:])
    fleet = FleetRun.objects.get()
    assert (fleet.trigger, fleet.scope, fleet.runs.count()) == ("cli", "zone GREEN", 3)


def test_a_warning_exits_1_and_a_failure_exits_2_naming_the_first_failing_check(demo, capsys):
    code, lines, _ = _diagnose(capsys, "--all", "--role", "sbx")
    assert (code, lines[0]) == (1, "MAIL HEALTH WARNING - 1 system: 1 with warnings")
    code, lines, _ = _diagnose(capsys, "--all", "--role", "DEV", "--option", "smtp_basic")
    assert code == 2
    assert lines[0] == "MAIL HEALTH CRITICAL - 1 system: 1 failing"
    assert lines[1].split()[:2] == ["DEV/300", "SMTP"] and "CRITICAL" in lines[1] and "5.7.139" in lines[1]


def test_the_whole_demo_fleet_is_critical_and_every_system_is_checked_once(demo, capsys):
    code, lines, _ = _diagnose(capsys, "--all", "--parallel", "8")
    assert code == 2
    assert lines[0].startswith("MAIL HEALTH CRITICAL - 18 systems: ")
    assert len(lines) == 19
    assert DiagnosticRun.objects.filter(trigger="cli").count() == 18
    assert not DiagnosticRun.objects.exclude(state="done").exists()


def test_a_system_that_could_not_run_is_unknown_exit_3_but_a_failure_elsewhere_is_worse(demo, capsys):
    stranger = Fernet(Fernet.generate_key()).encrypt(b"a secret under a key the portal lost").decode()
    setup = MailSetup.objects.get(system__sid="PRD", system__client="100")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_mailsetup SET client_secret = %s WHERE id = %s", [stranger, setup.pk])
    _zone("lost", "PRD/100")
    code, lines, _ = _diagnose(capsys, "--all", "--zone", "lost")
    assert code == 3
    assert lines[0] == "MAIL HEALTH UNKNOWN - 1 system: 1 could not run"
    assert "UNKNOWN" in lines[1] and "cannot be decrypted" in lines[1]
    _zone("lost", "DEV/300")  # failing beats could-not-run
    assert _diagnose(capsys, "--all", "--zone", "lost")[0] == 2


def test_bad_usage_and_an_empty_choice_are_unknown(demo, capsys):
    code, _, err = _diagnose(capsys, "--all", "--role", "XYZ")
    assert code == 3 and "--role 'XYZ' is not a landscape role" in err
    code, _, err = _diagnose(capsys, "--all", "--option", "pigeon")
    assert code == 3 and "--option 'pigeon' is not an option code" in err
    code, _, err = _diagnose(capsys, "--all", "PRD")
    assert code == 3 and "no SID" in err
    code, lines, _ = _diagnose(capsys, "--all", "--zone", "nowhere")
    assert code == 3 and lines == ["MAIL HEALTH UNKNOWN - no system with a mail setup matches (zone nowhere)"]
    assert not DiagnosticRun.objects.exists()


def test_systems_without_a_setup_are_named_and_do_not_change_the_status(demo, capsys):
    SapSystem.objects.create(sid="NEW", client="100", zone="green")
    _zone("green", "PRD/100")
    code, lines, _ = _diagnose(capsys, "--all", "--zone", "green")
    assert code == 0
    assert lines[-1] == "Not checked (no mail setup): NEW/100"


def test_a_run_already_queued_is_joined_not_doubled(demo, capsys):
    from portal.runs import create_run

    _zone("green", "PRD/100")
    queued = create_run(SapSystem.objects.get(sid="PRD", client="100"), trigger="web")
    assert _diagnose(capsys, "--all", "--zone", "green")[0] == 0
    assert DiagnosticRun.objects.count() == 1
    queued.refresh_from_db()
    assert (queued.state, queued.verdict) == ("done", "passed")


def test_the_single_system_contract_keeps_its_exit_codes(demo, capsys):
    assert _diagnose(capsys, "SBX", "--client", "400")[0] == 0  # a warning: nothing failed
    assert _diagnose(capsys, "DEV", "--client", "300")[0] == 1
    with pytest.raises(CommandError) as refused:
        call_command("diagnose", "XYZ")
    assert refused.value.returncode == 2
