"""``rollcall serve``: the whole product on a laptop, webhooks and timers included.

In AWS, API Gateway serves the webhooks and an EventBridge tick dispatches the jobs.
``chalice local`` only does the first half (it never fires schedules), so this module runs
Chalice's own local HTTP server for the routes, in a thread, and drives the timers itself:
every tick it runs the same dispatcher and worker code as the cloud (the due index, then one
queue message per due run), with an in-process queue in place of SQS. The webhooks queue
their slow admin commands (``/remind``, ``/confirm-removals``) on that same queue, and a
message arriving wakes the worker at once, as SQS wakes Lambda's poller: the command's
result is posted (and printed here) a moment after its "working on it".

State lives on the embedded DynamoDB endpoint (or the one the user configured), is
published so that ``rollcall community ...`` or ``rollcall chat`` in another terminal share
it, and is saved to the snapshot every tick and on the way out.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import click

from chalicelib.chat.worker import BadMessage, QueuedCommand, run_queued_command
from chalicelib.clock import Clock, SystemClock
from chalicelib.config import Settings
from chalicelib.domain.models import Community
from chalicelib.jobs.dispatch_due_jobs import dispatch_due_jobs
from chalicelib.jobs.run_queued_jobs import run_queued_job
from chalicelib.jobs.runner import JobResult, planners
from chalicelib.jobs.scheduling import ensure_scheduled, reschedule_community
from chalicelib.platforms.console import SentMessage, Sink, sign
from chalicelib.queue import COMMAND, NICKNAME, RESCHEDULE, MemoryQueue
from chalicelib.runtime import Runtime, set_runtime
from chalicelib.worker import parse_message
from rollcall import local

log = logging.getLogger("rollcall.serve")

LOOPBACK = "127.0.0.1"
CHAT_TIMEOUT_SECONDS = 10
# How often serve_forever() looks at its shutdown flag: stopping waits at most this long.
_HTTP_POLL_SECONDS = 0.2
_BOTO3_ENV = (
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)


# -- the scheduler ------------------------------------------------------------------------

# How long a failed run waits before its message is handled again, as SQS's visibility
# timeout would make it wait (past the run's 5-minute lease), and how often it is tried
# before it is given up, as the DLQ's maxReceiveCount would.
RETRY_AFTER = timedelta(minutes=6)
MAX_ATTEMPTS = 5


@dataclass
class LocalQueue:
    """The job queue of the local runtime: SQS's in-process twin plus its redelivery of
    failed messages after a visibility timeout, and a dead-letter list. ``arrived`` is set
    when a message is sent (a webhook queueing a deferred command), to wake the worker."""

    queue: MemoryQueue = field(init=False)
    retries: list[tuple[datetime, int, dict[str, Any]]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.queue = MemoryQueue(on_send=self.arrived.set)

    def take(self, now: datetime) -> list[tuple[dict[str, Any], int]]:
        ready = [(m, n) for at, n, m in self.retries if at <= now]
        self.retries = [r for r in self.retries if r[0] > now]
        return [(m, 1) for m in self.queue.drain()] + ready

    def retry_later(self, message: dict[str, Any], attempt: int, now: datetime) -> None:
        if attempt >= MAX_ATTEMPTS:
            self.dead.append(message)
        else:
            self.retries.append((now + RETRY_AFTER, attempt + 1, message))


def tick(
    runtime: Runtime,
    now: datetime,
    *,
    queue: LocalQueue | None = None,
    unserved: Callable[[Community], None] | None = None,
) -> list[JobResult]:
    """One scheduler tick, through the same code as in AWS: the dispatcher Queries the due
    index and enqueues, the worker runs each message (advancing the community's schedule,
    skipping and recording runs too late to make sense, claiming the rest).

    Communities on a platform with no adapter here (a Telegram group without its token on
    this laptop) are passed to ``unserved`` and left alone: their runs would only fail, and
    they stay due for wherever that platform is configured. A failed run is handled again
    after ``RETRY_AFTER``, like an SQS redelivery. Errors are contained per message: one
    broken community never stops the others. Returns what happened to the job runs (runs
    found already done are left out, so an idle tick returns nothing). Deferred chat
    commands on the queue are run too; their replies go to the chat (the console sink),
    and a reply that could not be delivered is retried like a failed run.
    """
    queue = queue if queue is not None else LocalQueue()
    queue.arrived.clear()  # before taking: a message sent from now on wakes the next tick
    dispatch_due_jobs(runtime.store.table, queue.queue, now)
    results: list[JobResult] = []
    for message, attempt in queue.take(now):
        if message.get("kind") == COMMAND:
            _run_command(runtime, queue, message, attempt, now)
            continue
        if message.get("kind") == NICKNAME:  # a prompt the webhook claimed, sent here
            _send_prompt(runtime, queue, message, attempt, now)
            continue
        if message.get("kind") == RESCHEDULE:  # settings changed on the organiser's pages
            try:
                reschedule_community(runtime.store, message["community"], now)
            except Exception:
                log.exception("reschedule failed", extra={"community": message["community"]})
                queue.retry_later(message, attempt, now)
            continue
        try:
            community = runtime.store.get_community(message["community"])
            if runtime.adapter(community.platform) is None:
                if unserved is not None:
                    unserved(community)
                continue
            result = run_queued_job(runtime, message, now)
        except Exception as error:  # one community's bug must not stop the others
            log.exception("scheduled job failed", extra=message)
            result = JobResult(
                message["job"],
                message["community"],
                message["period"],
                "failed",
                errors=[str(error)],
            )
        if result is None or result.status == "already-done":
            continue
        if result.status in ("failed", "busy"):  # busy: another run's lease, as on SQS
            queue.retry_later(message, attempt, now)
        results.append(result)
    return results


def _send_prompt(
    runtime: Runtime, queue: LocalQueue, message: dict[str, Any], attempt: int, now: datetime
) -> None:
    """A claimed nickname prompt, through the same code as the Lambda worker."""
    from chalicelib.worker import FAILED, NicknamePrompt, send_claimed_prompt

    try:
        prompt = parse_message(json.dumps(message))
    except BadMessage as error:
        log.error("bad queue message dropped", extra={"reason": str(error)})
        return
    if isinstance(prompt, NicknamePrompt) and send_claimed_prompt(runtime, prompt) == FAILED:
        queue.retry_later(message, attempt, now)


def _run_command(
    runtime: Runtime, queue: LocalQueue, message: dict[str, Any], attempt: int, now: datetime
) -> None:
    """One deferred chat command, through the same code as the Lambda worker."""
    try:
        command = parse_message(json.dumps(message))
    except BadMessage as error:
        log.error("bad queue message dropped", extra={"reason": str(error)})
        return
    if not isinstance(command, QueuedCommand):  # never: a "command" message parses as one
        return
    try:
        run_queued_command(runtime, command, now)
    except Exception:  # a reply that did not arrive: handled again later, as SQS would
        log.exception(
            "deferred command failed",
            extra={"platform": command.platform, "command": command.command.name},
        )
        queue.retry_later(message, attempt, now)


def schedule_all(runtime: Runtime, now: datetime) -> int:
    """Give every community without a schedule one (state made before scheduling existed,
    or by hand). Local only: it lists all communities, which AWS never does per tick."""
    scheduled = 0
    for community in runtime.store.list_communities():
        if ensure_scheduled(runtime.store.table, community, now):
            scheduled += 1
    return scheduled


# -- the server ---------------------------------------------------------------------------


def run_server(
    *,
    port: int,
    fresh: bool,
    tick_seconds: int,
    host: str = LOOPBACK,
    stop: threading.Event | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the webhooks on ``host:port`` and fire the jobs until stopped.

    Stops on SIGINT/SIGTERM (when run in the main thread), Ctrl-C, or ``stop`` being set.
    ``ready`` is called with the server's base URL once webhooks are answered and the state
    is published (``port=0`` picks a free port; the URL says which). The snapshot is saved
    every tick and on the way out.
    """
    _require_loopback(host)
    if tick_seconds < 1:
        raise ValueError("tick must be at least 1 second")
    stop = threading.Event() if stop is None else stop
    directory = local.state_dir()
    configured = local.configured_endpoint()
    say = _Printer()
    with contextlib.ExitStack() as cleanup:
        endpoint: local.EmbeddedEndpoint | None = None
        if configured is None:
            shared = local.running_server(directory)
            if shared is not None:
                raise local.LocalStateError(
                    f"a rollcall serve is already running for {directory} (DynamoDB at"
                    f" {shared}); stop it first, or set {local.STATE_DIR_ENV} to use another"
                    " state directory"
                )
            endpoint = local.EmbeddedEndpoint(directory / local.SNAPSHOT_NAME)
            endpoint.start(fresh=fresh)
            cleanup.callback(endpoint.stop)  # saves: the last word on the state
            cleanup.enter_context(_boto3_environment(endpoint.url))
            local.publish(endpoint.url, directory)
            cleanup.callback(local.unpublish, directory)
        elif fresh:
            say("note: --fresh ignored: the configured endpoint's state is not ours to wipe")
        dynamodb = endpoint.url if endpoint else configured

        clock = SystemClock()
        runtime = _build_runtime(clock, say)
        # The webhooks queue deferred commands where the ticks take them from.
        queue = LocalQueue()
        runtime.queue = queue.queue
        set_runtime(runtime)
        cleanup.callback(set_runtime, None)

        http = _HttpServer.start(host, port, say)
        cleanup.callback(http.stop)
        if not runtime.settings.public_url:  # sign-in links (/manage) point here
            runtime.settings = replace(runtime.settings, public_url=http.url)
        if endpoint is not None:  # now with the webhook's port, for `rollcall chat`
            local.publish(endpoint.url, directory, webhook_port=int(http.url.rsplit(":", 1)[-1]))
        say(_banner(http.url, str(dynamodb), endpoint is not None, directory, tick_seconds))
        cleanup.callback(_stop_on_signals(stop, say))
        if ready is not None:
            ready(http.url)
        # A second Ctrl-C, or one we have no handler for: still shut down cleanly.
        with contextlib.suppress(KeyboardInterrupt):
            _tick_until_stopped(runtime, clock, stop, tick_seconds, endpoint, say, queue)
    where = directory / local.SNAPSHOT_NAME if endpoint else dynamodb
    say(f"stopped; state is in {where}")


