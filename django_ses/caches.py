"""The registry of django_ses's process caches.

Every module-level cache of the package (shared boto3 clients, SES quotas, rate
limiters, SNS certificates…) registers here with the settings it depends on.
When one of those settings changes (``override_settings`` in tests, or
``setting_changed`` sent by a project), its caches are cleared. :func:`clear_all`
clears every one.

:class:`LockTable` is a bounded table of per-key locks, for caches that fetch
each key once: it never grows past its size.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed

__all__ = ["LockTable", "ProcessCache", "clear_all", "clear_for_setting", "register_cache"]


@dataclass(frozen=True)
class ProcessCache:
    """A registered cache: its name, how to clear it, and the settings it reads."""

    name: str
    clear: Callable[[], None]
    settings: frozenset[str]


_registry: dict[str, ProcessCache] = {}
_registry_lock = threading.Lock()


def register_cache(name: str, clear: Callable[[], None], *, settings: Iterable[str] = ()) -> None:
    """Register (or replace) the cache ``name``; ``clear`` empties it."""
    with _registry_lock:
        _registry[name] = ProcessCache(name, clear, frozenset(settings))


def registered() -> tuple[ProcessCache, ...]:
    """Every registered cache."""
    with _registry_lock:
        return tuple(_registry.values())


def clear_for_setting(setting: str) -> list[str]:
    """Clear the caches that depend on ``setting``; return their names."""
    cleared = [cache for cache in registered() if setting in cache.settings]
    for cache in cleared:
        cache.clear()
    return [cache.name for cache in cleared]


def clear_all() -> None:
    """Clear every registered cache."""
    for cache in registered():
        cache.clear()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    clear_for_setting(setting)


setting_changed.connect(_on_setting_changed, dispatch_uid="django_ses.caches")


class LockTable:
    """Per-key locks, at most ``size`` of them: the least recently used idle lock goes first."""

    def __init__(self, size: int = 256) -> None:
        if size < 1:
            raise ValueError("LockTable size must be at least 1")
        self._size = size
        self._locks: OrderedDict[Hashable, threading.Lock] = OrderedDict()
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._locks)

    def get(self, key: Hashable) -> threading.Lock:
        """The lock of ``key``, created on first use."""
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
                self._evict()
            else:
                self._locks.move_to_end(key)
            return lock

    def _evict(self) -> None:
        for key in list(self._locks):
            if len(self._locks) <= self._size:
                return
            if not self._locks[key].locked():
                del self._locks[key]

    def clear(self) -> None:
        with self._guard:
            for key in [key for key, lock in self._locks.items() if not lock.locked()]:
                del self._locks[key]
