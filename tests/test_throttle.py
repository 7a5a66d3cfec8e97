"""Auto-throttle (django_ses.sending.quota, .throttle): the send-rate quota and the rate limiters.

Timing is measured with the real clocks. Rates of 20-100 per second keep each
test under about 1.5 seconds. Where a limiter's bookings can be read directly
(``reserve()``), they are checked exactly, over windows of ``WINDOW`` (one
second plus ``JITTER_MARGIN``, the allowance the limiter plans in for delays).
Where sends are observed as they happen (``acquire()``), thread wake-up delays
blur them, and they are checked over strict one-second windows.
"""

from __future__ import annotations

import itertools
import logging
import math
import multiprocessing
import random
import threading
import time
import uuid
from collections.abc import Iterator, Sequence

import boto3
import pytest
from botocore.config import Config
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from django_ses.sending.quota import (
    QUOTA_TTL,
    clear_quota_cache,
    configured_max_send_rate,
    get_max_send_rate,
)
from django_ses.sending.throttle import (
    JITTER_MARGIN,
    LOOK_AHEAD_RATE,
    WINDOW,
    CacheRateLimiter,
    LocalRateLimiter,
    Schedule,
    build_rate_limiter,
    pick_send,
    plan_send,
    refund_send,
    reset_rate_limiters,
)
from tests import rate_limit_worker
from tests.aws import LocalAWS


@pytest.fixture(autouse=True)
def _fresh_throttle_state() -> Iterator[None]:
    clear_quota_cache()
    reset_rate_limiters()
    yield
    clear_quota_cache()
    reset_rate_limiters()


def most_in_any_window(sends: Sequence[tuple[float, int]], window: float = 1.0) -> int:
    """The largest number of recipients sent within any half-open window of ``window`` s."""
    ordered = sorted(sends)
    best = 0
    for i, (start, _) in enumerate(ordered):
        total = 0
        for at, count in ordered[i:]:
            if at >= start + window:
                break
            total += count
        best = max(best, total)
    return best


def singles(times: Sequence[float]) -> list[tuple[float, int]]:
    return [(t, 1) for t in times]


def plan(
    requests: Sequence[tuple[float, int]], rate: float, schedule: Schedule | None = None
) -> list[tuple[float, int]]:
    """Plan sends ``(arrival time, recipients)`` in order; return ``(start, recipients)``."""
    schedule = schedule or Schedule()
    out = []
    for now, count in requests:
        start, schedule = plan_send(schedule, now=now, count=count, rate=rate)
        assert start >= now
        out.append((start, count))
    return out


def unique_key() -> str:
    return f"123456789012:us-east-1:{uuid.uuid4().hex}"


# ------------------------------------------------------------------ planning (pure)


def test_first_send_starts_at_once() -> None:
    start, _ = plan_send(Schedule(), now=42.0, count=1, rate=14)
    assert start == 42.0


def test_single_recipient_sends_are_spaced_one_interval_apart() -> None:
    starts = [s for s, _ in plan([(0.0, 1)] * 50, rate=20)]

    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) == pytest.approx(WINDOW / 20)
    assert max(gaps) == pytest.approx(WINDOW / 20)


def test_no_burst_after_a_pause() -> None:
    first = plan([(0.0, 1)] * 5, rate=20)
    schedule = Schedule(next_start=first[-1][0] + WINDOW / 20, recent=tuple(first))

    after_pause = [s for s, _ in plan([(100.0, 1)] * 5, rate=20, schedule=schedule)]

    assert after_pause == pytest.approx([100.0 + i * WINDOW / 20 for i in range(5)])


def test_each_recipient_counts_against_the_rate() -> None:
    starts = [s for s, _ in plan([(0.0, 4)] * 10, rate=20)]

    assert [b - a for a, b in itertools.pairwise(starts)] == pytest.approx([4 * WINDOW / 20] * 9)


def test_multi_recipient_message_after_single_sends_waits_for_room_in_the_window() -> None:
    rate = 20
    sent = plan([(0.0, 1)] * 19 + [(0.0, 5)], rate=rate)

    big_start = sent[-1][0]
    assert most_in_any_window(sent) <= rate
    # Even spacing alone would start it right after the 19th, with 19 in the window.
    assert big_start > 19 * WINDOW / rate
    assert sum(c for s, c in sent if s + 1 > big_start) <= rate


