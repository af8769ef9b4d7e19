from __future__ import annotations

import pytest

from portal.models import MailSetup
from tests.support.pages import finished_run, make_system

pytestmark = pytest.mark.django_db


def test_the_steps_are_grouped_by_where_with_copy_buttons_and_the_check_status(client, helpdesk, prd):
    finished_run(prd, "failed", key="oauth.token", summary="The client secret expired")
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    assert "Microsoft Entra admin center" in page
    assert "SAP GUI transactions" in page
    assert 'class="copy js-only' in page
    assert "11111111-2222-3333-4444-555555555555" in page
    assert 'href="/systems/PRD/100/#check-oauthtoken"' in page
    assert "The client secret expired" in page
    assert "never-show-me" not in page


def test_the_markdown_download_is_the_guide(client, manager, prd):
    client.force_login(manager)
    response = client.get("/systems/PRD/100/steps.md")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert 'filename="PRD-100-mail-steps.md"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# ") and "## Microsoft Entra admin center" in text
    assert "never-show-me" not in text


@pytest.mark.parametrize("option", ["oauth2", "smtp_basic", "direct_send", "relay_connector", "relay_server"])
def test_every_option_has_a_steps_page(client, helpdesk, option):
    make_system("DEV", "200", option=option, basis_release=740, product="ecc")
    client.force_login(helpdesk)
    assert client.get("/systems/DEV/200/steps/").status_code == 200
    assert client.get("/systems/DEV/200/steps.md").status_code == 200


def test_a_system_without_setup_says_there_are_no_steps(client, helpdesk):
    make_system("DEV", "200", option=None)
    client.force_login(helpdesk)
    assert "no steps to show" in client.get("/systems/DEV/200/steps/").content.decode()


def test_a_table_of_contents_names_each_place_and_each_section_folds(client, helpdesk, prd):
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    toc = page[page.index('<nav aria-label="Steps by place">') : page.index("</nav>", page.index("Steps by place"))]
    assert (
        '<a href="#where-1">' in toc and "Microsoft Entra admin center" in toc and "Exchange Online PowerShell" in toc
    )
    assert 'href="#script-setup"' in toc and 'href="#script-verify"' in toc
    assert page.count('<details class="where" id="where-') == toc.count('href="#where-')
    assert '<details class="where" id="where-1" open>' in page


def test_each_script_has_its_own_section_with_copy_and_a_ps1_download(client, manager, prd):
    client.force_login(manager)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    assert 'href="/systems/PRD/100/steps/scripts/setup.ps1"' in page
    assert 'href="/systems/PRD/100/steps/scripts/verify.ps1"' in page
    assert 'data-copy="script-text-setup"' in page
    response = client.get("/systems/PRD/100/steps/scripts/setup.ps1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="setup-smtp-oauth-prd-100.ps1"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Windows PowerShell 5.1 needs the BOM to read UTF-8
    assert "New-ServicePrincipal" in text and "never-show-me" not in text
    assert client.get("/systems/PRD/100/steps/scripts/nothing.ps1").status_code == 404


def test_a_script_download_of_an_option_without_scripts_is_a_404(client, manager):
    make_system("DEV", "200", option="direct_send")
    client.force_login(manager)
    assert client.get("/systems/DEV/200/steps/scripts/setup.ps1").status_code == 404


def test_a_placeholder_links_to_the_field_it_stands_for(client, basis_admin, helpdesk, prd):
    client.force_login(basis_admin)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    command = page[page.index("New-ServicePrincipal -AppId") :].split("</pre>")[0]
    assert (
        '<a class="placeholder" href="/systems/PRD/100/configuration/#id_service_principal_id">'
        "&lt;service_principal_id: set the Enterprise application Object ID field&gt;</a>" in command
    )
    client.force_login(helpdesk)  # may not edit: the placeholder is marked, not linked
    page = client.get("/systems/PRD/100/steps/").content.decode()
    assert '<mark class="placeholder">&lt;service_principal_id: set' in page
    assert 'href="/systems/PRD/100/configuration/#id_' not in page


def test_the_check_that_verifies_a_step_explains_itself(client, helpdesk, prd):
    client.force_login(helpdesk)
    page = client.get("/systems/PRD/100/steps/").content.decode()
    assert 'aria-describedby="tip-step-exchange.service_principal"><code class="key">smtp.auth</code>' in page
    assert "SMTP AUTH: the SAP system signing in to the mail server before it may send." in page


def test_the_spf_step_merges_the_domains_live_record_and_counts_its_lookups(client, helpdesk, dns_stays_on_loopback):
    dns_stays_on_loopback.records.add("contoso.com", "TXT", "v=spf1 include:_spf.salesforce.com -all")
    dns_stays_on_loopback.records.add("contoso.com", "TXT", "MS=ms12345678")
    system = make_system("DEV", "200", option="relay_connector")
    MailSetup.objects.filter(system=system).update(egress_ips=["20.31.40.50"])
    client.force_login(helpdesk)
    markdown = client.get("/systems/DEV/200/steps.md").content.decode()
    assert "| Current record | `v=spf1 include:_spf.salesforce.com -all` |" in markdown
    merged = "v=spf1 ip4:20.31.40.50 include:_spf.salesforce.com include:spf.protection.outlook.com -all"
    assert f"| Value | `{merged}` |" in markdown
    assert "| DNS lookups | 2 of the 10 SPF allows" in markdown
    assert "did not have the domain's current SPF record" not in markdown
    assert merged in client.get("/systems/DEV/200/steps/").content.decode()


def test_a_domain_without_spf_gets_a_new_record_and_no_merge_warning(client, helpdesk, dns_stays_on_loopback):
    dns_stays_on_loopback.records.add("contoso.com", "TXT", "MS=ms12345678")
    make_system("DEV", "200", option="direct_send")
    client.force_login(helpdesk)
    markdown = client.get("/systems/DEV/200/steps.md").content.decode()
    assert "| Current record | none published |" in markdown
    assert "did not have the domain's current SPF record" not in markdown


def test_when_dns_fails_the_spf_step_keeps_its_record_not_known_text(client, helpdesk, dns_stays_on_loopback):
    dns_stays_on_loopback.records.silence("contoso.com")  # the server never answers: the lookup times out
    make_system("DEV", "200", option="relay_connector")
    client.force_login(helpdesk)
    markdown = client.get("/systems/DEV/200/steps.md").content.decode()
    assert "did not have the domain's current SPF record" in markdown
    assert "Current record" not in markdown
