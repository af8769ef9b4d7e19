"""The error lookup's matcher: real-looking texts from SOST, SMICM, SAPconnect, Exchange Online and Entra ID
each find the catalogue entry that explains them."""

from __future__ import annotations

import pytest

from diagnostics.catalogue.lookup import match_text

REAL_TEXTS: list[tuple[str, str, str]] = [
    ("550 5.7.64 TenantAttribution; Relay Access Denied [AM4PEPF00027A5F.eurprd04.prod.outlook.com]", "5.7.64", "smtp"),
    ("451 4.4.62 Mail sent to the wrong Office 365 region. ATTR35. For more information please go to "
     "https://go.microsoft.com/fwlink/?LinkId=526653", "4.4.62", "smtp"),
    ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
     "https://aka.ms/smtp_auth_disabled for more information. [LO2P265CA0062.GBRP265.PROD.OUTLOOK.COM]", "5.7.139", "smtp"),
    ("550 5.7.30 Basic authentication is not supported for Client Submission.", "5.7.30", "smtp"),
    ("432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded [Hostname=AM0PR01MB1234.eurprd01.prod.exchangelabs.com]",
     "4.3.2", "smtp"),
    ("550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR01FT001.eop-EUR01.prod.protection.outlook.com]",
     "5.4.1", "smtp"),
    ("421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. Visit "
     "https://aka.ms/smtp_auth_tls", "4.7.66", "smtp"),
    ("530 5.7.57 Client not authenticated to send mail. [BN9PR03CA0101.namprd03.prod.outlook.com]", "5.7.57", "smtp"),
    ("550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization from unauthorized sources",
     "5.7.68", "smtp"),
    ("550 5.7.233 Your message can't be sent because your tenant exceeded its daily limit for sending email to "
     "external recipients (tenant external recipient rate limit)", "5.7.233", "smtp"),
    ("Message no. XS806\nNo delivery to ap@fabrikam.com, invalid recipient address", "XS806", "sapconnect"),
    ("No delivery as sender or receiver address is invalid", "XS855", "sapconnect"),
    ("No delivery to ap@fabrikam.com, as recipient unknown", "XS802", "sapconnect"),
    ("No information on delivery, status invalid (Message no. XS899)", "XS899", "sapconnect"),
    ("No delivery to sap-prd@contoso.com, authentication required", "XS853", "sapconnect"),
    ("Waiting for Retry", "sost.waiting_for_retry", "sost"),
    ("Still no entry in queue", "sost.no_queue_entry", "sost"),
    ("[Thr 140125905209088] *** ERROR => SSL handshake with smtp.office365.com:587 failed: "
     "SSSLERR_PEER_CERT_UNTRUSTED (-102)", "SSSLERR_PEER_CERT_UNTRUSTED", "icm"),
    ("[Thr 140484128118528] <<- ERROR: SapSSLSessionStartNB(sssl_hdl=7fc4e0001870)==SSSLERR_SERVER_CERT_MISMATCH",
     "SSSLERR_SERVER_CERT_MISMATCH", "icm"),
    ("*** WARNING => Connection request from (0/65/0) to host: smtp.office365.cm, service: 587 failed (NIEHOST_UNKNOWN)",
     "NIEHOST_UNKNOWN", "icm"),
    ("SSL certificate not trusted (ICM_HTTP_SSL_PEER_CERT_UNTRUSTED)", "ICM_HTTP_SSL_PEER_CERT_UNTRUSTED", "icm"),
    ("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client "
     "secret value, not the client secret ID", "AADSTS7000215", "aadsts"),
    ("AADSTS700016: Application with identifier '3f2e1d0c-4b5a-4678-9abc-def012345678' was not found in the "
     "directory 'Contoso'.", "AADSTS700016", "aadsts"),
    ("AADSTS53003: Access has been blocked by Conditional Access policies.", "AADSTS53003", "aadsts"),
    ("{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000222: The provided client secret keys for app "
     "'3f2e1d0c' are expired.\"}", "AADSTS7000222", "aadsts"),
    ("tls.certificate_untrusted", "tls.certificate_untrusted", "check"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "code", "kind"), REAL_TEXTS, ids=[case[1] for case in REAL_TEXTS])
def test_each_real_text_finds_its_catalogue_entry(text: str, code: str, kind: str) -> None:
    matches = match_text(text)
    assert matches, text
    assert (matches[0].entry.code, matches[0].kind) == (code, kind)
    assert matches[0].entry.meaning and matches[0].entry.remedy


def test_the_variant_of_a_shared_code_follows_the_reply_text() -> None:
    tenant = match_text("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.")
    basic = match_text("535 5.7.139 Authentication unsuccessful, basic authentication is disabled.")
    assert "whole tenant" in tenant[0].entry.meaning and "Basic authentication" in basic[0].entry.meaning


def test_a_sost_long_text_with_the_servers_reply_finds_both_in_order() -> None:
    text = (
        "Message no. XS806: No delivery to ap@fabrikam.com, invalid recipient address\n"
        "Information from external system: 550 5.4.1 Recipient address rejected: Access denied"
    )
    assert [m.entry.code for m in match_text(text)] == ["XS806", "5.4.1"]


def test_an_unknown_aadsts_code_still_gets_entras_generic_advice() -> None:
    [match] = match_text("AADSTS9002313: Invalid request. Request is malformed or invalid.")
    assert match.code == "AADSTS9002313" and "login.microsoftonline.com/error" in match.entry.remedy


def test_a_match_knows_the_codes_our_checks_store_for_the_same_fault() -> None:
    [match] = match_text("SSSLERR_PEER_CERT_UNTRUSTED")
    assert {"tls.certificate_untrusted", "tls.chain_incomplete"} <= set(match.codes)


@pytest.mark.parametrize("text", ["", "Mail queue is empty", "SAPconnect 7.50 installed, kernel 7.53", "x" * 20_000])
def test_text_without_a_known_code_matches_nothing(text: str) -> None:
    assert match_text(text) == []
