"""The embedded, local DynamoDB-compatible endpoint behind the operator CLI.

Someone who has just cloned the repository has no AWS account and no configuration, yet
``rollcall demo`` and friends must work. For them the CLI runs moto's server in-process on
the loopback interface, points boto3 at it through boto3's own standard environment
variables, and keeps the tables between runs in a JSON snapshot under the state
directory. A long-running ``rollcall serve`` publishes its endpoint so that other CLI
commands share its state instead of each starting their own.

moto is imported lazily, inside functions: this module is imported by every CLI command,
most of which never need a local endpoint, and importing moto (and Flask) is slow.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.client
import json
import logging
import os
import pathlib
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

STATE_DIR_ENV = "ROLLCALL_HOME"
SNAPSHOT_NAME = "state.json"
SERVE_FILE_NAME = "serve.json"
SNAPSHOT_VERSION = 1
DEFAULT_REGION = "us-east-1"
DUMMY_CREDENTIAL = "testing"

LOOPBACK = "127.0.0.1"
_BATCH_SIZE = 25  # BatchWriteItem's hard limit
_UNPROCESSED_ATTEMPTS = 8
_PROBE_TIMEOUT = 0.5
_START_TIMEOUT = 10.0

# The environment variables local_endpoint() manages while it runs; restored afterwards.
_MANAGED_ENV = (
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)

# moto keeps every backend in module-level state, so all moto servers in one process share
# one set of tables. A second embedded endpoint would silently see (and reset) the first
# one's data, so at most one may run per process.
_active_lock = threading.Lock()
_active: EmbeddedEndpoint | None = None


class LocalStateError(Exception):
    """The local state (snapshot) cannot be used; the message names the file and why.

    Raised instead of letting a json or botocore traceback escape, because the person
    reading it is a CLI user who needs to know which file to move aside, not where in
    the standard library the parse failed.
    """


def state_dir() -> pathlib.Path:
    """Where local state lives: ``$ROLLCALL_HOME``, else ``./.rollcall``.

    Relative to the working directory by default so that each checkout has its own state
    and ``.gitignore`` already covers it.
    """
    configured = os.environ.get(STATE_DIR_ENV)
    if configured:
        return pathlib.Path(configured)
    return pathlib.Path.cwd() / ".rollcall"


def configured_endpoint() -> str | None:
    """The DynamoDB endpoint the user configured through boto3's standard variables, if any.

    Honouring the same variables boto3 reads means that whatever the user points boto3 at
    (DynamoDB Local, LocalStack, a shared moto server) wins over the embedded endpoint.
    """
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"):
        value = os.environ.get(name)
        if value:
            return value
    return None


class EmbeddedEndpoint:
    """moto's ThreadedMotoServer bound to 127.0.0.1 on a free port (never 0.0.0.0).

    Loopback only, because the server has no authentication at all: binding every
    interface would publish the developer's data to their network. The port is chosen by
    the kernel (port 0) so that several checkouts, or a test run next to ``rollcall
    serve``, never collide.
    """

    def __init__(self, snapshot_path: pathlib.Path | None, *, region: str | None = None) -> None:
        """``snapshot_path=None`` makes the endpoint ephemeral: nothing restored or saved.

        ``region`` defaults to ``$AWS_DEFAULT_REGION`` (else us-east-1) when started; the
        snapshot holds that region's tables, which is the region the CLI's clients use.
        """
        self.snapshot_path = snapshot_path
        self._region = region
        self._server: Any = None
        self.url = ""

    @property
    def region(self) -> str:
        """The region whose tables are restored and saved."""
        return self._region or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION

    @property
    def running(self) -> bool:
        """Whether start() succeeded and stop() has not been called since."""
        return self._server is not None

    def bound_address(self) -> tuple[str, int]:
        """The (host, port) the listening socket is actually bound to, as the server reports."""
        if self._server is None:
            raise RuntimeError("the embedded endpoint is not running")
        host, port = self._server.get_host_and_port()
        return str(host), int(port)

    def start(self, *, fresh: bool = False) -> Self:
        """Start the server and restore the snapshot (unless ``fresh`` or there is none).

        The snapshot is read and validated *before* the server starts, so a corrupt file
        raises LocalStateError without leaving a server behind, and is never overwritten.
        """
        global _active
        if self._server is not None:
            raise RuntimeError("the embedded endpoint is already running")
        self._region = self.region  # pin it: restore and save must use the same region
        snapshot = None
        if not fresh and self.snapshot_path is not None and self.snapshot_path.exists():
            snapshot = _read_snapshot(self.snapshot_path)
        with _active_lock:
            if _active is not None:
                raise LocalStateError(
                    f"an embedded endpoint is already running in this process at {_active.url};"
                    " moto shares one set of tables per process, so use that one"
                )
            _active = self
        try:
            self._server = _start_moto_server()
            host, port = self.bound_address()
            self.url = f"http://{host}:{port}"
            # Earlier servers (or mock_aws) in this process leave tables in moto's global
            # backends; start from nothing so the endpoint holds exactly the snapshot.
            _reset_moto(host, port)
            if snapshot is not None:
                assert self.snapshot_path is not None
                _restore(self.client(), snapshot, self.snapshot_path)
        except BaseException:
            self._shutdown()
            raise
        return self

    def client(self) -> Any:
        """A low-level DynamoDB client for this endpoint, with dummy credentials.

        Explicit credentials keep botocore from walking the credential chain (which can
        mean waiting on the EC2 metadata service) for a server that ignores them anyway.
        """
        import boto3
        from botocore.config import Config

        if self._server is None:
            raise RuntimeError("the embedded endpoint is not running")
        return boto3.client(
            "dynamodb",
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=DUMMY_CREDENTIAL,
            aws_secret_access_key=DUMMY_CREDENTIAL,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def save(self) -> None:
        """Write every table (definition, TTL attribute, items) to the snapshot atomically.

        Atomic (temporary file + os.replace) so that a crash or Ctrl-C mid-save leaves the
        previous snapshot intact rather than a truncated one. No-op when ephemeral.
        """
        if self.snapshot_path is None:
            return
        if self._server is None:
            raise RuntimeError("the embedded endpoint is not running")
        snapshot = _export(self.client())
        _write_json_atomic(self.snapshot_path, snapshot)

    def stop(self, *, save: bool = True) -> None:
        """Save (if asked and persistent), then stop the server; the server stops even if
        saving fails, so a failed save never leaks a listening socket."""
        if self._server is None:
            return
        try:
            if save:
                self.save()
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        global _active
        server, self._server = self._server, None
        try:
            if server is not None:
                with contextlib.suppress(OSError, http.client.HTTPException, LocalStateError):
                    host, port = server.get_host_and_port()
                    _reset_moto(host, port)  # free the tables; moto would keep them forever
                _stop_moto_server(server)
        finally:
            with _active_lock:
                if _active is self:
                    _active = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(save=True)


def publish(
    endpoint_url: str, directory: pathlib.Path, *, webhook_port: int | None = None
) -> pathlib.Path:
    """Announce a running ``rollcall serve`` so other CLI commands share its state.

    Without this, a command run next to ``serve`` would start its own endpoint from the
    snapshot on disk and its writes would be lost when ``serve`` saves over them.
    """
    path = directory / SERVE_FILE_NAME
    _write_json_atomic(
        path,
        {
            "endpoint": endpoint_url,
            "webhook_port": webhook_port,
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(),
        },
    )
    return path


def running_server(directory: pathlib.Path) -> str | None:
    """The endpoint of a live ``rollcall serve`` for this state directory, else None.

    serve.json outlives a killed server, so it is trusted only if its pid is alive *and*
    its port accepts a connection (a recycled pid alone proves nothing); a stale or
    unreadable file is removed so the next command does not probe it again.
    """
    path = directory / SERVE_FILE_NAME
    try:
        raw = path.read_bytes()
    except OSError:  # missing (the usual case) or unreadable: no server to share
        return None
    endpoint = _live_endpoint(raw)
    if endpoint is None:
        # Only remove what we judged: a new serve may have replaced the file meanwhile.
        with contextlib.suppress(OSError):
            if path.read_bytes() == raw:
                path.unlink()
    return endpoint


def serve_webhook_port(directory: pathlib.Path) -> int | None:
    """The webhook port of the live ``rollcall serve`` for this state directory, else None
    (``rollcall chat`` talks to it without being told the port)."""
    if running_server(directory) is None:
        return None
    try:
        port = json.loads((directory / SERVE_FILE_NAME).read_bytes()).get("webhook_port")
    except (OSError, ValueError, AttributeError):
        return None
    return port if isinstance(port, int) and not isinstance(port, bool) else None


def unpublish(directory: pathlib.Path) -> None:
    """Withdraw this process's serve.json (left alone if another process owns it)."""
    path = directory / SERVE_FILE_NAME
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("pid") not in (os.getpid(), None):
        return
    path.unlink(missing_ok=True)


