"""Encryption at rest for client secrets, passwords and private keys (Fernet, key rotation)."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any of PORTAL_SECRET_KEYS."""


@lru_cache(maxsize=1)
def keyring() -> MultiFernet:
    keys = []
    for position, key in enumerate(settings.PORTAL_SECRET_KEYS, start=1):
        try:
            keys.append(Fernet(key))
        except ValueError:
            raise ImproperlyConfigured(
                f"PORTAL_SECRET_KEYS: key number {position} is not a Fernet key "
                '(32 url-safe base64-encoded bytes; make one with `python -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"`)'
            ) from None
    if not keys:
        raise ImproperlyConfigured("PORTAL_SECRET_KEYS holds no key")
    return MultiFernet(keys)


def encrypt(plain: str) -> str:
    return keyring().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with PORTAL_SECRET_KEYS (was a key removed?); set it again"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (the first of PORTAL_SECRET_KEYS)."""
    return keyring().rotate(token.encode()).decode()


class Secret:
    """A secret value in memory: never shown by str(), repr() or a template; ``reveal()`` to use it."""

    __slots__ = ("_value", "_token")

    def __init__(self, value: str | None = None, *, token: str | None = None) -> None:
        self._value = value
        self._token = token  # the ciphertext, when loaded from the database; decrypted on demand

    def reveal(self) -> str:
        if self._value is None and self._token is not None:
            self._value = decrypt(self._token)
        return self._value or ""

    @property
    def is_set(self) -> bool:
        return bool(self._token) or bool(self._value)

    def __bool__(self) -> bool:
        return self.is_set

    def __str__(self) -> str:
        return "••••••" if self.is_set else ""

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.reveal() == other.reveal()

    __hash__ = None  # type: ignore[assignment]
