"""A background job's query over a chain's whole history (the liability's cohorts) runs with room to sort
(ANALYTICS_HEAVY_QUERY_WORK_MEM) and without JIT, for that query only: the connection's later queries get the
settings they had."""

from __future__ import annotations

from django.db import connection

from analytics.routers import fetch_rows, fetch_rows_of_heavy_query

SETTINGS_SQL = "SELECT current_setting('work_mem'), current_setting('jit')"


def test_the_heavy_query_gets_its_settings_for_its_transaction_only(alpha, settings) -> None:
    settings.ANALYTICS_HEAVY_QUERY_WORK_MEM = "96MB"
    before = fetch_rows(SETTINGS_SQL, [], connection)

    assert fetch_rows_of_heavy_query(SETTINGS_SQL, [], connection) == [("96MB", "off")]

    assert fetch_rows(SETTINGS_SQL, [], connection) == before
    assert before[0][0] != "96MB"
