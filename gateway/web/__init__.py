"""HTTP plumbing below every HTTP surface (the supplier API, the operator API, the console):
the application state (``state``), the one error handler (``errors``), operator authentication
(``auth``), bounded body reading (``body``) and the health check (``health``).

Nothing here knows a route of its own but ``/healthz``; nothing here imports ``gateway.api`` or
``transports``: both build on this package, and ``gateway_app.webapp`` assembles them.
"""
