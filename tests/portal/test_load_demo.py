import pytest
from django.core.management import call_command

from lab.scenarios import SCENARIOS
from portal.models import MailSetup, SapSystem

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_keeps_a_users_edits(capsys):
    call_command("load_demo")
    assert SapSystem.objects.count() == len(SCENARIOS)
    assert MailSetup.objects.filter(cloud="lab").count() == len(SCENARIOS)
    SapSystem.objects.filter(sid="PRD").update(description="edited by hand")
    SapSystem.objects.get(sid="DEV").delete()
    call_command("load_demo")
    assert SapSystem.objects.get(sid="PRD").description == "edited by hand"
    assert SapSystem.objects.filter(sid="DEV").exists()
    capsys.readouterr()
    call_command("load_demo")
    assert "are there already" in capsys.readouterr().out


def test_demo_secrets_are_stored_encrypted_like_any_import():
    call_command("load_demo")
    prd = MailSetup.objects.get(system__sid="PRD")
    assert prd.client_secret.is_set
    assert prd.tenant and prd.client_id


def test_the_demo_history_is_generated_once_marked_as_such_and_tells_nobody(capsys):
    from diagnostics.models import DiagnosticRun
    from lab.history import GENERATED
    from portal.monitoring.models import Alert, FleetSnapshot, SystemAlerting

    call_command("load_demo", "--history", "5")
    runs = DiagnosticRun.objects.all()
    assert runs.count() == len(SCENARIOS) * 20 and set(runs.values_list("worker", flat=True)) == {GENERATED}
    assert all("Generated demo history" in run.note for run in runs)
    assert FleetSnapshot.objects.filter(generated=True).count() == 5
    for snapshot in FleetSnapshot.objects.filter(generated=True):  # the burndown's count, for each made-up day
        assert sum(snapshot.by_progress.values()) == snapshot.total == len(SCENARIOS)
        assert snapshot.by_progress["on_basic"] == 3  # options never change in the made-up past
    assert not Alert.objects.exists()  # the past is not news
    states = {str(state.system): (state.confirmed, state.announced) for state in SystemAlerting.objects.all()}
    assert states["PLM/100"] == ("red", "red")  # recovered in the last generated run: one more green confirms it
    assert states["MDG/100"] == ("green", "green")  # flapping never held red for two runs
    assert states["QAS/200"] == ("red", "red") and states["PRD/100"] == ("green", "green")
    call_command("load_demo", "--history", "5")
    assert DiagnosticRun.objects.count() == len(SCENARIOS) * 20  # only systems without runs get a past


def test_the_demo_timelines_show_bands(client, basis_admin):
    from django.utils import timezone

    from portal.monitoring.timeline import timeline

    call_command("load_demo", "--history", "7")
    mdg = timeline(SapSystem.objects.get(sid="MDG"), timezone.now())
    assert [band.health for band in mdg["bands"]][-4:] == ["green", "red", "green", "red"]
    assert {band.code for band in mdg["red_bands"]} == {"smtp.closed"}
    plm = timeline(SapSystem.objects.get(sid="PLM"), timezone.now())
    assert [(band.health, band.code) for band in plm["bands"]][-2:] == [("red", "AADSTS7000222"), ("green", "")]


def test_the_first_sweep_queues_one_scheduled_run_per_demo_system(django_capture_on_commit_callbacks):
    from diagnostics.models import DiagnosticRun

    call_command("load_demo")
    SapSystem.objects.create(sid="OWN", client="100")  # not a demo system: left to the scheduler
    with django_capture_on_commit_callbacks(execute=False) as queued:
        call_command("load_demo", "--sweep")
    assert len(queued) == len(SCENARIOS)
    assert set(DiagnosticRun.objects.values_list("trigger", "state", "send_to")) == {("schedule", "queued", "")}


def test_the_first_real_run_of_the_recovered_demo_system_announces_its_recovery(
    settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    from portal.monitoring.changes import after_run
    from tests.support.pages import finished_run

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("load_demo", "--history", "3")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        after_run(finished_run(SapSystem.objects.get(sid="PLM"), "passed"))
        after_run(finished_run(SapSystem.objects.get(sid="PRD"), "passed"))  # green as before: no news
    from portal.monitoring.models import Alert, Delivery

    assert list(Alert.objects.values_list("subject", flat=True)) == ["PLM/100 recovered: mail works again"]
    assert sorted(Delivery.objects.values_list("email", flat=True)) == [
        "oncall-sap-basis@good.lab.test", "sap-basis@good.lab.test"]  # fmt: skip
    assert len(queued) == 1 and mail.outbox == []  # delivered by a worker, not on the run's path