@contextlib.contextmanager
def local_endpoint(*, fresh: bool = False, persist: bool = True) -> Iterator[str]:
    """Choose the DynamoDB endpoint for one CLI command and yield its URL.

    1. The endpoint the user configured (nothing started, nothing saved, env untouched).
    2. Else a running ``rollcall serve`` for this state directory, to share its state.
    3. Else an embedded endpoint restored from ``state_dir()/state.json`` (or ephemeral
       when ``persist`` is False), saved and stopped on exit, also when the body raises.

    ``fresh`` only applies to case 3: the user's own endpoint and a shared ``serve`` hold
    state this command does not own. In cases 2 and 3 the environment points boto3 (and
    therefore every client the command creates, SQS included) at the endpoint with dummy
    credentials, and is restored afterwards.
    """
    configured = configured_endpoint()
    if configured is not None:
        yield configured
        return

    directory = state_dir()
    shared = running_server(directory)
    if shared is not None:
        with _endpoint_environment(shared):
            yield shared
        return

    endpoint = EmbeddedEndpoint(
        directory / SNAPSHOT_NAME if persist else None,
        region=os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
    )
    # From restore to save, the snapshot is this command's: another command that writes
    # (snapshot_table, or another job run) waits, then reads what this one saved.
    with contextlib.ExitStack() as held:
        if persist:
            directory.mkdir(parents=True, exist_ok=True)
            held.enter_context(_state_lock(directory))
        endpoint.start(fresh=fresh)
        try:
            with _endpoint_environment(endpoint.url):
                yield endpoint.url
        finally:
            endpoint.stop(save=persist)


