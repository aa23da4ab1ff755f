"""Who is looking at the web page: the session cookie, CSRF tokens, and the signed-in actor.

The cookie holds an ordinary Callsheet session token (site/auth.py issues and expires them), so
sessions survive restarts and work across several server processes. The CSRF token is derived
from the session token (SHA-256 with a fixed prefix): it needs no server state, changes with each
session, and cannot be computed by a page that cannot read the HttpOnly cookie. Sign-in, which has
no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from callsheet.faults import AuthenticationFault, Fault
from callsheet.server.settings import Settings
from callsheet.site.actor import Actor
from callsheet.site.auth import authenticate
from callsheet.site.site import Site

SESSION_COOKIE = "callsheet_session"
SIGNIN_COOKIE = "callsheet_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_UUID_HEADER = "x-callsheet-session-uuid"


class CsrfFault(Fault):
    """A state-changing request without the page's CSRF token (or from another origin)."""


@dataclass(frozen=True)
class WebSession:
    """The signed-in person: their actor, their record and the page's CSRF token."""

    token: str
    actor: Actor
    user: dict[str, Any]
    role: str | None
    # the role's "admin" setting (Admin, or any role copied from it), not its name
    is_admin: bool = False

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.token)


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: bound to it, computable only with the cookie."""
    return hashlib.sha256(f"callsheet-csrf:{session_token}".encode()).hexdigest()


def load_session(
    site: Site, settings: Settings, token: str | None, session_uuid: Any
) -> WebSession | None:
    """The session for a cookie value, or None when absent, expired or its person is disabled."""
    if not token:
        return None
    uuid = session_uuid if isinstance(session_uuid, str) and 0 < len(session_uuid) <= 64 else None
    try:
        actor = authenticate(site, {"session_token": token, "session_uuid": uuid}, settings.auth)
    except AuthenticationFault:
        return None
    if actor.entity_type != "HumanUser":
        return None
    user = site.find_one(
        actor,
        "HumanUser",
        [["id", "is", actor.id]],
        ["login", "name", "email", "image", "permission_rule_set"],
    )
    if user is None:
        return None
    permissions = site.permissions_for(actor)
    return WebSession(token, actor, user, permissions.role_name, permissions.is_admin)


def session_token_of(request: Request) -> str | None:
    """The session token the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE)


def check_csrf(request: Request, session: WebSession, submitted: str | None) -> None:
    """Refuse a state-changing request whose token is missing or wrong, or from another origin."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        raise CsrfFault(f"Refused a request from another origin ({origin}).")
    token = submitted or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(token, session.csrf_token):
        raise CsrfFault("The page's security token is missing or out of date; reload the page.")


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when the page came over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def signin_token(request: Request) -> str:
    """The double-submit token of the sign-in form (there is no session yet to derive one from)."""
    return request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)


def set_signin_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/signin",
    )
