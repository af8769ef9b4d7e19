"""What a finished run costs the database: a sweep ends hundreds of runs a minute, so the number of queries of
one run is a budget, not an accident (benchmarks/RESULTS.md). A query per check result, per runbook step or
per alert state would show here first."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diagnostics.models import DiagnosticRun
from portal.models import SapSystem
from portal.runs import create_run, execute_run

pytestmark = pytest.mark.django_db

QUERIES_PER_RUN = 20  # measured 17 on SQLite for a healthy OAuth system after its first run


def _run(system: SapSystem) -> tuple[DiagnosticRun, list[str]]:
    run = create_run(system, trigger=DiagnosticRun.Trigger.SCHEDULE)
    with CaptureQueriesContext(connection) as queries:
        done = execute_run(run.pk)
    return done, [query["sql"] for query in queries.captured_queries]


def test_a_repeated_run_stays_within_its_query_budget_whatever_the_number_of_checks(demo):
    prd = SapSystem.objects.get(sid="PRD", client="100")
    _run(prd)  # the first run starts the runbook and the alert state
    run, queries = _run(prd)
    assert run.verdict == "passed" and run.results.count() >= 12
    assert len(queries) <= QUERIES_PER_RUN, "\n".join(queries)
    per_result = [sql for sql in queries if "diagnostics_checkresult" in sql and sql.lstrip().startswith("SELECT")]
    assert len(per_result) <= 2, "\n".join(per_result)  # the previous root CA; never one result at a time
    inserts = [sql for sql in queries if sql.lstrip().startswith("INSERT") and "diagnostics_checkresult" in sql]
    assert 1 <= len(inserts) <= 3  # saved in batches, not an INSERT per check
