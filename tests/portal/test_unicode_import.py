"""The CSV import with arbitrary Unicode in any cell: refused as a whole (nothing stored) or stored as
values every page can link to. A client saved as ``١٠٠`` used to break the systems list for everyone."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given

from portal.models import AuditEvent, MailSetup, SapSystem
from portal.system_import import COLUMNS, ImportRefused, import_systems
from portal.validators import validate_client, validate_sid
from tests.support.strategies import IMPORT, unicode_text

pytestmark = pytest.mark.django_db

GOOD = {
    "sid": "PRD", "client": "100", "basis_release": "7.57", "zone": "dmz", "option": "oauth2",
    "smtp_host": "smtp.office365.com", "smtp_port": "587", "sender": "sap-prd@contoso.com",
    "tenant": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "secret_expires": "2027-03-31", "egress_ips": "203.0.113.5", "certificate_thumbprint": "AB" * 20,
}  # fmt: skip
# Valid cells per column, which the strategy mutates one character at a time.
EXAMPLES = {
    **{name: [value] for name, value in GOOD.items()},
    "client": ["100", "1", "01"], "sid": ["PRD", "prd"], "basis_release": ["7.57", "75", "816"],
    "role": ["PRD", "sandbox"], "product": ["ecc", "S/4HANA on-premise"], "cloud": ["global", "gcc high"],
    "tls": ["starttls"], "mailbox": ["sap@contoso.com"], "test_recipient": ["it@contoso.com"],
    "relay_host": ["relay.contoso.com"], "contact_email": ["basis@contoso.com"], "credential": ["secret", "jwt"],
    "upstream_option": ["relay_connector"], "service_principal_id": ["11111111-2222-3333-4444-555555555555"],
    "client_secret": ["Sup3r~Secret"], "target_option": ["direct_send", "SMTP OAuth 2.0"],
    "target_date": ["2026-12-15"], "check_interval": ["15", "10080"],
}  # fmt: skip
CHECKED_COLUMNS = [name for name in COLUMNS if name not in ("description", "owner", "connector")]  # free text
SECOND = {**GOOD, "sid": "QAS", "client": "200"}


def _file(*rows: dict[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in COLUMNS])
    return buffer.getvalue()


@pytest.mark.parametrize(
    "column, value",
    [("client", "١٠٠"), ("client", "１"), ("client", "²"), ("sid", "ßa"), ("sid", "ＰＲＤ"), ("smtp_port", "²"),
     ("smtp_port", "٥٨٧"), ("basis_release", "٧.٥٠"), ("secret_expires", "２０２７-03-31"),
     ("certificate_thumbprint", "ﬀ" * 20), ("zone", "\u212admz"), ("smtp_host", "mail\n.contoso.com")],
)  # fmt: skip
def test_a_cell_in_other_digits_or_look_alike_letters_refuses_the_whole_file(column, value):
    with pytest.raises(ImportRefused) as refused:
        import_systems(_file(SECOND, {**GOOD, column: value}))
    assert [(p.line, p.column) for p in refused.value.problems] == [(3, column)]
    assert not SapSystem.objects.exists()


@pytest.mark.parametrize("column", CHECKED_COLUMNS)
def test_property_any_cell_is_refused_with_nothing_stored_or_stored_so_that_pages_link_to_it(column):
    @IMPORT
    @given(unicode_text(EXAMPLES[column], max_size=20))
    def property_holds(value):
        _import_one_cell(column, value)

    property_holds()


def _import_one_cell(column: str, value: str) -> None:
    with transaction.atomic():
        try:
            import_systems(_file(SECOND, {**GOOD, column: value}))
        except ImportRefused:
            assert not SapSystem.objects.exists() and not MailSetup.objects.exists()
            assert not AuditEvent.objects.exists()
        else:
            for system in SapSystem.objects.all():
                validate_sid(system.sid)
                validate_client(system.client)
                reverse("system_detail", args=[system.sid, system.client])
            for setup in MailSetup.objects.all():
                for name in ("smtp_host", "sender", "tenant", "client_id", "certificate_thumbprint", "mailbox"):
                    assert getattr(setup, name).isascii(), name
                assert all(address.isascii() for address in setup.egress_ips)
        transaction.set_rollback(True)
