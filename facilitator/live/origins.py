"""Which web pages may open a Socket.IO connection: our own, plus any other
origins the deployment names (SOCKETIO_ALLOWED_ORIGINS).

Behind a proxy, PROXY_COUNT makes ProxyFix put the public scheme and host in
the environment first, so "our own" is what the browser sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def origin_policy(extra: Iterable[str] | None) -> Callable[[str | None, dict], bool]:
    """A check for python-engineio's ``cors_allowed_origins``."""
    allowed = {origin.rstrip("/") for origin in extra or ()}

    def allow(origin: str | None, environ: dict) -> bool:
        if origin is None:  # not a browser: tokens, not origins, protect those connections
            return True
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") in allowed | {own}

    return allow
