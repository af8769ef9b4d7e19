"""The advisor: a recommendation with reasons, and every alternative with why not."""

from __future__ import annotations

import pytest

from connectors.advisor import AdvisorInput, advise


def facts(**changes: object) -> AdvisorInput:
    base: dict[str, object] = {
        "product": "s4_onprem",
        "basis_release": 757,
        "external_recipients": True,
        "static_public_ip": True,
        "outbound_587": True,
        "tls12": True,
        "messages_per_day": 2000,
        "messages_per_minute": 10,
    }
    return AdvisorInput(**{**base, **changes})  # type: ignore[arg-type]


def test_from_750_with_587_and_tls12_oauth_is_recommended() -> None:
    advice = advise(facts())
    assert advice.recommended is not None and advice.recommended.option == "oauth2"
    assert advice.credential == "certificate"
    assert {v.option for v in advice.alternatives} == {"smtp_basic", "direct_send", "relay_connector", "relay_server"}


def test_release_750_is_advised_a_client_secret() -> None:
    assert advise(facts(basis_release=750)).credential == "secret"


def test_every_alternative_says_why_not() -> None:
    advice = advise(facts())
    for verdict in advice.alternatives:
        assert verdict.reasons, verdict.option
    assert not advice.verdict("direct_send").suitable
    assert "550 5.7.64" in " ".join(advice.verdict("direct_send").reasons)
    assert "retiring" in advice.verdict("smtp_basic").reasons[0]
    assert advice.verdict("relay_connector").reasons[0].startswith("Also possible, but SMTP OAuth 2.0")


@pytest.mark.parametrize(
    ("changes", "expected", "reason"),
    [
        ({"basis_release": 740}, "relay_connector", "7.40 has no SMTP OAuth 2.0"),
        ({"basis_release": 740, "external_recipients": False}, "direct_send", "7.40"),
        ({"basis_release": 740, "static_public_ip": False, "tls12": False}, "relay_server", "7.40"),
        ({"outbound_587": False}, "relay_connector", "Port 587"),
        ({"tls12": False}, "relay_server", "TLS 1.2"),
        ({"basis_release": None}, "relay_connector", "release is unknown"),
    ],
)
def test_without_oauth_the_advisor_falls_back_and_says_why(
    changes: dict[str, object], expected: str, reason: str
) -> None:
    advice = advise(facts(**changes))
    assert advice.recommended is not None and advice.recommended.option == expected
    assert reason in " ".join(advice.verdict("oauth2").reasons)
    assert advice.credential is None


def test_a_relay_for_an_sap_without_tls_1_2_says_that_hop_goes_unencrypted() -> None:
    reasons = " ".join(advise(facts(tls12=False)).verdict("relay_server").reasons)
    assert "without TLS on your internal network" in reasons and "SAP Note 510007" in reasons
    assert "without TLS on your internal network" not in " ".join(advise(facts()).verdict("relay_server").reasons)


def test_without_a_static_ip_a_connector_can_still_match_a_certificate() -> None:
    advice = advise(facts(basis_release=740, static_public_ip=False))
    assert advice.recommended is not None and advice.recommended.option == "relay_connector"
    assert "certificate" in " ".join(advice.recommended.reasons)


def test_internal_only_without_a_static_ip_still_gets_direct_send_with_the_spf_caveat() -> None:
    advice = advise(facts(basis_release=740, external_recipients=False, static_public_ip=False))
    assert advice.recommended is not None and advice.recommended.option == "direct_send"
    assert "junk" in " ".join(advice.recommended.reasons)


def test_port_25_closed_rules_out_the_mx_route() -> None:
    advice = advise(facts(basis_release=740, outbound_25=False))
    assert advice.recommended is not None and advice.recommended.option == "relay_server"
    assert "Port 25" in " ".join(advice.verdict("relay_connector").reasons)


@pytest.mark.parametrize(("per_day", "per_minute"), [(25_000, 10), (500, 120)])
def test_volume_over_exchange_limits_rules_out_client_submission_and_names_a_bulk_provider(
    per_day: int, per_minute: int
) -> None:
    advice = advise(facts(messages_per_day=per_day, messages_per_minute=per_minute))
    assert advice.recommended is not None and advice.recommended.option == "relay_connector"
    why_not = " ".join(advice.verdict("oauth2").reasons)
    assert "10,000 recipients per day" in why_not or "30 per minute" in why_not
    assert any("bulk e-mail provider" in note and "SendGrid" in note for note in advice.notes)


def test_the_three_connection_limit_is_mentioned_for_oauth() -> None:
    assert any("3 concurrent connections" in note for note in advise(facts()).notes)


def test_btp_abap_gets_oauth_with_jwt_or_a_relay_through_the_cloud_connector() -> None:
    advice = advise(facts(product="btp_abap", basis_release=None, outbound_587=False, tls12=False))
    assert advice.recommended is not None and advice.recommended.option == "oauth2"
    assert "SAP_COM_0548" in advice.recommended.reasons[0]
    assert advice.credential == "certificate"
    assert [v.option for v in advice.alternatives if v.suitable] == ["relay_server"]
    assert "Cloud Connector" in advice.verdict("relay_server").reasons[1]


def test_s4hana_cloud_public_edition_is_managed_by_sap() -> None:
    advice = advise(facts(product="s4_public", basis_release=None))
    assert advice.recommended is not None and advice.recommended.option == "oauth2"
    assert "SAP operates" in advice.recommended.reasons[0]
    assert advice.credential is None  # nothing for the customer to choose
    assert all(not v.suitable for v in advice.alternatives)


def test_mass_mail_from_btp_goes_through_a_relay_not_the_mailbox() -> None:
    advice = advise(facts(product="btp_abap", messages_per_day=100_000))
    assert advice.recommended is not None and advice.recommended.option == "relay_server"
    assert not advice.verdict("oauth2").suitable


def test_basic_authentication_is_never_recommended() -> None:
    for release in (702, 740, 750, 757):
        for external in (True, False):
            advice = advise(
                facts(
                    basis_release=release,
                    external_recipients=external,
                    static_public_ip=False,
                    tls12=False,
                    outbound_25=False,
                )
            )
            assert advice.recommended is None or advice.recommended.option != "smtp_basic"


def test_advice_renders_as_json_ready_data() -> None:
    data = advise(facts()).to_dict()
    assert data["recommended"]["option"] == "oauth2"
    assert len(data["alternatives"]) == 4
    assert isinstance(data["notes"], list)


def test_a_big_external_run_goes_through_a_relay_connector_and_names_the_tenants_external_limit() -> None:
    advice = advise(facts(messages_per_day=40_000))
    note = next(note for note in advice.notes if note.startswith("Volume:"))
    assert "relay connector" in note and "550 5.7.233" in note and "500 recipients per message" in note


def test_a_big_internal_run_is_pointed_at_high_volume_email_with_its_unverified_parts_flagged() -> None:
    advice = advise(facts(external_recipients=False, messages_per_day=40_000))
    note = next(note for note in advice.notes if note.startswith("Volume:"))
    assert "High Volume Email" in note and "cannot leave Basic authentication" in note
    assert "Unverified" in note and "high-volume-mails-m365" in note
