"""The burndown: systems not yet off Basic auth per day from the snapshots, the pace fitted through the last
four weeks, the day it reaches zero and how that day stands to Microsoft's next milestone (issue 13, point 5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from portal.monitoring.burndown import burndown, not_off
from portal.monitoring.models import FleetSnapshot
from tests.support.pages import make_system

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)
MILESTONE = [{"date": "2026-12-31", "what": "Basic auth off by default", "source": "test"}]


def _snapshots(counts: dict[int, int], today: date = TODAY, not_set_up: int = 0) -> None:
    """``counts``: days back -> systems on Basic auth (plus ``not_set_up`` each day), 40 systems in all."""
    for back, on_basic in counts.items():
        by_progress = {"on_basic": on_basic, "not_set_up": not_set_up, "moved_healthy": 40 - on_basic - not_set_up}
        FleetSnapshot.objects.create(day=today - timedelta(days=back), total=40, by_progress=by_progress)


def test_not_off_counts_on_basic_and_not_set_up_and_nothing_else():
    assert not_off({"on_basic": 3, "not_set_up": 2, "moved_healthy": 9, "moved_failing": 4}) == 5


def test_a_falling_fleet_gets_its_pace_and_the_day_it_reaches_zero(settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = MILESTONE
    _snapshots({back: 10 + back // 2 for back in range(1, 28)}, not_set_up=2)  # half a system a day
    seen = burndown(TODAY, now={"on_basic": 8, "not_set_up": 2})
    assert seen.current == 10 and seen.slope == pytest.approx(-0.5, abs=0.03)
    assert seen.per_week == pytest.approx(3.5, abs=0.2)
    assert seen.zero_day == TODAY + timedelta(days=20)  # 10 left at half a day: 21 Dec
    assert seen.margin_days == 10 and seen.milestone.date == date(2026, 12, 31)
    assert seen.at_milestone == 0
    assert [marker.milestone.date for marker in seen.markers] == [date(2026, 12, 31)]
    assert seen.end == date(2026, 12, 31) and seen.start == TODAY - timedelta(days=27)


def test_a_slow_fleet_reaches_zero_after_the_milestone_and_says_how_late(settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = MILESTONE
    _snapshots({back: 20 + back // 7 for back in range(0, 28)})  # one system a week
    seen = burndown(TODAY)
    assert seen.current == 20 and seen.per_week == pytest.approx(1.0, abs=0.1)
    assert seen.zero_day > date(2027, 4, 1) and seen.late_days == (seen.zero_day - date(2026, 12, 31)).days
    assert seen.end == seen.zero_day  # the chart reaches the projected day
    assert seen.at_milestone == pytest.approx(16, abs=1)


def test_a_flat_fleet_has_no_projected_day_and_counts_who_is_left_on_the_milestone(settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = MILESTONE
    _snapshots({back: 6 for back in range(0, 14)})
    seen = burndown(TODAY)
    assert seen.slope == 0 and seen.zero_day is None and seen.at_milestone == 6
    assert seen.pace_days == 14


def test_less_than_a_week_of_snapshots_says_nothing_about_a_pace():
    _snapshots({back: 9 - back for back in range(0, 4)})
    seen = burndown(TODAY)
    assert seen.slope is None and seen.zero_day is None and seen.per_week is None
    assert [point.count for point in seen.points] == [6, 7, 8, 9]


def test_todays_live_count_replaces_todays_snapshot_and_old_snapshots_fall_out_of_the_window():
    _snapshots({0: 5, 10: 7, 120: 30})
    seen = burndown(TODAY, now={"on_basic": 4})
    assert [(point.day, point.count) for point in seen.points] == [(TODAY - timedelta(days=10), 7), (TODAY, 4)]


def test_a_snapshot_without_progress_counts_is_left_out_rather_than_read_as_zero():
    FleetSnapshot.objects.create(day=TODAY - timedelta(days=3), total=10, by_option={"smtp_basic": 10})
    _snapshots({0: 5})
    assert [point.count for point in burndown(TODAY).points] == [5]


def _burndown_part(page: str) -> str:
    return page.split('id="burndown-title"', 1)[1].split("</section>", 1)[0]


def _milestone_in(days: int) -> list[dict[str, str]]:
    day = timezone.localdate() + timedelta(days=days)
    return [{"date": day.isoformat(), "what": "Final removal", "source": "test"}]


def test_the_dashboard_draws_the_burndown_with_the_milestone_and_says_the_projected_day(client, manager, settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = _milestone_in(63)
    today = timezone.localdate()
    for number in range(3):
        make_system(f"BA{number}", option="smtp_basic")  # today: 3 on Basic auth, live
    _snapshots({back: 3 + back for back in range(1, 28)}, today=today)  # one system a day
    client.force_login(manager)
    part = _burndown_part(client.get("/dashboard/").content.decode())
    assert "<strong>3</strong> systems still on Basic auth or not set up today" in part
    assert f"30 on {today - timedelta(days=27):%d %b %Y}" in part and "about 7 a week" in part
    projected = today + timedelta(days=3)  # 3 left at one a day
    assert f"the last one moves on <strong>{projected:%d %b %Y}</strong>" in part
    milestone = today + timedelta(days=63)
    assert f"60 days before</span> Microsoft's next milestone on {milestone:%d %b %Y}" in part
    assert part.count('class="burndown-milestone"') == 1 and "Final removal" in part
    assert 'class="burndown-projection"' in part and 'class="burndown-line"' in part
    assert part.count('<tr><th scope="row">') == 28  # the table: every day with a count


def test_the_dashboard_says_when_the_fleet_is_not_falling(client, manager, settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = _milestone_in(63)
    today = timezone.localdate()
    make_system("BAS", option="smtp_basic")
    _snapshots({back: 1 for back in range(1, 10)}, today=today)
    client.force_login(manager)
    part = _burndown_part(client.get("/dashboard/").content.decode())
    assert "Not falling</span> over the last 10 days" in part
    milestone = timezone.localdate() + timedelta(days=63)
    assert f"at this pace 1 will still be on Basic auth or not set up on {milestone:%d %b %Y}" in part
    assert 'class="burndown-projection"' in part  # the flat dashed line to the milestone


def test_the_dashboard_without_snapshots_tells_when_the_first_comes(client, manager):
    make_system("BAS", option="smtp_basic")
    client.force_login(manager)
    part = _burndown_part(client.get("/dashboard/").content.decode())
    assert "<strong>1</strong> system still on Basic auth or not set up today" in part  # today, live
    assert "No daily snapshot yet" in part and 'class="burndown-chart"' not in part  # one day draws no line


def test_the_dashboard_with_a_few_snapshots_says_since_when_it_counts(client, manager):
    make_system("BAS", option="smtp_basic")
    _snapshots({2: 4, 1: 2}, today=timezone.localdate())
    client.force_login(manager)
    part = _burndown_part(client.get("/dashboard/").content.decode())
    first = timezone.localdate() - timedelta(days=2)
    assert f"A pace needs a week of daily snapshots; the first was taken on {first:%d %b %Y}" in part


def test_a_fleet_with_nothing_left_on_basic_auth_says_so(client, manager):
    make_system("PRD")  # on OAuth
    _snapshots({back: 0 for back in range(1, 10)}, today=timezone.localdate())
    client.force_login(manager)
    part = _burndown_part(client.get("/dashboard/").content.decode())
    assert "<strong>0</strong> systems still on Basic auth" in part and "Every system has moved off Basic auth" in part


def test_the_printable_report_says_the_projected_day_too(client, manager, settings):
    settings.PORTAL_BASIC_AUTH_MILESTONES = _milestone_in(63)
    today = timezone.localdate()
    for number in range(3):
        make_system(f"BA{number}", option="smtp_basic")
    _snapshots({back: 3 + back for back in range(1, 28)}, today=today)
    client.force_login(manager)
    page = client.get("/dashboard/report/").content.decode()
    assert f"the last one moves on <strong>{today + timedelta(days=3):%d %b %Y}</strong>" in page
