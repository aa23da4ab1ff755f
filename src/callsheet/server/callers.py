"""Where a request comes from, and waiting out a login delay without holding a thread.

The source address is the TCP peer, unless `callsheet serve` was told to trust a proxy's
X-Forwarded-For (`--forwarded-allow-ips`, uvicorn's proxy headers): then uvicorn has already put
the proxy's client in the scope. Nothing else ever reads X-Forwarded-For.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from callsheet.site.auth import LoginDelayFault

T = TypeVar("T")


def source_address(connection: HTTPConnection) -> str | None:
    """The caller's address as the server sees it (None when the server has none)."""
    return connection.client.host if connection.client else None


async def run_authenticating(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs, waited=False)` in the thread pool; when the engine asks for a
    login delay, sleep on the event loop (no worker thread waits), then run it once more with
    `waited=True`. `function` must authenticate before doing anything else."""
    try:
        return await run_in_threadpool(function, *args, **kwargs, waited=False)
    except LoginDelayFault as delay:
        await asyncio.sleep(delay.seconds)
    return await run_in_threadpool(function, *args, **kwargs, waited=True)
