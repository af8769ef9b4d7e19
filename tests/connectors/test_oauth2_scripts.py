"""The generated PowerShell: the verification reads only; both target the system's cloud."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.oauth2_scripts import setup_script, verification_script
from connectors.options.oauth2 import steps
from connectors.powershell import ScriptTemplate, read_template, render_script
from connectors.quoting import powershell_literal as quote
from tests.support import powershell_strings
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
        assert f"$EntraEnvironment    = '{entra}'" in script.text
        assert "Connect-Entra -TenantId $TenantId -Environment $EntraEnvironment " in script.text
        assert f"$ExchangeEnvironment = '{exchange}'" in script.text
        assert "Connect-ExchangeOnline -ExchangeEnvironmentName $ExchangeEnvironment " in script.text


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
        "$LoginBase = 'https://login.microsoftonline.com'",
        'Write-Host "Token endpoint:                   $LoginBase/$TenantId/oauth2/v2.0/token"',
    ):
        assert fragment in text, fragment
    assert not setup_script(config()).read_only


def test_the_setup_script_uploads_sap_certificate_for_jwt_instead_of_creating_a_secret() -> None:
    text = setup_script(config(credential="certificate", basis_release=757)).text
    assert "Set-EntraApplication -ApplicationId $app.Id -KeyCredentials" in text
    assert "New-EntraApplicationPasswordCredential" not in text


def test_the_setup_script_prints_the_china_token_endpoint_for_china() -> None:
    text = setup_script(config(cloud="china")).text
    assert "$LoginBase = 'https://login.partner.microsoftonline.cn'" in text
    assert "$LoginBase/$TenantId/oauth2/v2.0/token" in text
    assert "$Scope     = 'https://partner.outlook.cn/.default'" in text
    assert 'Write-Host "Scope:                            $Scope"' in text


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


# --- the templates (issue 9.6): every value is a quoted literal, every placeholder is filled ------

TEMPLATES = {"oauth2_setup.ps1": {"certificate": False, "secret": True}, "oauth2_verify.ps1": {}}
ASSIGNMENT = re.compile(r"^\$\w+ *= (?:\[int\])?\$\{(?P<name>[a-z_]+)\}(?:  # .*)?$")
CANARY = "Remove-InboundConnector"


def _placeholders(name: str) -> set[str]:
    return set(ScriptTemplate(read_template(name)).get_identifiers())


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_values_enter_a_template_only_as_the_right_side_of_an_assignment(name: str) -> None:
    lines = [line for line in read_template(name).splitlines() if "${" in line]
    assert lines, "the template takes values"
    for line in lines:
        assert ASSIGNMENT.match(line), line


@pytest.mark.parametrize("script", [setup_script, verification_script], ids=["setup", "verify"])
@pytest.mark.parametrize("credential", ["secret", "certificate"])
def test_every_placeholder_is_filled_and_no_section_marker_is_left(script, credential: str) -> None:
    text = script(config(credential=credential, tenant="", client_id="")).text
    assert re.search(r"\$\{[a-z]", text) is None
    assert "#region" not in text and "#endregion" not in text
    assert "${" not in text


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_missing_or_stray_value_is_refused_not_left_as_a_placeholder(name: str) -> None:
    values = dict.fromkeys(_placeholders(name), "x")
    missing = dict(values)
    missing.pop(sorted(values)[0])
    with pytest.raises(KeyError, match="no value for"):
        render_script(name, values=missing, sections=TEMPLATES[name])
    with pytest.raises(KeyError, match="no placeholder for"):
        render_script(name, values={**values, "stray": "x"}, sections=TEMPLATES[name])
    with pytest.raises(KeyError, match="section"):
        render_script(name, values=values, sections={**TEMPLATES[name], "nonsense": True})


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [(name, placeholder) for name in sorted(TEMPLATES) for placeholder in sorted(_placeholders(name))],
)
def test_no_value_reaches_a_script_other_than_as_one_quoted_literal(name: str, placeholder: str) -> None:
    for quote_char in "'\u2018\u2019\u201a\u201b\"\u201c\u201d\u201e":
        hostile = f"X{quote_char}; {CANARY} $(x) `$y #> <# #"
        values = {**dict.fromkeys(_placeholders(name), "benign"), placeholder: hostile}
        text = render_script(name, values=values, sections=TEMPLATES[name])
        reading = powershell_strings.read(text)
        index = text.find(CANARY)
        assert index >= 0 and text.count(CANARY) == 1
        literal = reading.literal_at(index)
        assert literal is not None and literal.value == hostile and not literal.ambiguous


def test_the_templates_are_found_beside_the_module_from_any_working_directory(tmp_path) -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "from connectors.config import MailConfig; from connectors.oauth2_scripts import setup_script;"
        "print(setup_script(MailConfig(sid='PRD', client='100', option='oauth2')).text)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "$System   = 'PRD/100'" in result.stdout


def test_values_inside_a_directory_filter_double_their_quotes_for_odata() -> None:
    # The filter is OData inside a PowerShell string: a quote in the value would end the OData literal.
    for script in (setup_script(config()), verification_script(config())):
        filters = [
            line
            for line in script.text.splitlines()
            if "-Filter" in line and ("$ClientId" in line or "$AppName" in line)
        ]
        assert filters
        assert all('-replace "\'", "\'\'"' in line for line in filters), filters
