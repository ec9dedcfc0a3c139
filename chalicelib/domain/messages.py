"""Every text a member or an admin sees, in zh-CN and en.

Each feature keeps its texts in its own module under texts/, and a key may exist once. A
lookup loads those modules lazily, the most used first: a cold start answering a check-in
compiles the check-in texts and no others. :func:`catalog` assembles them all; a test
proves every key exists in both languages with the same placeholders, so a message can
never appear in one language only.
"""

from __future__ import annotations

import importlib
import re
import threading
from typing import Any

DEFAULT_LOCALE = "zh-CN"
_PACKAGE = "chalicelib.domain.texts"
# Looked in first, in this order; the other modules under texts/ after them, by name.
_FIRST = ("checkins", "core")

_texts: dict[str, dict[str, str]] = {}
_loaded: set[str] = set()
_queue: list[str] = list(_FIRST)
_discovered = False
_lock = threading.Lock()


def _all_modules() -> list[str]:
    import pkgutil

    package = importlib.import_module(_PACKAGE)
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


def _load_next() -> bool:
    """Load one more text module (the caller holds the lock); False when none is left."""
    global _discovered
    if not _queue and not _discovered:
        _discovered = True
        _queue.extend(name for name in _all_modules() if name not in _loaded)
    if not _queue:
        return False
    name = _queue.pop(0)
    module = importlib.import_module(f"{_PACKAGE}.{name}")
    for key, texts in module.TEXTS.items():
        if key in _texts:
            raise RuntimeError(f"message key {key!r} defined twice")
        _texts[key] = texts
    _loaded.add(name)
    return True


def _lookup(key: str) -> dict[str, str]:
    texts = _texts.get(key)
    if texts is not None:
        return texts
    with _lock:
        while key not in _texts:
            if not _load_next():
                raise KeyError(f"no message {key!r} in any module under texts/")
        return _texts[key]


def catalog() -> dict[str, dict[str, str]]:
    """Every key, from every module under texts/ (refusing a key defined twice)."""
    with _lock:
        while _load_next():
            pass
        return dict(_texts)


def __getattr__(name: str) -> Any:
    # ``CATALOG``, the whole catalog, assembled on first use (see catalog()).
    if name == "CATALOG":
        return catalog()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def t(locale: str, key: str, **values: Any) -> str:
    """The text for ``key`` in ``locale`` (zh-CN when the locale is unknown).

    A homework cycle's id (``C0003``, the key of its items) never reaches a member as such:
    a ``cycle`` value that is one reads ``第 3 期`` / ``cycle 3``; ISO weeks (``2026-W47``)
    stay as they are."""
    texts = _lookup(key)
    found = texts.get(locale)
    template = found or texts[DEFAULT_LOCALE]
    cycle = values.get("cycle")
    if isinstance(cycle, str) and _CYCLE_ID.match(cycle):
        values = {**values, "cycle": cycle_label(locale if found else DEFAULT_LOCALE, cycle)}
    return template.format(**values)


_CYCLE_ID = re.compile(r"^C(\d{4,})$")


def cycle_label(locale: str, cycle_id: str) -> str:
    """``C0003`` as a member reads it: ``第 3 期`` / ``cycle 3``."""
    match = _CYCLE_ID.match(cycle_id)
    if match is None:
        return cycle_id
    n = int(match.group(1))
    return f"cycle {n}" if locale == "en" else f"第 {n} 期"


def day_count(locale: str, days: int) -> str:
    """``3 天`` / ``1 day`` / ``3 days``: a number of days as each language says it."""
    if locale == "zh-CN" or locale not in ("en",):
        return f"{days} 天"
    return f"{days} day" if days == 1 else f"{days} days"


def days_ago(locale: str, days: int) -> str:
    """``今天`` / ``today``, ``昨天`` / ``yesterday``, else ``N 天前`` / ``N days ago``."""
    zh = locale == "zh-CN" or locale not in ("en",)
    if days <= 0:
        return "今天" if zh else "today"
    if days == 1:
        return "昨天" if zh else "yesterday"
    return f"{days} 天前" if zh else f"{days} days ago"
