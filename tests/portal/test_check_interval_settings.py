"""PORTAL_CHECK_INTERVALS: read with the digits 0-9 only, and its roles checked at start (portal.E003)."""

import pytest
from django.core.checks import ERROR
from django.core.exceptions import ImproperlyConfigured

from portal.checks import check_intervals
from portal.env import env_minutes


def test_intervals_are_read_as_role_and_minutes(monkeypatch):
    monkeypatch.setenv("PORTAL_CHECK_INTERVALS", " PRD:5 , QAS:30,default:120")
    assert env_minutes("PORTAL_CHECK_INTERVALS", "PRD:15") == {"PRD": 5, "QAS": 30, "default": 120}
    monkeypatch.delenv("PORTAL_CHECK_INTERVALS")
    assert env_minutes("PORTAL_CHECK_INTERVALS", "PRD:15,default:60") == {"PRD": 15, "default": 60}


@pytest.mark.parametrize("raw", ["PRD", "PRD:", ":15", "PRD:0", "PRD:１５", "PRD:1_5", "PRD:fifteen"])
def test_a_malformed_interval_fails_loudly_naming_the_setting(monkeypatch, raw):
    monkeypatch.setenv("PORTAL_CHECK_INTERVALS", raw)
    with pytest.raises(ImproperlyConfigured, match="PORTAL_CHECK_INTERVALS: .* is not KEY:minutes"):
        env_minutes("PORTAL_CHECK_INTERVALS", "PRD:15")


def test_an_unknown_role_or_an_interval_out_of_range_is_a_system_error(settings):
    settings.PORTAL_CHECK_INTERVALS = {"PRD": 15, "default": 60}
    assert check_intervals(None) == []
    settings.PORTAL_CHECK_INTERVALS = {"PROD": 15, "DEV": 2}
    errors = check_intervals(None)
    assert [(error.id, error.level) for error in errors] == [("portal.E003", ERROR)] * 2
    assert "'PROD' is not a landscape role" in errors[0].msg and "DEV:2 is outside 5-10080 minutes" in errors[1].msg
