"""``gateway run``: the API and, in embedded mode, the workers, in one process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gateway.errors import ConfigurationError
from gateway.locations import demo_sample
from gateway.masking import mask_log_handlers, mask_secrets
from gateway.pipeline.inbox import Inbox
from gateway.pipeline.purchase_orders import publisher
from gateway.procurement.pull import PurchaseOrderPoller, publishes
from gateway.runtime import Runtime
from gateway.settings import Settings
from gateway.store.models import Partner
from gateway.web.connections import ConnectionLimits, guarded_http
from gateway.workers.actors import Actors, build_actors
from gateway.workers.broker import make_broker
from gateway.workers.grouping import EnqueueGroups
from gateway.workers.run import freeze_startup_objects, start_worker
from gateway_app.pollers import start_sftp_polls
from gateway_app.senders import build_senders, transport_problems
from transports.sftp.hostkey import host_key_path, load_or_create
from transports.sftp.server import SftpServer
from transports.sftp.transport import SftpTransport, default_root

log = logging.getLogger("gateway")

DEMO_PARTNER = "demo-supplier"
KEY_PLACEHOLDER = "<partner API key>"
DESCRIPTORS_KEPT = 100
"""Descriptors ``max_connections`` leaves to the rest of the process: database and broker
connections, the ERP's, files."""

NEXT_STEPS = """
gateway is running on http://{host}:{port}  (API docs: http://{host}:{port}/docs)
database: {db}   broker: {broker}   ERP: {erp}
{locations}

Try it: send the demo supplier's sample ship notice, then read its receipt (997 + delivery):

  curl -s -X POST http://{host}:{port}/v1/x12 -H 'Authorization: Bearer {key}' \\
       --data-binary @{sample}
  curl -s http://{host}:{port}/v1/receipts/<receipt_id> -H 'Authorization: Bearer {key}'
  curl -s http://{host}:{port}/ops/erp-sink          # what the local ERP sink received

Console: http://{host}:{port}/console  {login}
"""
DEMO_ADMIN = "admin"


SFTP_DEMO = """Or drop the sample with sftp (the demo key is TEST ONLY) and fetch its 997 from outbound/:

  sftp -P {port} -i samples/sftp/demo-supplier_ed25519 demo-supplier@{host}
"""


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> int:

    from gateway_app.webapp import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    runtime = Runtime.from_settings(settings)
    runtime.senders = build_senders(runtime)
    problems = runtime.watch_config(extra_checks=[transport_problems])  # synced to the database
    for problem in problems:
        log.error("partner profile or map problem: %s", problem)
    if problems:  # e.g. two partners claiming one sender id: never run with that
        runtime.close()
        raise ConfigurationError(f"{len(problems)} partner profile or map problem(s), listed above")
    demo_key = demo_key_for(runtime)
    demo_login = demo_login_for(runtime)
    if settings.broker == "embedded":
        handle = start_worker(runtime, threads=settings.embedded_workers)
        actors = handle.actors
    else:  # workers run elsewhere (`gateway worker`); this process only enqueues
        actors = build_actors(make_broker(settings), runtime, settings.queue_prefix)
        handle = None
    poller = _purchase_order_poller(runtime, actors.enqueue_outbound)
    groups = _enqueue_groups(settings, actors)
    enqueue_process = groups.add if groups is not None else actors.enqueue_process
    app = create_app(runtime, enqueue_process, actors.enqueue_deliveries, actors.enqueue_outbound)
    app.state.console.dashboard_for(runtime).refresh_in_background()  # the first view waits less
    host, port = host or settings.host, port or settings.port
    sftp = None
    # the schedule of polls of suppliers' SFTP servers runs with the workers: here if embedded
    stop_polls = start_sftp_polls(runtime, enqueue_process) if handle is not None else None
    try:
        sftp = start_sftp(runtime, enqueue_process)
        print(banner(settings, host, port, demo_key, sftp, demo_login=demo_login), flush=True)
        _serve_http(app, host, port, settings)
    finally:
        if poller is not None:
            poller.stop()
        if stop_polls is not None:
            stop_polls()
        if sftp is not None:
            sftp.stop()
        if groups is not None:
            groups.close()
        if handle is not None:
            handle.stop()
        runtime.close()
    return 0


def _purchase_order_poller(
    runtime: Runtime, enqueue_outbound: Callable[[list[str]], None]
) -> PurchaseOrderPoller | None:
    """Purchase orders from an ERP connector that publishes them (``gateway.procurement.pull``),
    each sent to its supplier (``gateway.pipeline.purchase_orders``)."""
    interval = runtime.settings.erp_po_poll_s
    if interval <= 0 or not publishes(runtime.connector):
        return None
    publish = publisher(runtime.db, runtime.process_config, enqueue_outbound)
    return PurchaseOrderPoller(runtime.connector, interval, publish).start()


