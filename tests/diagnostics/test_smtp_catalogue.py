"""The catalogue: one place for codes, meanings and fixes; the SMTP chain only names codes it holds."""

import re
from pathlib import Path

import pytest

from diagnostics.catalogue import entries, explain, finding
from diagnostics.findings import Status

CHECK_MODULES = ("tcp.py", "smtp.py", "tls.py", "egress.py")


def test_one_code_with_several_meanings_is_told_apart_by_the_reply_text():
    tenant = explain("5.7.139", "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.")
    basic = explain("5.7.139", "Authentication unsuccessful, basic authentication is disabled.")
    conditional = explain("5.7.139", "the request did not meet the criteria to be authenticated successfully")
    assert "Set-TransportConfig" in tenant.remedy
    assert "OAuth 2.0" in basic.remedy
    assert "Sign-in logs" in conditional.remedy


def test_the_way_the_client_authenticated_picks_the_remedy():
    assert "New-ServicePrincipal" in explain("5.7.3", "Authentication unsuccessful", context="xoauth2").remedy
    assert "password" in explain("5.7.3", "Authentication unsuccessful", context="basic").remedy


def test_ranges_cover_microsofts_banned_ip_codes_and_keep_the_exact_code():
    assert explain("5.7.649").code == "5.7.606-649"
    assert finding("smtp.envelope", "5.7.612", text="Access denied, banned sending IP").code == "5.7.612"
    assert explain("5.7.650").code == "5.7.650"  # outside the range: generic


def test_unknown_codes_still_get_a_rating_from_their_class():
    assert explain("4.9.9", "try later").status == Status.WARN
    assert explain("5.1.1", "no such user").status == Status.FAIL
    assert explain("554", "go away").status == Status.FAIL


def test_throttling_and_the_thread_limit_are_warnings_because_mail_still_flows():
    assert explain("4.3.2").status == Status.WARN
    assert explain("4.7.550").status == Status.WARN


def test_the_other_tables_are_merged_into_the_same_lookup():
    codes = {entry.code for entry in entries()}
    assert {"5.7.139", "tcp.refused", "tls.certificate_untrusted"} <= codes
    if any(code.startswith("AADSTS") for code in codes):  # the Entra table, when it is there
        assert "secret" in explain("AADSTS7000222").meaning.lower()


@pytest.mark.parametrize("module", CHECK_MODULES)
def test_every_code_the_smtp_chain_names_is_in_the_catalogue(module):
    source = (Path(__file__).parents[2] / "diagnostics" / "checks" / module).read_text()
    named = set(re.findall(r'"((?:tcp|tls|smtp|egress)\.[a-z_]+)"', source))
    keys = {"tcp.connect", "smtp.banner", "smtp.ehlo", "smtp.auth", "smtp.auth_mechanisms", "smtp.envelope"}
    keys |= {"tls.starttls", "tls.certificate", "egress.ip", "smtp.py", "tcp.py", "tls.py"}
    known = {entry.code for entry in entries()}
    assert named - keys <= known, named - keys - known


def test_relay_access_denied_names_the_accepted_domain_before_the_connectors_ip():
    entry = explain("5.7.64", "TenantAttribution; Relay Access Denied")
    assert "accepted domain" in entry.cause.split(";")[0]
    assert entry.remedy.index("accepted") < entry.remedy.index("-SenderIPAddresses")


def test_directory_based_edge_blocking_of_an_unknown_recipient_has_its_own_entry():
    entry = explain("5.4.1", "Recipient address rejected: Access denied. AS(201806281) [DB5EUR01FT001.eop.outlook.com]")
    assert "does not exist in the tenant" in entry.meaning
    assert "Internal relay" in entry.remedy
    assert "use-directory-based-edge-blocking" in entry.source
