"""Fixtures of the restaurant tests: the POS tests' signed webhook, to give a restaurant checks (history)."""

from pos.tests.conftest import webhook  # noqa: F401
