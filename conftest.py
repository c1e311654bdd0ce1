"""Root of the test suite: the shared fixtures live in tests/fixtures.py and tests/browser.py."""

import pytest

# tests.log_secrets: no secret in any log record of the bot, POS, billing and auth suites; tests.object_storage: a
# local S3 server and the chain_storage fixture (each file test once on S3, once on the file system).
pytest_plugins = ["tests.fixtures", "tests.browser", "tests.log_secrets", "tests.object_storage", "pytester"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that drive a real browser or real processes commit their data (a live server must see it), so they run
    last: nothing they leave behind can change what the rolled-back tests see."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None or item.get_closest_marker("processes") is not None
        )
    )
