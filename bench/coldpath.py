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


def _run(script: str, env: dict[str, str], user: str, table: str, *flags: str) -> Any:
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
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


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
