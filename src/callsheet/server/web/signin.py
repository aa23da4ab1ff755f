"""Signing in and out of the web page with a HumanUser's login and password."""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from callsheet.faults import AuthenticationFault, Fault
from callsheet.server.callers import run_authenticating, source_address
from callsheet.server.web.handlers import current_session, read_page_form
from callsheet.server.web.rendering import render
from callsheet.server.web.sessions import (
    CSRF_FIELD,
    check_csrf,
    clear_session_cookie,
    set_session_cookie,
    set_signin_cookie,
    signin_token,
)
from callsheet.site.auth import authenticate, expire_session_token, issue_session_token

WRONG_CREDENTIALS = "Wrong login or password, or the account is disabled or locked for a while."


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signin_page(request: Request, message: str | None = None, status_code: int = 200) -> Response:
    token = signin_token(request)
    response = render(
        request,
        "signin.html",
        status_code=status_code,
        csrf_token=token,
        message=message,
        next=safe_next(request.query_params.get("next")),
        login=getattr(request.state, "attempted_login", ""),
    )
    set_signin_cookie(request, response, token)
    return response


async def signin_form(request: Request) -> Response:
    """GET /signin: the form (or home when already signed in)."""
    if await current_session(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _signin_page(request)


async def signin(request: Request) -> Response:
    """POST /signin: check the login and password (with the API's slow-down), start a session."""
    site = request.app.state.site
    settings = request.app.state.settings
    try:
        form = await read_page_form(request)
    except Fault as fault:
        return _signin_page(request, str(fault), 400)
    expected = request.cookies.get("callsheet_signin", "")
    submitted = form.fields.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(expected, submitted):
        return _signin_page(request, "The sign-in form expired; please try again.", 400)
    login = form.fields.get("login", "").strip()
    request.state.attempted_login = login
    credentials = {"user_login": login, "user_password": form.fields.get("password", "")}

    source = source_address(request)

    def start(*, waited: bool) -> str:
        actor = authenticate(site, credentials, settings.auth, source=source, waited=waited)
        return issue_session_token(site, actor, settings.auth)

    try:
        token = await run_authenticating(start)
    except AuthenticationFault:
        return _signin_page(request, WRONG_CREDENTIALS, 401)
    response = RedirectResponse(safe_next(form.fields.get("next")), status_code=303)
    set_session_cookie(request, response, token, settings.auth.session_lifetime_s)
    response.delete_cookie("callsheet_signin", path="/signin")
    return response


async def signout(request: Request) -> Response:
    """POST /signout: end the session (CSRF-checked, so no page can sign a person out)."""
    session = await current_session(request)
    response = RedirectResponse("/signin", status_code=303)
    if session is not None:
        form = await read_page_form(request)
        try:
            check_csrf(request, session, form.fields.get(CSRF_FIELD))
        except Fault as fault:
            return render(request, "error.html", status_code=400, message=str(fault))
        await run_in_threadpool(expire_session_token, request.app.state.site, session.token)
    clear_session_cookie(response)
    return response


def routes() -> list[Route]:
    """Sign-in and sign-out."""
    return [
        Route("/signin", signin_form, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
    ]
