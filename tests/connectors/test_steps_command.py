"""``manage.py steps``: the generated guide for a stored system, as Markdown or JSON."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.models import MailSetup, SapSystem

CLIENT_ID = "3f2e1d0c-4b5a-4678-9abc-def012345678"


def _system(sid: str = "PRD", client: str = "100", *, option: str | None = "oauth2", **setup: object) -> SapSystem:
    system = SapSystem.objects.create(sid=sid, client=client, role="PRD", product="s4_onprem", basis_release=757)
    if option:
        values = {
            "tenant": "contoso.onmicrosoft.com",
            "client_id": CLIENT_ID,
            "mailbox": "sap-prd@contoso.com",
            **setup,
        }
        MailSetup.objects.create(system=system, option=option, **values)
    return system


def _run(*args: str) -> str:
    out = StringIO()
    call_command("steps", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_prints_the_markdown_guide_of_a_system() -> None:
    _system()
    output = _run("prd")
    assert output.startswith("# SMTP OAuth 2.0 — PRD/100\n")
    assert "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" in output
    assert f"New-ServicePrincipal -AppId '{CLIENT_ID}'" in output


@pytest.mark.django_db
def test_it_prints_json_with_steps_and_scripts() -> None:
    _system(cloud="gcc-high")
    data = json.loads(_run("PRD", "--client", "100", "--format", "json"))
    assert data["system"] == "PRD/100" and data["option"] == "oauth2"
    assert [s["key"] for s in data["scripts"]] == ["setup", "verify"]
    token = next(s for s in data["steps"] if s["key"] == "sap.oauth_client")
    assert any(v["value"].startswith("https://login.microsoftonline.us/") for v in token["values"])


@pytest.mark.django_db
def test_a_stored_secret_never_appears() -> None:
    _system(client_secret="S3cret-Value~never-shown")
    assert "S3cret-Value" not in _run("PRD") + _run("PRD", "--format", "json")


@pytest.mark.django_db
def test_the_portals_milestones_reach_the_basic_auth_guide(settings: object) -> None:
    settings.PORTAL_BASIC_AUTH_MILESTONES = [{"date": "2027-02-01", "what": "Basic off.", "source": "test"}]  # type: ignore[attr-defined]
    _system(option="smtp_basic")
    assert "2027-02-01" in _run("PRD")


@pytest.mark.django_db
def test_an_unknown_system_exits_2_with_a_clear_message() -> None:
    with pytest.raises(CommandError, match="no SAP system QAS") as caught:
        _run("QAS")
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_a_system_without_mail_setup_exits_2() -> None:
    _system(option=None)
    with pytest.raises(CommandError, match="has no mail setup") as caught:
        _run("PRD")
    assert caught.value.returncode == 2


@pytest.mark.django_db
def test_several_clients_need_client() -> None:
    _system(client="100")
    _system(client="200")
    with pytest.raises(CommandError, match="several clients .100, 200.") as caught:
        _run("PRD")
    assert caught.value.returncode == 2
    assert "PRD/200" in _run("PRD", "--client", "200")


@pytest.mark.django_db
def test_an_unknown_format_is_refused() -> None:
    _system()
    with pytest.raises(CommandError):
        _run("PRD", "--format", "html")


@pytest.mark.django_db
def test_it_merges_the_sender_domains_live_spf_record_read_through_the_portals_resolver(settings) -> None:
    from lab.dns import LabDns

    _system(option="direct_send", sender="sap-prd@contoso.com", egress_ips=["20.31.40.50"])
    with LabDns() as dns_server:
        dns_server.records.add("contoso.com", "TXT", "v=spf1 mx -all")
        settings.PORTAL_DNS_NAMESERVERS = dns_server.nameservers
        data = json.loads(_run("PRD", "--format", "json"))
    spf = next(step for step in data["steps"] if step["key"] == "dns.spf")
    values = {value["label"]: value["value"] for value in spf["values"]}
    assert values["Current record"] == "v=spf1 mx -all"
    assert values["Value"] == "v=spf1 ip4:20.31.40.50 mx include:spf.protection.outlook.com -all"
    assert values["DNS lookups"].startswith("2 of the 10")
