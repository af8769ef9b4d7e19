"""The four places a system can be on the way off Basic auth are defined once (portal.progress)."""

from connectors.registry import OPTIONS
from portal.models import Health
from portal.progress import NOT_WORKING, WORKING, retiring_options


def test_every_health_state_counts_either_as_working_or_not_and_never_both():
    # A new state (issue 10's STALE) fails here until it is put in one of the two: one line in progress.py.
    assert set(WORKING) | set(NOT_WORKING) == set(Health)
    assert not set(WORKING) & set(NOT_WORKING)


def test_what_counts_as_not_moved_comes_from_the_registry():
    assert retiring_options() == [code for code, option in OPTIONS.items() if option.retiring] == ["smtp_basic"]
