"""django-tenants' PostgreSQL backend, minus the `SET search_path` when the connection already has that path.

django-tenants forgets the applied search_path on every set_tenant() (its middleware calls it twice per request:
public, then the chain's schema), so with persistent connections every request starts with a SET round trip.
Here the path last applied on this connection is remembered until something may have undone it (closing, a
rollback, a rollback to a savepoint, a new connection), and the SET is skipped when the wanted path is the same.
The POS webhook's acknowledgement is then one INSERT.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    applied_search_paths: list[str] | None = None  # what the session's search_path is known to be

    def _handle_search_path(self, cursor: Any = None) -> None:
        if (
            not self._setting_search_path
            and self.search_path_set_schemas is None
            and self.schema_name
            and self.applied_search_paths is not None
            and self.applied_search_paths == self._get_cursor_search_paths()
        ):
            self.search_path_set_schemas = self.applied_search_paths
            return
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas is not None:
            self.applied_search_paths = self.search_path_set_schemas

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self.applied_search_paths = None
        return super().get_new_connection(conn_params)

    def close(self) -> None:
        self.applied_search_paths = None
        super().close()

    def rollback(self) -> None:
        self.applied_search_paths = None  # a SET inside the transaction is undone with it
        super().rollback()

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self.applied_search_paths = None
