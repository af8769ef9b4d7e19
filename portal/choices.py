"""Reading a choice from what people type: its code or its label, in any case."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError

Choices = Iterable[tuple[str, str]] | Callable[[], Iterable[tuple[str, str]]]


def parse_choice(raw: str, choices: Choices, aliases: dict[str, str] | None = None) -> str:
    """``choices``: (code, label) pairs, or the function the model's field takes for them."""
    pairs = list(choices() if callable(choices) else choices)
    wanted = raw.strip().casefold()
    for value, label in pairs:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return str(value)
    if aliases and wanted in aliases:
        return aliases[wanted]
    allowed = ", ".join(str(value) for value, _ in pairs)
    raise ValidationError("%(value)r is not one of: %(allowed)s.", params={"value": raw, "allowed": allowed})
