"""Outbound HTTP to chat platforms: timeouts, retries with backoff, Retry-After, pacing.

Every adapter sends through ``HttpSender`` so that the rules the platforms publish are
honoured in one place:

- every request has a connect and read timeout (a Lambda must never hang on a platform);
- 429 and 5xx are retried with exponential backoff and jitter, honouring the platform's
  own wait (``Retry-After`` header, Telegram's ``parameters.retry_after``, Discord's
  ``retry_after`` in the body) up to a cap, then given up cleanly with ``DeliveryError``;
- sends to one chat are paced to the platform's per-chat rate (e.g. Telegram ~1 message/s
  per chat), so a 300-mention reminder split into parts does not trip the limit;
- every error it raises names the platform's host only, never the URL (paths and queries
  carry tokens); a ``requests`` error that is not a connection error or a timeout is not
  retried;
- the ``DeliveryError`` it gives up with carries the last answer it refused (``answer``;
  None when the platform was never reached), so an adapter reads a refusal (Telegram's 403,
  Discord's 50007) apart from a network failure without hooks of its own.

``AppToken`` is the app access token DingTalk, WeCom and Feishu ask for on every API call:
cached until shortly before it expires, fetched afresh once when the platform refuses it.

``sleep`` and ``monotonic`` are injected so tests exercise waits without waiting.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib.platforms.base import DeliveryError

# (connect, read) seconds: platforms answer in well under a second when healthy.
DEFAULT_TIMEOUT = (3.05, 10.0)
# Total attempts per request (first try + retries).
DEFAULT_ATTEMPTS = 4
# A platform asking us to wait longer than this is effectively down for this run: give up
# and let the job's lease/redelivery retry later rather than hold a Lambda idle.
MAX_WAIT_SECONDS = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Replies go out while the platform waits for our answer (Slack, Discord and Feishu allow
# 3 s, WeCom 5 s): one quick attempt each, not the retries a scheduled job can afford.
REPLY_TIMEOUT = (1.0, 1.5)

T = TypeVar("T")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON when the platform sent JSON, else the text
    headers: Mapping[str, str]


class HttpSender:
    def __init__(
        self,
        *,
        session: Any = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        min_interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._session = session
        self.timeout = timeout
        self.attempts = attempts
        self.min_interval = min_interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._jitter = jitter
        self._last_sent: dict[str, float] = {}
        # Called before every request with this sender's sleep: the platform's send budget
        # across workers (store/pacing.py, set by runtime.py), when the operator asks for one.
        self.gate: Callable[[Callable[[float], None]], None] | None = None

    @classmethod
    def for_replies(cls) -> HttpSender:
        """The sender for replies made while the platform waits (see REPLY_TIMEOUT)."""
        return cls(attempts=1, timeout=REPLY_TIMEOUT)

    @property
    def session(self) -> Any:
        if self._session is None:
            import requests  # imported on first send: webhooks that only reply inline skip it

            self._session = requests.Session()
        return self._session

    def pace(self, key: str) -> None:
        """Wait until ``min_interval`` has passed since the last send to ``key`` (a chat)."""
        if self.min_interval <= 0:
            return
        last = self._last_sent.get(key)
        now = self._monotonic()
        if last is not None and now - last < self.min_interval:
            self._sleep(self.min_interval - (now - last))
        self._last_sent[key] = self._monotonic()

    def request(
        self,
        method: str,
        url: str,
        *,
        pace_key: str | None = None,
        ok: Callable[[Answer], bool] | None = None,
        retry_after: Callable[[Answer], float | None] | None = None,
        **kwargs: Any,
    ) -> Answer:
        """Send with retries. ``ok`` decides success beyond the status code (platforms that
        answer 200 with an error code in the body); ``retry_after`` reads a platform's own
        wait from a throttled answer. The DeliveryError raised on giving up carries the
        last refused answer as ``answer``."""
        import requests

        if pace_key is not None:
            self.pace(pace_key)
        last_error = "no attempt made"
        refused: Answer | None = None
        for attempt in range(self.attempts):
            if self.gate is not None:
                self.gate(self._sleep)
            try:
                raw = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as error:
                last_error = f"{type(error).__name__} talking to {_host(url)}"
                self._backoff(attempt, None)
                continue
            except requests.RequestException as error:
                # Not worth a retry (a bad URL, too many redirects, a broken body), and its
                # own message carries the full URL, token and all: the host only, and
                # ``from None`` so that no traceback prints the original either.
                raise DeliveryError(f"{type(error).__name__} talking to {_host(url)}") from None
            answer = Answer(raw.status_code, _body(raw), dict(raw.headers))
            if answer.status < 400 and (ok is None or ok(answer)):
                return answer
            refused = answer
            wait = _retry_after_header(answer)
            if retry_after is not None:
                wait = retry_after(answer) or wait
            throttled = answer.status in RETRY_STATUSES or wait is not None
            last_error = f"{_host(url)} answered {answer.status}: {_summary(answer.body)}"
            if not throttled or attempt == self.attempts - 1:
                break
            if wait is not None and wait > MAX_WAIT_SECONDS:
                last_error += f" (asked to wait {wait:.0f}s)"
                break
            self._backoff(attempt, wait)
        raise DeliveryError(last_error, answer=refused)

    def _backoff(self, attempt: int, wait: float | None) -> None:
        if attempt == self.attempts - 1:
            return
        delay = wait if wait is not None else min(8.0, 0.5 * 2**attempt) * (0.5 + self._jitter())
        self._sleep(max(0.0, delay))


class AppToken:
    """An app's access token (DingTalk, WeCom, Feishu), fetched once and reused until
    ``margin`` seconds before the platform says it expires: one token request serves every
    call of a warm Lambda, and WeCom limits how often a token may be fetched."""

    def __init__(
        self,
        missing: str,
        *,
        margin: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._missing = missing  # the error when the platform answers without a token
        self._margin = margin
        self._monotonic = monotonic
        self._token = ""
        self._expires_at = 0.0

    def get(self, fetch: Callable[[], tuple[Any, Any]]) -> str:
        """The cached token, or a fresh one from ``fetch()``: the answer's (token, seconds
        it lives), as the platform sent them."""
        now = self._monotonic()
        if self._token and now < self._expires_at - self._margin:
            return self._token
        token, lifetime = fetch()
        if not isinstance(token, str) or not token:
            raise DeliveryError(self._missing)
        self._token = token
        self._expires_at = now + (float(lifetime) if isinstance(lifetime, int | float) else 0)
        return token

    def call(
        self,
        fetch: Callable[[], tuple[Any, Any]],
        send: Callable[[str], T],
        *,
        rejected: Callable[[Answer], bool],
        failed: Callable[[DeliveryError], DeliveryError | None] = lambda _: None,
    ) -> T:
        """``send(token)``; when the platform's answer says the token itself was
        ``rejected`` (revoked or expired early), once more with a fresh one. When the last
        try fails, ``failed(error)`` may name the error to raise instead (a refusal that
        retrying will not change); a failed ``fetch`` is raised as it is."""
        for attempt in range(2):
            token = self.get(fetch)
            try:
                return send(token)
            except DeliveryError as error:
                if attempt == 0 and error.answer is not None and rejected(error.answer):
                    self._token = ""
                    continue
                instead = failed(error)
                if instead is None:
                    raise
                raise instead from None
        raise AssertionError("unreachable: the second try returns or raises")  # pragma: no cover


def _host(url: str) -> str:
    """The host of ``url`` and nothing else: never its path (Telegram's bot token, a
    robot's key), query (``access_token=``) or user:password; and never the URL itself when
    it does not parse (a robot webhook stored without its scheme is still a secret)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "an invalid URL"
    if not host:
        return "an invalid URL"
    return f"{host}:{port}" if port else host


def _body(raw: Any) -> Any:
    try:
        return raw.json()
    except (ValueError, json.JSONDecodeError):
        return raw.text


def _summary(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body
    return text[:200]


def _retry_after_header(answer: Answer) -> float | None:
    value = {k.lower(): v for k, v in answer.headers.items()}.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
