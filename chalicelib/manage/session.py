"""The pages' session cookie and CSRF tokens: HMAC-SHA256 with the stage's manage key.

The cookie holds ``community.user.role.expiry`` (base64url JSON) and its signature; nothing
else is trusted from the browser. Every page checks the cookie's community against the URL's
and reads the member again (their role may have changed since).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.platforms.base import same_secret

COOKIE = "rollcall_manage"
SESSION_LIFETIME = timedelta(hours=4)


@dataclass(frozen=True)
class ManageSession:
    community_id: str
    user_id: str
    role: str
    expires: int  # epoch seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, purpose: str, payload: str) -> str:
    return _b64(hmac.new(key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())


def make_cookie_value(key: bytes, community_id: str, user_id: str, role: str, now: datetime) -> str:
    expires = int((now + SESSION_LIFETIME).timestamp())
    # A random id per sign-in: two sessions never share a cookie (nor a CSRF token).
    fields = {"c": community_id, "u": user_id, "r": role, "x": expires, "n": secrets.token_hex(8)}
    payload = _b64(json.dumps(fields).encode())
    return f"{payload}.{_sign(key, 'session', payload)}"


def read_cookie_value(key: bytes, value: str, now: datetime) -> ManageSession | None:
    """The session a cookie value carries, None when forged, malformed or expired."""
    payload, _, signature = value.partition(".")
    # Ours is base64url: anything else is forged (and compare_digest refuses non-ASCII str).
    if not payload or not signature or not value.isascii():
        return None
    if not hmac.compare_digest(signature, _sign(key, "session", payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        session = ManageSession(str(data["c"]), str(data["u"]), str(data["r"]), int(data["x"]))
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires <= now.timestamp():
        return None
    return session


def cookie_header(value: str, *, secure: bool, max_age: int, path: str = "/manage") -> str:
    parts = [f"{COOKIE}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def cookie_from_header(header: str) -> str | None:
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value
    return None


def csrf_token(key: bytes, cookie_value: str) -> str:
    """The forms' token: bound to this session (its cookie), useless with any other."""
    return _sign(key, "csrf", cookie_value)


def csrf_ok(key: bytes, cookie_value: str, given: str) -> bool:
    """Constant-time, as bytes: ``given`` is whatever the form posted (any text)."""
    return bool(given) and same_secret(csrf_token(key, cookie_value), given)


def member_ref(key: bytes, cookie_value: str, user_id: str) -> str:
    """How a page's URL names a member (an admin's view of their page): bound to this
    session, so the URL carries no member id and a copied link opens nothing elsewhere."""
    return _sign(key, "member", f"{cookie_value}:{user_id}")[:22]
