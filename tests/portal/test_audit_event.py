"""AuditEvent.record: the one way an audited change is written."""

import pytest
from django.contrib.auth.models import AnonymousUser

from portal.models import AuditEvent, SapSystem

pytestmark = pytest.mark.django_db


def test_a_recorded_event_keeps_the_systems_label_after_the_system_is_gone(basis_admin):
    system = SapSystem.objects.create(sid="PRD", client="100")
    event = AuditEvent.record(
        "system.updated", source=AuditEvent.Source.WEB, system=system, actor=basis_admin, changes={"zone": ["", "dmz"]}
    )
    system.delete()
    event.refresh_from_db()
    assert (event.system, event.system_label, event.actor, event.changes) == (
        None,
        "PRD/100",
        basis_admin,
        {"zone": ["", "dmz"]},
    )


def test_an_anonymous_or_missing_actor_is_recorded_as_nobody():
    system = SapSystem.objects.create(sid="QAS", client="200")
    for actor in (None, AnonymousUser()):
        event = AuditEvent.record("system.imported", source=AuditEvent.Source.CSV, system=system, actor=actor)
        assert event.actor is None and event.changes == {} and event.system_label == "QAS/200"
