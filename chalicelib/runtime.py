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
        from chalicelib.logs import configure_logging
        from chalicelib.store.table import DynamoTable

        settings = Settings.from_env()
        configure_logging(settings.log_level)
        table = DynamoTable(make_dynamodb_client(settings), settings.table_name)
        return cls(settings=settings, store=Store(table))

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
            self.adapters[platform] = built
        return self.adapters[platform]


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
