"""Migration operations for indexes on large chain tables: built without locking out writes where the table may
hold data (AddIndexOnline), and those that need a PostgreSQL extension the server may lack (pg_trgm for guest
search: the embedded server of `make run`, pgserver, ships no contrib extensions).

Extensions are per database, and django-tenants gives every chain the search path "<chain schema>, public":
an extension created without a schema would land in the first chain's schema that migrates, invisible to the
others. So it is always created in `public`, which every chain's search path ends with.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


def extension_installed(connection: BaseDatabaseWrapper, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = %s)", [name])
        return bool(cursor.fetchone()[0])


def extension_available(connection: BaseDatabaseWrapper, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = %s)", [name])
        return bool(cursor.fetchone()[0])


class CreateExtensionIfAvailable(migrations.operations.base.Operation):
    """CREATE EXTENSION IF NOT EXISTS <name> SCHEMA public, when the server has the extension; nothing otherwise
    (what needs it then checks extension_installed). Not undone backwards: other chains' schemas may use it."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, name: str) -> None:
        self.name = name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        connection = schema_editor.connection
        if not extension_available(connection, self.name) or extension_installed(connection, self.name):
            return
        schema_editor.execute(f"CREATE EXTENSION IF NOT EXISTS {schema_editor.quote_name(self.name)} SCHEMA public")

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        pass

    def describe(self) -> str:
        return f"Create extension {self.name} where the server has it"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {"name": self.name}


class AddIndexOnline(migrations.AddIndex):
    """AddIndex built CONCURRENTLY when the migration runs outside a transaction (an existing chain, whose table may
    hold a million guests that the POS keeps writing: a plain CREATE INDEX would hold their writes for the whole
    build); built plainly inside one (a new chain's schema is created and migrated in one transaction, its tables
    empty). The migration using it says `atomic = False`."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        online = not schema_editor.connection.in_atomic_block
        if online:
            schema_editor.add_index(model, self.index, concurrently=True)  # type: ignore[call-arg]  # PostgreSQL's editor
            return
        # Inside a transaction that wrote rows (a migration run in a test, or backwards and forwards again), their
        # deferred foreign key checks would make PostgreSQL refuse the index: they run now, and defer again after.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.add_index(model, self.index)
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class AddIndexIfExtension(AddIndexOnline):
    """AddIndexOnline for an index that needs an extension's operator class (gin_trgm_ops): skipped, with the model
    state still recording it, where the extension is not installed. Removing it backwards tolerates its absence
    (PostgreSQL's DROP INDEX IF EXISTS)."""

    def __init__(self, model_name: str, index: Any, extension: str) -> None:
        super().__init__(model_name, index)
        self.extension = extension

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if extension_installed(schema_editor.connection, self.extension):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        _name, args, kwargs = super().deconstruct()
        return self.__class__.__qualname__, list(args), {**kwargs, "extension": self.extension}