def _tick_until_stopped(
    runtime: Runtime,
    clock: Clock,
    stop: threading.Event,
    tick_seconds: int,
    endpoint: local.EmbeddedEndpoint | None,
    say: Callable[[str], None],
    queue: LocalQueue,
) -> None:
    noted: set[str] = set()
    schedule_all(runtime, clock.now())

    def unserved(community: Community) -> None:
        if community.id not in noted:
            noted.add(community.id)
            say(
                f"{_stamp()} note: {community.id} is on {community.platform}, which is not"
                " configured here: its jobs do not run from this server"
            )

    while not stop.is_set():
        now = clock.now()
        try:
            results = tick(runtime, now, queue=queue, unserved=unserved)
        except Exception:  # e.g. the endpoint is gone; due runs stay due for the next tick
            log.exception("tick failed")
        else:
            for result in results:
                say(f"{_stamp()} {_describe(result)}")
        if endpoint is not None:
            try:
                endpoint.save()
            except Exception:  # a full disk must not stop the webhooks; stop() retries
                log.exception("saving the local state failed")
        _wait(stop, queue.arrived, tick_seconds)


def _wait(stop: threading.Event, arrived: threading.Event, seconds: float) -> None:
    """Until the next tick is due, a message arrives on the queue, or we are stopped."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not arrived.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        stop.wait(min(left, _HTTP_POLL_SECONDS))


def _describe(result: JobResult) -> str:
    """One line per run: the messages themselves were already printed by the sink."""
    head = result.describe().splitlines()[0]
    if result.errors:
        head += f" ({'; '.join(result.errors)})"
    return head


def _build_runtime(clock: Clock, say: Callable[[str], None]) -> Runtime:
    from rollcall.runtime import build_runtime, console_secret

    settings = Settings.from_env()
    if not settings.console_secret:
        settings = replace(settings, console_secret=console_secret())
    runtime = build_runtime(settings, sink=_bot_sink(say), create=True)
    runtime.clock = clock
    return runtime


def _bot_sink(say: Callable[[str], None]) -> Sink:
    """Print what the bot says to a console chat, as a chat log: time, chat, text."""

    def show(sent: SentMessage) -> None:
        lines = sent.text.splitlines() or [""]
        prefix = f"{_stamp()} bot → {sent.chat_id}: "
        say(prefix + lines[0] + "".join(f"\n{' ' * len(prefix)}{line}" for line in lines[1:]))

    return show


def _stamp() -> str:
    # The operator's wall clock, for reading the log; the jobs themselves never see it.
    return datetime.now(UTC).astimezone().strftime("[%Y-%m-%d %H:%M:%S]")


class _Printer:
    """click.echo behind a lock: the HTTP threads and the scheduler print concurrently."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, text: str) -> None:
        with self._lock:
            click.echo(text)


