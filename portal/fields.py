"""A model field whose value is encrypted in the database and masked in memory."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from portal.crypto import Secret, encrypt


class _SecretAttribute(DeferredAttribute):
    """Wraps whatever is assigned (str, None, Secret) into a Secret."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        if not isinstance(value, Secret):
            value = Secret(value or None)
        instance.__dict__[self.field.attname] = value


class EncryptedSecretField(models.TextField):
    descriptor_class = _SecretAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = kwargs.get("editable", True)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret:
        return Secret(token=value or None)

    def to_python(self, value: Any) -> Secret:
        return value if isinstance(value, Secret) else Secret(value or None)

    def get_prep_value(self, value: Any) -> str:
        if isinstance(value, Secret):
            if value._token is not None and value._value is None:
                return value._token  # unchanged ciphertext: no need to decrypt and re-encrypt
            value = value.reveal()
        return encrypt(value) if value else ""

    def value_to_string(self, obj: models.Model) -> str:
        return ""  # dumpdata and serializers never carry a secret
