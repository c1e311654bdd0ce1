"""The database backend sends `SET search_path` only when the connection's path may differ from the wanted one."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from guests.models import Guest


def _statements_of_a_query() -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        Guest.objects.exists()
    return [query["sql"] for query in captured.captured_queries]


def _sets(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith("SET search_path")]


def test_switching_back_to_the_same_chain_sends_no_set(alpha):
    _statements_of_a_query()
    connection.set_schema_to_public()  # what the tenant middleware does at the start of every request
    connection.set_tenant(alpha.chain)
    assert _sets(_statements_of_a_query()) == []
    assert _session_schema() == alpha.chain.schema_name


def test_another_chain_gets_its_own_path_and_back_again(alpha, beta):
    _statements_of_a_query()
    connection.set_tenant(beta.chain)
    assert _sets(_statements_of_a_query()) == [f'SET search_path = "{beta.chain.schema_name}","public"']
    connection.set_tenant(alpha.chain)
    assert _sets(_statements_of_a_query()) == [f'SET search_path = "{alpha.chain.schema_name}","public"']


def _session_schema() -> str:
    """The first schema of the session's real search_path, read from PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)")
        return cursor.fetchone()[0][0]


def test_a_path_set_in_a_rolled_back_savepoint_is_set_again(alpha, beta):
    _statements_of_a_query()  # the session is on alpha's path
    try:
        with transaction.atomic():
            connection.set_tenant(beta.chain)
            _statements_of_a_query()  # SET to beta's path, which the rollback of the savepoint undoes
            raise RuntimeError("undo")
    except RuntimeError:
        pass
    _statements_of_a_query()  # the connection still serves beta
    assert _session_schema() == beta.chain.schema_name
