"""The operator API (``/ops``): every stored message, replay, retries, dead letters, stats.

Built on ``gateway.web`` (state, errors, operator auth) and ``gateway.queries`` (read models);
``gateway_app.webapp`` mounts ``ops_router``. Nothing but the composition root imports this.
"""

from gateway.api.router import ops_router

__all__ = ["ops_router"]