def snapshot_items(table_name: str) -> list[dict[str, Any]] | None:
    """The items of one table of the snapshot, in DynamoDB's wire format, or None when a
    command must go through an endpoint after all: one is configured, ``rollcall serve``
    holds newer state, or the stage is not local.

    For commands that only read: loading the JSON is a fraction of starting moto's server
    and writing every item into it (7 s for 2,000 members), and nothing needs saving.
    Validated like a restore: a corrupt snapshot raises LocalStateError.
    """
    if configured_endpoint() is not None or running_server(state_dir()) is not None:
        return None
    path = state_dir() / SNAPSHOT_NAME
    if not path.exists():
        return []
    for table in _read_snapshot(path):
        if table["definition"]["TableName"] == table_name:
            items: list[dict[str, Any]] = table["items"]
            return items
    return []


@contextlib.contextmanager
def snapshot_table(table_name: str, *, fresh: bool = False) -> Iterator[Any]:
    """One table of the snapshot as an in-memory table, written back to the snapshot on exit
    (also when the body raises, like the embedded endpoint's save), for a command that writes
    (``member add``, ``community update``, …) when no endpoint is configured and no ``rollcall
    serve`` runs: loading the JSON is a fraction of starting moto's server and restoring every
    item into it (5 s for 2,000 members). ``fresh`` starts the table empty.

    Commands are serialised on a lock file beside the snapshot, so two at once never lose
    each other's writes (each reads what the other saved). The other tables of the snapshot
    are kept as they are. The in-memory table keeps DynamoDB's contract (the contract suite
    runs on both), conditions and the due index included.
    """
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    from chalicelib.store import keys
    from chalicelib.store.memory import MemoryTable
    from chalicelib.store.schema import table_definition
    from chalicelib.store.table import from_dynamo_value, to_dynamo_value

    directory = state_dir()
    path = directory / SNAPSHOT_NAME
    directory.mkdir(parents=True, exist_ok=True)
    with _state_lock(directory):
        tables = _read_snapshot(path) if path.exists() else []
        ours = next((t for t in tables if t["definition"]["TableName"] == table_name), None)
        if ours is None:
            ours = {
                "definition": table_definition(table_name),
                "ttl": keys.TTL_ATTRIBUTE,
                "items": [],
            }
            tables.append(ours)
        deserialize = TypeDeserializer().deserialize
        table = MemoryTable(table_name)
        if not fresh:
            table.batch_put(
                {name: from_dynamo_value(deserialize(value)) for name, value in item.items()}
                for item in ours["items"]
            )
        try:
            yield table
        finally:
            serialize = TypeSerializer().serialize
            ours["items"] = [
                {name: serialize(to_dynamo_value(value)) for name, value in item.items()}
                for item in table.all_items()
            ]
            _write_json_atomic(
                path,
                {
                    "version": SNAPSHOT_VERSION,
                    "tables": [
                        {
                            "definition": t["definition"],
                            "ttl": t["ttl"],
                            "items": [_item_to_json(item) for item in t["items"]],
                        }
                        for t in tables
                    ],
                },
            )