def _banner(url: str, dynamodb: str, embedded: bool, directory: Path, tick_seconds: int) -> str:
    port = url.rsplit(":", 1)[-1]
    store = (
        f"{dynamodb} (embedded; other rollcall commands share it while this runs)"
        if embedded
        else f"{dynamodb} (configured)"
    )
    state = (
        f"{directory} (state.json saved every tick and on exit)"
        if embedded
        else f"{directory} (console secret only)"
    )
    jobs = ", ".join(planners())
    return "\n".join(
        [
            "rollcall serve: webhooks and timers on this machine",
            f"  webhooks  {url}/webhooks/<platform>  (e.g. {url}/webhooks/console)",
            f"  dynamodb  {store}",
            f"  state     {state}",
            f"  timers    {jobs}, checked every {tick_seconds} s",
            f'  talk      rollcall chat --community ID --user u1 --port {port} "/checkin"',
            "  stop      Ctrl-C",
        ]
    )


def _require_loopback(host: str) -> None:
    """The local server has no TLS and is not hardened: it must not face a network."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"rollcall serve binds the loopback interface only, not {host!r}")


@contextlib.contextmanager
def _boto3_environment(url: str) -> Iterator[None]:
    """Point every boto3 client of this process at ``url`` (dummy credentials if none);
    the previous environment comes back afterwards."""
    previous = {name: os.environ.get(name) for name in _BOTO3_ENV}
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = url
    os.environ["AWS_ENDPOINT_URL"] = url
    os.environ.setdefault("AWS_ACCESS_KEY_ID", local.DUMMY_CREDENTIAL)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", local.DUMMY_CREDENTIAL)
    os.environ.setdefault("AWS_DEFAULT_REGION", local.DEFAULT_REGION)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _stop_on_signals(stop: threading.Event, say: Callable[[str], None]) -> Callable[[], None]:
    """Make SIGINT and SIGTERM set ``stop``; returns the undo. A no-op off the main thread,
    where Python does not allow signal handlers (tests run the server in a thread)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handle(signum: int, frame: FrameType | None) -> None:
        # Event.set() takes a lock the interrupted main thread may hold inside Event.wait();
        # setting it from a helper thread cannot deadlock. The next Ctrl-C falls through to
        # the previous handler (KeyboardInterrupt), for when a shutdown hangs.
        signal.signal(signal.SIGINT, previous[signal.SIGINT])
        say("stopping (Ctrl-C again to force)…")
        threading.Thread(target=stop.set, name="rollcall-stop", daemon=True).start()

    for sig in previous:
        signal.signal(sig, handle)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


