"""Each vocabulary is defined once; the models, forms, import and pages read it from there."""

from datetime import date

import pytest

from connectors.advisor import AdvisorInput, advise
from connectors.clouds import CLOUDS
from connectors.config import CREDENTIALS, TLS_MODES, MailConfig
from connectors.products import PRODUCT_LABELS, ROLE_LABELS
from connectors.registry import OPTIONS, guide_for
from diagnostics.findings import Status
from diagnostics.models import CheckResult
from portal.models import Health, MailSetup, SapSystem
from portal.system_import import COLUMNS


def _choices(model, name):
    return dict(model._meta.get_field(name).choices)


def test_the_models_choices_are_the_connectors_vocabularies():
    assert _choices(MailSetup, "option") == {code: option.label for code, option in OPTIONS.items()}
    assert _choices(MailSetup, "upstream_option") == _choices(MailSetup, "option")
    assert _choices(MailSetup, "cloud") == {code: cloud.label for code, cloud in CLOUDS.items()}
    assert _choices(MailSetup, "tls") == TLS_MODES
    assert _choices(MailSetup, "credential") == CREDENTIALS
    assert _choices(SapSystem, "product") == PRODUCT_LABELS
    assert _choices(SapSystem, "role") == ROLE_LABELS


def test_a_check_result_stores_the_findings_statuses_with_their_labels():
    assert _choices(CheckResult, "status") == {status.value: status.label for status in Status}
    assert Status.WARN.label == "warning"


@pytest.mark.parametrize("code", list(OPTIONS))
def test_an_options_label_is_the_same_in_the_advisor_the_import_and_the_model(code):
    label = OPTIONS[code].label
    facts = AdvisorInput("s4_onprem", 758, True, True, True, True)
    assert advise(facts).verdict(code).label == label
    assert COLUMNS["option"].parse(label.upper()) == code
    assert MailSetup(option=code).get_option_display() == label
    assert guide_for(MailConfig("PRD", "100", code), today=date(2026, 11, 30)).option_label == label


def test_every_health_state_says_what_it_means_and_how_it_is_counted():
    for state in Health:
        assert state.label and state.meaning and state.counted
    assert [value for value, _ in Health.filter_choices()] == ["green", "amber", "red", "stale", "unknown"]
    assert SapSystem().health_state == Health.UNKNOWN  # not annotated: never checked
