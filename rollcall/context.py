"""Which DynamoDB a CLI command talks to, and the Store on it.

- ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL`` set: that endpoint (DynamoDB Local,
  LocalStack, a moto server, or AWS itself).
- stage ``local`` (the default, ``ROLLCALL_STAGE``) and no endpoint set: a running
  ``rollcall serve``'s endpoint if there is one, else the embedded endpoint with state kept
  under ``.rollcall/``.
- any other stage: boto3's default chain, i.e. the AWS account of the environment.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from chalicelib.config import Settings
from chalicelib.runtime import make_dynamodb_client
from chalicelib.store.repository import Store
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable
from rollcall import local


def stage() -> str:
    return os.environ.get("ROLLCALL_STAGE", "local")


@contextlib.contextmanager
def endpoint(*, fresh: bool = False, persist: bool = True) -> Iterator[str | None]:
    """The endpoint URL for this command (None: AWS itself)."""
    if stage() != "local" and not local.configured_endpoint():
        yield None
        return
    with local.local_endpoint(fresh=fresh, persist=persist) as url:
        yield url


@contextlib.contextmanager
def open_store(*, create: bool = True, fresh: bool = False) -> Iterator[Store]:
    """A Store on this command's endpoint; the table is created when missing (locally).

    Locally with no endpoint configured and no ``rollcall serve`` running, the store is the
    snapshot's table in memory, saved back on exit (``local.snapshot_table``): no server.
    """
    if (
        stage() == "local"
        and local.configured_endpoint() is None
        and local.running_server(local.state_dir()) is None
    ):
        settings = Settings.from_env()
        with local.snapshot_table(settings.table_name, fresh=fresh) as table:
            yield Store(table)
        return
    with endpoint(fresh=fresh) as url:
        settings = Settings.from_env()
        client = make_dynamodb_client(settings)
        if create and url is not None:
            ensure_table(client, settings.table_name)
        yield Store(DynamoTable(client, settings.table_name))
