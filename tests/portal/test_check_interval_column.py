"""The CSV column check_interval (minutes): imported, exported, cleared, and refused when not a plain number."""

import pytest

from portal.models import AuditEvent, SapSystem
from portal.system_export import export_csv
from portal.system_import import ImportRefused, import_systems

pytestmark = pytest.mark.django_db


def test_it_imports_and_exports_a_systems_own_interval():
    import_systems("sid,client,role,check_interval\nPRD,100,PRD,5\nDEV,200,DEV,\n")
    assert dict(SapSystem.objects.values_list("sid", "check_interval")) == {"PRD": 5, "DEV": None}
    lines = export_csv().splitlines()
    column = lines[0].split(",").index("check_interval")
    assert [line.split(",")[column] for line in lines[1:]] == ["", "5"]  # DEV, then PRD


def test_an_empty_cell_keeps_it_and_a_dash_goes_back_to_the_role_default():
    import_systems("sid,client,check_interval\nPRD,100,30\n")
    import_systems("sid,client,description,check_interval\nPRD,100,invoices,\n")
    assert SapSystem.objects.get().check_interval == 30
    import_systems("sid,client,check_interval\nPRD,100,-\n")
    assert SapSystem.objects.get().check_interval is None
    assert AuditEvent.objects.filter(action="system.updated").first().changes == {"check_interval": [30, None]}


@pytest.mark.parametrize("cell", ["4", "10081", "١٥", "１５", "15.0", "1_5", "fifteen", "-5"])
def test_it_refuses_what_is_not_whole_minutes_in_range_naming_line_and_column(cell):
    with pytest.raises(ImportRefused) as refused:
        import_systems(f"sid,client,check_interval\nPRD,100,{cell}\n")
    problem = refused.value.problems[0]
    assert (problem.line, problem.column) == (2, "check_interval")
    assert "whole minutes from 5 to 10080, digits 0-9" in problem.message
    assert cell not in problem.message
    assert not SapSystem.objects.exists()
