"""GET/POST /manage/{community}/… : the organiser's pages (chalicelib/manage/).

Wiring only, like the webhook's route: the pages' modules are imported inside the views, so a
webhook's cold start loads none of them.
"""

from __future__ import annotations

from chalice import Blueprint, Response

bp = Blueprint(__name__)

# Forms post urlencoded; a GET carries no body (clients that label it anyway are let in).
FORM = ["application/x-www-form-urlencoded", "application/json", "text/plain"]


@bp.route("/manage/{community_id}", methods=["GET"])
def manage_home(community_id: str) -> Response:
    page: Response = manage_page(community_id, "overview")  # the route decorator is untyped
    return page


@bp.route("/manage/{community_id}/{page}", methods=["GET", "POST"], content_types=FORM)
def manage_page(community_id: str, page: str) -> Response:
    from chalicelib.entrypoints.webhooks import to_chalice_response, to_http_request
    from chalicelib.logs import lambda_invocation
    from chalicelib.manage.pages import handle_manage_request
    from chalicelib.runtime import get_runtime

    with lambda_invocation(bp.lambda_context):
        request = to_http_request(bp.current_request)
        response: Response = to_chalice_response(
            handle_manage_request(get_runtime(), request, community_id, page)
        )
        return response
