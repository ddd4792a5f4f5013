"""The web side of the SFTP transport: ``install`` puts its routes on the app the composition
root builds (``gateway_app.webapp``). Kept out of the package's ``__init__`` so that the workers,
which only send, never import the web framework."""

from __future__ import annotations

from fastapi import FastAPI

from transports.sftp import ops, poll_ops


def install(app: FastAPI) -> None:
    """The operator routes (the server itself runs beside the API: ``gateway run``)."""
    app.include_router(ops.router)
    app.include_router(poll_ops.router)
