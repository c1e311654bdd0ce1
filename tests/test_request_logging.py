"""Every response carries a request id, and log lines carry it with the chain being served."""

import io
import json
import logging
import logging.config

from django.conf import settings

from tests.fixtures import client_on


def test_response_has_a_generated_request_id(alpha):
    response = client_on(alpha.host).get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_incoming_request_id_is_kept_and_junk_is_replaced(alpha):
    assert client_on(alpha.host).get("/healthz", HTTP_X_REQUEST_ID="pos-abc-12345")["X-Request-ID"] == "pos-abc-12345"
    assert client_on(alpha.host).get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_json_log_lines_carry_request_id_and_chain(alpha):
    stream = io.StringIO()
    config = settings.LOGGING["formatters"]["json"]
    formatter = logging.config.DictConfigurator({}).configure_formatter(dict(config))
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(
        logging.config.DictConfigurator({}).configure_filter(dict(settings.LOGGING["filters"]["request_context"]))
    )
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client_on(alpha.host).get("/no-such-page/", HTTP_X_REQUEST_ID="trace-0001-abcd")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "trace-0001-abcd"
    assert line["chain"] == "alpha"
    assert line["level"] == "WARNING"
