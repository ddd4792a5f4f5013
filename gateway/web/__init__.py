"""HTTP plumbing below every HTTP surface (the supplier API, the operator API, the console):
the application state (``state``), the one error handler (``errors``), operator authentication
(``auth``), bounded body reading (``body``), the health check (``health``), and deadlines and
connection caps for slow or greedy clients (``connections``: uvicorn's protocol, below the app).

Nothing here knows a route of its own but ``/healthz``; nothing here imports ``gateway.api`` or
``transports``: both build on this package, and ``gateway_app.webapp`` assembles them.
"""
