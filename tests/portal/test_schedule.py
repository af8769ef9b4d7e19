"""Scheduled checks decided from the stored runs: intervals, spread, skipping busy systems, back-off."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
from portal.models import MailSetup, SapSystem
from portal.schedule import (
    BACKOFF_STEPS,
    backoff_of,
    due_ids,
    enqueue_due,
    interval_of,
    last_slot,
    next_check,
    next_slot,
)
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


def _system(sid: str = "PRD", client: str = "100", **facts: object) -> SapSystem:
    """A system whose mail setup was saved a day ago, before the runs the tests date back."""
    system = make_system(sid, client, **facts)
    MailSetup.objects.filter(system=system).update(updated_at=timezone.now() - timedelta(days=1))
    return SapSystem.objects.select_related("mail_setup").get(pk=system.pk)


def _at(system: SapSystem, minutes_ago: float, verdict: str = "passed", trigger: str = "schedule", **result: str):
    run = finished_run(system, verdict, at=timezone.now() - timedelta(minutes=minutes_ago), **result)
    DiagnosticRun.objects.filter(pk=run.pk).update(trigger=trigger)
    return run


def _sign_in_failed(system: SapSystem, minutes_ago: float, trigger: str = "schedule") -> DiagnosticRun:
    return _at(system, minutes_ago, "failed", trigger, key="smtp.auth", code="5.7.139")


def test_intervals_come_from_the_role_unless_the_system_has_its_own(settings):
    settings.PORTAL_CHECK_INTERVALS = {"PRD": 15, "QAS": 30, "default": 60}
    assert interval_of(SapSystem(role="PRD")) == timedelta(minutes=15)
    assert interval_of(SapSystem(role="QAS")) == timedelta(minutes=30)
    assert interval_of(SapSystem(role="DEV")) == timedelta(minutes=60)
    assert interval_of(SapSystem(role="")) == timedelta(minutes=60)
    assert interval_of(SapSystem(role="PRD", check_interval=5)) == timedelta(minutes=5)


def test_the_moments_of_5000_hourly_systems_spread_over_the_hour_with_no_burst_at_the_full_hour():
    hour = timedelta(hours=1)
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    minutes = Counter(last_slot(system_id, hour, now).minute for system_id in range(1, 5001))
    assert len(minutes) == 60  # every minute of the hour has some
    assert max(minutes.values()) <= 2 * 5000 / 60  # and none has more than twice its share
    assert minutes[0] < 2 * 5000 / 60


def test_a_systems_moment_is_stable_and_comes_once_per_interval():
    quarter = timedelta(minutes=15)
    now = datetime(2026, 11, 30, 10, 7, 30, tzinfo=UTC)
    slot = last_slot(42, quarter, now)
    assert slot <= now < slot + quarter
    assert last_slot(42, quarter, now + timedelta(minutes=3)) in (slot, slot + quarter)
    assert next_slot(42, quarter, slot) == slot + quarter
    assert last_slot(42, quarter, now) == slot  # the same again: a hash of the id, not a random draw


def test_a_never_checked_system_is_due_at_once_and_one_without_a_setup_never():
    never = _system("PRD")
    make_system("NEW", option=None)
    assert due_ids() == [never.pk]


def test_a_system_is_due_once_its_moment_has_passed_since_its_latest_run():
    system = _system("PRD", role="PRD")  # 15 minutes
    now = timezone.now()
    moment = last_slot(system.pk, timedelta(minutes=15), now)
    _at(system, (now - moment).total_seconds() / 60 + 1)  # started just before the latest moment
    assert due_ids(now) == [system.pk]
    _at(system, (now - moment).total_seconds() / 60 - 0.01)  # a person checked it after that moment
    assert due_ids(now) == []


def test_a_system_with_a_run_queued_or_running_is_skipped(settings):
    system = _system("PRD")
    _at(system, 120)
    assert due_ids() == [system.pk]
    run = DiagnosticRun.objects.create(system=system, option="oauth2", trigger="web", state="running",
                                       heartbeat_at=timezone.now())  # fmt: skip
    assert due_ids() == []
    DiagnosticRun.objects.filter(pk=run.pk).update(state="queued")
    assert due_ids() == []


def test_enqueue_due_opens_one_scheduled_run_per_system_without_a_test_send_and_joins_nothing_twice():
    system = _system("PRD")
    MailSetup.objects.filter(system=system).update(test_recipient="someone@contoso.com")
    enqueued = []
    assert enqueue_due(enqueued.append) == 1
    assert enqueue_due(enqueued.append) == 0  # queued now: skipped
    run = DiagnosticRun.objects.get()
    assert (run.trigger, run.send_to, enqueued) == ("schedule", "", [run])
    assert "send.test" not in run.planned_checks and "smtp.envelope" in run.planned_checks
    assert enqueued[0].system.queue == "default"  # the zone's queue, without a query per run


def test_after_a_failed_sign_in_the_schedule_waits_1_h_then_4_h_then_16_h_capped_at_24_h():
    system = _system("PRD", role="PRD")
    assert [step.total_seconds() / 3600 for step in BACKOFF_STEPS] == [1, 4, 16, 24]
    expected = [1, 4, 16, 24, 24, 24]
    for failures, hours in enumerate(expected, start=1):
        _sign_in_failed(system, 120 - failures)  # each newer than the last
        backoff = backoff_of(system)
        assert backoff.failures == min(failures, 4)
        assert backoff.until - backoff.since == timedelta(hours=hours)
        assert (backoff.check, backoff.code) == ("smtp.auth", "5.7.139")
    latest = DiagnosticRun.objects.order_by("-finished_at").first()
    assert backoff.since == latest.finished_at


def test_a_system_backing_off_is_not_due_until_the_wait_is_over():
    system = _system("PRD", role="PRD")
    _sign_in_failed(system, 30)  # due by its 15-minute interval, but 1 h of back-off
    assert due_ids() == []
    assert due_ids(timezone.now() + timedelta(minutes=31)) == [system.pk]
    upcoming = next_check(system)
    assert upcoming.backoff is not None and upcoming.at == upcoming.backoff.until and not upcoming.due


def test_a_token_failure_backs_off_too_but_a_failure_elsewhere_does_not():
    token, network = _system("QAS"), _system("DEV", "200")
    _at(token, 30, "failed", key="oauth.token", code="AADSTS7000222")
    _at(network, 30, "failed", key="tcp.connect", code="tcp.timeout")
    assert backoff_of(token).check == "oauth.token"
    assert backoff_of(network) is None
    assert due_ids() == [network.pk]


def test_a_changed_setup_or_a_person_clicking_run_checks_ends_the_back_off():
    system = _system("PRD")
    for minutes in (300, 200, 100):
        _sign_in_failed(system, minutes)
    assert backoff_of(system).failures == 3
    _sign_in_failed(system, 50, trigger="web")  # a person tried: their attempt starts the count again
    assert backoff_of(system).failures == 1
    _at(system, 40, trigger="web")  # and it worked
    assert backoff_of(system) is None
    _sign_in_failed(system, 30)
    setup = MailSetup.objects.get(system=system)
    setup.client_secret = "a-new-secret"
    setup.save()  # the Basis admin replaced the secret
    system.refresh_from_db()
    assert backoff_of(system) is None
    assert due_ids() == [system.pk]


def test_the_next_check_says_when_and_whether_the_interval_is_the_systems_own():
    system = _system("PRD", role="PRD")
    run = _at(system, 1)
    upcoming = next_check(system, run)
    assert upcoming.at == next_slot(system.pk, timedelta(minutes=15), run.created_at)
    assert (upcoming.every, upcoming.own_interval, upcoming.backoff, upcoming.busy) == ("15 min", False, None, False)
    system.check_interval = 150
    assert next_check(system, run).every == "2 h 30 min"
    assert next_check(make_system("NEW", option=None)) is None


def test_results_of_other_runs_are_not_mistaken_for_the_latest():
    system = _system("PRD")
    old = _sign_in_failed(system, 600)
    CheckResult.objects.filter(run=old).update(status="pass")
    assert backoff_of(system) is None