def random_traffic(seed: str, counts: Sequence[int], sends: int = 400) -> list[tuple[float, int]]:
    """Requests ``(arrival, recipients)``: bursts, short gaps and pauses."""
    rng = random.Random(seed)
    now = 0.0
    requests = []
    for _ in range(sends):
        now += rng.choice([0.0, 0.0, 0.0, rng.uniform(0, 0.3), rng.uniform(0.5, 2.0)])
        requests.append((now, rng.choice(counts)))
    return requests


@pytest.mark.parametrize("rate", [20, 14.5, 7, 3.5])
def test_any_one_second_window_stays_within_rate_for_random_traffic(rate: float) -> None:
    fitting = [c for c in (1, 1, 1, 2, 3, 5, 7, 20) if c <= rate]

    sent = plan(random_traffic(f"window-{rate}", fitting), rate=rate)

    assert most_in_any_window(sent) <= rate
    assert most_in_any_window(sent, WINDOW) <= rate  # with room for delays


def test_message_with_more_recipients_than_the_rate_waits_for_a_quiet_second_and_goes_alone() -> (
    None
):
    rate = 10
    sent = plan([(0.0, 1), (0.0, 1), (0.0, 25), (0.0, 1)], rate=rate)

    (second_single, _), (big, _), (after, _) = sent[1:]
    assert big >= second_single + WINDOW
    assert after >= big + 25 * WINDOW / rate
    assert [c for s, c in sent if big - 1 < s < big + 1] == [25]


def test_oversized_messages_in_random_traffic_never_share_a_window() -> None:
    rate = 4
    sent = plan(random_traffic("oversized", [1, 1, 2, 3, 4, 6, 9]), rate=rate)

    for start, _ in sent:
        in_window = [c for s, c in sent if start <= s < start + 1]
        if any(c > rate for c in in_window):
            assert len(in_window) == 1
        else:
            assert sum(in_window) <= rate


def test_rate_below_one_per_second_sends_one_recipient_at_a_time() -> None:
    sent = plan([(0.0, 1)] * 4, rate=0.5)

    starts = [s for s, _ in sent]
    assert [b - a for a, b in itertools.pairwise(starts)] == pytest.approx([2.0 * WINDOW] * 3)
    assert most_in_any_window(sent) == 1


def test_single_recipient_traffic_runs_at_the_full_rate() -> None:
    sent = plan([(0.0, 1)] * 500, rate=14)

    assert sent[-1][0] - sent[0][0] == pytest.approx(499 * WINDOW / 14)


def test_mixed_recipient_traffic_loses_at_most_one_message_of_room_per_window() -> None:
    # A window that cannot take the next message waits with less than its size
    # unused, so the throughput is at least rate - (largest message - 1).
    rng = random.Random("throughput")
    rate = 14
    counts = [rng.choice([1, 2, 3, 4]) for _ in range(500)]

    sent = plan([(0.0, c) for c in counts], rate=rate)

    elapsed = sent[-1][0] - sent[0][0]
    assert elapsed >= (sum(counts) - counts[-1]) * WINDOW / rate - 1e-9
    assert elapsed <= sum(counts) * WINDOW / (rate - (max(counts) - 1)) + WINDOW


def test_single_recipient_traffic_uses_at_least_97_percent_of_the_rate() -> None:
    sent = plan([(0.0, 1)] * 200, rate=20)

    achieved = (len(sent) - 1) / (sent[-1][0] - sent[0][0])
    assert achieved >= 0.97 * 20
    assert most_in_any_window(sent, WINDOW) <= 20


def pick_all(counts: Sequence[int], rate: float) -> list[tuple[float, int]]:
    """Book ``counts`` (all waiting from time 0) as a concurrent batch does, 16 at a time."""
    schedule, now, waiting, out = Schedule(), 0.0, list(counts), []
    while waiting:
        index, start, schedule = pick_send(schedule, now=now, counts=waiting[:16], rate=rate)
        out.append((start, waiting.pop(index)))
        now = start
    return out


