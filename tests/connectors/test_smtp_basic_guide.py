"""Basic authentication: documented for reference, always flagged as retiring, with a migration."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.guide import Guide
from connectors.options import smtp_basic
from connectors.retirement import DEFAULT_MILESTONES, Milestone, parse_milestones, retirement_summary
from tests.support.samples import TODAY, config


def guide(**changes: object) -> Guide:
    return smtp_basic.steps(config(**{"option": "smtp_basic", **changes}), today=TODAY)


def test_every_basic_guide_opens_with_the_retirement_warning_and_its_date() -> None:
    g = guide()
    first = g.notices[0]
    assert first.level == "warning"
    assert "2026-12-31" in first.text and "in 31 days" in first.text
    assert not any(n.level == "info" and n.text.startswith("2026-12-31") for n in g.notices), "not twice"
    assert all(s.title.startswith("Current: ") for s in g.steps if not s.key.startswith("migrate."))
    assert "MC786329" in first.source
    assert any("550 5.7.30" in n.text for n in g.notices)


def test_the_portal_can_pass_its_own_milestones() -> None:
    milestones = parse_milestones([{"date": "2027-03-01", "what": "Basic off for good.", "source": "Setting"}])
    g = smtp_basic.steps(config(option="smtp_basic"), milestones=milestones, today=TODAY)
    assert "2027-03-01" in g.notices[0].text and g.notices[0].source == "Setting"
    assert "2026-12-31" not in g.notices[0].text


@pytest.mark.parametrize(
    ("release", "product", "target"),
    [
        (757, "s4_onprem", "oauth2"),
        (750, "ecc", "oauth2"),
        (None, "ecc", "oauth2"),
        (740, "ecc", "relay_connector"),
        (702, "other_abap", "relay_connector"),
        (None, "btp_abap", "oauth2"),
    ],
)
def test_the_migration_target_follows_the_release(release: int | None, product: str, target: str) -> None:
    assert smtp_basic.migration_target(config(option="smtp_basic", basis_release=release, product=product)) == target


def test_from_750_the_migration_embeds_the_oauth_steps_with_the_systems_ids() -> None:
    g = guide(basis_release=757)
    assert g.has_step("migrate.entra.api_permission")
    assert g.has_step("migrate.exchange.service_principal")
    assert g.step("migrate.sap.oauth_client").title.startswith("Migration: ")
    assert [s.key for s in g.scripts] == ["setup", "verify"]
    # Steps already in place for Basic are not repeated.
    assert not g.has_step("migrate.sap.icm_parameter")


def test_below_750_the_migration_builds_a_connector_on_the_mx_endpoint() -> None:
    g = guide(basis_release=740, egress_ips=("20.31.40.50",))
    assert g.has_step("migrate.exchange.connector")
    node = {v.label: v.value for v in g.step("migrate.sap.scot_node").values}
    assert node["Mail host"] == "contoso-com.mail.protection.outlook.com"
    assert node["Mail port"] == "25"
    assert "contoso-com.mail.protection.outlook.com:25" in g.step("migrate.cutover").values[0].value
    # Same root as smtp.office365.com, already trusted; tests happen once, at the cut-over.
    assert not g.has_step("migrate.sap.strust") and not g.has_step("migrate.sap.sbwp_test")
    assert "relay connector" in " ".join(n.text for n in g.notices)


def test_the_current_setup_is_recorded_without_the_password() -> None:
    g = guide()
    scot = {v.label: v.value for v in g.step("current.scot_node").values}
    assert scot["Mail host"] == "smtp.office365.com"
    assert scot["Mail port"] == "587"
    assert scot["Logon data: user"] == "sap-prd@contoso.com"
    assert scot["Logon data: password"].startswith("<enter in SCOT")


def test_the_migration_starts_with_the_inventory_report_and_ends_by_blocking_basic() -> None:
    g = guide()
    keys = [s.key for s in g.steps]
    assert keys.index("migrate.inventory") < keys.index("migrate.cutover") < keys.index("migrate.block_basic")
    assert "SMTP AUTH clients submission report" in " ".join(v.value for v in g.step("migrate.inventory").values)
    command = g.step("migrate.block_basic").command
    assert command is not None
    assert "Set-User -Identity 'sap-prd@contoso.com' -AuthenticationPolicy 'Block Basic Auth'" in command.text
    # OAuth is SMTP AUTH too: it must stay enabled for the mailbox.
    assert "SmtpClientAuthenticationDisabled $true" not in command.text


def test_a_connector_target_switches_smtp_auth_off_at_the_end() -> None:
    command = guide(basis_release=740).step("migrate.block_basic").command
    assert command is not None and "SmtpClientAuthenticationDisabled $true" in command.text


def test_the_retirement_summary_counts_down_to_the_next_milestone() -> None:
    assert "in 31 days (2026-12-31)" in retirement_summary(DEFAULT_MILESTONES, TODAY)
    assert "(2027-07-01)" in retirement_summary(DEFAULT_MILESTONES, date(2027, 1, 15))
    assert "has passed" in retirement_summary(DEFAULT_MILESTONES, date(2028, 1, 1))


def test_milestones_are_validated_and_sorted() -> None:
    parsed = parse_milestones([{"date": "2027-07-01", "what": "b"}, {"date": "2026-12-31", "what": "a", "source": "s"}])
    assert [m.date.isoformat() for m in parsed] == ["2026-12-31", "2027-07-01"]
    assert parsed[0] == Milestone(date(2026, 12, 31), "a", "s")
    with pytest.raises(ValueError, match="milestone 1"):
        parse_milestones([{"date": "end of 2026", "what": "x"}])
    with pytest.raises(ValueError, match="'what' is empty"):
        parse_milestones([{"date": "2026-12-31", "what": " "}])
