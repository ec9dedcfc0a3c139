"""The collaborators a handler needs, built once per Lambda container, lazily.

Nothing here runs at import time: the first request builds the Runtime from the
environment (after moto is active in tests, after the stage's variables are applied by
Chalice). Tests and the local runtime hand in their own with ``set_runtime``: injection
rather than patching.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from chalicelib.clock import Clock, SystemClock
from chalicelib.config import Settings
from chalicelib.platforms.base import Adapter
from chalicelib.store.repository import Store

# Timeouts for every AWS call: a webhook must answer within 3 s, so no call may hang.
_CONNECT_TIMEOUT = 2
_READ_TIMEOUT = 5


def make_dynamodb_client(settings: Settings) -> Any:
    """A low-level client; the endpoint comes from boto3's own settings
    (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL), so any DynamoDB-compatible endpoint works."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=_CONNECT_TIMEOUT,
        read_timeout=_READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": 5},
    )
    return boto3.client("dynamodb", region_name=settings.region, config=config)


def make_sqs_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=_CONNECT_TIMEOUT,
        read_timeout=_READ_TIMEOUT,
        retries={"mode": "standard", "max_attempts": 5},
    )
    return boto3.client("sqs", region_name=settings.region, config=config)


@dataclass
class Runtime:
    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    adapters: dict[str, Adapter] = field(default_factory=dict)
    console_sink: Any = None
    _queue: Any = None
    # The secrets' version the cached adapters were built with (see adapter()).
    _secrets_version: int = 0
    # Requests a second per platform across every worker (ROLLCALL_SEND_BUDGET): the
    # adapters of these platforms take a slot before each request (store/pacing.py).
    send_budgets: dict[str, int] = field(default_factory=dict)

    @property
    def queue(self) -> Any:
        """The job queue (SQS by name from the settings), made on first use."""
        if self._queue is None:
            from chalicelib.queue import SqsQueue

            self._queue = SqsQueue.from_name(
                make_sqs_client(self.settings), self.settings.queue_name
            )
        return self._queue

    @queue.setter
    def queue(self, queue: Any) -> None:
        self._queue = queue

    @classmethod
    def from_env(cls) -> Runtime:
        from chalicelib.config import send_budgets
        from chalicelib.logs import configure_logging
        from chalicelib.store.table import DynamoTable

        settings = Settings.from_env()
        configure_logging(settings.log_level)
        table = DynamoTable(make_dynamodb_client(settings), settings.table_name)
        return cls(settings=settings, store=Store(table), send_budgets=send_budgets())

    def adapter(self, platform: str) -> Adapter | None:
        """The platform's adapter, built on first use; None when unknown or not configured.

        Adapters hold their credentials, so when a secret was rotated in Parameter Store
        (the version moved) they are built again: no redeploy, no cold start needed.
        """
        version = self.settings.secrets_version()
        if version != self._secrets_version:
            self.adapters.clear()
            self._secrets_version = version
        if platform not in self.adapters:
            built = build_adapter(platform, self)
            # Building may have made the first read of the secrets: not a rotation.
            self._secrets_version = self.settings.secrets_version()
            if built is None:
                return None
            if platform in self.send_budgets:
                self._gate(platform, built, self.send_budgets[platform])
            self.adapters[platform] = built
        return self.adapters[platform]

    def _gate(self, platform: str, adapter: Adapter, limit: int) -> None:
        """Every HTTP sender the adapter holds takes a slot of the platform's budget before
        each request, and waits for it (store/pacing.py)."""
        from chalicelib.platforms.http import HttpSender

        def gate(sleep: Any) -> None:
            from chalicelib.platforms.base import DeliveryError
            from chalicelib.store.pacing import HORIZON_SECONDS, take_slot

            now = self.clock.now()
            slot = take_slot(self.store.table, platform, limit, now)
            if slot is None:
                raise DeliveryError(
                    f"{platform}: its send budget ({limit}/s) is taken for the next "
                    f"{HORIZON_SECONDS} s; the queue retries the run"
                )
            wait = (slot - now).total_seconds()
            if wait > 0:
                sleep(wait)

        for sender in vars(adapter).values():
            if isinstance(sender, HttpSender):
                sender.gate = gate


# platform → the module whose ``build(settings, runtime)`` makes its adapter (or None when
# the platform is not configured here). Adapters are imported only when their platform is
# used: a cold start answering a Feishu 1-second handshake must not pay for the crypto of
# every other platform.
ADAPTER_MODULES = {
    "console": "chalicelib.platforms.console",
    "telegram": "chalicelib.platforms.telegram",
    "slack": "chalicelib.platforms.slack",
    "discord": "chalicelib.platforms.discord",
    "feishu": "chalicelib.platforms.feishu",
    "dingtalk": "chalicelib.platforms.dingtalk",
    "wecom": "chalicelib.platforms.wecom",
}


def build_adapter(platform: str, runtime: Runtime) -> Adapter | None:
    import importlib

    module_name = ADAPTER_MODULES.get(platform)
    if module_name is None:
        return None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None  # adapter not built yet
        raise
    adapter: Adapter = module.build(runtime.settings, runtime)
    return adapter


_lock = threading.Lock()
_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    global _runtime
    with _lock:
        if _runtime is None:
            _runtime = Runtime.from_env()
        return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    with _lock:
        _runtime = runtime
