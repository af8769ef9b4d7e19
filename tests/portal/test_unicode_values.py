"""Numbers, SIDs, clients, ports, releases, hosts and GUIDs are ASCII: every parser says so.

Python's ``\\d``, ``int()``, ``str.isdigit()`` and Django's IntegerField accept other scripts'
digits; ``١٠٠`` saved as a client broke every page that links to the system (the URLs take
``[0-9]``). The property tests throw arbitrary Unicode at each parser: it either accepts an ASCII
value of the right shape or refuses with a ValidationError (never another exception).
"""

from __future__ import annotations

import os
import re

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from hypothesis import assume, given

from connectors.addresses import egress_ip_problem, is_email, is_guid, is_host_name, is_ip_literal
from connectors.releases import parse_release
from portal.env import env_int, env_ports, parse_nameservers
from portal.forms import AdvisorForm, SetupForm, SystemForm
from portal.system_import import COLUMNS
from portal.validators import (
    ascii_int,
    normalise_release,
    normalise_sid,
    parse_egress_ips,
    validate_address,
    validate_client,
    validate_guid,
    validate_hostname,
    validate_sid,
    validate_tenant,
    validate_zone,
)
from tests.support.strategies import PURE, unicode_text

SIDS = ["PRD", "S4H", "Q01", "prd"]
CLIENTS = ["100", "001", "1", "10"]
RELEASES = ["7.50", "750", "75", "816", "SAP_BASIS 7.51", "7.5"]
PORTS = ["587", "25", "2525", "65535"]
HOSTS = ["smtp.office365.com", "203.0.113.9", "2001:db8::1", "mail.lab.test", "relay-1.contoso.com"]
GUIDS = ["11111111-2222-3333-4444-555555555555", "72f988bf-86f1-41af-91ab-2d7cd011db47"]
ADDRESSES = ["sap-prd@contoso.com", "it.ops+sap@mail.contoso.com"]
EGRESS = ["203.0.113.5", "198.51.100.0/28 203.0.113.7", "2001:db8::5", "52.96.1.1;52.96.1.2"]
ZONES = ["dmz", "site-b", "zone_2"]
DATES = ["2027-03-31", "2026-12-01"]


def _ascii(text: str) -> bool:
    return text.strip().isascii()


def _outcome(validator, value):
    """True when accepted, False when refused with a ValidationError; anything else fails the test."""
    try:
        validator(value)
    except ValidationError:
        return False
    return True


# -- the cases the attack found --------------------------------------------------------------------


@pytest.mark.parametrize("client", ["١٠٠", "１００", "۱۰۰", "१००", "²⁰⁰"])
def test_a_client_in_other_digits_is_refused_and_the_message_says_ascii(client):
    with pytest.raises(ValidationError, match="0-9"):
        validate_client(client)


@pytest.mark.parametrize("sid", ["ßA", "ﬀX", "ＰＲＤ", "PR١", "ıNT"])
def test_a_sid_that_only_looks_valid_is_refused(sid):
    with pytest.raises(ValidationError):
        validate_sid(normalise_sid(sid))


def test_a_sid_with_a_trailing_line_break_is_refused():
    with pytest.raises(ValidationError):
        validate_sid("PRD\n")


def test_a_sid_whose_upper_case_changes_length_is_refused_before_upper_casing():
    with pytest.raises(ValidationError, match="A-Z"):
        normalise_sid("ßa")  # "ßa".upper() is "SSA", a valid SID nobody typed


@pytest.mark.parametrize("raw", ["٧.٥٠", "٧٥٠", "７５０", "7.５", "٧٥"])
def test_a_release_in_other_digits_is_refused(raw):
    with pytest.raises(ValidationError, match="0-9"):
        normalise_release(raw)
    with pytest.raises(ValueError, match="0-9"):
        parse_release(raw)


@pytest.mark.parametrize("raw", ["²", "١٠", "1_0", "+1", " 1", "", "٣"])
def test_ascii_int_reads_only_ascii_digits(raw):
    assert ascii_int(raw) is None


def test_ascii_int_reads_a_plain_number():
    assert ascii_int("587") == 587
    assert ascii_int("9" * 40) is None  # no number a page needs is that long


