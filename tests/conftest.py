"""Shared fixtures: AWS replaced by moto, a table of each kind, time passed explicitly."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.store.memory import MemoryTable
from chalicelib.store.repository import Store
from chalicelib.store.rounds import round_of_request
from chalicelib.store.schema import ensure_table
from chalicelib.store.table import DynamoTable

TABLE = "rollcall-test"


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """No test may reach real AWS or read the developer's own configuration."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_SESSION_TOKEN",
        "ROLLCALL_STAGE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("ROLLCALL_HOME", str(tmp_path / ".rollcall"))


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


class RequestCounter:
    """Counts DynamoDB requests by operation through botocore's event hooks, the way
    Zulip counts queries: a change that adds a per-member call fails a test."""

    def __init__(self, client) -> None:
        self.counts: Counter[str] = Counter()
        self._rounds: list[int | None] = []
        self._lock = threading.Lock()
        client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model, **_: object) -> None:
        with self._lock:  # requests of one round come from two threads
            self.counts[model.name] += 1
            self._rounds.append(round_of_request())

    def total(self) -> int:
        return sum(self.counts.values())

    def rounds(self) -> int:
        """Round trips in sequence: requests sent together (store/rounds.py) count once."""
        marked = {r for r in self._rounds if r is not None}
        return len(marked) + sum(1 for r in self._rounds if r is None)

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self._rounds.clear()


@pytest.fixture
def dynamo_client(aws):
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1")
    ensure_table(client, TABLE)
    return client


@pytest.fixture
def dynamo_table(dynamo_client) -> DynamoTable:
    return DynamoTable(dynamo_client, TABLE, sleep=lambda _: None)


@pytest.fixture
def requests_made(dynamo_client) -> RequestCounter:
    return RequestCounter(dynamo_client)


@pytest.fixture(params=["memory", "dynamodb"])
def table(request):
    """One contract, two tables: every test using this runs on both."""
    if request.param == "memory":
        return MemoryTable(TABLE)
    return request.getfixturevalue("dynamo_table")


@pytest.fixture
def store(table) -> Store:
    return Store(table)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
