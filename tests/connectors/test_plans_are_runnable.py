"""Every option's plan can be executed by the engine: known keys, unique, no cycles."""

import pytest

from connectors.config import MailConfig
from connectors.registry import OPTIONS
from diagnostics.registry import CHECKS


@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("send_to", [None, "it-ops@contoso.com"])
def test_each_plan_names_only_registered_checks_once_and_in_dependency_order(option, send_to):
    config = MailConfig(sid="PRD", client="100", option=option, sender="sap@contoso.com", smtp_host="relay.contoso.com")
    plan = OPTIONS[option].plan(config, send_to=send_to)
    keys = [item.key for item in plan]
    assert len(keys) == len(set(keys))
    seen: set[str] = set()
    for item in plan:
        assert item.key in CHECKS, item.key
        assert set(item.after) <= seen, f"{item.key} runs after {item.after}, planned later"
        seen.add(item.key)
    assert ("send.test" in keys) == bool(send_to)
