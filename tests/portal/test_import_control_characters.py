"""The CSV import refuses a control character in any value that reaches generated commands."""

import csv
import io

import pytest

from portal.models import SapSystem
from portal.system_import import ImportRefused, import_systems

pytestmark = pytest.mark.django_db

HEADER = ["sid", "client", "description", "owner", "option", "smtp_host", "sender", "connector", "egress_ips"]
GOOD = ["QAS", "200", "Quality", "Basis team", "relay_connector", "", "sap-qas@contoso.com", "SAP relay", "203.0.113.5"]


def _csv(*rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # quotes cells with line breaks, as a spreadsheet does
    writer.writerows([HEADER, *rows])
    return out.getvalue()


def _with(**cells: str) -> list[str]:
    row = list(GOOD)
    for name, value in cells.items():
        row[HEADER.index(name)] = value
    return row


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("connector", "SAP\nrelay", "U+000A"),
        ("connector", "X\u2019;\u2028Remove-InboundConnector", "U+2028"),
        ("connector", "SAP\u202erelay", "U+202E"),
        ("smtp_host", "mail\n.contoso.com", "U+000A"),  # each label alone looks like a host name
        ("sender", '"a\x01b"@contoso.com', "U+0001"),  # a quoted local part takes control characters
        ("connector", "SAP\trelay", "U+0009"),
    ],
)
def test_a_control_character_is_refused_naming_line_and_column_and_nothing_is_imported(column, value, named):
    with pytest.raises(ImportRefused) as refused:
        import_systems(_csv(GOOD[:1] + ["100"] + GOOD[2:], _with(**{column: value})))
    problems = refused.value.problems
    line = 3  # the import names the line the record starts on, however many lines its cells span
    assert [(problem.line, problem.column) for problem in problems] == [(line, column)]
    assert named in problems[0].message
    assert value not in str(refused.value)
    assert f"line {line}, column {column}: The value contains" in str(refused.value)
    assert not SapSystem.objects.exists()


def test_a_description_may_span_lines_it_never_reaches_a_command():
    report = import_systems(_csv(_with(description="Quality\nsecond line", owner="Basis\tteam")))
    assert report.created == ["QAS/200"]
    assert SapSystem.objects.get().description == "Quality\nsecond line"


def test_a_secret_with_a_control_character_is_not_examined_or_echoed():
    header = "sid,client,option,client_secret\n"
    import_systems(header + 'PRD,100,oauth2,"pass\tword"\n')
    assert SapSystem.objects.get().mail_setup.client_secret.reveal() == "pass\tword"
