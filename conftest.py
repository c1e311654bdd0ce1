"""Root of the test suite: the shared fixtures live in tests/fixtures.py."""

pytest_plugins = ["tests.fixtures", "tests.browser"]
