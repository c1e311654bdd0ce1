"""Database access for the POS pipeline's hot path, in three rooms: `cursors` (server-bound and prepared
statements), `fast_instances` (model instances without the constructor's per-field work) and `set_based_writes`
(many rows in one statement). Import from the room itself; see docs/hot-path.md."""
