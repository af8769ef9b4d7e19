"""Microsoft's Basic-auth milestones as this installation configures them.

The one place that turns the ``PORTAL_BASIC_AUTH_MILESTONES`` setting into milestones: the
runner's environment, the generated steps, ``manage.py steps`` and the dashboard all ask here, so
they parse the same way and fall back to the same built-in dates. A malformed setting is reported
at start by the system check ``portal.E002``; here it raises ValueError naming the milestone.
"""

from __future__ import annotations

from django.conf import settings

from connectors.retirement import Milestone
from connectors.retirement import configured_milestones as _parse


def configured_milestones() -> tuple[Milestone, ...]:
    return _parse(settings.PORTAL_BASIC_AUTH_MILESTONES)