@contextlib.contextmanager
def _state_lock(directory: pathlib.Path) -> Iterator[None]:
    """An exclusive lock on ``directory/state.lock`` (fcntl: released when the process dies)."""
    import fcntl

    with open(directory / "state.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def _endpoint_environment(url: str) -> Iterator[None]:
    """Point boto3 at ``url`` via its standard variables; put the environment back after."""
    previous = {name: os.environ.get(name) for name in _MANAGED_ENV}
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = url
    os.environ["AWS_ENDPOINT_URL"] = url
    os.environ.setdefault("AWS_ACCESS_KEY_ID", DUMMY_CREDENTIAL)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", DUMMY_CREDENTIAL)
    os.environ.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- moto server plumbing -----------------------------------------------------------------


def _start_moto_server() -> Any:
    """Start ThreadedMotoServer on 127.0.0.1:<kernel-chosen port> and wait until it listens.

    ThreadedMotoServer.start() waits on an event that is only set once the socket is bound,
    forever if binding raises in the server thread; the helper thread bounds that wait.
    """
    from moto.server import ThreadedMotoServer

    # werkzeug logs every request to stderr unless its logger already has a level; the
    # CLI's output is for the operator, not an HTTP access log.
    werkzeug_logger = logging.getLogger("werkzeug")
    if werkzeug_logger.level == logging.NOTSET:
        werkzeug_logger.setLevel(logging.WARNING)

    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    starter = threading.Thread(target=server.start, name="rollcall-moto-start", daemon=True)
    starter.start()
    starter.join(_START_TIMEOUT)
    if starter.is_alive():
        raise LocalStateError(
            f"the embedded DynamoDB endpoint did not start within {_START_TIMEOUT:.0f} s"
        )
    host, port = server.get_host_and_port()
    # make_server() has bound and listened by now; confirm before anyone relies on it.
    if not _accepts_connections(host, port, _PROBE_TIMEOUT):
        _stop_moto_server(server)
        raise LocalStateError(f"the embedded DynamoDB endpoint at {host}:{port} is not listening")
    return server


def _stop_moto_server(server: Any) -> None:
    """Stop the server without paying socketserver's 0.5 s shutdown poll.

    serve_forever() only notices a shutdown request when select() returns, which by default
    is every 0.5 s; poking the port with empty connections wakes it at once.
    """
    try:
        host, port = server.get_host_and_port()
    except AssertionError:  # never started
        return
    stopper = threading.Thread(target=server.stop, name="rollcall-moto-stop", daemon=True)
    stopper.start()
    while stopper.is_alive():
        with contextlib.suppress(OSError):
            socket.create_connection((host, port), timeout=0.05).close()
        stopper.join(0.01)


def _reset_moto(host: str, port: int) -> None:
    """Empty moto's (process-wide) backends through its documented /moto-api/reset call."""
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("POST", "/moto-api/reset")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise LocalStateError(f"resetting the embedded endpoint failed: HTTP {response.status}")
    finally:
        connection.close()


def _accepts_connections(host: str, port: int, timeout: float) -> bool:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
    if pid <= 0:  # 0 and negatives address process groups, not a process
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _live_endpoint(raw: bytes) -> str | None:
    """The endpoint in serve.json's bytes if its server is demonstrably alive, else None."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    endpoint, pid = data.get("endpoint"), data.get("pid")
    if not isinstance(endpoint, str) or not isinstance(pid, int) or isinstance(pid, bool):
        return None
    try:
        parts = urlsplit(endpoint)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or port is None:
        return None
    if not _pid_alive(pid) or not _accepts_connections(host, port, _PROBE_TIMEOUT):
        return None
    return endpoint


# --- snapshot -----------------------------------------------------------------------------


def _write_json_atomic(path: pathlib.Path, data: Any) -> None:
    """Write JSON next to ``path`` then os.replace() it in, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # json.dumps, not json.dump: only the one-shot encoder is the C one (5 s → 0.2 s
            # for a 2,000-member snapshot); compact for the same reason (no indent).
            handle.write(json.dumps(data, sort_keys=True, separators=(",", ":")))
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _export(client: Any) -> dict[str, Any]:
    """Every table on the endpoint as ``{"version": 1, "tables": [...]}``.

    Scans are fine here: this is a developer's local endpoint, never a product path.
    """
    names: list[str] = []
    for page in client.get_paginator("list_tables").paginate():
        names.extend(page.get("TableNames", []))
    tables = []
    for name in sorted(names):
        description = client.describe_table(TableName=name)["Table"]
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            items.extend(_item_to_json(item) for item in page.get("Items", []))
        tables.append(
            {
                "definition": _definition(description),
                "ttl": (
                    ttl.get("AttributeName")
                    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
                    else None
                ),
                "items": items,
            }
        )
    return {"version": SNAPSHOT_VERSION, "tables": tables}


def _definition(description: dict[str, Any]) -> dict[str, Any]:
    """CreateTable keyword arguments rebuilt from DescribeTable's output.

    Always PAY_PER_REQUEST: capacity is meaningless on a local endpoint, and it is what
    the real table uses (chalicelib.store.schema).
    """
    definition: dict[str, Any] = {
        "TableName": description["TableName"],
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": description["AttributeDefinitions"],
        "KeySchema": description["KeySchema"],
    }
    for field in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = [
            {
                "IndexName": index["IndexName"],
                "KeySchema": index["KeySchema"],
                "Projection": _projection(index.get("Projection", {})),
            }
            for index in description.get(field) or []
        ]
        if indexes:
            definition[field] = indexes
    return definition


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"ProjectionType": projection.get("ProjectionType", "ALL")}
    if projection.get("NonKeyAttributes"):
        result["NonKeyAttributes"] = projection["NonKeyAttributes"]
    return result


