import pytest

from portal.roles import role_flags

pytestmark = pytest.mark.django_db


def test_a_basis_admin_may_edit_run_and_send(basis_admin):
    assert role_flags(basis_admin) == {"edit": True, "run": True, "send": True, "dashboard": True, "alerts": True,
                                       "admin": False}  # fmt: skip


def test_only_a_basis_admin_edits_alert_subscriptions(basis_admin, helpdesk, manager):
    assert basis_admin.has_perm("monitoring.change_subscription")
    assert basis_admin.has_perm("monitoring.change_systemalerting")
    assert not any(user.has_perm("monitoring.change_subscription") for user in (helpdesk, manager))


def test_the_helpdesk_may_run_checks_but_not_edit(helpdesk):
    flags = role_flags(helpdesk)
    assert flags["run"] and not flags["edit"] and not flags["send"]


def test_a_manager_only_reads_the_dashboard(manager):
    flags = role_flags(manager)
    assert flags["dashboard"] and not flags["edit"] and not flags["run"]
    assert manager.has_perm("portal.view_sapsystem")
    assert not manager.has_perm("portal.change_sapsystem")


def test_an_outsider_has_no_permission(outsider):
    assert not any(role_flags(outsider).values())
    assert not outsider.has_perm("portal.view_sapsystem")
