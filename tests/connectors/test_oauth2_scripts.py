"""The generated PowerShell: the verification reads only; both target the system's cloud."""

from __future__ import annotations

import re

import pytest

from connectors.oauth2_scripts import setup_script, verification_script
from connectors.options.oauth2 import steps
from connectors.powershell import quote
from tests.support.samples import CLIENT_ID, SP_OBJECT_ID, TODAY, config

ENVIRONMENTS = {
    "global": ("Global", "O365Default"),
    "gcc-high": ("USGov", "O365USGovGCCHigh"),
    "dod": ("USGovDoD", "O365USGovDoD"),
    "china": ("China", "O365China"),
}
# A statement that changes something: a mutating verb at the start of a pipeline element.
MUTATING = re.compile(
    r"(^|[|;{(=]\s*)(New|Set|Add|Remove|Update|Grant|Revoke|Enable|Disable|Install|Register)-[A-Z]\w*", re.MULTILINE
)


def _code_lines(script: str) -> str:
    """The script without comments and without the text inside quotes (messages may name cmdlets)."""
    without_block_comment = re.sub(r"<#.*?#>", "", script, flags=re.DOTALL)
    lines = [
        line.split("#", 1)[0] if not line.lstrip().startswith("#Requires") else ""
        for line in without_block_comment.splitlines()
    ]
    text = "\n".join(lines)
    text = re.sub(r"'[^']*'", "''", text)
    return re.sub(r'"[^"]*"', '""', text)


@pytest.mark.parametrize("cloud", sorted(ENVIRONMENTS))
def test_the_verification_script_changes_nothing(cloud: str) -> None:
    script = verification_script(config(cloud=cloud))
    assert script.read_only
    assert MUTATING.search(_code_lines(script.text)) is None


def test_the_mutation_detector_would_catch_a_change() -> None:
    assert MUTATING.search(_code_lines("Get-Foo\nSet-CASMailbox -Identity x\n"))
    assert MUTATING.search(_code_lines("$x = New-EntraApplication -DisplayName 'a'"))
    assert MUTATING.search(_code_lines("Get-X | Remove-Y"))
    assert not MUTATING.search(_code_lines("Write-Host 'run New-ServicePrincipal'  # Set-Foo"))


@pytest.mark.parametrize("cloud", sorted(ENVIRONMENTS))
def test_both_scripts_connect_to_the_systems_cloud(cloud: str) -> None:
    entra, exchange = ENVIRONMENTS[cloud]
    for script in (verification_script(config(cloud=cloud)), setup_script(config(cloud=cloud))):
        assert f"-Environment {entra} " in script.text
        assert f"Connect-ExchangeOnline -ExchangeEnvironmentName {exchange} " in script.text


def test_the_verification_script_uses_only_the_read_scope() -> None:
    text = verification_script(config()).text
    assert "-Scopes 'Application.Read.All'" in text
    assert "ReadWrite" not in text


def test_the_verification_script_carries_the_systems_ids() -> None:
    text = verification_script(config()).text
    assert f"$ClientId   = {quote(CLIENT_ID)}" in text
    assert f"$ExpectedSpObjectId = {quote(SP_OBJECT_ID)}" in text
    assert "$TenantId   = 'contoso.onmicrosoft.com'" in text
    assert "$Mailbox    = 'sap-prd@contoso.com'" in text
    assert "00000002-0000-0ff1-ce00-000000000000" in text  # Office 365 Exchange Online


@pytest.mark.parametrize(
    "what",
    [
        "App registration exists",
        "Enterprise application (service principal) exists",
        "Portal records the enterprise application Object ID",
        "API permission SMTP.SendAsApp",
        "Admin consent granted for SMTP.SendAsApp",
        "Client secret valid",
        "Service principal registered in Exchange Online with the right Object ID",
        "FullAccess for the service principal on the mailbox",
        "SMTP AUTH allowed for the tenant",
        "SMTP AUTH allowed for the mailbox",
    ],
)
def test_the_verification_prints_a_pass_or_fail_line_for_each_fact(what: str) -> None:
    assert "Write-Result (" in verification_script(config()).text
    assert f"'{what}" in verification_script(config()).text


def test_the_verification_checks_send_as_only_when_the_sender_differs_at_runtime() -> None:
    text = verification_script(config(sender="invoices@contoso.com")).text
    assert "$Sender     = 'invoices@contoso.com'" in text
    assert "Get-RecipientPermission -Identity $Sender -AccessRights SendAs" in text
    assert "if ($Sender -ne $Mailbox)" in text


def test_the_verification_checks_the_certificate_by_thumbprint_for_jwt() -> None:
    text = verification_script(config(credential="certificate", certificate_thumbprint="ab:cd:ef:01")).text
    assert "$Credential = 'certificate'" in text
    assert "$ExpectedThumbprint = 'ABCDEF01'" in text
    assert "'Certificate registered on the app and valid'" in text


def test_the_verification_exits_with_the_number_of_failures() -> None:
    assert verification_script(config()).text.rstrip().endswith("exit $script:Failures")


def test_the_setup_script_does_every_microsoft_step_for_the_system() -> None:
    text = setup_script(config()).text
    for fragment in (
        "New-EntraApplication -DisplayName $AppName",
        "$_.Value -eq 'SMTP.SendAsApp'",
        "New-EntraServicePrincipalAppRoleAssignment",
        "New-EntraApplicationPasswordCredential",
        "Set-CASMailbox -Identity $Mailbox -SmtpClientAuthenticationDisabled $false",
        "New-ServicePrincipal -AppId $app.AppId -ObjectId $sp.Id",
        "Add-MailboxPermission -Identity $Mailbox -User $sp.Id -AccessRights FullAccess",
        "Add-RecipientPermission -Identity $Sender -Trustee $sp.Id -AccessRights SendAs",
        f"$ClientId = {quote(CLIENT_ID)}",
        "https://login.microsoftonline.com/$TenantId/oauth2/v2.0/token",
    ):
        assert fragment in text, fragment
    assert not setup_script(config()).read_only


def test_the_setup_script_uploads_sap_certificate_for_jwt_instead_of_creating_a_secret() -> None:
    text = setup_script(config(credential="certificate", basis_release=757)).text
    assert "Set-EntraApplication -ApplicationId $app.Id -KeyCredentials" in text
    assert "New-EntraApplicationPasswordCredential" not in text


def test_the_setup_script_prints_the_china_token_endpoint_for_china() -> None:
    text = setup_script(config(cloud="china")).text
    assert "https://login.partner.microsoftonline.cn/$TenantId/oauth2/v2.0/token" in text
    assert "Scope:                            https://partner.outlook.cn/.default" in text


def test_scripts_quote_values_so_nothing_is_expanded() -> None:
    text = verification_script(config(mailbox="o'brien@contoso.com", sender="")).text
    assert "$Mailbox    = 'o''brien@contoso.com'" in text


def test_the_guide_ships_both_scripts_and_points_at_the_verification() -> None:
    guide = steps(config(), today=TODAY)
    assert [s.key for s in guide.scripts] == ["setup", "verify"]
    assert guide.script("verify").filename == "verify-smtp-oauth-prd-100.ps1"
    command = guide.step("exchange.verify_script").command
    assert command is not None and "verify-smtp-oauth-prd-100.ps1" in command.text


def test_missing_values_in_scripts_are_marked_placeholders() -> None:
    script = verification_script(config(client_id="", tenant=""))
    assert "$ClientId   = '<client_id: set the Client ID field>'" in script.text
    assert script.to_dict()["missing_fields"] == ["tenant", "client_id"]
