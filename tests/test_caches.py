"""django_ses.caches: process caches cleared when the settings they read change."""

from __future__ import annotations

import threading

import pytest
from django.test import override_settings

from django_ses import caches
from django_ses.caches import LockTable


@pytest.fixture
def registered_cache() -> dict[str, int]:
    store = {"value": 1}
    caches.register_cache(
        "test cache", store.clear, settings=("AWS_SES_MAX_SEND_RATE", "AWS_SES_REGION_NAME")
    )
    yield store
    caches.register_cache("test cache", lambda: None)


def test_changing_a_setting_clears_the_caches_that_read_it(registered_cache: dict) -> None:
    with override_settings(AWS_SES_MAX_SEND_RATE=3):
        assert registered_cache == {}


def test_changing_another_setting_keeps_the_cache(registered_cache: dict) -> None:
    with override_settings(AWS_SES_WEBHOOK_SECRET="a:b"):
        assert registered_cache == {"value": 1}


def test_clear_all_clears_every_registered_cache(registered_cache: dict) -> None:
    caches.clear_all()
    assert registered_cache == {}
    assert "test cache" in {cache.name for cache in caches.registered()}


def test_the_shared_aws_clients_are_registered() -> None:
    import django_ses.aws.clients  # noqa: F401  (registers on import)

    names = {cache.name: cache.settings for cache in caches.registered()}
    assert "AWS_SES_ACCESS_KEY_ID" in names["aws clients"]


def test_a_lock_table_gives_one_lock_per_key() -> None:
    table = LockTable(size=4)
    assert table.get("a") is table.get("a")
    assert table.get("a") is not table.get("b")


def test_a_lock_table_never_grows_past_its_size() -> None:
    table = LockTable(size=3)
    for key in range(100):
        table.get(key)
    assert len(table) == 3


def test_a_held_lock_is_never_evicted() -> None:
    table = LockTable(size=1)
    held = table.get("held")
    with held:
        table.get("other")
        assert table.get("held") is held


def test_a_lock_table_needs_room_for_one_lock() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LockTable(size=0)


def test_a_lock_table_is_safe_across_threads() -> None:
    table = LockTable(size=8)
    seen: list[threading.Lock] = []
    threads = [threading.Thread(target=lambda: seen.append(table.get("k"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(lock) for lock in seen}) == 1