@dataclass
class _HttpServer:
    """Chalice's own local server (what ``chalice local`` runs) in a daemon thread."""

    server: Any
    thread: threading.Thread
    url: str

    @classmethod
    def start(cls, host: str, port: int, say: Callable[[str], None]) -> _HttpServer:
        from chalice.local import ChaliceRequestHandler, LocalChalice, LocalDevServer

        import app as chalice_app

        class Handler(ChaliceRequestHandler):
            """One short line per request in the server's log instead of http.server's
            Apache-style line on stderr; without the query string, which may carry a
            platform's signature or token."""

            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                status = getattr(code, "value", code)
                say(f"{_stamp()} {self.command} {self.path.split('?')[0]} → {status}")

            def log_message(self, format: str, *args: Any) -> None:
                log.info("http: " + format, *args)

        app_obj = chalice_app.app
        config = _chalice_config(app_obj, Path(chalice_app.__file__).parent)
        if not isinstance(app_obj, LocalChalice):
            # What chalice.local.create_local_server does: rebase the app's class so that
            # current_request is thread-local, as the threaded server needs. Done once per
            # process; a second rebase would make an inheritance cycle.
            from chalice.local import CustomLocalChalice

            CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
            app_obj.__class__ = CustomLocalChalice
        try:
            dev = LocalDevServer(app_obj, config, host, port, handler_cls=Handler)
        except OSError as error:
            raise OSError(
                f"cannot listen on {host}:{port} ({error.strerror or error});"
                " is another server using it? Choose another with --port"
            ) from None
        server = dev.server
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _HTTP_POLL_SECONDS},
            name="rollcall-http",
            daemon=True,
        )
        thread.start()
        bound_host, bound_port = server.server_address[:2]
        return cls(server, thread, f"http://{bound_host}:{bound_port}")

    def stop(self) -> None:
        self.server.shutdown()  # returns once serve_forever() has left its loop
        self.server.server_close()
        self.thread.join()


