"""The plan executor, with small stand-in checks (the engine is what is under test here)."""

import threading
import time

from connectors.config import MailConfig
from connectors.plan import PlannedCheck as P
from diagnostics.context import Environment, RunContext, Target
from diagnostics.engine import run_plan
from diagnostics.findings import Finding, Status


def _ctx(secret: str | None = None) -> RunContext:
    return RunContext(Target(MailConfig(sid="PRD", client="100", option="oauth2"), secret=secret), Environment())


def _returns(status: Status, summary: str = "done", delay: float = 0.0):
    def check(ctx: RunContext) -> Finding:
        time.sleep(delay)
        return Finding("ignored", status, summary)

    return check


def test_a_failed_dependency_skips_its_dependents_and_says_which():
    plan = [P("a"), P("b", after=("a",)), P("c", after=("b",)), P("d")]
    checks = {
        "a": _returns(Status.FAIL),
        "b": _returns(Status.PASS),
        "c": _returns(Status.PASS),
        "d": _returns(Status.PASS),
    }
    findings = run_plan(plan, _ctx(), checks)
    assert [(f.key, f.status) for f in findings] == [
        ("a", Status.FAIL), ("b", Status.SKIPPED), ("c", Status.SKIPPED), ("d", Status.PASS),
    ]  # fmt: skip
    assert "a did not pass (fail)" in findings[1].summary
    assert "b did not pass (skipped)" in findings[2].summary


def test_a_warning_lets_dependents_run():
    findings = run_plan(
        [P("a"), P("b", after=("a",))], _ctx(), {"a": _returns(Status.WARN), "b": _returns(Status.PASS)}
    )
    assert findings[1].status == Status.PASS


def test_independent_checks_run_at_the_same_time():
    started = threading.Barrier(3, timeout=5)

    def meet(ctx: RunContext) -> Finding:
        started.wait()  # only returns when all three run concurrently
        return Finding("x", Status.PASS, "met")

    findings = run_plan([P("a"), P("b"), P("c")], _ctx(), {"a": meet, "b": meet, "c": meet})
    assert {f.status for f in findings} == {Status.PASS}


def test_the_time_budget_ends_a_hanging_run_without_waiting_for_it():
    release = threading.Event()

    def hang(ctx: RunContext) -> Finding:
        release.wait(10)
        return Finding("slow", Status.PASS, "late")

    plan = [P("fast"), P("slow"), P("after_slow", after=("slow",))]
    began = time.monotonic()
    findings = run_plan(
        plan, _ctx(), {"fast": _returns(Status.PASS), "slow": hang, "after_slow": _returns(Status.PASS)}, budget=0.5
    )
    release.set()
    assert time.monotonic() - began < 3
    assert [(f.key, f.status) for f in findings] == [
        ("fast", Status.PASS), ("slow", Status.ERROR), ("after_slow", Status.SKIPPED),
    ]  # fmt: skip
    assert findings[1].code == "run.budget"


def test_a_check_that_raises_becomes_an_error_finding_and_the_run_goes_on():
    def broken(ctx: RunContext) -> Finding:
        raise RuntimeError("bug with hunter2 inside")

    findings = run_plan([P("a"), P("b")], _ctx(), {"a": broken, "b": _returns(Status.PASS)})
    assert findings[0].status == Status.ERROR
    assert "RuntimeError" in findings[0].summary
    assert "hunter2" not in findings[0].summary
    assert findings[1].status == Status.PASS


def test_findings_are_reported_as_they_finish_with_their_duration():
    seen = []
    run_plan(
        [P("a"), P("b", after=("a",))],
        _ctx(),
        {"a": _returns(Status.PASS, delay=0.05), "b": _returns(Status.PASS)},
        on_findings=seen.append,
    )
    assert [[f.key for f in batch] for batch in seen] == [["a"], ["b"]]
    assert seen[0][0].duration_ms >= 50


def test_findings_come_in_batches_yet_none_waits_for_a_slow_check_longer_than_the_period():
    """Quick checks are saved together; a slow one does not hold back what finished before it."""
    seen: list[tuple[float, list[str]]] = []
    began = time.monotonic()
    plan = [P("a"), P("b"), P("c"), P("slow")]
    checks = {
        "a": _returns(Status.PASS),
        "b": _returns(Status.PASS, delay=0.02),
        "c": _returns(Status.PASS, delay=0.04),
        "slow": _returns(Status.PASS, delay=1.0),
    }
    findings = run_plan(
        plan, _ctx(), checks, on_findings=lambda batch: seen.append((time.monotonic() - began, [f.key for f in batch])),
        report_every=0.3,
    )  # fmt: skip
    assert [f.key for f in findings] == ["a", "b", "c", "slow"]
    assert sorted(key for _, keys in seen for key in keys) == ["a", "b", "c", "slow"]  # each once
    quick = [at for at, keys in seen if "c" in keys][0]
    assert quick < 0.7, seen  # reported within the period after it finished, not at the slow check's end
    assert seen[-1][1] == ["slow"] and seen[-1][0] >= 1.0
    assert len(seen) <= 3, seen  # a, b and c did not cost a save each


def test_a_secret_never_leaves_a_check_even_base64_encoded():
    def leaky(ctx: RunContext) -> Finding:
        return Finding("x", Status.FAIL, "server said s3cr3t-Value", evidence="AUTH PLAIN czNjcjN0LVZhbHVl")

    finding = run_plan([P("a")], _ctx(secret="s3cr3t-Value"), {"a": leaky})[0]
    assert "s3cr3t-Value" not in finding.summary
    assert "czNjcjN0LVZhbHVl" not in finding.evidence
    assert "[redacted]" in finding.summary


def test_an_unknown_check_key_is_an_error_not_a_crash():
    finding = run_plan([P("nope")], _ctx(), {})[0]
    assert (finding.status, finding.code) == (Status.ERROR, "internal")


def test_checks_that_wait_on_each_other_end_as_errors_instead_of_spinning():
    plan = [P("a", after=("b",)), P("b", after=("a",)), P("c")]
    began = time.monotonic()
    findings = run_plan(
        plan, _ctx(), {"a": _returns(Status.PASS), "b": _returns(Status.PASS), "c": _returns(Status.PASS)}, budget=5
    )
    assert time.monotonic() - began < 2
    assert [(f.key, f.status) for f in findings] == [("a", Status.ERROR), ("b", Status.ERROR), ("c", Status.PASS)]


def test_a_key_planned_twice_runs_once():
    calls = []

    def count(ctx: RunContext) -> Finding:
        calls.append(1)
        return Finding("a", Status.PASS, "ok")

    findings = run_plan([P("a"), P("a")], _ctx(), {"a": count})
    assert [f.key for f in findings] == ["a"] and len(calls) == 1
