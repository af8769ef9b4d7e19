"""The SPF builder: one record, existing terms kept, redirect= and all respected, 10 lookups."""

from __future__ import annotations

from connectors.spf import LOOKUP_LIMIT, build_spf, count_lookups, is_spf, unquote

OUTLOOK = "spf.protection.outlook.com"


def test_a_domain_without_spf_gets_ip_include_and_softfail() -> None:
    result = build_spf(None, ips=["20.31.40.50"])
    assert result.record == "v=spf1 ip4:20.31.40.50 include:spf.protection.outlook.com ~all"
    assert result.added == ("ip4:20.31.40.50", "include:spf.protection.outlook.com")
    assert result.lookups == 1


def test_existing_includes_are_kept_and_the_new_ip_goes_with_the_other_ips() -> None:
    result = build_spf(
        "v=spf1 ip4:198.51.100.0/24 include:_spf.google.com include:mailgun.org ~all", ips=["20.31.40.50"]
    )
    assert result.record == (
        "v=spf1 ip4:198.51.100.0/24 ip4:20.31.40.50 include:_spf.google.com include:mailgun.org "
        "include:spf.protection.outlook.com ~all"
    )
    assert result.lookups == 3 and result.lookups_before == 2


def test_an_existing_outlook_include_is_not_added_twice() -> None:
    result = build_spf("v=spf1 include:SPF.Protection.Outlook.com -all", ips=["20.31.40.50"])
    assert result.record == "v=spf1 ip4:20.31.40.50 include:SPF.Protection.Outlook.com -all"
    assert result.added == ("ip4:20.31.40.50",)


def test_hardfail_stays_hardfail_and_softfail_stays_softfail() -> None:
    assert build_spf("v=spf1 mx -all", ips=["20.31.40.50"]).record.endswith(" -all")
    assert build_spf("v=spf1 mx ~all", ips=["20.31.40.50"]).record.endswith(" ~all")


def test_redirect_is_kept_and_no_all_is_added_next_to_it() -> None:
    result = build_spf("v=spf1 redirect=_spf.contoso.com", ips=["20.31.40.50"])
    assert result.record == "v=spf1 ip4:20.31.40.50 include:spf.protection.outlook.com redirect=_spf.contoso.com"
    assert "all" not in result.record.replace("redirect", "")
    assert any("redirect=" in note and "kept" in note for note in result.notes)
    assert any("_spf.contoso.com already includes" in note for note in result.notes)
    assert result.lookups == 2


def test_a_redirect_to_the_outlook_record_needs_no_include() -> None:
    result = build_spf(f"v=spf1 redirect={OUTLOOK}", ips=["20.31.40.50"])
    assert result.record == f"v=spf1 ip4:20.31.40.50 redirect={OUTLOOK}"


def test_redirect_next_to_all_is_pointed_out() -> None:
    result = build_spf("v=spf1 mx -all redirect=_spf.contoso.com", ips=[])
    assert any("no effect" in note for note in result.notes)


def test_several_spf_records_are_merged_into_one_and_the_note_says_delete_the_others() -> None:
    result = build_spf(
        ["v=spf1 include:_spf.google.com ~all", "MS=ms12345678", "v=spf1 ip4:198.51.100.7 -all"], ips=["20.31.40.50"]
    )
    assert result.record == (
        "v=spf1 include:_spf.google.com ip4:198.51.100.7 ip4:20.31.40.50 include:spf.protection.outlook.com ~all"
    )
    assert result.existing_records == 2
    assert any("2 SPF records" in note for note in result.notes)
    assert any("end differently" in note for note in result.notes)


def test_an_ip_already_covered_by_a_range_is_not_added() -> None:
    result = build_spf("v=spf1 ip4:20.31.40.0/24 include:spf.protection.outlook.com ~all", ips=["20.31.40.50"])
    assert result.record == "v=spf1 ip4:20.31.40.0/24 include:spf.protection.outlook.com ~all"
    assert result.added == ()
    assert not result.changed
    assert any("already covered by ip4:20.31.40.0/24" in note for note in result.notes)


