"""POST /webhooks/{platform} (and GET, for platforms that verify a URL by GET).

Five lines of work: turn Chalice's request into an HttpRequest, hand it to
``handle_webhook`` with the arrival time, turn the answer back into a Chalice Response.
"""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from chalicelib.platforms.base import HttpRequest, HttpResponse

bp = Blueprint(__name__)

# Slack posts forms, WeCom posts XML, the others JSON; Chalice refuses anything not listed
# here with 415 before our code runs.
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/xml",
    "text/xml",
    "text/plain",
]


def to_http_request(request) -> HttpRequest:  # type: ignore[no-untyped-def]
    return HttpRequest(
        method=request.method,
        headers={k.lower(): v for k, v in (request.headers or {}).items()},
        query=dict(request.query_params or {}),
        body=request.raw_body or b"",
    )


def to_chalice_response(response: HttpResponse) -> Response:
    body = response.body
    headers: dict[str, str | list[str]] = dict(response.headers)
    if isinstance(body, dict):
        body = json.dumps(body, ensure_ascii=False)
        headers.setdefault("Content-Type", "application/json")
    elif body is None:
        body = ""
    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    return Response(body=body, status_code=response.status, headers=headers)


@bp.route("/webhooks/{platform}", methods=["POST", "GET"], content_types=CONTENT_TYPES)
def webhook(platform: str) -> Response:
    from chalicelib.inbound import handle_webhook
    from chalicelib.logs import lambda_invocation
    from chalicelib.runtime import get_runtime

    with lambda_invocation(bp.lambda_context):
        runtime = get_runtime()
        request = to_http_request(bp.current_request)
        return to_chalice_response(handle_webhook(runtime, platform, request, runtime.clock.now()))
