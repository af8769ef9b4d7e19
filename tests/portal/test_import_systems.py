import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.models import AuditEvent, MailSetup, SapSystem
from portal.system_export import export_csv
from portal.system_import import ImportRefused, import_systems

pytestmark = pytest.mark.django_db

HEADER = (
    "sid,client,description,role,product,basis_release,zone,option,cloud,smtp_host,smtp_port,tls,sender,"
    "mailbox,tenant,client_id,client_secret,secret_expires,egress_ips,connector,relay_host,test_recipient"
)
PRD = (
    "PRD,100,Production S/4,PRD,S/4HANA on-premise,7.57,dmz,oauth2,global,smtp.office365.com,587,starttls,"
    "sap-prd@contoso.com,sap-prd@contoso.com,contoso.onmicrosoft.com,11111111-2222-3333-4444-555555555555,"
    "Sup3r~Secret.Value,2027-03-31,,,,it-ops@contoso.com"
)
QAS = (
    "QAS,200,Quality,qas,ecc,740,,relay_connector,,contoso-com.mail.protection.outlook.com,25,opportunistic,"
    "sap-qas@contoso.com,,,,,,203.0.113.5 198.51.100.7,SAP relay,,"
)


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_it_imports_the_contract_columns():
    report = import_systems(_csv(PRD, QAS))
    assert report.created == ["PRD/100", "QAS/200"]
    prd = SapSystem.objects.get(sid="PRD", client="100")
    assert (prd.role, prd.product, prd.basis_release, prd.zone) == ("PRD", "s4_onprem", 757, "dmz")
    setup = prd.mail_setup
    assert setup.option == "oauth2"
    assert setup.smtp_port == 587
    assert setup.client_secret.reveal() == "Sup3r~Secret.Value"
    assert str(setup.secret_expires) == "2027-03-31"
    qas = MailSetup.objects.get(system__sid="QAS")
    assert qas.egress_ips == ["203.0.113.5", "198.51.100.7"]
    assert qas.option == "relay_connector"
    assert qas.cloud == "global"


def test_a_malformed_file_names_line_and_column_and_imports_nothing():
    bad_qas = QAS.replace("740", "7.4.0").replace("203.0.113.5", "10.0.0.5")
    with pytest.raises(ImportRefused) as refused:
        import_systems(_csv(PRD, bad_qas, "SAP,100" + "," * 20))
    problems = {(p.line, p.column) for p in refused.value.problems}
    assert problems == {(3, "basis_release"), (3, "egress_ips"), (4, "sid")}
    assert SapSystem.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_problem_found_while_writing_rolls_back_every_row():
    # The second row sets a setup field without an option for a system that has no setup yet.
    with pytest.raises(ImportRefused) as refused:
        import_systems(
            _csv(
                "PRD,100,,,,,,,,",
                "DEV,100,,,,,,,,smtp.example.test",
                header="sid,client,description,role,product,basis_release,zone,option,cloud,smtp_host",
            )
        )
    assert [(p.line, p.column) for p in refused.value.problems] == [(3, "option")]
    assert SapSystem.objects.count() == 0


def test_it_refuses_unknown_and_missing_columns_in_the_header():
    with pytest.raises(ImportRefused) as refused:
        import_systems("sid,Client,colour\nPRD,100,red\n")
    # A misspelt column is named; an unknown one by its position (it may be a value, even a secret).
    assert {(p.line, p.column) for p in refused.value.problems} == {(1, "Client"), (1, "#3"), (1, "client")}


def test_it_refuses_the_same_system_twice_in_one_file():
    with pytest.raises(ImportRefused, match="already appears on line 2"):
        import_systems(_csv(PRD, PRD))


def test_it_reads_semicolons_a_byte_order_mark_and_labels_in_any_case():
    data = "\ufeffsid;client;role;product;option;cloud\nPRD;100;Production;s/4hana CLOUD private edition;Direct Send;GCC High\n"
    import_systems(data.encode("utf-8"))
    system = SapSystem.objects.get()
    assert (system.role, system.product) == ("PRD", "s4_private")
    assert (system.mail_setup.option, system.mail_setup.cloud) == ("direct_send", "gcc-high")


def test_a_client_shortened_by_a_spreadsheet_is_padded_back():
    import_systems("sid,client\nPRD,1\n")
    assert SapSystem.objects.get().client == "001"


def test_reimport_updates_and_an_empty_cell_keeps_the_stored_value():
    import_systems(_csv(PRD))
    exported = export_csv()
    assert "Sup3r~Secret.Value" not in exported
    edited = exported.replace("Production S/4", "Production S/4HANA")
    report = import_systems(edited)
    assert report.updated == ["PRD/100"]
    setup = MailSetup.objects.get()
    assert setup.system.description == "Production S/4HANA"
    assert setup.client_secret.reveal() == "Sup3r~Secret.Value"
    event = AuditEvent.objects.filter(action="system.updated").get()
    assert event.changes == {"description": ["Production S/4", "Production S/4HANA"]}


def test_a_dash_clears_a_value_and_a_new_secret_is_logged_without_its_value():
    import_systems(_csv(PRD))
    import_systems("sid,client,test_recipient,client_secret,secret_expires\nPRD,100,-,N3w-Secret,-\n")
    setup = MailSetup.objects.get()
    assert setup.test_recipient == ""
    assert setup.secret_expires is None
    assert setup.client_secret.reveal() == "N3w-Secret"
    event = AuditEvent.objects.filter(action="system.updated").get()
    assert event.changes["client_secret"] == "replaced"
    assert "N3w-Secret" not in str(event.changes)


