"""Requests sent at once: the webhook's independent DynamoDB requests overlap, so the
member waits for one round trip where the code makes two requests.

:func:`at_once` runs two calls together, the second on a small thread pool (boto3 clients
are thread-safe; a session or resource is not, and none is shared here). Every request made
inside it carries the same round number (:data:`ROUND`, a context variable set in both
threads), which is how the request counters in tests and bench/webhook.py count *rounds*:
requests of one round count once, a request outside any counts alone. Counting from the
code's own marks, not from timing, keeps the count exact on moto, which serialises
everything, and makes a change that serialises the requests again show as one round more.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

A = TypeVar("A")
B = TypeVar("B")

# The round the current thread's requests belong to; None outside at_once.
ROUND: ContextVar[int | None] = ContextVar("rollcall_dynamodb_round", default=None)

_numbers = itertools.count(1)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:  # made on first use: the cold path imports and starts nothing
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rollcall-round")
        return _pool


def _in_round(number: int, call: Callable[[], B]) -> B:
    token = ROUND.set(number)
    try:
        return call()
    finally:
        ROUND.reset(token)


def at_once(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Both results, ``second`` made on another thread while ``first`` runs here: one
    round trip instead of two. An exception from either is raised here, after both ended
    (neither is left running behind the caller's back)."""
    number = next(_numbers)
    other = _executor().submit(_in_round, number, second)
    try:
        mine = _in_round(number, first)
    finally:
        theirs = other.exception()  # waits for it
    if theirs is not None:
        raise theirs
    return mine, other.result()


def round_of_request() -> int | None:
    """The round the request about to be made belongs to (for request counters)."""
    return ROUND.get()
