"""SMS.ru's status callbacks: unsigned by SMS.ru, so accepted only with the chain's secret token in the URL
(compared in constant time), then read line by line into delivery statuses."""

from __future__ import annotations

import pytest

from messaging.sms.providers import (
    DeliveryStatus,
    InvalidCallbackSignature,
    SmsConfig,
    SmsConfigInvalid,
    SmsStatus,
    provider_for,
)
from messaging.sms.providers.smsru import SmsRuProvider
from messaging.sms.tests.fake_sms_providers import smsru_callback

HANDLER = "https://alpha.maxloyalty.test/messaging/sms/smsru/status/"


def _url(config: SmsConfig) -> str:
    return provider_for(config).callback_url(HANDLER)


def test_a_callback_with_the_chains_token_gives_each_status(smsru_config: SmsConfig) -> None:
    form = smsru_callback(
        ("sms_status", "000000-10000001", "103", "1765100000"),
        ("sms_status", "000000-10000002", "104", "1765100001"),
        ("sms_status", "000000-10000003", "102", "1765100002"),
        ("callcheck_status", "201737-542", "401", "1765100003"),
    )

    statuses = provider_for(smsru_config).status_update(method="POST", url=_url(smsru_config), params=form, headers={})

    assert statuses == [
        SmsStatus("000000-10000001", DeliveryStatus.DELIVERED),
        SmsStatus("000000-10000002", DeliveryStatus.FAILED, error_code="104"),
        SmsStatus("000000-10000003", DeliveryStatus.SENT),
    ]


def test_the_handler_answers_100_as_smsru_requires(smsru_config: SmsConfig) -> None:
    assert provider_for(smsru_config).callback_reply.body == "100"


def test_a_callback_with_a_wrong_token_is_refused(smsru_config: SmsConfig) -> None:
    form = smsru_callback(("sms_status", "000000-10000001", "103", "1765100000"))

    with pytest.raises(InvalidCallbackSignature) as refused:
        provider_for(smsru_config).status_update(
            method="POST", url=HANDLER + "?token=guessed-token-of-chain-alpha-0001", params=form, headers={}
        )

    assert refused.value.status == 403


def test_a_callback_without_a_token_is_refused(smsru_config: SmsConfig) -> None:
    form = smsru_callback(("sms_status", "000000-10000001", "103", "1765100000"))

    with pytest.raises(InvalidCallbackSignature):
        provider_for(smsru_config).status_update(method="POST", url=HANDLER, params=form, headers={})


def test_another_chains_token_is_refused(smsru_config: SmsConfig) -> None:
    beta = SmsConfig(
        provider="smsru", smsru_api_id="beta-api-id", callback_token="smsru-callback-token-of-chain-beta-02"
    )
    form = smsru_callback(("sms_status", "000000-10000001", "103", "1765100000"))

    with pytest.raises(InvalidCallbackSignature):
        provider_for(smsru_config).status_update(method="POST", url=_url(beta), params=form, headers={})


def test_the_token_is_added_to_the_handlers_own_query(smsru_config: SmsConfig) -> None:
    url = provider_for(smsru_config).callback_url(HANDLER + "?chain=alpha&token=stale")

    assert url == f"{HANDLER}?chain=alpha&token={smsru_config.callback_token}"


def test_a_chain_without_a_token_cannot_build_a_callback_url(smsru_config: SmsConfig) -> None:
    provider = SmsRuProvider(SmsConfig(provider="smsru", smsru_api_id="x"))  # provider_for would refuse it

    with pytest.raises(SmsConfigInvalid):
        provider.callback_url(HANDLER)
    with pytest.raises(InvalidCallbackSignature):  # and an empty token matches nothing
        provider.status_update(method="POST", url=HANDLER + "?token=", params=smsru_callback(), headers={})


def test_malformed_lines_are_skipped(smsru_config: SmsConfig) -> None:
    form = smsru_callback(("sms_status", "000000-10000001"), ("sms_status", "000000-10000002", "abc"), ("garbage",))

    assert (
        provider_for(smsru_config).status_update(method="POST", url=_url(smsru_config), params=form, headers={}) == []
    )


def test_smsru_reports_no_stop_replies_but_checks_the_token(smsru_config: SmsConfig) -> None:
    provider = provider_for(smsru_config)

    assert provider.stop_replies(method="POST", url=_url(smsru_config), params=smsru_callback(), headers={}) == []
    with pytest.raises(InvalidCallbackSignature):
        provider.stop_replies(method="POST", url=HANDLER, params=smsru_callback(), headers={})
