"""Results older than twice a system's interval: stale (a green one) or overdue (any), on the list, the helpdesk
card, the system's header and the dashboard; zones whose workers stopped answering, named where their systems are."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.health import most_urgent_first, with_health
from portal.models import Health, SapSystem, WorkerHeartbeat
from portal.progress import Progress, with_progress
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


def _ago(**delta: float):
    return timezone.now() - timedelta(**delta)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_green_result_older_than_twice_the_interval_is_stale_and_red_stays_red_but_overdue(settings):
    settings.PORTAL_CHECK_INTERVALS = {"PRD": 15, "default": 60}
    fresh = make_system("PRD")  # 15 min: stale after 30
    finished_run(fresh, "passed", at=_ago(minutes=29))
    old = make_system("PRA")
    finished_run(old, "passed", at=_ago(minutes=31))
    dev = make_system("DEV", role="DEV")  # 60 min: stale after 120
    finished_run(dev, "passed", at=_ago(minutes=100))
    own = make_system("OWN", role="DEV", check_interval=10)  # its own 10 min win over the role's hour
    finished_run(own, "passed", at=_ago(minutes=21))
    red = make_system("RED")
    finished_run(red, "failed", at=_ago(hours=5), key="tcp.connect")
    found = {s.sid: (s.health, s.overdue) for s in with_health(SapSystem.objects.all())}
    assert found == {"PRD": ("green", False), "PRA": ("stale", True), "DEV": ("green", False),
                     "OWN": ("stale", True), "RED": ("red", True)}  # fmt: skip


def test_stale_comes_after_amber_and_before_unknown_and_green():
    for sid, verdict, hours in (("GRN", "passed", 0), ("STA", "passed", 5), ("AMB", "warning", 0),
                                ("RED", "failed", 0), ("UNK", None, 0)):  # fmt: skip
        system = make_system(sid)
        if verdict:
            finished_run(system, verdict, at=_ago(hours=hours, minutes=1))
    order = [s.sid for s in most_urgent_first(with_health(SapSystem.objects.all()))]
    assert order == ["RED", "AMB", "STA", "UNK", "GRN"]


def test_the_list_the_card_and_the_header_say_last_checked_and_overdue(client, helpdesk):
    system = make_system("PRD")
    finished_run(system, "passed", at=_ago(hours=3, minutes=5))
    client.force_login(helpdesk)
    for url in ("/", "/helpdesk/", "/systems/PRD/100/"):
        page = _page(client, url)
        assert "last checked 3 h ago — overdue" in page, url
        assert "badge-stale" in page, url
    assert "worked when last checked, but that is overdue" in _page(client, "/helpdesk/")
    assert "Stale: worked, but not checked recently" in _page(client, "/?health=stale")


def test_the_list_filters_stale_systems(client, helpdesk):
    finished_run(make_system("OLD"), "passed", at=_ago(hours=3))
    finished_run(make_system("NEW"), "passed", at=_ago(minutes=1))
    client.force_login(helpdesk)
    page = _page(client, "/?health=stale")
    assert "OLD/100" in page and "NEW/100" not in page


def test_a_zone_whose_worker_stopped_answering_is_named_beside_its_systems(client, helpdesk, settings):
    settings.PORTAL_ROUTE_BY_ZONE = True
    make_system("DMZ", zone="dmz")
    make_system("LAN")
    WorkerHeartbeat.objects.create(worker="w1", zone="", seen_at=_ago(seconds=30))
    WorkerHeartbeat.objects.create(worker="w2", zone="dmz", seen_at=_ago(minutes=20))
    client.force_login(helpdesk)
    page = _page(client, "/")
    assert "No worker of zone dmz is answering" in page and "20 min ago" in page
    assert page.count("no worker answering") == 1  # the DMZ row only
    assert "no worker answering for its zone" in _page(client, "/systems/DMZ/100/")
    assert "no worker answering for its zone" not in _page(client, "/systems/LAN/100/")
    assert "no worker answering for its zone" in _page(client, "/helpdesk/?q=DMZ")


def test_a_zone_that_never_answered_is_silent_once_other_workers_answer(client, helpdesk, settings):
    settings.PORTAL_ROUTE_BY_ZONE = True
    make_system("DMZ", zone="dmz")
    client.force_login(helpdesk)
    assert "is answering" not in _page(client, "/")  # no heartbeat at all yet: nothing to compare with
    WorkerHeartbeat.objects.create(worker="w1", zone="", seen_at=_ago(seconds=30))
    assert "No worker of zone dmz is answering</strong> (none has answered yet)" in _page(client, "/")


def test_without_routing_by_zone_the_default_workers_answer_for_every_zone(client, basis_admin, settings):
    settings.PORTAL_ROUTE_BY_ZONE = False
    make_system("DMZ", zone="dmz")
    WorkerHeartbeat.objects.create(worker="w1", zone="", seen_at=_ago(minutes=10))
    client.force_login(basis_admin)
    assert "No worker of the default zone is answering" in _page(client, "/")
    assert "its 1 system cannot be checked" in _page(client, "/dashboard/")
    WorkerHeartbeat.objects.filter(worker="w1").update(seen_at=_ago(seconds=5))
    assert "is answering" not in _page(client, "/")


def test_every_health_state_has_a_badge_and_a_count_on_the_dashboard(client, manager):
    finished_run(make_system("OLD"), "passed", at=_ago(hours=3))
    client.force_login(manager)
    page = _page(client, "/dashboard/")
    for state in Health:
        assert f"badge-{state.value}" in page
    assert "1 overdue for a check" in page


def test_a_moved_system_whose_green_verdict_went_stale_no_longer_counts_as_moved_and_healthy(settings):
    """The migration's headline needs proof that mail flows now: a green result past twice the interval
    is no such proof, so the system counts as moved but failing until it is checked again."""
    settings.PORTAL_CHECK_INTERVALS = {"default": 15}
    fresh, old = make_system("NEW"), make_system("OLD")
    finished_run(fresh, "passed", at=_ago(minutes=10))
    finished_run(old, "passed", at=_ago(minutes=45))
    found = {s.sid: s.progress for s in with_progress(with_health(SapSystem.objects.all()))}
    assert found == {"NEW": Progress.MOVED_HEALTHY, "OLD": Progress.MOVED_FAILING}
