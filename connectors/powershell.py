"""PowerShell text for the system's cloud: the connect commands and the script templates.

Everything here builds strings; nothing runs PowerShell. Values are quoted by
``connectors.quoting.powershell_literal`` and nothing else.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from pathlib import Path

from connectors.clouds import Cloud
from connectors.quoting import powershell_bareword, powershell_literal

# The first-party app "Office 365 Exchange Online"; the owner of the SMTP.SendAsApp role.
EXCHANGE_ONLINE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SEND_AS_APP_ROLE = "SMTP.SendAsApp"

# Found beside this module, so a plain checkout (or the Docker image's copy of it) has them.
SCRIPTS = Path(__file__).with_name("scripts")


def connect_exchange(cloud: Cloud) -> str:
    environment = powershell_bareword(cloud.exchange_environment)
    return f"Connect-ExchangeOnline -ExchangeEnvironmentName {environment} -ShowBanner:$false"


class ScriptTemplate(string.Template):
    """``${name}`` placeholders only: PowerShell's own ``$Variable``, ``$(...)`` and ``$$`` pass
    through untouched, and a lower-case ``${name}`` is never a PowerShell variable in a template."""

    flags = 0  # case-sensitive: ${Name} is PowerShell's, ${name} ours
    pattern = r"""
        \$(?:
            (?P<escaped>(?!))                  # nothing is escaped
          | (?P<named>(?!))                    # a bare $name is PowerShell's
          | \{(?P<braced>[a-z][a-z0-9_]*)\}
          | (?P<invalid>(?!))
        )
    """


_REGION = re.compile(r"^#region (?P<name>[a-z_]+)\n(?P<body>.*?)^#endregion (?P=name)\n", re.MULTILINE | re.DOTALL)


@functools.cache
def read_template(name: str) -> str:
    return (SCRIPTS / name).read_text(encoding="utf-8")


def render_script(name: str, *, values: Mapping[str, str], sections: Mapping[str, bool] | None = None) -> str:
    """The template ``scripts/<name>`` with each ``${placeholder}`` replaced by its value as a
    PowerShell literal, and each ``#region <section>`` … ``#endregion <section>`` kept (without
    the marker lines) or dropped as ``sections`` says.

    Every placeholder must get a value and every value a placeholder: a missing or stray one is a
    bug, raised as ``KeyError``.
    """
    text = _select_sections(read_template(name), sections or {})
    template = ScriptTemplate(text)
    wanted = set(template.get_identifiers())
    if wanted != set(values):
        raise KeyError(
            f"{name}: no value for {sorted(wanted - set(values))}, no placeholder for {sorted(set(values) - wanted)}"
        )
    return template.substitute({key: powershell_literal(value) for key, value in values.items()})


def _select_sections(text: str, sections: Mapping[str, bool]) -> str:
    found: set[str] = set()

    def keep_or_drop(match: re.Match[str]) -> str:
        section = match["name"]
        if section not in sections:
            raise KeyError(f"section {section!r} is neither kept nor dropped")
        found.add(section)
        return match["body"] if sections[section] else ""

    selected = _REGION.sub(keep_or_drop, text)
    if "#region" in selected or "#endregion" in selected:
        raise ValueError("an unbalanced #region marker in a script template")
    if set(sections) - found:
        raise KeyError(f"no section {sorted(set(sections) - found)} in the template")
    return selected
