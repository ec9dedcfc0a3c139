"""The Runtime for local use: the same collaborators the Lambda functions build, on the
CLI's endpoint, with the console platform enabled and printing to the terminal."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from chalicelib.config import Settings
from chalicelib.platforms.console import Sink
from chalicelib.runtime import Runtime, make_dynamodb_client
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable
from rollcall import local
from rollcall.context import endpoint, open_store, stage


def console_secret(directory: Path | None = None) -> str:
    """``ROLLCALL_CONSOLE_SECRET``, else one generated once and kept in the state directory,
    so that ``rollcall serve`` and a ``rollcall chat`` in another terminal agree."""
    configured = os.environ.get("ROLLCALL_CONSOLE_SECRET")
    if configured:
        return configured
    directory = directory or local.state_dir()
    path = directory / "console-secret"
    if path.exists():
        return path.read_text().strip()
    directory.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(16)
    # Created private (0600), never readable by others between a write and a chmod.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w") as out:
        out.write(secret)
    return secret


def build_runtime(settings: Settings, *, sink: Sink | None = None, create: bool = True) -> Runtime:
    client = make_dynamodb_client(settings)
    if create:
        ensure_table(client, settings.table_name)
    runtime = Runtime(settings=settings, store=Store(DynamoTable(client, settings.table_name)))
    runtime.console_sink = sink
    return runtime


@contextlib.contextmanager
def local_runtime(
    *, sink: Sink | None = None, fresh: bool = False, persist: bool = True
) -> Iterator[Runtime]:
    with endpoint(fresh=fresh, persist=persist) as url:
        settings = Settings.from_env()
        if not settings.console_secret:
            settings = replace(settings, console_secret=console_secret())
        yield build_runtime(settings, sink=sink, create=url is not None)


@contextlib.contextmanager
def read_store() -> Iterator[Store]:
    """A Store for a command that only reads (``community list|show``, ``member list|export``,
    ``report monthly``).

    Without an endpoint of its own (local stage, none configured, no ``rollcall serve``
    running), the snapshot is read straight into an in-memory table: no moto server, no
    restore, no save. Whatever the command might write there is dropped, as befits a read.
    Otherwise it is :func:`rollcall.context.open_store`.
    """
    settings = Settings.from_env()
    items = local.snapshot_items(settings.table_name) if stage() == "local" else None
    if items is None:
        with open_store() as store:
            yield store
        return
    from boto3.dynamodb.types import TypeDeserializer

    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.table import from_dynamo_value

    deserialize = TypeDeserializer().deserialize
    table = MemoryTable(settings.table_name)
    table.batch_put(
        {name: from_dynamo_value(deserialize(value)) for name, value in item.items()}
        for item in items
    )
    yield Store(table)