def test_ipv6_addresses_and_ranges_become_ip6_terms() -> None:
    result = build_spf(None, ips=["2001:db8:1::25", "2001:db8:2::/48"])
    assert "ip6:2001:db8:1::25 ip6:2001:db8:2::/48" in result.record


def test_a_record_already_at_the_limit_goes_over_and_says_what_to_flatten() -> None:
    existing = (
        "v=spf1 a mx ptr include:a.example include:b.example include:c.example include:d.example "
        "include:e.example include:f.example exists:%{i}.x.example ~all"
    )
    assert count_lookups(existing) == LOOKUP_LIMIT
    result = build_spf(existing, ips=["20.31.40.50"])
    assert result.lookups == 11 and result.over_limit
    text = " ".join(result.notes)
    assert "over SPF's limit of 10" in text and "it had 10 before" in text
    assert "Remove ptr" in text
    assert "include:a.example" in text and "include:spf.protection.outlook.com" not in text.split("Candidates:")[1]


def test_a_record_reaching_exactly_ten_is_allowed_with_a_reminder_about_nested_lookups() -> None:
    existing = "v=spf1 " + " ".join(f"include:s{i}.example" for i in range(9)) + " -all"
    result = build_spf(existing, ips=[])
    assert result.lookups == 10 and not result.over_limit
    assert any("Lookups inside included records count too" in note for note in result.notes)


def test_ip_terms_cost_no_lookup_and_modifiers_other_than_redirect_neither() -> None:
    assert count_lookups("v=spf1 ip4:1.2.3.4 ip6:2001:db8::1 exp=explain.contoso.com -all") == 0
    assert count_lookups("v=spf1 a:mail.contoso.com mx/24 -include:x.example redirect=y.example") == 4


def test_plus_all_is_flagged_as_dangerous() -> None:
    assert any("any server" in note for note in build_spf("v=spf1 +all", ips=["20.31.40.50"]).notes)


def test_a_record_without_all_or_redirect_gets_softfail_and_a_note() -> None:
    result = build_spf("v=spf1 mx", ips=["20.31.40.50"])
    assert result.record.endswith(" ~all")
    assert any("neither an all term nor redirect=" in note for note in result.notes)


def test_quoted_and_split_txt_values_are_read_like_dns_returns_them() -> None:
    assert unquote('"v=spf1 ip4:1.2.3.4 " "include:x.example -all"') == "v=spf1 ip4:1.2.3.4 include:x.example -all"
    assert is_spf('"v=spf1 -all"') and not is_spf("v=spf10 -all") and not is_spf("google-site-verification=x")


def test_a_long_record_is_split_into_255_character_strings() -> None:
    ips = [f"20.31.{i}.{j}" for i in range(3) for j in range(10)]
    result = build_spf(None, ips=ips)
    parts = result.txt_strings()
    assert len(result.record) > 255 and len(parts) == 2
    assert all(len(part) <= 255 for part in parts) and "".join(parts) == result.record
    assert result.zone_value().count('"') == 4


def test_the_cloud_include_is_configurable() -> None:
    result = build_spf(None, ips=["20.31.40.50"], include="spf.protection.office365.us")
    assert result.record == "v=spf1 ip4:20.31.40.50 include:spf.protection.office365.us ~all"


def test_a_malformed_ip_is_left_out_with_a_note() -> None:
    result = build_spf(None, ips=["not-an-ip"])
    assert "not-an-ip" not in result.record
    assert any("not an IP address" in note for note in result.notes)


def test_a_quote_or_backslash_in_a_live_record_is_escaped_in_the_zone_line() -> None:
    result = build_spf('v=spf1 exists:%{i}.x"y\\z.example ~all')
    zone = result.zone_value()
    assert '\\"' in zone and "\\\\" in zone
    assert zone.count('"') - zone.count('\\"') == 2 * len(result.txt_strings())  # each string opens and closes once