@pytest.mark.parametrize("rate", [20, 50, 100])
def test_mixed_recipients_picked_from_a_batch_use_at_least_95_percent_of_the_rate(
    rate: float,
) -> None:
    rng = random.Random(f"mixed-{rate}")
    counts = [rng.choice([1, 2, 3, 4, 5]) for _ in range(int(rate * 10 / 3))]

    sent = pick_all(counts, rate)

    assert sorted(c for _, c in sent) == sorted(counts)
    achieved = (sum(counts) - sent[-1][1]) / (sent[-1][0] - sent[0][0])
    assert achieved >= 0.95 * rate
    assert most_in_any_window(sent, WINDOW) <= rate


def test_pick_send_takes_the_largest_send_that_fits_the_window_now() -> None:
    _, schedule = plan_send(Schedule(), now=0.0, count=17, rate=20)
    schedule = Schedule(next_start=0.0, recent=schedule.recent)

    index, start, _ = pick_send(schedule, now=0.0, counts=[5, 2, 3, 1], rate=20)

    assert (index, start) == (2, 0.0)  # 17 + 3 fills the window; 5 would have to wait


def after_single_sends(count: int, rate: float) -> tuple[Schedule, float]:
    """A window crowded with ``count`` single-recipient sends (the traffic before a batch)."""
    schedule, start = Schedule(), 0.0
    for _ in range(count):
        start, schedule = plan_send(schedule, now=start, count=1, rate=rate)
    return schedule, start


Booked = tuple[list[tuple[float, int]], Schedule]


def greedy_all(schedule: Schedule, now: float, counts: Sequence[int], rate: float) -> Booked:
    """The greedy rule alone: always the send that can start first (the largest on a tie)."""
    waiting, out = list(counts), []
    while waiting:
        plans = [(plan_send(schedule, now=now, count=c, rate=rate), c) for c in waiting]
        (start, schedule), count = min(plans, key=lambda p: (round(p[0][0], 9), -p[1]))
        waiting.remove(count)
        out.append((start, count))
        now = start
    return out, schedule


def picked_all(schedule: Schedule, now: float, counts: Sequence[int], rate: float) -> Booked:
    """As a concurrent batch books: pick_send over the next 32 waiting."""
    waiting, out = list(counts), []
    while waiting:
        index, now, schedule = pick_send(schedule, now=now, counts=waiting[:32], rate=rate)
        out.append((now, waiting.pop(index)))
    return out, schedule


def utilisation(sent: Sequence[tuple[float, int]], rate: float) -> float:
    """Recipients per second between the first and the last start, over the rate."""
    return (sum(c for _, c in sent) - sent[-1][1]) / (sent[-1][0] - sent[0][0]) / rate


MIXED = [5, 3, 2, 5, 3, 1, 1, 3, 5, 1, 3, 2, 3, 3, 1, 5, 1, 2, 1, 4, 5, 4, 1, 1, 2]


def test_after_single_sends_the_greedy_rule_leaves_the_large_messages_for_last() -> None:
    # Why pick_send looks ahead: the gaps single sends leave take small messages
    # first, and the 5-recipient ones then go one per window of 7.
    schedule, now = after_single_sends(5, rate=7)

    sent, _ = greedy_all(schedule, now, MIXED, rate=7)

    assert [c for _, c in sent[-5:]] == [5] * 5
    assert utilisation(sent, 7) < 0.8


def test_looking_ahead_a_mixed_batch_at_a_low_rate_uses_95_percent_of_it() -> None:
    schedule, now = after_single_sends(5, rate=7)

    sent, _ = picked_all(schedule, now, MIXED, rate=7)

    assert sorted(c for _, c in sent) == sorted(MIXED)
    assert sent[0][1] == 5  # room for a large message first, while small ones remain
    assert utilisation(sent, 7) >= 0.95
    assert most_in_any_window([*schedule.recent, *sent], WINDOW) <= 7