def test_importing_the_same_file_twice_changes_nothing():
    import_systems(_csv(PRD, QAS))
    report = import_systems(_csv(PRD, QAS))
    assert report.unchanged == ["PRD/100", "QAS/200"]
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_imported_secret_is_not_readable_in_the_database_file(tmp_path: Path):
    import_systems(_csv(PRD))
    raw = connection.cursor().execute("select client_secret from portal_mailsetup").fetchone()[0]
    assert raw.startswith("gAAAAA")
    assert "Sup3r~Secret.Value" not in raw
    if connection.vendor == "sqlite":  # committed: the rows are in the file (or its WAL) now
        database = Path(connection.settings_dict["NAME"])
        files = [str(p) for p in database.parent.glob(database.name + "*")]
        # Read by another process: closing any descriptor of the file in this one would drop every POSIX lock
        # SQLite holds on it here, and a worker process could then take the WAL away from under this process.
        blob = subprocess.run(["cat", *files], capture_output=True, check=True, timeout=30).stdout
        assert b"sap-prd@contoso.com" in blob  # proves the glob read the data we wrote
        assert b"Sup3r~Secret.Value" not in blob


def test_the_command_imports_a_file_and_reports_counts(tmp_path: Path, capsys):
    path = tmp_path / "systems.csv"
    path.write_text(_csv(PRD, QAS))
    call_command("import_systems", str(path))
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out


def test_the_command_lists_every_problem_and_fails(tmp_path: Path, capsys):
    path = tmp_path / "systems.csv"
    path.write_text(_csv(PRD.replace("contoso.onmicrosoft.com", "contoso")))
    with pytest.raises(CommandError, match="nothing imported: 1 problem") as refused:
        call_command("import_systems", str(path))
    assert refused.value.returncode != 0
    assert "line 2, column tenant: the cell is not a tenant" in capsys.readouterr().err


def test_export_writes_the_contract_columns_without_secrets(capsys):
    import_systems(_csv(PRD, QAS))
    call_command("export_systems")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(HEADER)
    assert "Sup3r~Secret.Value" not in "\n".join(lines)
    assert "203.0.113.5 198.51.100.7" in lines[2]
    assert ",7.57," in lines[1]


def test_the_enterprise_application_object_id_is_imported_and_reaches_the_steps():
    header = "sid,client,option,tenant,client_id,service_principal_id,mailbox"
    row = "PRD,100,oauth2,contoso.onmicrosoft.com,11111111-2222-3333-4444-555555555555,9E8D7C6B-5A49-4382-A1B0-C9D8E7F6A5B4,sap@contoso.com"
    import_systems(f"{header}\n{row}\n")
    config = MailSetup.objects.get().to_config()
    assert config.service_principal_id == "9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4"
    with pytest.raises(ImportRefused, match="not a GUID"):
        import_systems(f"{header}\n{row.replace('9E8D7C6B-5A49-4382-A1B0-C9D8E7F6A5B4', 'app-registration')}\n")


def test_the_steps_command_fills_in_the_enterprise_application_object_id(capsys):
    header = "sid,client,option,tenant,client_id,service_principal_id,mailbox"
    row = "PRD,100,oauth2,contoso.onmicrosoft.com,11111111-2222-3333-4444-555555555555,9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4,sap@contoso.com"
    import_systems(f"{header}\n{row}\n")
    call_command("steps", "PRD")
    guide = capsys.readouterr().out
    assert (
        "New-ServicePrincipal -AppId '11111111-2222-3333-4444-555555555555' "
        "-ObjectId '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4'" in guide
    )
    assert "Add-MailboxPermission -Identity 'sap@contoso.com' -User '9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4'" in guide


def test_a_broken_quote_or_an_oversized_cell_is_refused_with_its_line():
    with pytest.raises(ImportRefused) as refused:
        import_systems('sid,client,description\nPRD,100,"unterminated\n')
    assert refused.value.problems[0].line >= 2
    assert "malformed" in refused.value.problems[0].message
    with pytest.raises(ImportRefused, match="malformed"):
        import_systems("sid,client,description\nPRD,100," + "x" * 200_000 + "\n")
    assert SapSystem.objects.count() == 0


def test_formulas_are_defused_on_export_and_restored_on_import():
    import_systems('sid,client,description\nPRD,100,"=HYPERLINK(""http://x"")"\n')
    exported = export_csv()
    assert "'=HYPERLINK" in exported
    report = import_systems(exported)
    assert report.unchanged == ["PRD/100"]
    assert SapSystem.objects.get().description == '=HYPERLINK("http://x")'


def test_egress_ranges_are_accepted_and_ipv4_mapped_private_addresses_refused():
    import_systems("sid,client,option,egress_ips\nPRD,100,relay_connector,203.0.113.0/28 198.51.100.7\n")
    assert MailSetup.objects.get().egress_ips == ["203.0.113.0/28", "198.51.100.7"]
    with pytest.raises(ImportRefused, match="egress"):
        import_systems("sid,client,option,egress_ips\nQAS,100,relay_connector,::ffff:10.0.0.1\n")
