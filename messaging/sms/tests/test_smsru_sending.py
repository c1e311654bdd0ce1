"""Sending through SMS.ru's HTTP API against a fake SMS.ru: the form it receives (the key never in the URL), the
per-number answer read, and each refusal classified as temporary (retry) or permanent (do not)."""

from __future__ import annotations

from typing import Any

import pytest

from messaging.sms.providers import (
    FailureReason,
    SmsConfig,
    SmsPermanentError,
    SmsTemporaryError,
    provider_for,
)
from messaging.sms.providers.smsru import SmsRuProvider
from messaging.sms.tests.conftest import CALLBACK_TOKEN
from messaging.sms.tests.fake_sms_providers import Answer, FakeSmsRu


def test_a_send_posts_the_number_the_text_and_the_sender_and_returns_the_sms_id(
    smsru: FakeSmsRu, smsru_config: SmsConfig
) -> None:
    text = "Ваш столик готов. Ждём вас в MaxCafe на Тверской! " * 2  # 102 Cyrillic characters: 2 parts

    sent = provider_for(smsru_config).send(to="8 916 123-45-67", text=text)

    (request,) = smsru.received
    assert (request.path, request.query) == ("/sms/send", "")
    assert request.form == {
        "api_id": smsru.api_id,
        "json": "1",
        "to": "79161234567",
        "msg": text,
        "from": "MaxCafe",
    }
    assert sent.provider_message_id.startswith("000000-")
    assert sent.parts == 2


def test_a_sender_given_for_one_message_replaces_the_chains(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    provider_for(smsru_config).send(to="+79161234567", text="Hi", sender="MaxBar")

    assert smsru.received[0].form["from"] == "MaxBar"


def test_a_refused_api_id_is_permanent(smsru: FakeSmsRu) -> None:
    config = SmsConfig(provider="smsru", smsru_api_id="not-the-api-id", callback_token=CALLBACK_TOKEN)

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(config).send(to="+79161234567", text="Hi")

    assert (refused.value.reason, refused.value.provider_code) == (FailureReason.AUTH_FAILED, "200")


def test_a_number_smsru_calls_invalid_is_permanent(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    smsru.invalid_numbers.add("79161234567")

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(smsru_config).send(to="+79161234567", text="Hi")

    assert (refused.value.reason, refused.value.provider_code) == (FailureReason.INVALID_NUMBER, "202")


def test_a_number_on_the_stop_list_is_a_permanent_opt_out(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    smsru.stoplist.add("79161234567")

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(smsru_config).send(to="+79161234567", text="Hi")

    assert refused.value.opted_out


@pytest.mark.parametrize(
    ("code", "reason"),
    [(201, FailureReason.INSUFFICIENT_FUNDS), (204, FailureReason.SENDER_NOT_ALLOWED), (203, FailureReason.REJECTED)],
)
def test_other_refusals_are_permanent(
    smsru: FakeSmsRu, smsru_config: SmsConfig, code: int, reason: FailureReason
) -> None:
    smsru.refuse_next(code, "Отказ")

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(smsru_config).send(to="+79161234567", text="Hi")

    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (220, FailureReason.PROVIDER_UNAVAILABLE),
        (500, FailureReason.PROVIDER_UNAVAILABLE),
        (206, FailureReason.RATE_LIMITED),
        (231, FailureReason.RATE_LIMITED),
    ],
)
def test_outages_and_limits_smsru_reports_are_temporary(
    smsru: FakeSmsRu, smsru_config: SmsConfig, code: int, reason: FailureReason
) -> None:
    smsru.refuse_next(code, "Попробуйте позже")

    with pytest.raises(SmsTemporaryError) as failed:
        provider_for(smsru_config).send(to="+79161234567", text="Hi")

    assert failed.value.reason == reason


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (503, FailureReason.PROVIDER_UNAVAILABLE),
        (502, FailureReason.PROVIDER_UNAVAILABLE),
        (429, FailureReason.RATE_LIMITED),
    ],
)
def test_http_errors_are_temporary(
    smsru: FakeSmsRu, smsru_config: SmsConfig, status: int, reason: FailureReason
) -> None:
    smsru.fail_next(status)

    with pytest.raises(SmsTemporaryError) as failed:
        provider_for(smsru_config).send(to="+79161234567", text="Hi")

    assert failed.value.reason == reason


def test_an_answer_that_is_not_json_is_temporary(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    smsru.fail_next(200, "<html>Технические работы</html>")

    with pytest.raises(SmsTemporaryError):
        provider_for(smsru_config).send(to="+79161234567", text="Hi")


def test_an_answer_without_a_result_for_the_number_is_temporary(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    smsru.next_answers.append(Answer(200, '{"status": "OK", "status_code": 100, "sms": [], "balance": 1}'))

    with pytest.raises(SmsTemporaryError):
        provider_for(smsru_config).send(to="+79161234567", text="Hi")


def test_no_answer_at_all_is_temporary(smsru_config: SmsConfig, refused_address: str, settings: Any) -> None:
    settings.SMSRU_API_BASE = refused_address

    with pytest.raises(SmsTemporaryError) as failed:
        provider_for(smsru_config).send(to="+79161234567", text="Hi")

    assert failed.value.reason == FailureReason.NETWORK


def test_the_status_handler_is_registered_with_the_chains_token(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    handlers = SmsRuProvider(smsru_config).register_status_callback(
        "https://alpha.maxloyalty.test/messaging/sms/smsru/status/"
    )

    expected = f"https://alpha.maxloyalty.test/messaging/sms/smsru/status/?token={CALLBACK_TOKEN}"
    assert handlers == [expected]
    assert smsru.callbacks == [expected]
