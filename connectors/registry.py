"""The one explicit registry of connection options — no discovery, no plugins.

This is the options' vocabulary: codes, labels and order come from here (the model's choices,
the forms, the import, the dashboard). Pages, diagnostics and commands go through here:

- ``OPTIONS[code]`` — the Option (label, fields, ``validate``, ``plan``, ``steps``);
- ``plan_for(config, send_to=...)`` — the checks the diagnostics run;
- ``validate(config)`` — problems for a form or an import;
- ``guide_for(config, ...)`` — the generated steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors.config import MailConfig
from connectors.guide import Guide
from connectors.option import Option
from connectors.options import direct_send, oauth2, relay_connector, relay_server, smtp_basic
from connectors.plan import PlannedCheck
from connectors.problems import Problem, error
from connectors.retirement import Milestone
from connectors.rules import malformed_values

OPTIONS: dict[str, Option] = {
    option.code: option
    for option in (
        oauth2.OPTION,
        smtp_basic.OPTION,
        direct_send.OPTION,
        relay_connector.OPTION,
        relay_server.OPTION,
    )
}

DEFAULT_OPTION = oauth2.CODE  # what a new setup starts with: Microsoft's recommended way


def option_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered option, read when asked (the model's choices call it)."""
    return [(code, option.label) for code, option in OPTIONS.items()]


def option_for(code: str) -> Option:
    """The option for a code; raises KeyError naming the known codes."""
    try:
        return OPTIONS[code]
    except KeyError:
        raise KeyError(f"unknown option {code!r}; known: {', '.join(OPTIONS)}") from None


def validate(config: MailConfig) -> list[Problem]:
    """All problems of a setup. An unknown option yields its error plus the shape checks."""
    if config.option not in OPTIONS:
        unknown = error("option", f"Unknown option '{config.option}'; choose one of {', '.join(OPTIONS)}.")
        return [unknown, *malformed_values(config)]
    return OPTIONS[config.option].validate(config)


def plan_for(config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]:
    return option_for(config.option).plan(config, send_to=send_to)


def guide_for(
    config: MailConfig,
    *,
    milestones: Sequence[Milestone] | None = None,
    existing_spf: str | Sequence[str] | None = None,
    today: date | None = None,
) -> Guide:
    return option_for(config.option).steps(config, milestones=milestones, existing_spf=existing_spf, today=today)
