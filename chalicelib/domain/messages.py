"""Every text a member or an admin sees, in zh-CN and en.

One catalog, assembled from every module under texts/ (one per feature), looked up by
key; a test proves every key exists in both languages with the same placeholders, so a
message can never appear in one language only.
"""

from __future__ import annotations

from typing import Any

DEFAULT_LOCALE = "zh-CN"


def _assemble() -> dict[str, dict[str, str]]:
    """Each feature keeps its texts in its own module under texts/; a key may exist once."""
    import importlib
    import pkgutil

    from chalicelib.domain import texts as text_modules

    catalog: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(text_modules.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{text_modules.__name__}.{info.name}")
        for key, texts in module.TEXTS.items():
            if key in catalog:
                raise RuntimeError(f"message key {key!r} defined twice")
            catalog[key] = texts
    return catalog


CATALOG = _assemble()


def t(locale: str, key: str, **values: Any) -> str:
    """The text for ``key`` in ``locale`` (zh-CN when the locale is unknown)."""
    texts = CATALOG[key]
    template = texts.get(locale) or texts[DEFAULT_LOCALE]
    return template.format(**values)
