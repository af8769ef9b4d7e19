"""SAP_BASIS releases: parsing the ways people write them and the thresholds that matter for mail.

Releases are kept as integers (740, 750, 751, 758, 816) so they compare naturally.
"""

from __future__ import annotations

import re

OAUTH_SECRET_MIN = 750  # SMTP OAuth 2.0 with client ID and secret (client credentials grant)
OAUTH_JWT_MIN = 751  # JWT bearer (certificate) client authentication, SAP Note 3592080

# Digits 0-9 only, matched whole: ``\d`` also takes other scripts' digits, which int() reads.
_DOTTED = re.compile(r"([0-9])\.([0-9]{1,2})")
_PLAIN = re.compile(r"[0-9]{3}")


def parse_release(value: str | int) -> int:
    """Normalise ``7.40``, ``740``, ``7.5``, ``8.16`` or ``816`` to an integer such as 740.

    Raises ``ValueError`` with a readable message for anything else.
    """
    text = str(value).strip()
    if not text.isascii():  # before upper(), which turns "ß" into "SS"
        raise ValueError(f"{value!r} is not an SAP_BASIS release: write it with the digits 0-9 (e.g. 7.50, 750 or 816)")
    text = text.upper().removeprefix("SAP_BASIS").strip()
    if _PLAIN.fullmatch(text):
        return int(text)
    match = _DOTTED.fullmatch(text)
    if match:
        major, minor = match.groups()
        # "7.5" means 7.50, never 7.05: SAP writes two-digit minor releases.
        return int(major) * 100 + int(minor.ljust(2, "0"))
    raise ValueError(f"{value!r} is not an SAP_BASIS release (expected e.g. 7.50, 750 or 816, digits 0-9)")


def release_label(release: int | None) -> str:
    """How SAP writes a release: ``7.50`` for the 7.x line, ``816`` from the 8.x line on."""
    if release is None:
        return "unknown"
    if release < 800:
        return f"{release // 100}.{release % 100:02d}"
    return str(release)


def supports_oauth_secret(release: int | None) -> bool:
    return release is not None and release >= OAUTH_SECRET_MIN


def supports_oauth_jwt(release: int | None) -> bool:
    return release is not None and release >= OAUTH_JWT_MIN
