"""The shape every connection option has: what it is, its fields, rules, plan and steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from connectors.config import MailConfig
from connectors.guide import Guide
from connectors.plan import PlannedCheck
from connectors.problems import Problem
from connectors.retirement import Milestone


class ValidateFunction(Protocol):
    def __call__(self, config: MailConfig) -> list[Problem]: ...


class PlanFunction(Protocol):
    def __call__(self, config: MailConfig, *, send_to: str | None = None) -> tuple[PlannedCheck, ...]: ...


class StepsFunction(Protocol):
    """Build the guide. Every option takes the same keywords and ignores what it doesn't need.

    - ``milestones``: Basic-auth retirement dates (the portal's setting), default built in;
    - ``existing_spf``: the sender domain's current TXT value(s), to merge into one SPF record;
    - ``today``: the date countdowns are computed from (tests pass a fixed one).
    """

    def __call__(
        self,
        config: MailConfig,
        *,
        milestones: Sequence[Milestone] | None = None,
        existing_spf: str | Sequence[str] | None = None,
        today: date | None = None,
    ) -> Guide: ...


@dataclass(frozen=True)
class OptionField:
    name: str  # a MailConfig field
    required: bool
    help: str


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    description: str
    recipients: str  # who can be reached: "inside and outside the organisation" ...
    fields: tuple[OptionField, ...]
    validate: ValidateFunction
    plan: PlanFunction
    steps: StepsFunction
    secret: str = ""  # what its write-only secret is called ("client secret", "password"); "" = none
    retiring: bool = False  # Microsoft is switching it off: systems on it count as not moved yet

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields)

    @property
    def signs_in_with_credential(self) -> bool:
        """Its ``credential`` field chooses what it signs in with, a secret or a certificate (OAuth 2.0). A
        relay connector's credential says how Exchange recognises the connection instead: it signs in with nothing."""
        return bool(self.secret) and "credential" in self.field_names

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields if item.required)
