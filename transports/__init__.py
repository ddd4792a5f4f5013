"""Transport adapters: every way a partner's bytes reach us and ours reach them.

Siblings behind one seam (``transports.base.Transport``): ``http`` (the supplier API), later
``as2`` and ``sftp``; ``memory`` is the stub. ``transports.registry.TRANSPORTS`` maps a
transport's name to its class. Transports build on the pipeline's inbox, ``gateway.web`` and the
read models, never on the operator API; only the composition root (``gateway_app``) imports them.
"""
