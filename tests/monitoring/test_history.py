"""A system's 30-day timeline, the fleet's daily snapshots and retention (raw results go, snapshots stay)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from diagnostics.models import CheckResult, DiagnosticRun
from portal.monitoring import retention, snapshots
from portal.monitoring.models import FleetSnapshot
from portal.monitoring.timeline import timeline
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db
TOKEN = {"key": "oauth.token", "code": "AADSTS7000222"}


def test_the_timeline_has_a_band_per_stretch_and_the_code_behind_each_red_one():
    system = make_system()
    now = timezone.now()
    finished_run(system, "passed", at=now - timedelta(days=40))  # the health when the window opens
    finished_run(system, "failed", at=now - timedelta(days=20), **TOKEN)
    finished_run(system, "failed", at=now - timedelta(days=19), **TOKEN)
    finished_run(system, "failed", at=now - timedelta(days=18), key="smtp.auth", code="5.7.139")
    finished_run(system, "passed", at=now - timedelta(days=17, hours=12))
    finished_run(system, "warning", at=now - timedelta(days=10), key="smtp.envelope", code="4.3.2", status="warn")
    seen = timeline(system, now)
    assert [(band.health, band.code, band.runs) for band in seen["bands"]] == [
        ("green", "", 1), ("red", "AADSTS7000222", 2), ("red", "5.7.139", 1), ("green", "", 1), ("amber", "", 1)]  # fmt: skip
    assert sum(band.width for band in seen["bands"]) == pytest.approx(1000, abs=1)
    assert seen["bands"][1].x == pytest.approx(1000 * 10 / 30, abs=0.1)
    assert (seen["recoveries"], seen["recover_median"]) == (1, "2 d 12 h")
    assert seen["passed_share"] == 20  # 1 of the 5 results in the window passed (the run before it is outside)


def test_a_system_never_checked_has_one_band_without_a_result():
    seen = timeline(make_system(), timezone.now())
    assert [(band.health, band.runs) for band in seen["bands"]] == [("unknown", 0)]
    assert not seen["has_runs"] and seen["passed_share"] is None


def test_the_health_tab_draws_the_timeline_as_svg_with_its_red_codes(client, helpdesk):
    system = make_system()
    now = timezone.now()
    for hours in (30, 20):
        finished_run(system, "failed", at=now - timedelta(hours=hours), **TOKEN)
    finished_run(system, "passed", at=now - timedelta(hours=10))
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/").content.decode()
    assert '<svg class="timeline-chart"' in page and 'class="band band-red"' in page
    assert "<code>AADSTS7000222</code>" in page and "<td>20 h</td>" in page
    assert "to recover from red (median of 1" in page


def test_a_snapshot_counts_the_fleet_by_health_and_option_and_a_day_keeps_its_last_count():
    make_system("PRD")
    make_system("DEV", option="smtp_basic")
    make_system("NEW", option=None)
    finished_run(make_system("QAS"), "failed")
    day = date(2026, 11, 30)
    snapshots.take(day)
    finished_run(make_system("SBX"), "passed")
    snapshot = snapshots.take(day)
    assert FleetSnapshot.objects.count() == 1
    assert (snapshot.total, snapshot.by_health) == (5, {"unknown": 3, "red": 1, "green": 1})
    assert snapshot.by_option == {"oauth2": 3, "smtp_basic": 1, "none": 1}
    # The burndown's count: PRD, QAS, NEW… by where each stands on the way off Basic auth
    assert snapshot.by_progress == {"moved_healthy": 1, "moved_failing": 2, "on_basic": 1, "not_set_up": 1}


def test_the_dashboard_shows_the_trend_from_the_snapshots(client, manager):
    today = timezone.localdate()
    for back, red in ((20, 4), (10, 2), (0, 1)):
        FleetSnapshot.objects.create(day=today - timedelta(days=back), total=10, by_health={"red": red, "green": 10 - red},
                                     by_option={"smtp_basic": red, "oauth2": 10 - red})  # fmt: skip
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert "Over the last 30 days" in page and page.count('class="trend-chart"') == 2
    assert "Off Basic auth: <strong>90%</strong>" in page and "60% on" in page
    assert "Failing: <strong>1</strong>, 4 on" in page


def test_pruning_removes_old_results_but_keeps_what_the_pages_read():
    system, quiet = make_system("PRD"), make_system("OLD")
    now = timezone.now()
    streak_start = finished_run(system, "passed", at=now - timedelta(days=60))
    finished_run(system, "passed", at=now - timedelta(days=45))
    recent = finished_run(system, "passed", at=now - timedelta(days=5))
    only = finished_run(quiet, "failed", at=now - timedelta(days=90))  # never checked since: still its health
    assert retention.prune(now) == 1
    assert set(DiagnosticRun.objects.values_list("pk", flat=True)) == {streak_start.pk, recent.pk, only.pk}
    assert CheckResult.objects.filter(run__in=[streak_start, recent, only]).count() == 3
    from portal.health import with_health
    from portal.models import SapSystem

    assert with_health(SapSystem.objects.filter(pk=system.pk)).get().health_since == streak_start.finished_at


def test_the_retention_is_a_setting(settings):
    settings.PORTAL_RESULTS_RETENTION_DAYS = 3
    system = make_system()
    now = timezone.now()
    finished_run(system, "failed", at=now - timedelta(days=5))
    finished_run(system, "passed", at=now - timedelta(days=4))
    finished_run(system, "passed", at=now - timedelta(days=1))
    assert retention.prune(now) == 1  # the red run; the green streak's first run stays
    assert FleetSnapshot.objects.count() == 0  # snapshots are never pruned (none here to lose)


def test_before_the_days_first_snapshot_the_trend_ends_with_today_as_it_stands(client, manager):
    finished_run(make_system("PRD"), "failed")
    make_system("DEV", option="smtp_basic")
    client.force_login(manager)
    page = client.get("/dashboard/").content.decode()
    assert "Off Basic auth: <strong>50%</strong>" in page and "Failing: <strong>1</strong>" in page
    assert not FleetSnapshot.objects.exists()  # counted for the page, stored by the hourly task only