@pytest.mark.parametrize("rate", [5, 7, 10, 14, 30, 64])
@pytest.mark.parametrize("warm", [0, 5])
def test_looking_ahead_never_overfills_a_window_nor_ends_later_than_the_greedy_rule(
    rate: float, warm: int
) -> None:
    rng = random.Random(f"look-ahead-{rate}-{warm}")
    counts = [rng.choice([1, 2, 3, 4, 5]) for _ in range(30)]  # all within its horizon
    schedule, now = after_single_sends(warm, rate)

    sent, picked = picked_all(schedule, now, counts, rate)
    _, greedy = greedy_all(schedule, now, counts, rate)

    assert most_in_any_window([*schedule.recent, *sent], WINDOW) <= rate
    # Through (the spacing after the last send ends) no later than by the greedy rule.
    assert picked.next_start <= greedy.next_start + 1e-9


def test_above_the_look_ahead_rate_pick_send_is_the_greedy_rule() -> None:
    rate = LOOK_AHEAD_RATE * 2
    schedule, now = after_single_sends(int(rate) - 3, rate)
    counts = [1, 5, 3, 2, 3]

    index, start, _ = pick_send(schedule, now=now, counts=counts, rate=rate)

    assert (index, start) == (2, plan_send(schedule, now=now, count=3, rate=rate)[0])


def test_a_refunded_booking_frees_its_room_and_its_spacing() -> None:
    _, booked = plan_send(Schedule(), now=0.0, count=1, rate=1)
    big, booked = plan_send(booked, now=0.0, count=60, rate=1)

    refunded = refund_send(booked, start=big, count=60, rate=1)

    assert (big, 60) not in refunded.recent
    after, _ = plan_send(refunded, now=big, count=1, rate=1)
    assert after == pytest.approx(big)  # not 60 x WINDOW later


def test_schedule_round_trips_through_plain_values() -> None:
    _, schedule = plan_send(Schedule(), now=5.0, count=3, rate=10)

    assert Schedule.from_wire(schedule.to_wire()) == schedule


@pytest.mark.parametrize("garbage", [None, "x", (1,), (1.0, [("a", 1)]), {"next": 1}])
def test_unreadable_stored_schedule_is_treated_as_empty(garbage: object) -> None:
    assert Schedule.from_wire(garbage) == Schedule()


# ------------------------------------------------------------ limiters: bookings


def test_local_limiter_books_on_the_monotonic_clock() -> None:
    limiter = build_rate_limiter(20, unique_key())
    before = time.monotonic()

    starts = [limiter.reserve(1) for _ in range(60)]

    assert before <= starts[0] <= time.monotonic()
    assert most_in_any_window(singles(starts)) <= 20
    assert min(b - a for a, b in itertools.pairwise(starts)) >= WINDOW / 20 - 1e-9


def test_threads_booking_at_once_never_share_a_slot() -> None:
    limiter = build_rate_limiter(100, unique_key())
    starts: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        mine = [limiter.reserve(1) for _ in range(50)]
        with lock:
            starts.extend(mine)

    threads = [threading.Thread(target=book) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    ordered = sorted(starts)
    assert len(ordered) == 400
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= WINDOW / 100 - 1e-9
    assert most_in_any_window(singles(ordered)) <= 100


def test_same_key_gives_the_same_limiter_and_applies_a_new_rate() -> None:
    key = unique_key()
    first = build_rate_limiter(10, key)

    again = build_rate_limiter(12.5, key)

    assert again is first
    assert first.rate == 12.5
    assert build_rate_limiter(10, unique_key()) is not first


@pytest.mark.parametrize("rate", [0, -1, math.inf, math.nan, "14", True])
def test_invalid_rate_is_refused(rate: object) -> None:
    with pytest.raises(ValueError, match="positive number of sends per second"):
        build_rate_limiter(rate, unique_key())  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [-1, 1.5, "2"])
def test_invalid_recipient_count_is_refused(count: object) -> None:
    limiter = build_rate_limiter(10, unique_key())
    with pytest.raises(ValueError, match="number of recipients"):
        limiter.acquire(count)  # type: ignore[arg-type]


