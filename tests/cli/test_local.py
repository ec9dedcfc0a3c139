"""The embedded local endpoint: snapshot round-trips, endpoint choice, environment hygiene.

These run a real moto server on the loopback interface; each start/stop costs a few tens
of milliseconds, so the whole file stays well under the time budget.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from rollcall import local
from rollcall.local import (
    EmbeddedEndpoint,
    LocalStateError,
    configured_endpoint,
    local_endpoint,
    publish,
    running_server,
    state_dir,
    unpublish,
)

TABLE = "rollcall-test"
AWS_VARS = (
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_PROFILE",
)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> pathlib.Path:
    """No AWS configuration from the developer's shell, and a private state directory."""
    for name in AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    home = tmp_path / "home"
    monkeypatch.setenv(local.STATE_DIR_ENV, str(home))
    return home


@pytest.fixture
def ephemeral() -> Iterator[EmbeddedEndpoint]:
    endpoint = EmbeddedEndpoint(None).start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


def create_table(client: Any, name: str = TABLE) -> None:
    """A table shaped like the real one: string keys, a GSI, TTL on expires_at."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gpk", "gsk")
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [
                    {"AttributeName": "gpk", "KeyType": "HASH"},
                    {"AttributeName": "gsk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )


def scan_all(client: Any, name: str = TABLE) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=name):
        items.extend(page["Items"])
    return sorted(items, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


RICH_ITEM = {
    "pk": {"S": "member#1"},
    "sk": {"S": "profile"},
    "gpk": {"S": "kind#member"},
    "gsk": {"S": "2024-01-01"},
    "expires_at": {"N": "1700000000"},
    "score": {"N": "-12.5"},
    "big": {"N": "12345678901234567890123456789"},
    "blob": {"B": b"\x00\xff\xfe binary"},
    "tags": {"SS": ["a", "b"]},
    "counts": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"\x01", b"\x02\x03"]},
    "active": {"BOOL": True},
    "nothing": {"NULL": True},
    "nested": {"M": {"list": {"L": [{"S": "x"}, {"N": "3"}, {"B": b"\xaa"}]}}},
}


def test_table_with_gsi_ttl_and_typed_items_round_trips(tmp_path: pathlib.Path) -> None:
    snapshot = tmp_path / "state.json"
    # 60 plain items on top of the rich one: restore must cross BatchWriteItem's 25 limit.
    plain = [
        {
            "pk": {"S": f"member#{n:03d}"},
            "sk": {"S": "checkin"},
            "gpk": {"S": "kind#checkin"},
            "gsk": {"S": f"{n:03d}"},
        }
        for n in range(60)
    ]
    with EmbeddedEndpoint(snapshot) as endpoint:
        client = endpoint.client()
        create_table(client)
        client.put_item(TableName=TABLE, Item=RICH_ITEM)
        for item in plain:
            client.put_item(TableName=TABLE, Item=item)
        before = scan_all(client)

    stored = json.loads(snapshot.read_text())
    assert stored["version"] == 1
    (table,) = stored["tables"]
    assert table["ttl"] == "expires_at"
    assert table["definition"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["definition"]["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
    (rich,) = [item for item in table["items"] if item["sk"] == {"S": "profile"}]
    assert rich["blob"] == {"B": base64.b64encode(b"\x00\xff\xfe binary").decode()}
    assert rich["big"] == {"N": "12345678901234567890123456789"}

    with EmbeddedEndpoint(snapshot) as endpoint:
        client = endpoint.client()
        description = client.describe_table(TableName=TABLE)["Table"]
        assert [index["IndexName"] for index in description["GlobalSecondaryIndexes"]] == ["by-g"]
        ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert ttl["AttributeName"] == "expires_at"
        assert scan_all(client) == before
        assert len(before) == 61
        by_gsi = client.query(
            TableName=TABLE,
            IndexName="by-g",
            KeyConditionExpression="gpk = :g",
            ExpressionAttributeValues={":g": {"S": "kind#member"}},
        )["Items"]
        assert by_gsi[0]["blob"] == {"B": b"\x00\xff\xfe binary"}
        assert sorted(by_gsi[0]["blobs"]["BS"]) == [b"\x01", b"\x02\x03"]


def test_fresh_starts_empty_and_a_missing_snapshot_is_not_an_error(tmp_path: pathlib.Path) -> None:
    snapshot = tmp_path / "nested" / "state.json"
    with EmbeddedEndpoint(snapshot) as endpoint:  # no snapshot yet: starts empty
        assert endpoint.client().list_tables()["TableNames"] == []
        create_table(endpoint.client())
    assert snapshot.exists()

    endpoint = EmbeddedEndpoint(snapshot).start(fresh=True)
    try:
        assert endpoint.client().list_tables()["TableNames"] == []
    finally:
        endpoint.stop(save=False)
    assert json.loads(snapshot.read_text())["tables"]  # stop(save=False) kept the old state


def test_ephemeral_endpoint_writes_nothing(tmp_path: pathlib.Path) -> None:
    with EmbeddedEndpoint(None) as endpoint:
        create_table(endpoint.client())
        endpoint.save()
    assert list(tmp_path.iterdir()) == []


def test_server_binds_loopback_only(ephemeral: EmbeddedEndpoint) -> None:
    host, port = ephemeral.bound_address()
    assert host == "127.0.0.1"
    assert ephemeral.url == f"http://127.0.0.1:{port}"
    assert port > 0


def test_a_second_embedded_endpoint_in_one_process_is_refused(
    ephemeral: EmbeddedEndpoint,
) -> None:
    # moto's tables are process-global: a second server would share and reset them.
    with pytest.raises(LocalStateError, match="already running"):
        EmbeddedEndpoint(None).start()
    assert ephemeral.client().list_tables()["TableNames"] == []


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00",
        b"[]",
        b'{"version": 99, "tables": []}',
        b'{"version": 1, "tables": [{"items": []}]}',
        b'{"version": 1, "tables": [{"definition": {"TableName": "t"}, "items": [{"b": {"B": "!!"}}]}]}',  # noqa: E501
    ],
    ids=["syntax", "not-utf8", "not-object", "version", "no-definition", "bad-base64"],
)
def test_corrupt_snapshot_raises_local_state_error_and_is_kept(
    tmp_path: pathlib.Path, content: bytes
) -> None:
    snapshot = tmp_path / "state.json"
    snapshot.write_bytes(content)
    with pytest.raises(LocalStateError, match=str(snapshot)):
        EmbeddedEndpoint(snapshot).start()
    assert snapshot.read_bytes() == content  # never overwritten
    with EmbeddedEndpoint(None):  # and no server was left running
        pass


def test_snapshot_rejected_by_dynamodb_raises_local_state_error(tmp_path: pathlib.Path) -> None:
    snapshot = tmp_path / "state.json"
    snapshot.write_text(json.dumps({"version": 1, "tables": [{"definition": {"TableName": "t"}}]}))
    with pytest.raises(LocalStateError, match=r"could not be restored \(table t\)"):
        EmbeddedEndpoint(snapshot).start()
    with EmbeddedEndpoint(None):
        pass


def test_state_dir_defaults_to_dot_rollcall(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.delenv(local.STATE_DIR_ENV)
    monkeypatch.chdir(tmp_path)
    assert state_dir() == tmp_path / ".rollcall"
    monkeypatch.setenv(local.STATE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert state_dir() == tmp_path / "elsewhere"


def test_configured_endpoint_prefers_the_dynamodb_specific_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert configured_endpoint() is None
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://general:1")
    assert configured_endpoint() == "http://general:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamodb:2")
    assert configured_endpoint() == "http://dynamodb:2"


def test_local_endpoint_uses_the_configured_endpoint_untouched(
    monkeypatch: pytest.MonkeyPatch, isolated_env: pathlib.Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    before = dict(os.environ)
    with local_endpoint() as url:
        assert url == "http://127.0.0.1:9"
        assert dict(os.environ) == before
    assert not isolated_env.exists()  # nothing started, nothing saved


def test_local_endpoint_shares_a_running_server(
    ephemeral: EmbeddedEndpoint, isolated_env: pathlib.Path
) -> None:
    publish(ephemeral.url, isolated_env)
    assert running_server(isolated_env) == ephemeral.url
    create_table(ephemeral.client())
    with local_endpoint(fresh=True) as url:
        assert url == ephemeral.url
        assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == ephemeral.url
        # fresh does not wipe a server this command does not own
        assert boto3.client("dynamodb").list_tables()["TableNames"] == [TABLE]
    assert not (isolated_env / local.SNAPSHOT_NAME).exists()
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in os.environ


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_serve_file(directory: pathlib.Path, endpoint: str, pid: int) -> pathlib.Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / local.SERVE_FILE_NAME
    path.write_text(json.dumps({"endpoint": endpoint, "pid": pid, "started_at": "x"}))
    return path


def test_running_server_needs_a_live_pid_and_a_listening_port(
    ephemeral: EmbeddedEndpoint, tmp_path: pathlib.Path
) -> None:
    path = write_serve_file(tmp_path, ephemeral.url, dead_pid())
    assert running_server(tmp_path) is None
    assert not path.exists()

    path = write_serve_file(tmp_path, "http://127.0.0.1:9", os.getpid())  # nothing listens
    assert running_server(tmp_path) is None
    assert not path.exists()

    path.write_text("{half a file")
    assert running_server(tmp_path) is None
    assert not path.exists()

    assert running_server(tmp_path / "missing") is None


def test_local_endpoint_ignores_a_stale_serve_file(isolated_env: pathlib.Path) -> None:
    stale = write_serve_file(isolated_env, "http://127.0.0.1:9", dead_pid())
    with local_endpoint() as url:
        assert url != "http://127.0.0.1:9"
        assert url.startswith("http://127.0.0.1:")
    assert not stale.exists()
    assert (isolated_env / local.SNAPSHOT_NAME).exists()


def test_local_endpoint_sets_and_restores_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    before = dict(os.environ)
    with local_endpoint(persist=False) as url:
        assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == url
        assert os.environ["AWS_ENDPOINT_URL"] == url
        assert os.environ["AWS_ACCESS_KEY_ID"] == "mine"  # the user's value is kept
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        # Plain clients, no arguments: the environment alone routes DynamoDB and SQS here.
        create_table(boto3.client("dynamodb"))
        queue = boto3.client("sqs").create_queue(QueueName="q")["QueueUrl"]
        assert "q" in queue
    assert dict(os.environ) == before


def test_local_endpoint_persists_between_commands_and_honours_fresh(
    isolated_env: pathlib.Path,
) -> None:
    with local_endpoint():
        create_table(boto3.client("dynamodb"))
    with local_endpoint():
        assert boto3.client("dynamodb").list_tables()["TableNames"] == [TABLE]
    with local_endpoint(fresh=True):
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []
    with local_endpoint(persist=False):
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []
    assert json.loads((isolated_env / local.SNAPSHOT_NAME).read_text())["tables"] == []


def test_local_endpoint_saves_even_when_the_body_raises(isolated_env: pathlib.Path) -> None:
    before = dict(os.environ)
    with pytest.raises(RuntimeError, match="boom"), local_endpoint():
        create_table(boto3.client("dynamodb"))
        raise RuntimeError("boom")
    assert dict(os.environ) == before
    stored = json.loads((isolated_env / local.SNAPSHOT_NAME).read_text())
    assert [table["definition"]["TableName"] for table in stored["tables"]] == [TABLE]
    with EmbeddedEndpoint(None):  # the server was stopped too
        pass


def test_publish_and_unpublish(tmp_path: pathlib.Path) -> None:
    path = publish("http://127.0.0.1:1234", tmp_path / "state")
    data = json.loads(path.read_text())
    assert data["endpoint"] == "http://127.0.0.1:1234"
    assert data["pid"] == os.getpid()
    assert data["started_at"].endswith("+00:00")
    unpublish(tmp_path / "state")
    assert not path.exists()
    unpublish(tmp_path / "state")  # idempotent

    other = write_serve_file(tmp_path, "http://127.0.0.1:1234", os.getpid() + 1)
    unpublish(tmp_path)
    assert other.exists()  # another process's announcement is not ours to withdraw


def test_importing_the_module_does_not_import_moto() -> None:
    code = "import sys, rollcall.local; sys.exit('moto' in sys.modules)"
    repo = pathlib.Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo)
