"""Import errors name line and column but never quote a cell: a value in the wrong column may be a secret
(columns swapped, a header line missing, a cell shifted), and errors land on terminals and in CI logs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.models import SapSystem
from portal.system_import import COLUMNS, ImportRefused, import_systems
from tests.support.strategies import IMPORT

pytestmark = pytest.mark.django_db

SECRET = "S3cr3t~Value.91x"
HEADER = "sid,client,option,tenant,client_id,client_secret,secret_expires,egress_ips"


def _refusal(data: str) -> str:
    with pytest.raises(ImportRefused) as refused:
        import_systems(data)
    assert not SapSystem.objects.exists()
    return str(refused.value)


def test_a_secret_in_the_client_id_column_is_not_quoted():
    # The data has client_secret and client_id the other way round from the header.
    text = _refusal(f"{HEADER}\nPRD,100,oauth2,contoso.com,{SECRET},11111111-2222-3333-4444-555555555555,,\n")
    assert "line 2, column client_id: the cell is not a GUID" in text
    assert SECRET not in text


@pytest.mark.parametrize("column", ["secret_expires", "egress_ips", "tenant", "option", "client"])
def test_a_secret_shifted_into_another_column_is_not_quoted(column):
    cells = {"sid": "PRD", "client": "100", "option": "oauth2", column: SECRET}
    text = _refusal(f"{HEADER}\n" + ",".join(cells.get(name, "") for name in HEADER.split(",")) + "\n")
    assert f"line 2, column {column}: the cell is not" in text
    assert SECRET not in text


def test_a_secret_that_is_too_long_is_named_by_its_column_only():
    text = _refusal(f"sid,client,option,client_secret\nPRD,100,oauth2,{SECRET * 300}\n")
    assert "line 2, column client_secret: longer than 4000 characters" in text
    assert SECRET not in text


def test_a_file_without_its_header_line_quotes_none_of_its_first_row():
    text = _refusal(f"PRD,100,oauth2,contoso.com,11111111-2222-3333-4444-555555555555,{SECRET},,\n")
    assert "line 1: the first line must name the columns" in text
    assert SECRET not in text and "PRD" not in text


def test_an_unknown_header_cell_is_named_by_its_position_and_a_misspelt_one_by_its_name():
    text = _refusal(f"sid,Client,{SECRET}\nPRD,100,x\n")
    assert "line 1, column Client: write it as client" in text
    assert "line 1, column #3: not a column name" in text
    assert SECRET not in text


@IMPORT
@given(st.sampled_from([name for name in COLUMNS if name != "client_secret"]), st.text(min_size=1, max_size=12))
def test_property_a_secret_in_any_other_column_never_appears_in_the_error(column, tail):
    secret = f"S3cr3t~{tail}"  # a marker no message contains, then anything
    header = ["sid", "client", "option", "client_secret"] + (
        [column] if column not in ("sid", "client", "option") else []
    )
    cells = {"sid": "PRD", "client": "100", "option": "oauth2", "client_secret": "", column: secret}
    row = ['"' + cells[name].replace('"', '""') + '"' for name in header]
    try:
        import_systems(",".join(header) + "\n" + ",".join(row) + "\n")
    except ImportRefused as refused:
        assert secret not in str(refused)
        assert secret.strip() not in str(refused)
    finally:
        SapSystem.objects.all().delete()
