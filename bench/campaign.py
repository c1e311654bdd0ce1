"""Campaign benchmark: a campaign by email to every guest of a chain (100,000 at full scale), its messages queued and
handed to a fake email provider per second, while signed POS webhooks keep their acknowledgement p99.

Stack as in bench.webhook (its chain, gunicorn, prepared signed webhooks and load generator), with the workers as
deployed: one Celery worker on the POS queue (the receipts' drain) and one on the messaging queue
(BENCH_CAMPAIGN_CONCURRENCY processes, default 2), which sends the campaign's batches and then each message through
anymail's SendGrid backend to a local fake of SendGrid's Mail Send API (messaging.tests.fake_email_providers) in
this process. The chain's WEBHOOK_GUESTS guests the checks come from are made by the harness (the guests service);
the campaign's audience is COPYed in after them (bench.loyalty_core.seed_guests: 100,000 guests in seconds), given an
address and email consent in one UPDATE, and quiet hours are off (an arrangement: from the send on, the path is the
product's). The checks' guests have no email, so their receipts send no email: the messaging
worker's work is the campaign's alone, and both webhook phases do the same work. The campaign is scheduled and
started by the chain's campaigns tick, sent to the messaging queue as beat sends it. Measured in the same run, with
the same processes up:
- django_trivial_rps: the trivial JSON view (the framework's ceiling, as in every HTTP benchmark);
- webhook_ack_p99_ms: the webhooks' acknowledgement p99 with no campaign running;
- webhook_ack_p99_during_campaign_ms: the same load while the campaign is under way (started just before the load;
  while the load lasts the campaign is mostly held back and re-queued, as marketing yields to the tills, see below);
  the same load again once the campaign is over is reported beside it (`webhook_ack_p99_after_campaign_ms`, and
  each phase's acknowledged count), so a drift of a shared host over the run shows;
- campaign_messages_per_s: the campaign's messages handed to the provider (status sent), divided by the time from
  the campaign's start until the last was handed over (against the trivial view's rate: each delivery task takes
  50 messages, each a row lock, an UPDATE and one HTTP request out). The entry also says how the pace adapted
  (messaging.pacing: marketing yields to the tills while POS pushes come at MESSAGING_YIELD_TO_POS_PER_SECOND or
  more: the run's environment or the processes settings' value): `messages_under_webhook_load`, the messages the
  fake provider took while the webhook load of the campaign's phase ran, and their rate over that phase.
A campaign not handed over whole within its scale's campaign_timeout is reported at the rate it reached, its entry
marked "complete": false. Results are appended to bench/out/results.json. Alone: `python -m bench campaign`;
BENCH_SCALE=small is quick (3,000 guests; BENCH_CAMPAIGN_GUESTS sets another audience).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.http_load import LoadResult, run_load
from bench.results import append_results, entry, percentile, print_table, scale_name, setup_django
from bench.webhook import CONCURRENCY, WebhookStack, pending_receipts, webhook_stack
from maxloyalty.task_routes import MESSAGING, POS, queue_of

SENDGRID_KEY = "SG.bench-campaign"
TICK_TASK = "campaigns.tasks.campaigns_chain_tick"
WEBHOOK_GUESTS = 500  # the guests the checks come from (made by the harness), outside the campaign


@dataclass(frozen=True)
class Scale:
    name: str
    seconds: float  # each load phase
    guests: int  # the campaign's audience (every guest of the chain but WEBHOOK_GUESTS)
    campaign_timeout: float  # how long the campaign may take to be handed over whole

    @property
    def prepared_per_sender(self) -> int:
        return int(self.seconds * 1500 / CONCURRENCY)


SCALES = {
    "small": Scale("small", seconds=5, guests=3000, campaign_timeout=300),
    # At the set-based rate of 7 Dec 2026 (70-120 messages/s on a shared host) 100,000 messages take 15-25 minutes;
    # a slower run reports the rate reached, with "complete": false.
    "full": Scale("full", seconds=20, guests=100_000, campaign_timeout=1800),
}


def _add_audience(stack: WebhookStack, guests: int) -> None:
    """The campaign's `guests` after the stack's own (phones, cards and codes continue theirs), all reachable by
    email; quiet hours off. The stack's own guests, whom the checks come from, get no email."""
    from django.db import connection
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from accounts.models import User
    from bench.loyalty_core import seed_guests
    from guests.models import Guest
    from messaging.services import update_messaging_settings

    own = len(stack.chain.guest_phones)
    with schema_context(stack.chain.schema_name):
        update_messaging_settings(
            actor=User.objects.get(pk=stack.chain.owner_id), quiet_hours_start=None, quiet_hours_end=None
        )
        seed_guests(own + guests)
        Guest.objects.exclude(phone__in=stack.chain.guest_phones).update(
            email=Concat(Value("guest"), Cast("id", CharField()), Value("@bench.test")),
            email_consent_at=timezone.now(),
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE guests_guest")
    connection.set_schema_to_public()


def _start_campaign(stack: WebhookStack) -> int:
    """A segment of everyone and a campaign to it by email, scheduled a moment ahead and started by the chain's
    campaigns tick on the messaging queue; the campaign's id."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from accounts.access import resolve_access
    from accounts.models import User
    from campaigns.services import create_campaign, create_segment, send_campaign
    from maxloyalty.celery import app

    with schema_context(stack.chain.schema_name):
        owner = User.objects.get(pk=stack.chain.owner_id)
        access = resolve_access(owner, stack.chain.chain_id)
        segment = create_segment(access=access, name="Everyone", filters={})
        campaign = create_campaign(
            access=access,
            name="Autumn menu",
            segment=segment.pk,
            channels=["email"],
            email_subject="{{ first_name }}, our autumn menu",
            email_text="Dear {{ first_name }}, our autumn menu is here.",
            send_at=timezone.now() + datetime.timedelta(milliseconds=300),
        )
        send_campaign(access=access, campaign=campaign)
        time.sleep(0.4)  # due: the tick starts it
        app.send_task(TICK_TASK, queue=queue_of(TICK_TASK, stack.queue))
    connection.set_schema_to_public()
    return int(campaign.pk)


def _drop_recorded(provider: Any) -> int:
    """Count and forget the fake provider's recorded requests (a campaign's worth would fill memory)."""
    with provider.lock:
        taken = len(provider.requests)
        provider.requests.clear()
    return taken


@dataclass(frozen=True)
class Sending:
    status: str
    treated: int  # guests the campaign sends to
    waiting: int  # its messages not handed over yet
    sent: int  # its messages handed to the provider
    seconds: float  # from its start until the last was handed over


def _sending(stack: WebhookStack, campaign_id: int) -> Sending:
    """Where the campaign stands (a few indexed counts: polled once a second after the webhook phases)."""
    from django.db import connection
    from django.db.models import Count, Max, Q
    from django_tenants.utils import schema_context

    from campaigns.models import Campaign, CampaignRecipient, RecipientGroup
    from messaging.models import MessageStatus

    with schema_context(stack.chain.schema_name):
        campaign = Campaign.objects.get(pk=campaign_id)
        figures = CampaignRecipient.objects.filter(campaign_id=campaign_id, group=RecipientGroup.TREATED).aggregate(
            treated=Count("id"),
            waiting=Count("id", filter=Q(message__isnull=True) | Q(message__status=MessageStatus.QUEUED)),
            sent=Count("id", filter=Q(message__status=MessageStatus.SENT)),
            last=Max("message__sent_at"),
        )
    connection.set_schema_to_public()
    began, last = campaign.started_at, figures["last"]
    seconds = (last - began).total_seconds() if began is not None and last is not None else 0.0
    return Sending(str(campaign.status), figures["treated"], figures["waiting"], figures["sent"], seconds)


def _webhooks(
    stack: WebhookStack, prefix: str, scale: Scale, after_load: Callable[[], object] = lambda: None
) -> LoadResult:
    """One phase of prepared signed webhooks (`after_load` called as soon as the load ends); returns once the drain
    has processed them (60 s at most)."""
    load = run_load(
        port=stack.port,
        make_request=stack.prepared_webhooks(prefix, per_sender=scale.prepared_per_sender),
        concurrency=CONCURRENCY,
        seconds=scale.seconds,
    )
    after_load()
    deadline = time.monotonic() + 60
    while pending_receipts(stack.chain.schema_name) and time.monotonic() < deadline:
        time.sleep(0.2)
    return load


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.conf import settings

    from messaging.tests.fake_email_providers import start_fake_provider

    scale = SCALES[scale_name(requested_scale)]
    # The workers' value too (their settings and environment are this process's): messaging.pacing's threshold.
    yield_threshold = settings.MESSAGING_YIELD_TO_POS_PER_SECOND
    if os.environ.get("BENCH_CAMPAIGN_GUESTS"):  # another audience at the same scale's phases
        scale = dataclasses.replace(scale, guests=int(os.environ["BENCH_CAMPAIGN_GUESTS"]))
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    messaging_concurrency = int(os.environ.get("BENCH_CAMPAIGN_CONCURRENCY", "2"))
    provider = start_fake_provider("sendgrid", SENDGRID_KEY)
    handed = 0
    began_setup = time.monotonic()
    try:
        with webhook_stack(f"benchcp{os.getpid()}", guests=WEBHOOK_GUESTS) as stack:
            _add_audience(stack, scale.guests)
            print(f"  {WEBHOOK_GUESTS + scale.guests:,} guests made in {time.monotonic() - began_setup:.0f} s")
            stack.env.update(
                EMAIL_BACKEND="anymail.backends.sendgrid.EmailBackend",
                SENDGRID_API_KEY=SENDGRID_KEY,
                SENDGRID_API_URL=provider.base_url,
            )
            with (
                stack.gunicorn(workers=workers, threads=threads, log="campaign-gunicorn.log"),
                stack.celery(name="pos", log="campaign-celery-pos.log", workloads=(POS,)),
                stack.celery(
                    name="messaging",
                    concurrency=messaging_concurrency,
                    log="campaign-celery-messaging.log",
                    workloads=(MESSAGING,),
                ),
            ):
                stack.wait_until_serving()
                run_load(port=stack.port, make_request=stack.trivial_request, concurrency=4, seconds=1)
                trivial = run_load(
                    port=stack.port, make_request=stack.trivial_request, concurrency=CONCURRENCY, seconds=scale.seconds
                )
                run_load(  # warm the webhook path and the drain outside the measured phases
                    port=stack.port, make_request=lambda s, n: stack.signed_webhook("W", s, n), concurrency=4, seconds=1
                )
                alone = _webhooks(stack, "A", scale)

                campaign_id = _start_campaign(stack)
                deadline = time.monotonic() + scale.campaign_timeout
                under_load: list[int] = []  # handed over while the webhook load ran
                during = _webhooks(stack, "C", scale, after_load=lambda: under_load.append(_drop_recorded(provider)))
                handed = during_share = under_load[0] + _drop_recorded(provider)  # ... and until it was processed
                sending = _sending(stack, campaign_id)
                while (sending.status != "sent" or sending.waiting) and time.monotonic() < deadline:
                    time.sleep(1.0)
                    handed += _drop_recorded(provider)
                    sending = _sending(stack, campaign_id)
                handed += _drop_recorded(provider)
                after = _webhooks(stack, "B", scale)  # the same load once the campaign is over: the host's drift
    finally:
        provider.server.shutdown()

    # A campaign that outlasts campaign_timeout is reported at the rate it reached, marked incomplete.
    complete = sending.status == "sent" and not sending.waiting
    if not sending.sent:
        raise RuntimeError(f"the campaign ({sending.status}) handed no message over in {scale.campaign_timeout:.0f} s")
    messages_per_s = sending.sent / max(sending.seconds, 1e-3)
    alone_p99, during_p99 = percentile(alone.latencies_ms, 0.99), percentile(during.latencies_ms, 0.99)
    after_p99 = percentile(after.latencies_ms, 0.99)
    results = [
        {
            **entry(
                "campaign_messages_per_s",
                messages_per_s,
                "messages/s",
                baseline="django_trivial_rps",
                baseline_value=trivial.per_second,
                scale=scale.name,
            ),
            "complete": complete,
            "messages_under_webhook_load": under_load[0],
            "messages_per_s_under_webhook_load": round(under_load[0] / scale.seconds, 1),
            "yield_to_pos_per_second": yield_threshold,
        },
        {
            **entry(
                "webhook_ack_p99_during_campaign_ms",
                during_p99,
                "ms",
                baseline="webhook_ack_p99_ms",
                baseline_value=alone_p99,
                scale=scale.name,
            ),
            "webhook_ack_p99_after_campaign_ms": round(after_p99, 1),
            "acknowledged": {
                "before": alone.statuses.get(202, 0),
                "during": during.statuses.get(202, 0),
                "after": after.statuses.get(202, 0),
            },
        },
    ]
    print_table(
        f"Campaign ({scale.name}: {sending.treated:,} treated of {scale.guests:,} guests, {scale.seconds:.0f} s webhook "
        f"phases at {CONCURRENCY} senders, gunicorn {workers}×{threads}, messaging worker prefork "
        f"{messaging_concurrency}, POS worker prefork 1)",
        [
            ("django trivial JSON view", f"{trivial.per_second:,.0f} req/s", ""),
            (
                "campaign under the webhook load",
                f"{under_load[0] / scale.seconds:,.1f} messages/s",
                f"marketing yields to POS pushes at >= {yield_threshold:g}/s (0: never)",
            ),
            (
                "campaign, queued → handed to the provider",
                f"{messages_per_s:,.0f} messages/s",
                f"{sending.sent:,} in {sending.seconds:.1f} s ({under_load[0]:,} under the webhook load, "
                f"{during_share:,} until its checks were processed; the fake provider took {handed:,})"
                + ("" if complete else f"; NOT FINISHED: {sending.waiting:,} waiting after the timeout"),
            ),
            (
                "webhook ack p99, no campaign",
                f"{alone_p99:.1f} ms",
                f"{alone.statuses.get(202, 0)} acknowledged, p50 {percentile(alone.latencies_ms, 0.5):.1f} ms",
            ),
            (
                "webhook ack p99, campaign sending",
                f"{during_p99:.1f} ms",
                f"{during.statuses.get(202, 0)} acknowledged, p50 {percentile(during.latencies_ms, 0.5):.1f} ms; "
                f"ratio {during_p99 / alone_p99 if alone_p99 else 0:.2f}",
            ),
            (
                "webhook ack p99, campaign over",
                f"{after_p99:.1f} ms",
                f"{after.statuses.get(202, 0)} acknowledged, p50 {percentile(after.latencies_ms, 0.5):.1f} ms "
                "(the host's drift over the run)",
            ),
        ],
        header=("measure", "value", "detail"),
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
