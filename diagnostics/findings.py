"""The result of one check: a frozen value object, stored by the runner as a CheckResult row."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A check's outcome: the one definition (CheckResult stores these values with these labels)."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # our side broke (a bug, a missing dependency), not the system under test
    SKIPPED = "skipped"  # not applicable, or a dependency failed (the summary says which)

    @property
    def label(self) -> str:
        return "warning" if self is Status.WARN else self.value


def status_choices() -> list[tuple[str, str]]:
    return [(status.value, status.label) for status in Status]


@dataclass(frozen=True)
class Finding:
    key: str  # the check key, e.g. "smtp.auth"; part of the public contract
    status: Status
    summary: str  # one line a helpdesk user understands
    code: str | None = None  # catalogue code: "5.7.139", "AADSTS7000215", "tls.version_too_old"...
    explanation: str = ""  # what it means
    remedy: str = ""  # what to do, in the words of the step that fixes it
    evidence: str = ""  # redacted: transcript lines, DNS answers, certificate facts; never a secret
    duration_ms: int = 0
    # Values that dependent checks need (egress IP, negotiated TLS version, token claims...).
    # Passed along in memory only; never stored, never shown, so it may hold a token.
    facts: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
