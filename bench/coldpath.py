"""Cold path: a fresh process imports the app and serves its first check-in, as a Lambda
cold start would, against a minimal Chalice app that does only the one conditional PutItem.

Both children talk to the same endpoint over HTTP and are called the way Lambda calls
them: ``app(event, context)`` with an API Gateway proxy event.

Lambda's code directory is read-only, so a package without ``__pycache__`` compiles every
module of ours on every cold start (site-packages come compiled). The children run that
way (``PYTHONDONTWRITEBYTECODE``, no cache), and once more with a warm bytecode cache
(``PYTHONPYCACHEPREFIX``), which is what shipping ``.pyc`` files in the package would give.
The import profile (``python -X importtime``) is of the whole cold path: the app, the
first check-in's lazy imports, boto3.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_EVENT = """
def proxy_event(path, body, headers):
    return {
        "resource": "/webhooks/{platform}", "path": path, "httpMethod": "POST",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"platform": path.rsplit("/", 1)[-1]}, "stageVariables": None,
        "requestContext": {"resourcePath": "/webhooks/{platform}", "httpMethod": "POST",
                           "path": "/api" + path, "stage": "api", "requestId": "bench",
                           "identity": {"sourceIp": "127.0.0.1"}},
        "body": body, "isBase64Encoded": False,
    }

class Context:
    function_name = "bench"; memory_limit_in_mb = 256; aws_request_id = "bench"
    def get_remaining_time_in_millis(self): return 10000
"""

OURS = (
    _EVENT
    + """
import json, time
started = time.perf_counter()
import app
from chalicelib.platforms.console import sign
body = json.dumps({"type": "message", "chat_id": "cold-chat", "text": "打卡",
                   "user": {"id": USER, "name": USER}, "message_id": USER}).encode()
stamp = str(int(time.time()))
headers = {"content-type": "application/json", "x-rollcall-timestamp": stamp,
           "x-rollcall-signature": sign("cold-secret", stamp, body)}
response = app.app(proxy_event("/webhooks/console", body.decode(), headers), Context())
elapsed = time.perf_counter() - started
assert response["statusCode"] == 200, response
print(json.dumps({"seconds": elapsed}))
"""
)

MINIMAL = (
    _EVENT
    + """
import json, time
started = time.perf_counter()
import boto3
from chalice import Chalice
app = Chalice(app_name="minimal")
_client = None

@app.route("/webhooks/{platform}", methods=["POST"])
def webhook(platform):
    global _client
    if _client is None:
        _client = boto3.client("dynamodb")
    body = app.current_request.json_body
    _client.put_item(TableName=TABLE, Item={"pk": {"S": "C#cold"},
                     "sk": {"S": "CI#2026-11-23#" + body["user"]["id"]}},
                     ConditionExpression="attribute_not_exists(pk)")
    return {"ok": True}

body = json.dumps({"user": {"id": USER}})
response = app(proxy_event("/webhooks/console", body, {"content-type": "application/json"}),
               Context())
