"""``gateway run``: the API and, in embedded mode, the workers, in one process."""

from __future__ import annotations

import logging

from gateway.errors import ConfigurationError
from gateway.locations import demo_sample
from gateway.partner_store import sync_partners
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import Partner
from gateway.workers.actors import Actors, build_actors
from gateway.workers.broker import make_broker
from gateway.workers.grouping import EnqueueGroups
from gateway.workers.run import freeze_startup_objects, start_worker

log = logging.getLogger("gateway")

NEXT_STEPS = """
gateway is running on http://{host}:{port}  (API docs: http://{host}:{port}/docs)
database: {db}   broker: {broker}   ERP: {erp}
{locations}

Try it: send the demo supplier's sample ship notice, then read its receipt (997 + delivery):

  curl -s -X POST http://{host}:{port}/v1/x12 -H 'Authorization: Bearer {key}' \\
       --data-binary @{sample}
  curl -s http://{host}:{port}/v1/receipts/<receipt_id> -H 'Authorization: Bearer {key}'
  curl -s http://{host}:{port}/ops/erp-sink          # what the local ERP sink received
"""


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    import uvicorn

    from gateway_app.webapp import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    runtime = Runtime.from_settings(settings)
    problems = sync_partners(runtime.db, settings.partners_dir, runtime.process_config.our_ids)
    for problem in problems:
        log.error("partner profile problem: %s", problem)
    if problems:  # e.g. two partners claiming one sender id: never run with that
        runtime.close()
        raise ConfigurationError(f"{len(problems)} partner profile problem(s), listed above")
    demo_key = _demo_key(runtime)
    if settings.broker == "embedded":
        handle = start_worker(runtime, threads=settings.embedded_workers)
        actors = handle.actors
    else:  # workers run elsewhere (`gateway worker`); this process only enqueues
        actors = build_actors(make_broker(settings), runtime, settings.queue_prefix)
        handle = None
    groups = _enqueue_groups(settings, actors)
    enqueue_process = groups.add if groups is not None else actors.enqueue_process
    app = create_app(runtime, enqueue_process, actors.enqueue_deliveries)
    host, port = host or settings.host, port or settings.port
    print(
        NEXT_STEPS.format(
            host=host,
            port=port,
            db=settings.resolved_database_url(),
            broker=settings.broker,
            erp=settings.erp_connector,
            key=demo_key or "<partner API key>",
            locations=settings.locations.describe(),
            sample=demo_sample("856-SOPI-4010.edi"),
        ),
        flush=True,
    )
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", access_log=settings.access_log != "off"
    )  # configures logging: the filter goes on after
    if settings.access_log == "errors":
        logging.getLogger("uvicorn.access").addFilter(errors_only)
    freeze_startup_objects()
    try:
        uvicorn.Server(config).run()
    finally:
        if groups is not None:
            groups.close()
        if handle is not None:
            handle.stop()
        runtime.close()
    return 0


def errors_only(record: logging.LogRecord) -> bool:
    """Keep uvicorn access-log records of answers with a status of 400 or more.

    Every message the API accepts is stored with its client address and user agent, so a line
    per 202 only repeats the database, at a cost (``bench/README.md``)."""
    args = record.args
    if isinstance(args, tuple) and len(args) == 5 and isinstance(args[4], int):
        return args[4] >= 400
    return True


def _enqueue_groups(settings: Settings, actors: Actors) -> EnqueueGroups | None:
    if settings.enqueue_group_ms <= 0:
        return None
    return EnqueueGroups(
        actors.enqueue_process_group,
        interval_s=settings.enqueue_group_ms / 1000,
        max_ids=actors.group_size,
    )


def _demo_key(runtime: Runtime) -> str | None:
    """Embedded mode gives the demo partner a known key on first start, so the README works."""
    if runtime.settings.broker != "embedded":
        return None
    with runtime.db.sessions() as session:
        partner = session.get(Partner, "demo-supplier")
        if partner is None:
            return None
    key = runtime.settings.demo_api_key.get_secret_value()
    return key if runtime.keys.keys("demo-supplier") else runtime.keys.issue("demo-supplier", key)
