"""The name that keeps one deployment's Redis keys and Celery queue apart from another's on the same Redis."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def deployment_name_for(database: Mapping[str, object]) -> str:
    """A short stable name from where the database lives: same database, same deployment; else different."""
    where = "|".join(str(database.get(key) or "") for key in ("HOST", "PORT", "NAME"))
    digest = hashlib.sha256(where.encode()).hexdigest()[:10]
    return f"{database.get('NAME') or 'db'}-{digest}"
