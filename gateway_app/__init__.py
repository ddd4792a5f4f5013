"""The assembled gateway: every entry point, and the only package that imports ``transports``.

``cli`` parses the ``gateway`` command line; ``commands`` holds the operator commands; ``server``
is ``gateway run`` (API plus embedded workers); ``webapp`` builds the one FastAPI app from the
supplier API (``transports.http``), the operator API (``gateway.api``) and ``gateway.web``.
"""
