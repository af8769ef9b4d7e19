import pytest
from django.core.exceptions import ValidationError

from portal.validators import (
    format_release,
    normalise_release,
    parse_egress_ips,
    validate_client,
    validate_guid,
    validate_hostname,
    validate_sid,
    validate_tenant,
)


@pytest.mark.parametrize("sid", ["PRD", "S4H", "Q01", "A1B"])
def test_it_accepts_well_formed_sids(sid):
    validate_sid(sid)


@pytest.mark.parametrize("sid", ["prd", "1PR", "PR", "PRDX", "P-D", ""])
def test_it_refuses_malformed_sids(sid):
    with pytest.raises(ValidationError, match="not a SAP system ID"):
        validate_sid(sid)


@pytest.mark.parametrize("sid", ["SAP", "ADD", "SID", "SYS", "VAR", "LOG", "KEY", "OFF"])
def test_it_refuses_a_reserved_sid(sid):
    with pytest.raises(ValidationError, match="reserved by SAP"):
        validate_sid(sid)


@pytest.mark.parametrize("client", ["1000", "1a0", "", "10"])
def test_it_refuses_a_client_that_is_not_three_digits(client):
    with pytest.raises(ValidationError):
        validate_client(client)


@pytest.mark.parametrize(
    "raw, expected",
    [("750", 750), ("7.50", 750), ("75", 750), ("7.5", 750), ("740", 740), ("7.40", 740), ("7.58", 758),
     ("816", 816), ("SAP_BASIS 7.51", 751), ("702", 702), ("", None)],
)  # fmt: skip
def test_it_normalises_sap_basis_releases(raw, expected):
    assert normalise_release(raw) == expected


@pytest.mark.parametrize("raw", ["7", "75x", "1.0", "9999", "6.40"])
def test_it_refuses_releases_that_are_not_sap_basis(raw):
    with pytest.raises(ValidationError, match="not a SAP_BASIS release"):
        normalise_release(raw)


def test_it_formats_releases_the_way_sap_writes_them():
    assert format_release(750) == "7.50"
    assert format_release(702) == "7.02"
    assert format_release(816) == "816"


def test_it_accepts_a_tenant_as_guid_or_domain_and_refuses_a_bare_word():
    validate_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47")
    validate_tenant("contoso.onmicrosoft.com")
    with pytest.raises(ValidationError, match="not a tenant"):
        validate_tenant("contoso")
    with pytest.raises(ValidationError, match="GUID"):
        validate_tenant("72f988bf-86f1-41af-91ab-2d7cd011dbZZ")


def test_it_refuses_a_client_id_that_is_not_a_guid():
    with pytest.raises(ValidationError, match="not a GUID"):
        validate_guid("my-app")


def test_it_refuses_host_names_with_illegal_characters():
    validate_hostname("smtp.office365.com")
    validate_hostname("203.0.113.9")
    with pytest.raises(ValidationError):
        validate_hostname("smtp_office365.com")
    with pytest.raises(ValidationError):
        validate_hostname("-bad.example")


def test_it_parses_public_egress_ips_separated_by_spaces_or_semicolons():
    assert parse_egress_ips("203.0.113.5 198.51.100.7;2001:db8::1 203.0.113.5") == [
        "203.0.113.5",
        "198.51.100.7",
        "2001:db8::1",
    ]


@pytest.mark.parametrize(
    "ip", ["10.1.2.3", "192.168.0.10", "172.20.1.1", "127.0.0.1", "100.64.1.1", "fd00::1", "169.254.1.1"]
)
def test_it_refuses_private_egress_ips_and_says_why(ip):
    with pytest.raises(ValidationError, match="only ever sees the public address"):
        parse_egress_ips(ip)
