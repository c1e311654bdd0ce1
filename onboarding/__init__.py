"""A new chain's first hour (issue #28): the setup checklist on the dashboard and its own page, computed from the
chain's data, until an owner or admin dismisses it."""
