"""What many requests read the same way, kept in the cache under a *generation* that any change
replaces, so nothing kept is ever served after the change that made it wrong.

A ``Kept`` namespace (pages, question content) has one generation number in the shared cache.
Entries are stored under keys that hold it: ``remember(name, compute)`` reads the entry of the
current generation or computes and stores it. A change calls ``bump()`` (from signal receivers):
a new generation, so the next read computes afresh; it bumps at once and again when the
transaction commits, so what another request read in between (still the old rows) is not kept.

Each process also keeps its own copy of entries it read (most recently used, bounded): an entry
never changes under one generation, so the copy spares a round trip to Redis per entry. Copies
live no longer than ``PAGE_CACHE_SECONDS``; with Redis every process sees a change at once,
with the embedded per-process memory cache the other processes within that many seconds.
Objects kept are shared by the requests of a process: read them, never change them.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

_MISSING = object()


def _ttl() -> int:
    return settings.PAGE_CACHE_SECONDS


class Local:
    """The ``size`` most recently used entries of this process, each for ``PAGE_CACHE_SECONDS`` at
    most; with ``expiring`` off, for as long as they stay among the most recent (for what a key
    names once and for all: a rendered header, a drawn paper, a compiled statement)."""

    def __init__(self, size: int = 4096, *, expiring: bool = True):
        self.size = size
        self.expiring = expiring
        self.entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: Hashable, default: Any = _MISSING) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return default
            expires, value = found
            if expires < time.monotonic():
                del self.entries[key]
                return default
            self.entries.move_to_end(key)
            return value

    def set(self, key: Hashable, value: Any) -> None:
        expires = time.monotonic() + _ttl() if self.expiring else math.inf
        with self.lock:
            self.entries[key] = (expires, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_local = Local()

# Generations read during the current request: each is read from the cache at most once.
_request_memo: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar(
    "kept_request", default=None
)


class GenerationsPerRequestMiddleware:
    """Each generation is read at most once per request (a start reads the page and the question
    content generations once each, not once per entry)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)


class Kept:
    def __init__(self, namespace: str):
        self.namespace = namespace
        self.key = f"{namespace}:generation"
        # A generation pinned for the length of one request (``pinned``): read once.
        self._pinned: contextvars.ContextVar[int | None] = contextvars.ContextVar(namespace, default=None)

    def generation(self) -> int:
        value = self._pinned.get()
        if value is not None:
            return value
        memo = _request_memo.get()
        if memo is not None and self.key in memo:
            return memo[self.key]
        value = cache.get(self.key)
        if value is None:
            value = time.time_ns()
            cache.add(self.key, value, None)
            value = cache.get(self.key, value)
        if memo is not None:
            memo[self.key] = value
        return value

    def is_pinned(self) -> bool:
        return self._pinned.get() is not None

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Read the generation once for what runs inside (one request)."""
        token = self._pinned.set(None)
        try:
            self._pinned.set(self.generation())
            yield
        finally:
            self._pinned.reset(token)

    def _new_generation(self) -> None:
        cache.set(self.key, time.time_ns(), None)
        # a request that changes things reads afresh what it reads next
        if self._pinned.get() is not None:
            self._pinned.set(None)
        memo = _request_memo.get()
        if memo is not None:
            memo.pop(self.key, None)

    def bump(self, *args, **kwargs) -> None:
        """Forget everything kept under the old generation (usable as a signal receiver)."""
        self._new_generation()
        transaction.on_commit(self._new_generation)

    def remember_here(self, name: str, compute: Callable[[], Any], *, local: Local) -> Any:
        """``compute()``, kept under this generation in this process only, in ``local`` (its own
        bounded store, so that many entries of one kind do not push out the others): for what is
        cheap to remake once per process and not worth a round trip, such as rendered HTML."""
        key = f"{self.namespace}:{self.generation()}:{name}"
        value = local.get(key)
        if value is _MISSING:
            value = compute()
            local.set(key, value)
        return value

    def remember(self, name: str, compute: Callable[[], Any], *, keep_none: bool = True) -> Any:
        """``compute()``, kept under this generation; ``None`` too unless ``keep_none`` is off."""
        return self.remember_many([name], lambda names: {names[0]: compute()}, keep_none=keep_none)[name]

    def remember_many(
        self, names: list[str], compute: Callable[[list[str]], dict[str, Any]], *, keep_none: bool = True
    ) -> dict[str, Any]:
        """Several entries at once: what is missing is computed in one call ``compute(missing)``,
        which returns a value per name (a name it leaves out is None)."""
        prefix = f"{self.namespace}:{self.generation()}:"
        found: dict[str, Any] = {}
        for name in names:
            value = _local.get(prefix + name)
            if value is not _MISSING:
                found[name] = value
        missing = [n for n in names if n not in found]
        if missing:
            shared = cache.get_many([prefix + n for n in missing])
            for name in missing:
                if prefix + name in shared:
                    found[name] = shared[prefix + name]
                    _local.set(prefix + name, found[name])
            missing = [n for n in missing if n not in found]
        if missing:
            computed = compute(missing)
            store = {}
            for name in missing:
                value = computed.get(name)
                found[name] = value
                if value is not None or keep_none:
                    store[prefix + name] = value
                    _local.set(prefix + name, value)
            if store:
                cache.set_many(store, _ttl())
        return found
