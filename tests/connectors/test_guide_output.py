"""Properties every guide has, whatever the option, product, release or cloud."""

from __future__ import annotations

import json
import re
from itertools import product

import pytest

from connectors.clouds import CLOUDS
from connectors.config import MailConfig
from connectors.guide import Where
from connectors.registry import OPTIONS, guide_for, plan_for
from tests.support.samples import TODAY, config

PRODUCTS = ("ecc", "s4_onprem", "s4_private", "s4_public", "btp_abap", "other_abap")
RELEASES = (740, 750, 751, None)
PLACEHOLDER = re.compile(r"<([a-z_]+): set the [^<>]+ field>")

MATRIX = list(product(sorted(OPTIONS), PRODUCTS, RELEASES))


@pytest.mark.parametrize(("option", "product_code", "release"), MATRIX)
def test_every_step_names_a_check_that_the_options_plan_runs(
    option: str, product_code: str, release: int | None
) -> None:
    setup = config(
        option=option,
        product=product_code,
        basis_release=release,
        smtp_host="" if option != "relay_server" else "relay.corp.local",
    )
    keys = {check.key for check in plan_for(setup, send_to="someone@contoso.com")}
    guide = guide_for(setup, today=TODAY)
    assert guide.steps, "a guide always has at least one step"
    for step in guide.steps:
        assert step.check is None or step.check in keys, f"{step.key} → {step.check}"


@pytest.mark.parametrize(("option", "cloud"), list(product(sorted(OPTIONS), sorted(CLOUDS))))
def test_an_empty_setup_never_crashes_and_marks_what_is_missing(option: str, cloud: str) -> None:
    guide = guide_for(MailConfig(sid="", client="", option=option, cloud=cloud), today=TODAY)
    markdown = guide.to_markdown()
    json.dumps(guide.to_dict())
    assert guide.missing_fields
    for field in guide.missing_fields:
        assert f"<{field}: set the " in markdown


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_step_keys_are_unique_and_numbers_run_through_the_groups(option: str) -> None:
    guide = guide_for(
        config(option=option, smtp_host="relay.corp.local" if option == "relay_server" else ""), today=TODAY
    )
    keys = [step.key for step in guide.steps]
    assert len(keys) == len(set(keys))
    numbers = [number for _, steps in guide.groups() for number, _ in steps]
    assert numbers == list(range(1, len(guide.steps) + 1))
    wheres = [where for where, _ in guide.groups()]
    assert all(a != b for a, b in zip(wheres, wheres[1:], strict=False)), "adjacent groups differ"


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_json_and_markdown_carry_the_same_steps(option: str) -> None:
    guide = guide_for(
        config(option=option, smtp_host="relay.corp.local" if option == "relay_server" else ""), today=TODAY
    )
    data = json.loads(json.dumps(guide.to_dict()))
    markdown = guide.to_markdown()
    assert data["option"] == option and data["system"] == "PRD/100"
    assert [s["key"] for s in data["steps"]] == [s.key for s in guide.steps]
    for step in data["steps"]:
        assert f"### {step['number']}. {step['title']}" in markdown
        assert step["where"] in {w.value for w in Where}
        assert set(step) >= {"title", "why", "values", "command", "check", "notes", "missing_fields", "where_label"}
    assert sum(len(group["steps"]) for group in data["groups"]) == len(data["steps"])


def test_the_json_form_of_a_step_is_what_the_pages_render() -> None:
    data = guide_for(config(), today=TODAY).to_dict()
    step = next(s for s in data["steps"] if s["key"] == "sap.oauth_client")
    token = next(v for v in step["values"] if v["label"] == "Token endpoint")
    assert token == {
        "label": "Token endpoint",
        "value": "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
        "literal": True,
    }
    assert step["check"] == "oauth.token"
    assert step["where_label"] == "SAP GUI transactions"


def test_markdown_shows_literal_values_as_code_and_paths_as_text() -> None:
    markdown = guide_for(config(), today=TODAY).to_markdown()
    assert "| Scope | `https://outlook.office365.com/.default` |" in markdown
    assert "| Path | Applications → App registrations → New registration |" in markdown
    assert "*Verified by the check `oauth.token`.*" in markdown
    assert "```powershell\nConnect-ExchangeOnline -ExchangeEnvironmentName O365Default" in markdown


def test_placeholders_name_real_fields() -> None:
    guide = guide_for(MailConfig(sid="DEV", client="200", option="oauth2"), today=TODAY)
    names = set(PLACEHOLDER.findall(guide.to_markdown()))
    assert names and names <= set(MailConfig.__dataclass_fields__)


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_secrets_are_handed_off_never_rendered(option: str) -> None:
    # A MailConfig never holds a secret; where one is needed, the guide says where to type it.
    guide = guide_for(
        config(option=option, smtp_host="relay.corp.local" if option == "relay_server" else ""), today=TODAY
    )
    text = guide.to_markdown() + json.dumps(guide.to_dict())
    assert "has_secret" not in text and "has_private_key" not in text
    if option in ("oauth2", "smtp_basic"):
        assert "<enter in S" in text


def test_the_registry_is_explicit_and_complete() -> None:
    assert list(OPTIONS) == ["oauth2", "smtp_basic", "direct_send", "relay_connector", "relay_server"]
    for code, option in OPTIONS.items():
        assert option.code == code and option.label and option.description and option.recipients
        assert set(option.field_names) <= set(MailConfig.__dataclass_fields__)


def test_placeholders_survive_markdown_rendering() -> None:
    markdown = guide_for(MailConfig(sid="DEV", client="200", option="oauth2"), today=TODAY).to_markdown()
    # In prose the bracket is escaped so renderers don't drop it as an HTML tag ...
    assert "Give the app FullAccess on \\<mailbox: set the Mailbox field>" in markdown
    # ... and inside code it stays as typed.
    assert "`https://login.microsoftonline.com/<tenant: set the Tenant field>/oauth2/v2.0/token`" in markdown
    assert "-AppId '<client_id: set the Client ID field>'" in markdown


@pytest.mark.parametrize(("option", "cloud"), list(product(sorted(OPTIONS), ["global", "gcc-high", "dod", "china"])))
def test_every_microsoft_name_in_a_guide_belongs_to_the_systems_cloud(option: str, cloud: str) -> None:
    setup = config(
        option=option,
        cloud=cloud,
        smtp_host="relay.corp.local" if option == "relay_server" else "",
        egress_ips=("20.31.40.50",),
        basis_release=740 if option == "smtp_basic" else 757,  # a Basic system migrates to a connector
    )
    text = guide_for(setup, today=TODAY).to_markdown()
    chosen = CLOUDS[cloud]
    others = [c for c in CLOUDS.values() if not c.is_lab and c.exchange_environment != chosen.exchange_environment]
    for environment in re.findall(r"-ExchangeEnvironmentName (\w+)", text):
        assert environment == chosen.exchange_environment
    for environment in re.findall(r"-Environment (\w+)", text):
        assert environment == chosen.entra_environment
    for host in re.findall(r"https://([a-z0-9.-]+)/[^/\s`]+/oauth2/v2\.0/token", text):
        assert host == chosen.login_host
    for include in re.findall(r"include:(spf\.protection\.[a-z0-9.]+[a-z])", text):
        assert include == chosen.spf_include
    for mx in re.findall(r"[a-z0-9-]+\.mail\.protection\.[a-z0-9.]+[a-z]", text):
        assert mx.endswith(chosen.mx_suffix), mx
    assert not any(f"-ExchangeEnvironmentName {other.exchange_environment} " in text for other in others)