def test_zero_recipients_do_not_wait_or_use_the_rate() -> None:
    limiter = build_rate_limiter(1, unique_key())
    limiter.acquire(1)

    began = time.monotonic()
    limiter.acquire(0)

    assert time.monotonic() - began < 0.1
    assert limiter.reserve(1) - began == pytest.approx(WINDOW, abs=0.1)


# ------------------------------------------------------------ limiters: real time


def test_acquire_spreads_sends_evenly_in_real_time() -> None:
    rate = 50
    limiter = build_rate_limiter(rate, unique_key())

    times = []
    for _ in range(60):
        limiter.acquire(1)
        times.append(time.monotonic())

    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    assert times[-1] - times[0] >= 59 * WINDOW / rate - 0.005
    assert gaps[len(gaps) // 2] == pytest.approx(WINDOW / rate, rel=0.25)
    assert most_in_any_window(singles(times)) <= rate


def test_acquire_counts_recipients_in_real_time() -> None:
    rate = 50
    limiter = build_rate_limiter(rate, unique_key())

    sends = []
    for _ in range(12):
        limiter.acquire(5)
        sends.append((time.monotonic(), 5))

    assert sends[-1][0] - sends[0][0] >= 11 * 5 * WINDOW / rate - 0.005
    assert most_in_any_window(sends) <= rate


def test_threads_of_one_process_share_the_rate_in_real_time() -> None:
    rate = 50
    key = unique_key()
    times: list[float] = []
    lock = threading.Lock()

    def send() -> None:
        limiter = build_rate_limiter(rate, key)
        for _ in range(15):
            limiter.acquire(1)
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    times.sort()
    assert len(times) == 60
    assert times[-1] - times[0] >= 59 * WINDOW / rate - 0.005
    assert most_in_any_window(singles(times)) <= rate


# --------------------------------------------------------- the shared (cache) limiter


def test_rate_limit_cache_setting_gives_a_cache_backed_limiter() -> None:
    with override_settings(AWS_SES_RATE_LIMIT_CACHE="default"):
        limiter = build_rate_limiter(40, unique_key())
        starts = [limiter.reserve(1) for _ in range(50)]

    assert isinstance(limiter, CacheRateLimiter)
    assert abs(starts[0] - time.time()) < 1.0  # the wall clock, shared between hosts
    assert min(b - a for a, b in itertools.pairwise(starts)) >= WINDOW / 40 - 1e-6
    assert most_in_any_window(singles(starts)) <= 40


def test_without_the_setting_the_limiter_is_per_process() -> None:
    assert isinstance(build_rate_limiter(40, unique_key()), LocalRateLimiter)


def test_rate_limit_cache_naming_an_unknown_cache_is_a_configuration_error() -> None:
    with (
        override_settings(AWS_SES_RATE_LIMIT_CACHE="nope"),
        pytest.raises(ImproperlyConfigured, match=r"must name a cache in CACHES.*'default'"),
    ):
        build_rate_limiter(10, unique_key())


def test_rate_limit_cache_naming_a_dummy_cache_is_a_configuration_error() -> None:
    caches = {
        **settings.CACHES,
        "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    with (
        override_settings(CACHES=caches, AWS_SES_RATE_LIMIT_CACHE="dummy"),
        pytest.raises(ImproperlyConfigured, match="DummyCache, which stores nothing"),
    ):
        build_rate_limiter(10, unique_key())


def test_unreachable_cache_falls_back_to_this_process_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caches = {
        **settings.CACHES,
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
        },
    }
    with (
        override_settings(CACHES=caches, AWS_SES_RATE_LIMIT_CACHE="down"),
        caplog.at_level(logging.WARNING, logger="django_ses.throttle"),
    ):
        limiter = build_rate_limiter(20, unique_key())
        starts = [limiter.reserve(1) for _ in range(30)]

    assert min(b - a for a, b in itertools.pairwise(starts)) >= WINDOW / 20 - 1e-6
    warnings = [r for r in caplog.records if "could not use the cache 'down'" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.redis
def test_threads_sharing_redis_never_share_a_slot(
    require_redis: None, caplog: pytest.LogCaptureFixture
) -> None:
    key = unique_key()
    starts: list[float] = []
    lock = threading.Lock()

    def book() -> None:
        limiter = build_rate_limiter(100, key)
        mine = [limiter.reserve(1) for _ in range(25)]
        with lock:
            starts.extend(mine)

    with override_settings(AWS_SES_RATE_LIMIT_CACHE="default"):
        threads = [threading.Thread(target=book) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    ordered = sorted(starts)
    assert not [r for r in caplog.records if r.name == "django_ses.throttle"]  # no fallback
    assert len(ordered) == 100
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= WINDOW / 100 - 1e-6
    assert most_in_any_window(singles(ordered)) <= 100


@pytest.mark.redis
def test_processes_sharing_redis_never_share_a_slot(require_redis: None) -> None:
    key = unique_key()
    rate = 50
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        results = pool.starmap(
            rate_limit_worker.reserve_sends,
            [(settings.CACHES, key, rate, 30)] * 3,
        )

    ordered = sorted(t for result in results for t in result)
    assert len(ordered) == 90
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= WINDOW / rate - 1e-6
    assert most_in_any_window(singles(ordered)) <= rate


@pytest.mark.redis
def test_processes_and_threads_sharing_redis_stay_under_the_rate_in_real_time(
    require_redis: None,
) -> None:
    key = unique_key()
    rate = 40
    times: list[float] = []
    lock = threading.Lock()

    def send_here() -> None:
        limiter = build_rate_limiter(rate, key)
        for _ in range(10):
            limiter.acquire(1)
            with lock:
                times.append(time.time())

    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool, override_settings(AWS_SES_RATE_LIMIT_CACHE="default"):
        pending = pool.starmap_async(
            rate_limit_worker.acquire_sends, [(settings.CACHES, key, rate, 15)] * 3
        )
        threads = [threading.Thread(target=send_here) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        times.extend(t for result in pending.get(timeout=60) for t in result)

    times.sort()
    assert len(times) == 65
    # Five senders in four processes together: as slow as one sender at the rate.
    assert times[-1] - times[0] >= 64 * WINDOW / rate - JITTER_MARGIN
    assert most_in_any_window(singles(times)) <= rate


# ----------------------------------------------------------------------- the quota

GET_ACCOUNT = {
    "DedicatedIpAutoWarmupEnabled": False,
    "Details": {
        "MailType": "TRANSACTIONAL",
        "WebsiteURL": "https://example.com",
        "ContactLanguage": "EN",
        "UseCaseDescription": "Account notifications",
        "ReviewDetails": {"Status": "GRANTED", "CaseId": "1234567890"},
    },
    "EnforcementStatus": "HEALTHY",
    "ProductionAccessEnabled": True,
    "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 12.0},
    "SendingEnabled": True,
    "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
}

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def ses_client(aws: LocalAWS, service: str = "ses", config: Config | None = None) -> object:
    return boto3.client(service, region_name="us-east-1", endpoint_url=aws.url, config=config)


def test_v1_quota_is_read_from_get_send_quota(aws: LocalAWS) -> None:
    client = ses_client(aws)
    reported = float(boto3.client("ses", endpoint_url=aws.moto_url).get_send_quota()["MaxSendRate"])

    rate = get_max_send_rate(client, use_v2=False, cache_key=unique_key())

    assert rate == reported
    assert len(aws.calls("ses", "GetSendQuota")) == 1


def test_v2_quota_is_read_from_get_account(aws: LocalAWS) -> None:
    aws.respond_json("sesv2", "GetAccount", GET_ACCOUNT)

    rate = get_max_send_rate(ses_client(aws, "sesv2"), use_v2=True, cache_key=unique_key())

    assert rate == GET_ACCOUNT["SendQuota"]["MaxSendRate"]  # type: ignore[index]
    calls = aws.calls("sesv2", "GetAccount")
    assert [(c.method, c.path) for c in calls] == [("GET", "/v2/email/account")]


def test_quota_is_cached_per_key(aws: LocalAWS) -> None:
    client = ses_client(aws)
    key = unique_key()

    rates = [get_max_send_rate(client, use_v2=False, cache_key=key) for _ in range(5)]
    get_max_send_rate(client, use_v2=False, cache_key=unique_key())

    assert len(set(rates)) == 1
    assert len(aws.calls("ses", "GetSendQuota")) == 2


def test_quota_is_read_again_after_its_time_to_live(aws: LocalAWS) -> None:
    client = ses_client(aws)
    key = unique_key()
    assert QUOTA_TTL >= 60  # the default keeps SES calls rare

    get_max_send_rate(client, use_v2=False, cache_key=key, ttl=0.2)
    get_max_send_rate(client, use_v2=False, cache_key=key, ttl=0.2)
    time.sleep(0.25)
    get_max_send_rate(client, use_v2=False, cache_key=key, ttl=0.2)

    assert len(aws.calls("ses", "GetSendQuota")) == 2


def test_threads_asking_at_once_read_the_quota_once(aws: LocalAWS) -> None:
    aws.respond_json("sesv2", "GetAccount", GET_ACCOUNT)
    client = ses_client(aws, "sesv2")
    key = unique_key()
    results: list[float | None] = []
    barrier = threading.Barrier(8)

    def ask() -> None:
        barrier.wait()
        results.append(get_max_send_rate(client, use_v2=True, cache_key=key))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert results == [14.0] * 8
    assert len(aws.calls("sesv2", "GetAccount")) == 1


@override_settings(AWS_SES_MAX_SEND_RATE=7)
def test_denied_quota_warns_once_and_falls_back_to_the_setting(
    aws: LocalAWS, caplog: pytest.LogCaptureFixture
) -> None:
    aws.fail("ses", "GetSendQuota", "AccessDenied", "not authorized: ses:GetSendQuota", status=403)
    client = ses_client(aws)
    key = unique_key()

    with caplog.at_level(logging.WARNING, logger="django_ses.throttle"):
        rates = [get_max_send_rate(client, use_v2=False, cache_key=key) for _ in range(3)]

    assert rates == [7.0, 7.0, 7.0]
    assert len(aws.calls("ses", "GetSendQuota")) == 1
    [warning] = [r for r in caplog.records if r.name == "django_ses.throttle"]
    message = warning.getMessage()
    assert key in message
    assert "AccessDenied" in message
    assert "AWS_SES_MAX_SEND_RATE = 7" in message
    assert "ses:GetSendQuota" in message


def test_denied_quota_without_the_setting_means_no_throttling(
    aws: LocalAWS, caplog: pytest.LogCaptureFixture
) -> None:
    aws.fail("sesv2", "GetAccount", "AccessDeniedException", "not authorized", status=403)
    client = ses_client(aws, "sesv2")

    with caplog.at_level(logging.WARNING, logger="django_ses.throttle"):
        first = get_max_send_rate(client, use_v2=True, cache_key="acct-a:eu-west-1")
        second = get_max_send_rate(client, use_v2=True, cache_key="acct-a:eu-west-1")
        other = get_max_send_rate(client, use_v2=True, cache_key="acct-b:eu-west-1")

    assert (first, second, other) == (None, None, None)
    messages = [r.getMessage() for r in caplog.records if r.name == "django_ses.throttle"]
    assert len(messages) == 2  # once per account and region
    assert "NOT throttled" in messages[0]
    assert "ses:GetAccount" in messages[0]


def test_transient_quota_failure_falls_back_without_raising(aws: LocalAWS) -> None:
    aws.fail("ses", "GetSendQuota", "ServiceUnavailable", "try later", status=503)
    client = ses_client(aws, config=NO_RETRIES)

    with override_settings(AWS_SES_MAX_SEND_RATE=3.5):
        rate = get_max_send_rate(client, use_v2=False, cache_key=unique_key())

    assert rate == 3.5


@pytest.mark.parametrize("value", [0, -2, "fast", True])
def test_invalid_max_send_rate_setting_is_a_configuration_error(value: object) -> None:
    with (
        override_settings(AWS_SES_MAX_SEND_RATE=value),
        pytest.raises(ImproperlyConfigured, match="AWS_SES_MAX_SEND_RATE must be a positive"),
    ):
        configured_max_send_rate()