elapsed = time.perf_counter() - started
assert response["statusCode"] == 200, response
print(json.dumps({"seconds": elapsed}))
"""
)


def _run(
    script: str, env: dict[str, str], user: str, table: str, *flags: str, cpu: Any = None
) -> Any:
    """The child's wall seconds (its stderr with ``flags``); its CPU seconds, when it reports
    them, are appended to ``cpu``."""
    code = f"USER = {user!r}\nTABLE = {table!r}\n" + textwrap.dedent(script)
    out = subprocess.run(
        [sys.executable, *flags, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"cold path child failed: {out.stderr[-2000:]}")
    if flags:
        return out.stderr
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    if cpu is not None:
        cpu.append(answer["cpu"])
    return answer["seconds"]


def bench_cold_path(endpoint: str, table: str, runs: int = 5) -> dict[str, Any]:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "ROLLCALL_TABLE": table,
        "ROLLCALL_CONSOLE_SECRET": "cold-secret",
        # The console platform exists on the local stage only (docs/security-platforms.md),
        # so this cold path reads its secret from the environment, not Parameter Store.
        "ROLLCALL_STAGE": "local",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PYTHONPYCACHEPREFIX", None)
    ours = [_run(OURS, env, f"cold-{n}", table) for n in range(runs)]
    minimal = [_run(MINIMAL, env, f"min-{n}", table) for n in range(runs)]
    with tempfile.TemporaryDirectory() as cache:
        compiled = {**env, "PYTHONPYCACHEPREFIX": cache}
        compiled.pop("PYTHONDONTWRITEBYTECODE")
        _run(OURS, compiled, "warm-cache", table)
        _run(MINIMAL, compiled, "warm-cache-min", table)
        ours_compiled = [_run(OURS, compiled, f"cold-pyc-{n}", table) for n in range(runs)]
        minimal_compiled = [_run(MINIMAL, compiled, f"min-pyc-{n}", table) for n in range(runs)]
    report = _run(OURS, env, "cold-importtime", table, "-X", "importtime")
    ours_ms, minimal_ms = statistics.median(ours) * 1000, statistics.median(minimal) * 1000
    compiled_ms = statistics.median(ours_compiled) * 1000
    minimal_compiled_ms = statistics.median(minimal_compiled) * 1000
    return {
        "ours_ms": ours_ms,
        "minimal_ms": minimal_ms,
        "ratio": ours_ms / minimal_ms,
        "ours_bytecode_ms": compiled_ms,
        "minimal_bytecode_ms": minimal_compiled_ms,
        "bytecode_ratio": compiled_ms / minimal_compiled_ms,
        "runs": runs,
        "heaviest_imports_ms": _heaviest_imports(report),
        "heaviest_own_imports_ms": _heaviest_imports(report, own=True),
    }


def _heaviest_imports(report: str, top: int = 8, own: bool = False) -> list[tuple[str, float]]:
    """Modules by cumulative import time from ``python -X importtime``: the top-level ones
    (nested imports are indented under the module that caused them), or with ``own`` the
    project's modules wherever they were imported from."""
    rows = []
    for line in report.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        name = fields[2]
        module = name.strip()
        if own:
            if module == "app" or module.startswith("chalicelib."):
                rows.append((module, int(fields[1]) / 1000))
        elif len(name) - len(name.lstrip()) <= 1:  # top level: one space after the bar
            rows.append((module, int(fields[1]) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:top]


# -- every platform's real first request ----------------------------------------------------

PLATFORM_CHILD = (
    _EVENT
    + """
import json, time
started, cpu_started = time.perf_counter(), time.process_time()
import app
event = proxy_event(PATH, BODY, HEADERS)
event["queryStringParameters"] = QUERY or None
event["multiValueQueryStringParameters"] = {k: [v] for k, v in QUERY.items()} or None
response = app.app(event, Context())
elapsed = time.perf_counter() - started
assert response["statusCode"] == 200, response
print(json.dumps({"seconds": elapsed, "cpu": time.process_time() - cpu_started}))
"""
)

# The minimal app per platform: the same verification with the same libraries, one
# conditional PutItem, and the reply the platform needs (in the response body, or one POST
# with ``requests`` for the platforms that take replies through their API).
_VERIFY = {
    "console": """
import hmac, hashlib
def verify(r):
    stamp = r.headers["x-rollcall-timestamp"]
    mac = "sha256=" + hmac.new(SECRETS["ROLLCALL_CONSOLE_SECRET"].encode(),
                               stamp.encode() + b":" + r.raw_body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, r.headers["x-rollcall-signature"])
    return "pong"
""",
    "discord": """
def verify(r):
    from Crypto.PublicKey import ECC
    from Crypto.Signature import eddsa
    key = eddsa.import_public_key(bytes.fromhex(SECRETS["ROLLCALL_DISCORD_PUBLIC_KEY"]))
    stamp = r.headers["x-signature-timestamp"]
    eddsa.new(key, "rfc8032").verify(stamp.encode() + r.raw_body,
                                     bytes.fromhex(r.headers["x-signature-ed25519"]))
    return None
""",
    "feishu": """
import hashlib, base64
def verify(r):
    key = SECRETS["ROLLCALL_FEISHU_ENCRYPT_KEY"]
    h = r.headers
    signed = (h["x-lark-request-timestamp"] + h["x-lark-request-nonce"] + key).encode() + r.raw_body
    assert hashlib.sha256(signed).hexdigest() == h["x-lark-signature"]
    from Crypto.Cipher import AES
    from Crypto.Util.Padding import unpad
    raw = base64.b64decode(json.loads(r.raw_body)["encrypt"])
    cipher = AES.new(hashlib.sha256(key.encode()).digest(), AES.MODE_CBC, raw[:16])
    json.loads(unpad(cipher.decrypt(raw[16:]), 16))
    return "post"
""",
    "wecom": """
import hashlib, base64
from xml.etree import ElementTree
def verify(r):
    q = r.query_params
    encrypted = ElementTree.fromstring(r.raw_body).findtext("Encrypt")
    parts = [SECRETS["ROLLCALL_WECOM_TOKEN"], q["timestamp"], q["nonce"], encrypted]
    joined = "".join(sorted(parts))
    assert hashlib.sha1(joined.encode()).hexdigest() == q["msg_signature"]
    from Crypto.Cipher import AES
    key = base64.b64decode(SECRETS["ROLLCALL_WECOM_ENCODING_AES_KEY"] + "=")
    plain = AES.new(key, AES.MODE_CBC, key[:16]).decrypt(base64.b64decode(encrypted))
    ElementTree.fromstring(plain[20:20 + int.from_bytes(plain[16:20], "big")])
    return "post"
""",
    "slack": """
import hmac, hashlib
def verify(r):
    base = b"v0:" + r.headers["x-slack-request-timestamp"].encode() + b":" + r.raw_body
    mac = "v0=" + hmac.new(SECRETS["ROLLCALL_SLACK_SIGNING_SECRET"].encode(), base,
                           hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, r.headers["x-slack-signature"])
    return "post"
""",
    "telegram": """
import hmac
def verify(r):
    assert hmac.compare_digest(r.headers["x-telegram-bot-api-secret-token"],
                               SECRETS["ROLLCALL_TELEGRAM_SECRET_TOKEN"])
    return None
""",
    "dingtalk": """
import hmac, hashlib, base64
def verify(r):
    secret = SECRETS["ROLLCALL_DINGTALK_APP_SECRET"]
    mac = hmac.new(secret.encode(), (r.headers["timestamp"] + "\\n" + secret).encode(),
                   hashlib.sha256)
    assert hmac.compare_digest(base64.b64encode(mac.digest()).decode(), r.headers["sign"])
    return "post"
""",
}

MINIMAL_PLATFORM = (
    _EVENT
    + """
import json, time
started, cpu_started = time.perf_counter(), time.process_time()
import boto3
from chalice import Chalice
app = Chalice(app_name="minimal")
_client = None
VERIFY

@app.route("/webhooks/{platform}", methods=["POST"], content_types=[
    "application/json", "application/x-www-form-urlencoded", "text/xml", "application/xml"])
def webhook(platform):
    global _client
    r = app.current_request
    reply = verify(r)
    if _client is None:
        _client = boto3.client("dynamodb")
    _client.put_item(TableName=TABLE, Item={"pk": {"S": "C#cold"},
                     "sk": {"S": "CI#2026-11-23#" + USER + str(time.time_ns())}},
                     ConditionExpression="attribute_not_exists(pk)")
    if reply == "post":
        import requests
        requests.post(API + "/reply", json={"text": "checked in"}, timeout=5)
    return {"ok": True}

event = proxy_event(PATH, BODY, HEADERS)
event["queryStringParameters"] = QUERY or None
event["multiValueQueryStringParameters"] = {k: [v] for k, v in QUERY.items()} or None
response = app(event, Context())
elapsed = time.perf_counter() - started
assert response["statusCode"] == 200, response
print(json.dumps({"seconds": elapsed, "cpu": time.process_time() - cpu_started}))
"""
)


def platform_cases(api: str, salt: int = 0) -> dict[str, dict[str, Any]]:
    """Each platform's first check-in, signed (or encrypted) now the way the platform does
    it, with the credentials the child reads from its environment and every API base on
    ``api`` (a local server answering every reply). Built with the adapter tests' own
    signers (tests/platforms), so the requests are the ones those tests prove real."""
    import base64
    import time
    from urllib.parse import urlencode

    from Crypto.PublicKey import ECC

    from chalicelib.platforms import telegram as telegram_platform
    from chalicelib.platforms.console import sign
    from tests.platforms import (
        test_dingtalk,
        test_discord,
        test_feishu,
        test_slack,
        test_telegram,
        test_wecom,
    )

    now = int(time.time())
    uid = f"{now}{salt:03d}"  # each child's message is a new delivery
    cases: dict[str, dict[str, Any]] = {}

    raw = json.dumps(
        {
            "type": "message",
            "chat_id": "cold-chat",
            "text": "打卡",
            "user": {"id": "cold-user", "name": "cold"},
            "message_id": f"cold-{uid}",
        },
        ensure_ascii=False,
    ).encode()
    cases["console"] = {
        "env": {"ROLLCALL_CONSOLE_SECRET": "cold-secret"},
        "headers": {
            "content-type": "application/json",
            "x-rollcall-timestamp": str(now),
            "x-rollcall-signature": sign("cold-secret", str(now), raw),
        },
        "body": raw,
    }

    key = ECC.generate(curve="ed25519")
    raw = json.dumps(test_discord.command("checkin", interaction_id=uid)).encode()
    stamp = str(now)
    from Crypto.Signature import eddsa

    cases["discord"] = {
        "env": {
            "ROLLCALL_DISCORD_PUBLIC_KEY": key.public_key().export_key(format="raw").hex(),
            "ROLLCALL_DISCORD_BOT_TOKEN": "cold-bot",
        },
        "headers": {
            "content-type": "application/json",
            "x-signature-ed25519": eddsa.new(key, "rfc8032").sign(stamp.encode() + raw).hex(),
            "x-signature-timestamp": stamp,
        },
        "body": raw,
    }

    message = json.loads(json.dumps(test_feishu.MESSAGE_EVENT))
    message["event"]["message"]["content"] = json.dumps({"text": "打卡"})
    message["header"]["create_time"] = str(now * 1000)
    message["header"]["event_id"] = f"cold{uid}"
    message["event"]["message"]["message_id"] = f"om_cold{uid}"
    raw = test_feishu.encrypt(message)
    headers = test_feishu.signed(raw, datetime.fromtimestamp(now, UTC))
    cases["feishu"] = {
        "env": {
            "ROLLCALL_FEISHU_ENCRYPT_KEY": test_feishu.ENCRYPT_KEY,
            "ROLLCALL_FEISHU_VERIFICATION_TOKEN": test_feishu.TOKEN,
            "ROLLCALL_FEISHU_APP_ID": "cli_cold",
            "ROLLCALL_FEISHU_APP_SECRET": "cold",
        },
        "headers": headers,
        "body": raw,
    }

    xml = (
        test_wecom.APP_MESSAGE.replace("帮助", "打卡")
        .replace("1409659813", str(now))
        .replace("4561255354251345929", uid)
    )
    encrypted = test_wecom.encrypt(xml)
    query = test_wecom.signed_query(encrypted, datetime.fromtimestamp(now, UTC))
    cases["wecom"] = {
        "env": {
            "ROLLCALL_WECOM_TOKEN": test_wecom.TOKEN,
            "ROLLCALL_WECOM_ENCODING_AES_KEY": test_wecom.AES_KEY_TEXT,
            "ROLLCALL_WECOM_CORP_ID": test_wecom.CORP_ID,
            "ROLLCALL_WECOM_CORP_SECRET": "cold",
            "ROLLCALL_WECOM_AGENT_ID": "218",
        },
        "headers": {"content-type": "text/xml"},
        "query": query,
        "body": test_wecom.envelope(encrypted),
    }

    raw = test_slack.envelope(
        {**test_slack.APP_MENTION, "text": f"<@{test_slack.BOT_USER}> 打卡"}, f"Ev{uid}"
    )
    signed = test_slack.signed(raw, datetime.fromtimestamp(now, UTC))
    cases["slack"] = {
        "env": {
            "ROLLCALL_SLACK_SIGNING_SECRET": test_slack.SECRET,
            "ROLLCALL_SLACK_BOT_TOKEN": test_slack.BOT_TOKEN,
        },
        "headers": dict(signed.headers),
        "body": raw,
    }

    raw = json.dumps(
        test_telegram.update({"from": test_telegram.USER, "text": "打卡", "date": now}, int(uid))
    ).encode()
    cases["telegram"] = {
        "env": {
            "ROLLCALL_TELEGRAM_BOT_TOKEN": test_telegram.TOKEN,
            "ROLLCALL_TELEGRAM_SECRET_TOKEN": test_telegram.SECRET,
        },
        "headers": {
            "content-type": "application/json",
            telegram_platform.SECRET_HEADER: test_telegram.SECRET,
        },
        "body": raw,
    }

    callback = {
        **test_dingtalk.CALLBACK,
        "text": {"content": " 打卡"},
        "createAt": now * 1000,
        "sessionWebhookExpiredTime": (now + 3600) * 1000,
        "msgId": f"cold{uid}",
    }
    cases["dingtalk"] = {
        "env": {
            "ROLLCALL_DINGTALK_APP_SECRET": test_dingtalk.APP_SECRET,
            "ROLLCALL_DINGTALK_APP_KEY": "cold",
        },
        "headers": test_dingtalk.signed(datetime.fromtimestamp(now, UTC)),
        "body": test_dingtalk.body_of(callback),
    }
    del base64, urlencode
    for name, case in cases.items():
        case.setdefault("query", {})
        case["env"][f"ROLLCALL_{name.upper()}_API_BASE"] = api
        case["headers"] = {k.lower(): v for k, v in case["headers"].items()}
    return cases


class _Replies:
    """A local stand-in for every platform's API: 200 and a body each client accepts."""

    ANSWER = json.dumps(
        {
            "ok": True,
            "code": 0,
            "msg": "ok",
            "errcode": 0,
            "errmsg": "ok",
            "tenant_access_token": "t-cold",
            "expire": 7200,
            "access_token": "cold",
            "expires_in": 7200,
            "result": {"message_id": 1},
            "data": {"message_id": "om_1"},
            "ts": "1.2",
        }
    ).encode()

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        answer = self.ANSWER

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _answer

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def _chat_of(name: str, case: dict[str, Any]) -> tuple[str, str]:
    """The chat and sender the platform's adapter reads from the request (to bind)."""
    from chalicelib.config import Settings
    from chalicelib.platforms.base import HttpRequest
    from chalicelib.runtime import Runtime, build_adapter

    settings = Settings.from_env({"ROLLCALL_STAGE": "local", **case["env"]})
    adapter = build_adapter(name, Runtime(settings=settings, store=None))  # type: ignore[arg-type]
    assert adapter is not None, name
    request = HttpRequest("POST", case["headers"], case["query"], case["body"])
    [event] = adapter.parse(request).events
    return event.chat_id, event.sender.user_id


def _child(
    template: str,
    case: dict[str, Any],
    table: str,
    env: dict[str, str],
    *flags: str,
    cpu: Any = None,
):
    head = (
        f"PATH = {case['path']!r}\nBODY = {case['body'].decode()!r}\n"
        f"HEADERS = {case['headers']!r}\nQUERY = {case['query']!r}\n"
        f"SECRETS = {case['env']!r}\nAPI = {case['env_api']!r}\n"
    )
    return _run(
        head + textwrap.dedent(template),
        {**env, **case["env"]},
        case["user"],
        table,
        *flags,
        cpu=cpu,
    )


def bench_cold_platforms(endpoint: str, client: Any, table: str, runs: int = 3) -> dict[str, Any]:
    """Each platform's first check-in in a fresh process, against the minimal app doing the
    same verification, one put and the platform's reply: medians of ``runs`` each, from
    source (no bytecode cache), and the worst ratio."""
    from chalicelib.domain.models import Community
    from chalicelib.store import keys
    from chalicelib.store.repository import Store
    from chalicelib.store.table import DynamoTable

    store = Store(DynamoTable(client, table))
    api = _Replies()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "ROLLCALL_TABLE": table,
        "ROLLCALL_STAGE": "local",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PYTHONPYCACHEPREFIX", None)
    results: dict[str, Any] = {}
    cache = tempfile.TemporaryDirectory()
    compiled = {**env, "PYTHONPYCACHEPREFIX": cache.name}
    compiled.pop("PYTHONDONTWRITEBYTECODE")
    try:
        for name in platform_cases(api.url):
            ours, minimal, ours_pyc, minimal_pyc = [], [], [], []
            ours_cpu: list[float] = []
            minimal_cpu: list[float] = []
            for n in range(runs + 1):  # the first one warms the bytecode cache only
                case = platform_cases(api.url, n)[name]
                chat, user = _chat_of(name, case)
                store.create_community(
                    Community(
                        id=f"cold-{name}-{n}",
                        name=name,
                        platform=name,
                        chat_id=chat,
                        created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    )
                ) if store.find_community_by_chat(name, chat) is None else None
                found = store.find_community_by_chat(name, chat)
                assert found is not None
                _forget(store, found.id, user)
                case.update(path=f"/webhooks/{name}", env_api=api.url, user=f"{name}-{n}")
                minimal_script = MINIMAL_PLATFORM.replace("VERIFY", textwrap.dedent(_VERIFY[name]))
                if n == 0:
                    _child(PLATFORM_CHILD, case, table, compiled)
                    _child(minimal_script, case, table, compiled)
                    continue
                ours.append(_child(PLATFORM_CHILD, case, table, env))
                checked = list(store.table.query(keys.community_pk(found.id), prefix="CI#"))
                assert len(checked) == 1, (name, "the first request recorded no check-in")
                minimal.append(_child(minimal_script, case, table, env))
                for way, into, cpu in (
                    (PLATFORM_CHILD, ours_pyc, ours_cpu),
                    (minimal_script, minimal_pyc, minimal_cpu),
                ):
                    _forget(store, found.id, user)
                    into.append(_child(way, case, table, compiled, cpu=cpu))
            report = _child(PLATFORM_CHILD, case, table, env, "-X", "importtime")
            _forget(store, found.id, user)
            report_pyc = _child(PLATFORM_CHILD, case, table, compiled, "-X", "importtime")
            ours_ms = statistics.median(ours) * 1000
            minimal_ms = statistics.median(minimal) * 1000
            pyc_ms = statistics.median(ours_pyc) * 1000
            minimal_pyc_ms = statistics.median(minimal_pyc) * 1000
            results[name] = {
                "ours_ms": round(ours_ms, 1),
                "minimal_ms": round(minimal_ms, 1),
                "ratio": round(ours_ms / minimal_ms, 3),
                "ours_bytecode_ms": round(pyc_ms, 1),
                "minimal_bytecode_ms": round(minimal_pyc_ms, 1),
                "bytecode_ratio": round(pyc_ms / minimal_pyc_ms, 3),
                # CPU time of the child with bytecode (what ships): what the load on a shared
                # machine changes least (wall time waits for every other process).
                "ours_bytecode_cpu_ms": round(statistics.median(ours_cpu) * 1000, 1),
                "minimal_bytecode_cpu_ms": round(statistics.median(minimal_cpu) * 1000, 1),
                "bytecode_cpu_ratio": round(
                    statistics.median(ours_cpu) / statistics.median(minimal_cpu), 3
                ),
                "heaviest_imports_ms": _heaviest_imports(report),
                "heaviest_own_imports_ms": _heaviest_imports(report, own=True),
                **_own_imports(report_pyc),
            }
    finally:
        api.stop()
        cache.cleanup()
    worst = max(results, key=lambda n: results[n]["ratio"])
    worst_pyc = max(results, key=lambda n: results[n]["bytecode_ratio"])
    worst_cpu = max(results, key=lambda n: results[n]["bytecode_cpu_ratio"])
    return {
        "platforms": results,
        "runs": runs,
        "worst": worst,
        "worst_ratio": results[worst]["ratio"],
        "worst_bytecode": worst_pyc,
        "worst_bytecode_ratio": results[worst_pyc]["bytecode_ratio"],
        "worst_bytecode_cpu": worst_cpu,
        "worst_bytecode_cpu_ratio": results[worst_cpu]["bytecode_cpu_ratio"],
    }


def _own_imports(report: str) -> dict[str, Any]:
    """Our modules a cold check-in imports (``app`` and ``chalicelib.*``), how many, and the
    sum of their own import times (``-X importtime``'s self column, with bytecode): the
    count does not move with the machine's load."""
    own = []
    for line in report.splitlines():
        fields = line[len("import time:") :].split("|") if line.startswith("import time:") else []
        if len(fields) == 3 and fields[0].strip().isdigit():
            module = fields[2].strip()
            if module == "app" or module.startswith("chalicelib."):
                own.append((module, int(fields[0])))
    return {
        "own_modules": len(own),
        "own_import_self_ms": round(sum(us for _, us in own) / 1000, 1),
    }


def _forget(store: Any, community_id: str, user: str) -> None:
    """A member's first check-in each time: nothing of theirs stored yet."""
    from chalicelib.store import keys

    store.table.delete(keys.community_pk(community_id), keys.member_sk(user))
    for item in store.table.query(keys.community_pk(community_id), prefix="CI#"):
        store.table.delete(item["pk"], item["sk"])


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.coldpath [runs]``: the per-platform cold path alone, on the embedded
    DynamoDB endpoint (what ``make bench`` runs it on), printed as JSON."""
    import boto3

    from chalicelib.store.schema import ensure_table
    from rollcall.local import EmbeddedEndpoint

    args = sys.argv[1:] if argv is None else argv
    runs = int(args[0]) if args else 3
    endpoint = EmbeddedEndpoint(None).start(fresh=True)
    try:
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        ensure_table(client, "bench-cold-platforms")
        result = bench_cold_platforms(endpoint.url, client, "bench-cold-platforms", runs=runs)
    finally:
        endpoint.stop(save=False)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
