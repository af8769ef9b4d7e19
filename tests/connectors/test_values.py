"""Small value helpers: releases, addresses, clouds."""

from __future__ import annotations

import pytest

from connectors.addresses import egress_ip_problem, is_email, is_guid, is_host_name, is_ip_literal, tenant_problem
from connectors.clouds import CLOUDS, cloud_for, microsoft_cloud_of_host, microsoft_cloud_of_tenant
from connectors.releases import parse_release, release_label, supports_oauth_jwt, supports_oauth_secret


@pytest.mark.parametrize(
    ("text", "release"),
    [
        ("740", 740),
        ("7.40", 740),
        ("7.4", 740),
        ("7.5", 750),
        ("7.58", 758),
        ("816", 816),
        ("8.16", 816),
        (751, 751),
        ("SAP_BASIS 757", 757),
    ],
)
def test_releases_are_normalised(text: str | int, release: int) -> None:
    assert parse_release(text) == release


@pytest.mark.parametrize("text", ["", "7", "seven", "7.500", "75"])
def test_nonsense_releases_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an SAP_BASIS release"):
        parse_release(text)


def test_releases_are_written_the_way_sap_writes_them() -> None:
    assert [release_label(r) for r in (702, 740, 750, 816, None)] == ["7.02", "7.40", "7.50", "816", "unknown"]


def test_oauth_thresholds() -> None:
    assert not supports_oauth_secret(740) and supports_oauth_secret(750) and not supports_oauth_secret(None)
    assert not supports_oauth_jwt(750) and supports_oauth_jwt(751) and supports_oauth_jwt(816)


def test_address_shapes() -> None:
    assert is_email("sap-prd@contoso.com") and is_email("a.b+c@sub.demo.test")
    assert not is_email("sap-prd") and not is_email("a@b") and not is_email("a b@c.com") and not is_email("a..b@c.com")
    assert is_guid("3F2E1D0C-4B5A-4678-9ABC-DEF012345678") and not is_guid("3f2e1d0c")
    assert is_ip_literal("[2001:db8::1]") and is_ip_literal("52.1.2.3") and not is_ip_literal("smtp.office365.com")
    assert is_host_name("smtp.office365.com") and not is_host_name("-bad.example") and not is_host_name("1.2.3.4")


def test_tenants_are_a_guid_or_a_domain() -> None:
    assert tenant_problem("contoso.onmicrosoft.com") is None
    assert tenant_problem("8a3c1f52-6b1e-4c2d-9f0a-2d7e5b4c9a11") is None
    assert "AADSTS900023" in (tenant_problem("contoso") or "")


def test_egress_ip_reasons() -> None:
    assert egress_ip_problem("20.31.40.50") is None
    assert "RFC 1918" in (egress_ip_problem("192.168.1.1") or "")
    assert "not an IP address" in (egress_ip_problem("relay.local") or "")
    assert egress_ip_problem("127.0.0.1", allow_loopback=True) is None


def test_clouds_know_their_hosts_and_tenants() -> None:
    assert microsoft_cloud_of_host("contoso-com.mail.protection.partner.outlook.cn") is CLOUDS["china"]
    assert microsoft_cloud_of_host("SMTP.Office365.com.") is CLOUDS["global"]
    assert microsoft_cloud_of_host("relay.corp.local") is None
    assert microsoft_cloud_of_tenant("contoso.partner.onmschina.cn") is CLOUDS["china"]
    assert microsoft_cloud_of_tenant("contoso.onmicrosoft.com") is CLOUDS["global"]
    assert cloud_for("") is CLOUDS["global"] and cloud_for("nowhere") is CLOUDS["global"]


@pytest.mark.parametrize(
    ("cloud", "include", "token"),
    [
        ("global", "spf.protection.outlook.com", "https://login.microsoftonline.com/t/oauth2/v2.0/token"),
        ("gcc-high", "spf.protection.office365.us", "https://login.microsoftonline.us/t/oauth2/v2.0/token"),
        ("dod", "spf.protection.office365.us", "https://login.microsoftonline.us/t/oauth2/v2.0/token"),
        ("china", "spf.protection.partner.outlook.cn", "https://login.partner.microsoftonline.cn/t/oauth2/v2.0/token"),
    ],
)
def test_each_cloud_has_its_spf_include_and_token_endpoint(cloud: str, include: str, token: str) -> None:
    assert CLOUDS[cloud].spf_include == include
    assert CLOUDS[cloud].token_endpoint("t") == token


def test_placeholders_are_cut_out_of_a_text_with_the_field_they_stand_for():
    from connectors.placeholders import pieces, placeholder

    text = f"New-ServicePrincipal -ObjectId '{placeholder('service_principal_id')}' -AppId '{placeholder('client_id')}'"
    assert pieces(text) == [
        ("New-ServicePrincipal -ObjectId '", ""),
        (placeholder("service_principal_id"), "service_principal_id"),
        ("' -AppId '", ""),
        (placeholder("client_id"), "client_id"),
        ("'", ""),
    ]
    assert "".join(piece for piece, _ in pieces(text)) == text
    assert pieces("no placeholder here") == [("no placeholder here", "")]