def _chalice_config(app_obj: Any, project_dir: Path) -> Any:
    """The "local" stage of ``.chalice/config.json``, as ``chalice local`` would build it.

    Its environment variables are not copied into ``os.environ`` (``chalice local`` does):
    the Runtime is built here and injected, and a user's own ``ROLLCALL_TABLE`` must win.
    """
    from chalice.config import Config

    path = project_dir / ".chalice" / "config.json"
    try:
        from_disk = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        from_disk = {}
    return Config(
        chalice_stage="local",
        user_provided_params={"chalice_app": app_obj, "project_dir": str(project_dir)},
        config_from_disk=from_disk,
    )


# -- rollcall chat ------------------------------------------------------------------------


class NoServer(OSError):
    """Nothing answers on the port ``rollcall chat`` was pointed at."""

    def __init__(self, port: int) -> None:
        super().__init__(f"no rollcall serve on port {port} (start one with `rollcall serve`)")
        self.port = port


def server_listens(port: int, host: str = LOOPBACK) -> bool:
    """Whether something accepts connections on ``host:port`` (a quick, local probe)."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def post_console_message(
    *,
    port: int,
    chat_id: str,
    user_id: str,
    text: str,
    secret: str,
    now: datetime,
    name: str | None = None,
    host: str = LOOPBACK,
) -> list[str]:
    """Post one signed console message to a running ``rollcall serve``; the bot's replies.

    Signed exactly as the console platform verifies, so the message takes the production
    path (verify, parse, dispatch). Each message gets a fresh id: the webhook de-duplicates
    by id, and typing the same words twice is two messages.
    """
    import requests

    body = json.dumps(
        {
            "type": "message",
            "chat_id": chat_id,
            "user": {"id": user_id, "name": name or user_id},
            "text": text,
            "message_id": f"chat-{uuid.uuid4().hex}",
        },
        ensure_ascii=False,
    ).encode()
    stamp = str(int(now.timestamp()))
    try:
        response = requests.post(
            f"http://{host}:{port}/webhooks/console",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Rollcall-Timestamp": stamp,
                "X-Rollcall-Signature": sign(secret, stamp, body),
            },
            timeout=CHAT_TIMEOUT_SECONDS,
        )
    except requests.ConnectionError:
        raise NoServer(port) from None
    if response.status_code == 401:
        raise ValueError(
            f"the server on port {port} refused the signature: it uses another console secret"
            f" (run both with the same {local.STATE_DIR_ENV} or ROLLCALL_CONSOLE_SECRET)"
        )
    if response.status_code == 404:
        raise ValueError(
            f"the server on port {port} has no console platform: is it a rollcall serve?"
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code != 200 or not isinstance(answer, dict):
        raise ValueError(f"the server on port {port} answered HTTP {response.status_code}")
    return [str(part) for reply in answer.get("replies", []) for part in reply]