def _item_to_json(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _value_to_json(value) for name, value in item.items()}


def _value_to_json(value: dict[str, Any]) -> dict[str, Any]:
    """boto3's low-level AttributeValue -> DynamoDB JSON (the wire format: binary as base64).

    Numbers stay strings, sets stay sets: nothing is lost, unlike a plain-JSON dump.
    """
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(member).decode("ascii") for member in inner]}
    if kind == "M":
        return {"M": _item_to_json(inner)}
    if kind == "L":
        return {"L": [_value_to_json(member) for member in inner]}
    return {kind: inner}


def _item_from_json(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError(f"an item must be an object, not {type(item).__name__}")
    return {str(name): _value_from_json(value) for name, value in item.items()}


def _value_from_json(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"not a DynamoDB JSON attribute value: {value!r:.80}")
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner, validate=True)}
    if kind == "BS":
        return {"BS": [base64.b64decode(member, validate=True) for member in inner]}
    if kind == "M":
        return {"M": _item_from_json(inner)}
    if kind == "L":
        return {"L": [_value_from_json(member) for member in inner]}
    return {kind: inner}


def _read_snapshot(path: pathlib.Path) -> list[dict[str, Any]]:
    """Parse and validate the snapshot fully, binary decoded, before anything is created."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LocalStateError(f"cannot read local state {path}: {error.strerror}") from error
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise LocalStateError(
            f"local state {path} is corrupt ({error}); move it aside to start empty"
        ) from error
    try:
        if not isinstance(data, dict):
            raise ValueError("the top level must be an object")
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported version {data.get('version')!r}")
        tables = data.get("tables")
        if not isinstance(tables, list):
            raise ValueError('"tables" must be a list')
        parsed = []
        for table in tables:
            if not isinstance(table, dict):
                raise ValueError("each table must be an object")
            definition = table.get("definition")
            if not isinstance(definition, dict) or not isinstance(definition.get("TableName"), str):
                raise ValueError("each table needs a definition with a TableName")
            ttl = table.get("ttl")
            if ttl is not None and not isinstance(ttl, str):
                raise ValueError(f'table {definition["TableName"]}: "ttl" must be a string')
            items = table.get("items", [])
            if not isinstance(items, list):
                raise ValueError(f'table {definition["TableName"]}: "items" must be a list')
            parsed.append(
                {
                    "definition": definition,
                    "ttl": ttl,
                    "items": [_item_from_json(item) for item in items],
                }
            )
    except (ValueError, TypeError, binascii.Error) as error:
        raise LocalStateError(
            f"local state {path} is not a valid snapshot ({error}); move it aside to start empty"
        ) from error
    return parsed


def _restore(client: Any, tables: list[dict[str, Any]], path: pathlib.Path) -> None:
    """Recreate the tables, their TTL and items; failures name the snapshot, not botocore."""
    from botocore.exceptions import BotoCoreError, ClientError

    for table in tables:
        name = table["definition"]["TableName"]
        try:
            client.create_table(**table["definition"])
            if table["ttl"]:
                client.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl"]},
                )
            items = table["items"]
            for start in range(0, len(items), _BATCH_SIZE):
                if not _batch_put(client, name, items[start : start + _BATCH_SIZE]):
                    raise LocalStateError(
                        f"local state {path} could not be restored (table {name}):"
                        " items stayed unprocessed after retries"
                    )
        except (BotoCoreError, ClientError) as error:
            raise LocalStateError(
                f"local state {path} could not be restored (table {name}): {error}"
            ) from error


def _batch_put(client: Any, table: str, items: list[dict[str, Any]]) -> bool:
    """BatchWriteItem one chunk, retrying UnprocessedItems with a short backoff.

    Returns False if some items were still unprocessed after the last attempt.
    """
    request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(_UNPROCESSED_ATTEMPTS):
        request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        if not request:
            return True
        time.sleep(min(0.05 * 2**attempt, 1.0))
    return False
