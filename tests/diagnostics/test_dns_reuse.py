"""Scheduled runs share DNS answers for a short while (PORTAL_DNS_REUSE); a run a person starts never does."""

import time
import uuid
from dataclasses import replace

import dns.resolver
import pytest

from connectors.config import MailConfig
from diagnostics.context import Environment, RunContext, Target
from diagnostics.runner import environment


def _txt(env: Environment, name: str) -> list[str]:
    resolver = RunContext(Target(config=MailConfig(sid="PRD", client="100", option="oauth2")), env).resolver()
    return [b"".join(rr.strings).decode() for rr in resolver.resolve(name, "TXT", lifetime=env.timeout)]


@pytest.fixture
def name(lab_dns) -> str:
    """A TXT record of its own, so no other test's answers are in the way."""
    fresh = f"reuse-{uuid.uuid4().hex[:8]}.lab.test"
    lab_dns.records.replace(fresh, "TXT", "v=before", ttl=300)
    return fresh


def test_a_scheduled_run_reuses_an_answer_another_run_got_and_a_persons_run_asks_again(lab_dns, name):
    scheduled = Environment(nameservers=lab_dns.nameservers, timeout=2.0, dns_reuse=60, dns_fresh=False)
    assert _txt(scheduled, name) == ["v=before"]
    lab_dns.records.replace(name, "TXT", "v=after", ttl=300)
    assert _txt(scheduled, name) == ["v=before"]  # another run, the same worker: the answer of a moment ago
    assert _txt(replace(scheduled, dns_fresh=True), name) == ["v=after"]  # a person's run asks the server
    assert _txt(scheduled, name) == ["v=after"]  # and what it got is what the scheduled runs share from now on


def test_an_answer_is_kept_no_longer_than_the_period_even_when_its_ttl_is_longer(lab_dns, name):
    env = Environment(nameservers=lab_dns.nameservers, timeout=2.0, dns_reuse=1, dns_fresh=False)
    assert _txt(env, name) == ["v=before"]
    lab_dns.records.replace(name, "TXT", "v=after", ttl=300)
    time.sleep(1.2)
    assert _txt(env, name) == ["v=after"]


def test_answers_are_shared_only_between_runs_asking_the_same_name_servers(lab_dns, name):
    env = Environment(nameservers=lab_dns.nameservers, timeout=2.0, dns_reuse=60, dns_fresh=False)
    assert _txt(env, name) == ["v=before"]
    elsewhere = replace(env, nameservers=((lab_dns.host, 9),))  # the discard port: nobody answers
    with pytest.raises(dns.resolver.LifetimeTimeout):
        _txt(replace(elsewhere, timeout=0.3), name)


def test_the_runner_lets_only_scheduled_runs_reuse_answers(settings):
    settings.PORTAL_DNS_REUSE = 45
    assert (environment(scheduled=True).dns_reuse, environment(scheduled=True).dns_fresh) == (45, False)
    assert (environment().dns_reuse, environment().dns_fresh) == (45, True)
    settings.PORTAL_DNS_REUSE = 0
    assert environment(scheduled=True).dns_reuse == 0