@pytest.mark.parametrize("host", ["mail\n.contoso.com", "fe80::1%eth0", "2001:db8::1%x", "ｍａｉｌ.contoso.com"])
def test_a_host_with_a_line_break_a_zone_index_or_full_width_letters_is_refused(host):
    with pytest.raises(ValidationError):
        validate_hostname(host)
    assert not is_host_name(host)
    assert not is_ip_literal(host)


def test_an_egress_address_with_a_zone_index_is_refused():
    with pytest.raises(ValidationError):
        parse_egress_ips("2001:4860::1%eth0")
    assert egress_ip_problem("2001:4860::1%eth0")


def test_an_address_with_a_kelvin_sign_is_refused_like_the_connectors_refuse_it():
    # Django's validator matches [A-Z] case-insensitively, which takes K (U+212A) and ſ (U+017F).
    with pytest.raises(ValidationError, match="ASCII"):
        validate_address("\u212aarl@contoso.com")


def test_a_guid_with_a_trailing_line_break_is_refused():
    assert not is_guid("11111111-2222-3333-4444-555555555555\n\n".rstrip(" ") + "x")
    with pytest.raises(ValidationError):
        validate_guid("11111111-2222-3333-4444-55555555555\u0665")


@pytest.mark.parametrize("raw", ["５８７", "٥٨٧", "²", "1_000", "5 87"])
def test_the_forms_number_fields_refuse_other_digits_and_say_so(raw):
    form = SetupForm(
        {"option": "relay_server", "smtp_host": "relay.contoso.com", "smtp_port": raw}, option="relay_server"
    )
    assert not form.is_valid()
    assert "0-9" in str(form.errors["smtp_port"])
    advisor = AdvisorForm({"product": "ecc", "messages_per_day": raw, "external_recipients": "yes",
                           "static_public_ip": "no", "outbound_587": "yes", "outbound_25": "yes", "tls12": "yes"})  # fmt: skip
    assert not advisor.is_valid()
    assert "0-9" in str(advisor.errors["messages_per_day"])


def test_the_setup_forms_dates_refuse_full_width_digits():
    form = SetupForm({"option": "oauth2", "secret_expires": "２０２７-03-31"}, option="oauth2")
    assert not form.is_valid()
    assert "0-9" in str(form.errors["secret_expires"])


@pytest.mark.parametrize("port", ["²", "٢٥", "2_5"])
def test_settings_refuse_ports_and_numbers_in_other_digits(monkeypatch, port):
    monkeypatch.setenv("X_PORTS", port)
    with pytest.raises(ImproperlyConfigured):
        env_ports("X_PORTS", "25")
    monkeypatch.setenv("X_INT", port)
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_NS", f"127.0.0.1:{port}")
    with pytest.raises(ImproperlyConfigured):
        parse_nameservers("X_NS")


# -- properties --------------------------------------------------------------------------------------


@PURE
@given(unicode_text(SIDS, max_size=5))
def test_property_a_sid_is_three_ascii_letters_or_digits(value):
    try:
        sid = normalise_sid(value)
        validate_sid(sid)
    except ValidationError:
        return
    assert re.fullmatch(r"[A-Z][A-Z0-9]{2}", sid) and _ascii(value)


@PURE
@given(unicode_text(CLIENTS, max_size=5))
def test_property_a_client_is_three_ascii_digits(value):
    if _outcome(validate_client, value):
        assert re.fullmatch(r"[0-9]{3}", value)


@PURE
@given(unicode_text(RELEASES))
def test_property_a_release_is_read_from_ascii_only(value):
    try:
        release = normalise_release(value)
    except ValidationError:
        release = "refused"
    if release not in (None, "refused"):
        assert 700 <= release <= 999 and _ascii(value)
    try:
        parsed = parse_release(value)
    except ValueError:
        return
    assert _ascii(value) and isinstance(parsed, int)


@PURE
@given(unicode_text(PORTS, max_size=6))
def test_property_ascii_int_agrees_with_a_plain_ascii_reading(value):
    number = ascii_int(value)
    if number is not None:
        assert re.fullmatch(r"[0-9]+", value) and number == int(value)


