"""Reading a choice from what people type: its code or its label, in any case."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


def parse_choice(raw: str, choices: type[models.TextChoices], aliases: dict[str, str] | None = None) -> str:
    wanted = raw.strip().casefold()
    for value, label in choices.choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return str(value)
    if aliases and wanted in aliases:
        return aliases[wanted]
    allowed = ", ".join(str(value) for value in choices.values)
    raise ValidationError("%(value)r is not one of: %(allowed)s.", params={"value": raw, "allowed": allowed})