def _serve_http(app: Any, host: str, port: int, settings: Settings) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=settings.access_log != "off",
        http=guarded_http(connection_limits(settings)),
        timeout_keep_alive=settings.keep_alive_timeout_s,
    )  # configures logging: the filter goes on after
    if settings.access_log == "errors":
        logging.getLogger("uvicorn.access").addFilter(errors_only)
    mask_log_handlers(*(logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.access")))
    freeze_startup_objects()
    uvicorn.Server(config).run()


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


def start_sftp(runtime: Runtime, enqueue_process: Callable[[str], None]) -> SftpServer | None:
    """Our hosted SFTP server on ``GATEWAY_SFTP_PORT`` (0: none), after handing in what a crash
    left complete in the mailboxes (``SftpTransport.recover``)."""
    settings = runtime.settings
    if settings.sftp_port == 0:
        return None
    inbox = Inbox(runtime.db, enqueue_process, settings.partners_dir)
    transport = SftpTransport(inbox, default_root(settings))
    transport.recover()
    host_key = load_or_create(host_key_path(settings.resolved_data_dir()))
    host = settings.sftp_host or settings.host
    server = SftpServer(
        transport, host_key, host=host, port=settings.sftp_port,
        max_connections=settings.sftp_max_connections,
    )  # fmt: skip
    try:
        return server.start()
    except OSError as exc:
        raise ConfigurationError(
            f"GATEWAY_SFTP_PORT {settings.sftp_port}: cannot listen on {host}: {exc.strerror} "
            "(another server there? choose another port, or 0 to serve no SFTP)"
        ) from exc


def banner(
    settings: Settings,
    host: str,
    port: int,
    demo_key: str | None,
    sftp: SftpServer | None = None,
    *,
    demo_login: str | None = None,
) -> str:
    """What ``gateway run`` prints at start: where it listens, on what (credentials masked), and
    the demo's first requests, with the demo key only when ``demo_key_for`` gave one; the SFTP
    server's address and host key when it runs; the console's first login only when
    ``demo_login_for`` gave one."""
    login = (
        f"(log in as {DEMO_ADMIN} / {demo_login})"
        if demo_login
        else "(staff log in; add one with `gateway staff add NAME --role admin`)"
    )
    return NEXT_STEPS.format(
        login=login,
        host=host,
        port=port,
        db=mask_secrets(settings.resolved_database_url()),
        broker=settings.broker,
        erp=settings.erp_connector,
        key=demo_key or KEY_PLACEHOLDER,
        locations=settings.locations.describe(),
        sample=demo_sample("856-SOPI-4010.edi"),
    ) + (sftp_lines(settings, sftp) if sftp is not None else "")


def sftp_lines(settings: Settings, sftp: SftpServer) -> str:
    lines = f"\nSFTP on {sftp.host}:{sftp.port}, host key {sftp.fingerprint}\n"
    if settings.demo:
        lines += SFTP_DEMO.format(port=sftp.port, host=sftp.host)
    return lines


def demo_key_for(runtime: Runtime) -> str | None:
    """The demo partner's key to show, in demo mode only: ``demo_api_key``, issued now if the
    partner has no key yet (a fresh database), and shown only while it is still the partner's
    key. Outside demo mode nothing is issued; a partner still holding the documented key (from a
    demo run) is reported, since anyone who read the README can use it."""
    settings = runtime.settings
    key = settings.demo_api_key.get_secret_value()
    with runtime.db.sessions() as session:
        partner = session.get(Partner, DEMO_PARTNER)
    if partner is None:
        return None
    has_keys = bool(runtime.keys.keys(DEMO_PARTNER))
    owner = runtime.keys.partner_for(key)
    holds_demo_key = owner is not None and owner.partner_id == DEMO_PARTNER
    if not settings.demo:
        if holds_demo_key:
            log.warning(
                "%s still has the documented demo key: rotate it with "
                "`gateway partners issue-key %s`",
                DEMO_PARTNER,
                DEMO_PARTNER,
            )
        return None
    if not has_keys:
        return runtime.keys.issue(DEMO_PARTNER, key)
    return key if holds_demo_key else None


def demo_login_for(runtime: Runtime) -> str | None:
    """The console's first admin password to show, in demo mode only: staff member ``admin`` is
    created with ``demo_admin_password`` when there is no staff member at all, and the password is
    shown only while it is still admin's (never once changed). Outside demo mode nobody is
    created and nothing is shown."""
    from gateway.staff.accounts import StaffAccounts

    settings = runtime.settings
    password = settings.demo_admin_password.get_secret_value()
    if not settings.demo or not password:
        return None
    accounts = StaffAccounts(runtime.db)
    if not accounts.exists():
        accounts.add(DEMO_ADMIN, "admin", password, actor="demo")
        return password
    return password if accounts.verifies(DEMO_ADMIN, password) else None


def connection_limits(settings: Settings) -> ConnectionLimits:
    """The settings' connection limits, ``max_connections`` kept below the descriptor limit (a
    server out of descriptors cannot even accept the connection it would refuse)."""
    total = settings.max_connections
    budget = _descriptor_limit() - DESCRIPTORS_KEPT
    if budget > 0 and (total == 0 or total > budget):
        log.warning("max_connections %d lowered to %d: the descriptor limit", total, budget)
        total = budget
    return ConnectionLimits(
        header_s=settings.header_timeout_s,
        body_s=settings.body_timeout_s,
        body_min_rate=settings.body_min_bytes_per_s,
        send_s=settings.send_timeout_s,
        per_client=settings.max_connections_per_client,
        total=total,
    )


def _descriptor_limit() -> int:
    """The soft ``RLIMIT_NOFILE``; 0 where unknown or unlimited."""
    try:
        import resource
    except ImportError:  # Windows
        return 0
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 0 if soft == resource.RLIM_INFINITY else soft