@PURE
@given(unicode_text(HOSTS, max_size=30))
def test_property_a_host_is_an_ascii_name_or_address(value):
    accepted = _outcome(validate_hostname, value)
    if accepted or is_host_name(value) or is_ip_literal(value):
        assert value.isascii() and not re.search(r"[\s%\x00-\x1f\x7f]", value.strip())


@PURE
@given(unicode_text(GUIDS, max_size=40))
def test_property_a_guid_or_tenant_is_ascii(value):
    for validator in (validate_guid, validate_tenant):
        if _outcome(validator, value):
            assert value.isascii() and not re.search(r"[\s\x00-\x1f]", value)
    if is_guid(value):
        assert _ascii(value)


@PURE
@given(unicode_text(ADDRESSES, max_size=30))
def test_property_an_address_is_ascii_and_agrees_with_the_connectors(value):
    if _outcome(validate_address, value):
        assert value.isascii() and is_email(value)


@PURE
@given(unicode_text(ZONES))
def test_property_a_zone_is_ascii(value):
    if _outcome(validate_zone, value):
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", value)


@PURE
@given(unicode_text(EGRESS, max_size=30))
def test_property_egress_ips_are_ascii_addresses(value):
    try:
        addresses = parse_egress_ips(value)
    except ValidationError:
        return
    assert all(address.isascii() and "%" not in address for address in addresses)


@PURE
@given(unicode_text(PORTS + RELEASES + DATES + SIDS + CLIENTS + GUIDS + HOSTS, max_size=20))
def test_property_every_csv_column_refuses_with_a_validation_error_or_reads_ascii(value):
    free_text = {"description", "owner", "connector", "client_secret"}
    for name, column in COLUMNS.items():
        try:
            parsed = column.parse(value)
        except ValidationError:
            continue
        if name not in free_text:
            assert _ascii(value), (name, value, parsed)


@pytest.mark.django_db
@PURE
@given(unicode_text(SIDS, max_size=5), unicode_text(CLIENTS, max_size=5), unicode_text(RELEASES, max_size=8))
def test_property_the_system_form_keeps_only_ascii_sids_clients_and_releases(sid, client, release):
    form = SystemForm({"sid": sid, "client": client, "basis_release": release})
    if form.is_valid():
        data = form.cleaned_data
        assert re.fullmatch(r"[A-Z][A-Z0-9]{2}", data["sid"]) and _ascii(sid)
        assert re.fullmatch(r"[0-9]{3}", data["client"]) and _ascii(client)
        assert data["basis_release"] is None or _ascii(release)


@PURE
@given(unicode_text(PORTS, max_size=8), unicode_text(DATES, max_size=12))
def test_property_the_setup_form_reads_ports_and_dates_from_ascii_only(port, expires):
    form = SetupForm(
        {"option": "relay_server", "smtp_host": "relay.contoso.com", "smtp_port": port}, option="relay_server"
    )
    if form.is_valid():
        assert form.cleaned_data["smtp_port"] is None or _ascii(port)
    dated = SetupForm({"option": "oauth2", "secret_expires": expires}, option="oauth2")
    dated.is_valid()
    if "secret_expires" not in dated.errors and dated.cleaned_data.get("secret_expires"):
        assert _ascii(expires)


@PURE
@given(unicode_text(PORTS, max_size=8))
def test_property_the_advisor_reads_message_counts_from_ascii_only(count):
    form = AdvisorForm({"product": "ecc", "messages_per_day": count, "messages_per_minute": count,
                        "external_recipients": "yes", "static_public_ip": "no", "outbound_587": "yes",
                        "outbound_25": "yes", "tls12": "yes"})  # fmt: skip
    if form.is_valid() and form.cleaned_data["messages_per_day"] is not None:
        assert _ascii(count)


@PURE
@given(unicode_text(PORTS, max_size=8))
def test_property_settings_read_ports_from_ascii_only(port):
    assume("\x00" not in port)  # the environment cannot carry a NUL
    os.environ["X_PORTS"], os.environ["X_NS"] = port, f"127.0.0.1:{port}"
    try:
        for read in (lambda: env_ports("X_PORTS", "25"), lambda: parse_nameservers("X_NS")):
            try:
                read()
            except ImproperlyConfigured:
                continue
            assert _ascii(port) or not port.strip(",")
    finally:
        del os.environ["X_PORTS"], os.environ["X_NS"]
