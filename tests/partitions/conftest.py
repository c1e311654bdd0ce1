"""Fixtures of the partitioning tests: the POS webhook and guest fixtures of pos/tests."""

from pos.tests.conftest import guest, make_guest, webhook

__all__ = ["guest", "make_guest", "webhook"]
