"""The operator API (``/ops``) and the HTTP building blocks the supplier API shares with it.

``transports.http.create_app`` mounts ``ops_router`` next to the supplier routes; the shared pieces
(the application state, the one error handler, the read models of stored messages) live here
because ``gateway.api`` sits below the transport: nothing here imports ``transports``.
"""

from gateway.api.router import ops_router

__all__ = ["ops_router"]
