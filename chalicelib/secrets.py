"""Platform credentials from SSM Parameter Store, cached per container for a few minutes.

Deployed stages keep bot tokens and signing secrets as SecureString parameters under
``/rollcall/<stage>/``, one parameter per environment name
(``/rollcall/prod/ROLLCALL_TELEGRAM_BOT_TOKEN``), so the code asks for a secret by the same
name locally (environment) and in AWS (Parameter Store). They are never in the repo, in
``.chalice/config.json`` or in the CloudFormation template.

Why a cache with a short TTL rather than reading once per container: a rotated token must
take effect without a redeploy, and Lambda keeps warm containers for hours. Why not read on
every request: a webhook must answer within 3 seconds and SSM's default throughput is 40
requests per second per account. One ``GetParametersByPath`` (a page per 10 parameters)
every ``DEFAULT_TTL_SECONDS`` per container is both cheap and fresh enough.

Nothing here calls AWS at import time or when built: the first ``get`` does, so the local
stage (which never builds a ``ParameterStoreSecrets``) and the import of ``app.py`` make no
AWS call at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

# A rotation reaches every warm container within this time.
DEFAULT_TTL_SECONDS = 300.0
# After a failed read, serve what we have (or the environment) and try again this soon,
# rather than on every request: a throttled or denied SSM must not slow every webhook down.
RETRY_AFTER_ERROR_SECONDS = 30.0
# The platforms whose credentials may be stored; ROLLCALL_<PLATFORM>_<WHAT>.
SECRET_PLATFORMS = ("slack", "discord", "telegram", "feishu", "dingtalk", "wecom")
PATH_ROOT = "/rollcall"
# Secrets that are no platform's: the key of the organiser's pages' session cookies.
OTHER_SECRETS = ("ROLLCALL_MANAGE_SECRET",)

logger = logging.getLogger("rollcall.secrets")


class SecretSource(Protocol):
    """Where deployed stages read credentials from (Settings.secret consults it first)."""

    def get(self, name: str) -> str | None: ...

    def version(self) -> int: ...


def parameter_path(stage: str) -> str:
    """The stage's folder in Parameter Store, with the trailing slash SSM expects."""
    return f"{PATH_ROOT}/{stage}/"


def parameter_name(stage: str, name: str) -> str:
    return parameter_path(stage) + normalize_name(name)


def normalize_name(name: str) -> str:
    """``telegram-bot-token``, ``TELEGRAM_BOT_TOKEN`` → ``ROLLCALL_TELEGRAM_BOT_TOKEN``.

    Only platform credentials are accepted: anything else would be stored where no code
    reads it, which an operator would only find out when a webhook starts failing.
    """
    cleaned = name.strip().upper().replace("-", "_")
    if not cleaned.startswith("ROLLCALL_"):
        cleaned = "ROLLCALL_" + cleaned
    if cleaned in OTHER_SECRETS:
        return cleaned
    platform, _, rest = cleaned.removeprefix("ROLLCALL_").partition("_")
    if platform.lower() not in SECRET_PLATFORMS or not rest or cleaned.endswith("_API_BASE"):
        known = ", ".join(p.upper() for p in SECRET_PLATFORMS)
        raise ValueError(
            f"{name!r} is not a platform credential: expected ROLLCALL_<PLATFORM>_<NAME>"
            f" (PLATFORM one of {known}), e.g. ROLLCALL_TELEGRAM_BOT_TOKEN"
        )
    if not all(c.isalnum() or c == "_" for c in cleaned):
        raise ValueError(f"{name!r}: use letters, digits and underscores only")
    return cleaned


class ParameterStoreSecrets:
    """The parameters under one path, read together and cached for ``ttl`` seconds.

    ``version()`` changes whenever a refresh finds different values, so whoever built
    objects from the secrets (the platform adapters) knows to build them again.
    """

    def __init__(
        self,
        path: str,
        client_factory: Callable[[], Any],
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._client_factory = client_factory
        self._client: Any = None
        self._ttl = ttl
        self._monotonic = monotonic
        self._values: dict[str, str] = {}
        self._loaded = False
        self._next_refresh = float("-inf")  # the first get reads
        self._version = 0
        self._lock = threading.Lock()

    @classmethod
    def for_stage(cls, stage: str, region: str) -> ParameterStoreSecrets:
        def make_client() -> Any:
            import boto3
            from botocore.config import Config

            # Short timeouts: this runs inside a webhook that must answer within 3 seconds.
            config = Config(
                connect_timeout=2,
                read_timeout=3,
                retries={"mode": "standard", "max_attempts": 3},
            )
            return boto3.client("ssm", region_name=region, config=config)

        return cls(parameter_path(stage), make_client)

    def get(self, name: str) -> str | None:
        """The parameter's value, or None when the stage has no such parameter."""
        with self._lock:
            if self._monotonic() >= self._next_refresh:
                self._refresh()
            return self._values.get(name)

    def version(self) -> int:
        """A counter that moves when the values change. Refreshes a stale cache, but never
        makes the first read: a container that never needed a secret never calls SSM."""
        with self._lock:
            if self._loaded and self._monotonic() >= self._next_refresh:
                self._refresh()
            return self._version

    def _refresh(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            values = self._read_all()
        except (BotoCoreError, ClientError) as error:
            # Keep serving the last good values (or the environment, before the first
            # read): a brief SSM outage must not turn into 401s on every webhook.
            self._next_refresh = self._monotonic() + RETRY_AFTER_ERROR_SECONDS
            logger.warning(
                "could not read parameters under %s (%s), keeping %s",
                self.path,
                _describe(error),
                "the cached values" if self._loaded else "the environment",
                extra={"parameter_path": self.path, "error": _describe(error)},
            )
            return
        if values != self._values or not self._loaded:
            self._version += 1
        self._values = values
        self._loaded = True
        self._next_refresh = self._monotonic() + self._ttl

    def _read_all(self) -> dict[str, str]:
        if self._client is None:
            self._client = self._client_factory()
        values: dict[str, str] = {}
        pages = self._client.get_paginator("get_parameters_by_path").paginate(
            Path=self.path, Recursive=False, WithDecryption=True
        )
        for page in pages:
            for parameter in page.get("Parameters", []):
                values[parameter["Name"].rsplit("/", 1)[-1]] = parameter["Value"]
        return values


def _describe(error: Exception) -> str:
    """The error's code and message, never the request (which could carry a value)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        details = response.get("Error", {})
        return f"{details.get('Code', 'error')}: {details.get('Message', '')}".strip()
    return type(error).__name__
