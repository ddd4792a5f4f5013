"""Operator commands: ``run``, ``worker``, ``db upgrade``, ``messages``, ``replay``, ``dead-letters``,
``outbox``, ``partners ...`` (``partner_commands``), ``staff ...`` (``staff_commands``), ``certs list|expiring``. They share one
``Runtime`` built from the ``GATEWAY_*`` settings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.progress import Progress
from gateway_app.partner_commands import add_partner_commands, operator, run_partners
from gateway_app.po_commands import add_po_commands, run_po
from gateway_app.sftp_commands import add_sftp_commands, hash_password_command, run_sftp
from gateway_app.staff_commands import add_staff_commands, run_staff

if TYPE_CHECKING:
    from gateway.runtime import Runtime
    from gateway.settings import Settings


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run", help="API + embedded workers (embedded defaults: SQLite, local ERP sink)"
    )
    run.add_argument("--host", help="address to listen on (default: GATEWAY_HOST, 127.0.0.1)")
    run.add_argument("--port", type=int, help="HTTP port (default: GATEWAY_PORT, 8080)")
    run.add_argument(
        "--demo",
        action="store_true",
        help="demo mode (as GATEWAY_DEMO=1): the demo partner gets the documented key",
    )
    worker = sub.add_parser("worker", help="standalone worker processes on Redis/RabbitMQ")
    worker.add_argument(
        "--processes", type=int, default=1, help="worker processes to start (default 1)"
    )
    worker.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per process (default 4: a worker records a batch of waiting messages per "
        "transaction, so more threads mostly add contention; raise it for a slow ERP, since "
        "each post holds a thread)",
    )
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: migrate to the newest schema")
    messages = sub.add_parser(
        "messages", help="inspect received messages; retry failed ones (after a fix)"
    )
    messages.add_argument("action", choices=["list", "show", "retry", "cancel"], help="what to do")
    messages.add_argument(
        "message_id", nargs="?", help="show, retry, cancel: the message (msg_...)"
    )
    messages.add_argument(
        "--status",
        choices=MESSAGE_STATUSES,
        help="list: only this status; retry: every 'failed' one",
    )
    messages.add_argument("--limit", type=int, default=50, help="list: at most this many")
    messages.add_argument("--reason", help="cancel: why (kept in the audit log)")
    replay = sub.add_parser(
        "replay", help="replay transaction sets with today's maps (prints each event diff)"
    )
    replay.add_argument("transaction_ids", type=int, nargs="*", metavar="TRANSACTION_ID")
    replay.add_argument("--message", metavar="MESSAGE_ID", help="every set of this message")
    replay.add_argument(
        "--repost",
        action="store_true",
        help="an event the ERP already has: post the corrected one as a new event that "
        "supersedes it (refused when nothing was delivered, or the output is the same)",
    )
    replay.add_argument(
        "--force", action="store_true", help="--repost even when the output is the same"
    )
    dead = sub.add_parser("dead-letters", help="list dead deliveries, or retry one or all")
    dead.add_argument("--retry", type=int, metavar="DELIVERY_ID", help="retry this dead delivery")
    dead.add_argument("--retry-all", action="store_true", help="retry every dead delivery")
    dead.add_argument(
        "--limit", type=int, default=100, help="list: at most this many, newest first"
    )
    outbox = sub.add_parser(
        "outbox", help="what we send partners (997/999/TA1): list, or retry a failed item"
    )
    outbox.add_argument("action", choices=["list", "retry"], help="what to do")
    outbox.add_argument("item_id", nargs="?", metavar="ID", help="retry: the item (out_...)")
    outbox.add_argument("--partner", help="list: only this partner's")
    outbox.add_argument(
        "--status",
        choices=["queued", "sent", "acknowledged", "failed"],
        help="list: only items in this state",
    )
    outbox.add_argument("--limit", type=int, default=50, help="list: at most this many")
    add_partner_commands(sub)
    add_staff_commands(sub)
    add_sftp_commands(sub)
    add_po_commands(sub)
    certs = sub.add_parser("certs", help="AS2 certificates in the partner profiles")
    certs.add_argument(
        "action", choices=["list", "expiring"], help="list every one, or those expiring soon"
    )
    certs.add_argument(
        "--days", type=_days, default=30, help="expiring: within this many days (default 30)"
    )


MESSAGE_STATUSES = (
    "received",
    "processed",
    "failed",
    "duplicate",
    "ignored",
    "cancelled",
    "refused",
)
"""``InboundMessage.status``."""

SERVICE_COMMANDS = {
    "run",
    "worker",
    "db",
    "messages",
    "replay",
    "dead-letters",
    "outbox",
    "partners",
    "certs",
    "staff",
    "sftp",
    "po",
}


def dispatch(args: argparse.Namespace) -> int:
    """Heavy imports (SQLAlchemy, Dramatiq, FastAPI) happen here, so ``translate`` stays light."""
    from gateway.masking import mask_secrets
    from gateway.runtime import Runtime
    from gateway.settings import Settings
    from gateway.store.migrate import upgrade

    settings = Settings()
    if args.command == "db":
        upgrade(settings.resolved_database_url())
        print(f"database at {mask_secrets(settings.resolved_database_url())} is up to date")
        return 0
    if args.command == "certs":
        return _certs(settings.partners_dir, args)
    if args.command == "sftp" and args.action == "hash-password":
        return hash_password_command()
    if args.command == "run":
        from gateway_app.server import serve

        if args.demo:
            settings = settings.model_copy(update={"demo": True})
        if settings.demo and not settings.as2_key_secret.get_secret_value():
            settings = settings.model_copy(update={"as2_key_secret": settings.demo_as2_key_secret})
        return serve(settings, host=args.host, port=args.port)
    if args.command == "worker":
        from gateway.workers.run import run_workers
        from gateway_app.pollers import start_sftp_polls
        from gateway_app.senders import build_senders, transport_problems

        run_workers(
            settings,
            args.processes,
            args.threads,
            senders_for=build_senders,
            checks=[transport_problems],
            background=[start_sftp_polls],
        )
        return 0
    settings.require_database()  # only run, worker and db upgrade start a new one
    runtime = Runtime.from_settings(settings)
    try:
        code = _COMMANDS[args.command](runtime, args)
    finally:
        runtime.close()
    if code == 0:  # a failure's one line already says what is wrong
        print(f"gateway: {database_in_use(settings)}", file=sys.stderr)
    return code


def database_in_use(settings: Settings) -> str:
    """Which database a command used, and which rule chose it: run from another folder or with
    another environment, an operator sees at once that it was not the gateway's."""
    from gateway.masking import mask_secrets

    url = mask_secrets(settings.resolved_database_url())
    if settings.database_url:
        return f"database {url} (GATEWAY_DATABASE_URL)"
    return f"database {url} (data directory from {settings.locations.data.source})"


def _certs(partners_dir: Path | None, args: argparse.Namespace) -> int:
    """``certs list``: every AS2 certificate; ``certs expiring --days N``: those expiring within
    N days (exit 1 when there is any, for monitoring)."""
    from gateway.partners import default_partners_dir
    from transports.as2.certificates import inventory

    found, problems = inventory(partners_dir or default_partners_dir())
    if args.action == "expiring":
        found = [c for c in found if c.expires_within(args.days)]
    for c in found:
        window = "".join(
            f"  [{label} {value}]"
            for label, value in (("in use from", c.use_from), ("retired from", c.use_until))
            if value
        )
        print(
            f"{c.not_after:%Y-%m-%d}  {c.partner_id:<24} {c.role:<7} {c.serial[:16]:<16} "
            f"{c.subject}  ({c.path}){window}"
        )
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    if args.action == "expiring":
        print(f"{len(found)} certificate(s) expiring within {args.days} days", file=sys.stderr)
        return 1 if found or problems else 0
    return 1 if problems else 0


def _days(text: str) -> int:
    """``--days``: a whole number of days from today, not negative."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a whole number of days, 0 or more, not {text!r}")
    return int(text)


def _messages(runtime: Runtime, args: argparse.Namespace) -> int:
    if args.action == "retry":
        return _retry_messages(runtime, args)
    if args.action == "cancel":
        return _cancel_message(runtime, args)
    from gateway.queries.messages import list_messages, message_detail

    if args.action == "show":
        if not args.message_id:
            print("usage: gateway messages show MESSAGE_ID", file=sys.stderr)
            return 2
        found = message_detail(runtime.db, args.message_id)
        if found is None:
            print(f"no message {args.message_id!r}", file=sys.stderr)
            return 1
        print(found.model_dump_json(indent=2))
        return 0
    listed = list_messages(runtime.db, status=args.status, limit=args.limit)
    for m in listed:
        print(
            f"{m.id}  {m.received_at:%Y-%m-%d %H:%M:%S}  {m.partner_id or '-':<16} "
            f"{m.transport:<9} {m.status:<10} {m.size:>9} B"
        )
    print(f"{len(listed)} message(s)", file=sys.stderr)  # an empty list is not silence
    return 0


def _cancel_message(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.pipeline.replay import CANCELLABLE, cancel_message

    if not args.message_id or not args.reason:
        print("usage: gateway messages cancel MESSAGE_ID --reason TEXT", file=sys.stderr)
        return 2
    before = cancel_message(runtime.db, args.message_id, "operator:cli", args.reason)
    if before is None:
        print(f"no message {args.message_id!r}", file=sys.stderr)
        return 1
    if before not in CANCELLABLE:
        print(f"message {args.message_id} is {before}: only received or failed ones cancel")
        return 1
    print(f"message {args.message_id} cancelled (was {before})")
    return 0


def _replay(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.pipeline.replay import replay_transaction
    from gateway.queries.messages import transaction_ids

    ids = list(args.transaction_ids)
    if args.message:
        ids += transaction_ids(runtime.db, args.message)
    if not ids:
        print("usage: gateway replay TRANSACTION_ID... | --message MESSAGE_ID", file=sys.stderr)
        return 2
    if args.force and not args.repost:
        print("gateway replay: --force goes with --repost", file=sys.stderr)
        return 2
    if args.repost:
        return _repost(runtime, ids, force=args.force)
    results, missing = [], 0
    with Progress(len(ids), "replayed") as progress:
        for transaction_id in ids:
            try:
                result = replay_transaction(
                    runtime.db, transaction_id, runtime.process_config, actor=operator()
                )
            except KeyError as exc:
                print(str(exc).strip("'\""), file=sys.stderr)
                missing += 1
                progress.advance("missing")
                continue
            _deliver_now(runtime, result.delivery_ids)
            results.append(
                {
                    "transaction_id": transaction_id,
                    "event_id": result.event_id,
                    "changed": result.changed,
                    "diff": result.diff,
                    "message": result.message,
                    "deliveries": result.delivery_ids,
                }
            )
            progress.advance("changed" if result.changed else "unchanged")
    single = len(args.transaction_ids) == 1 and not args.message  # the original one-id output
    shown = results[0] if single and results else results
    if results:
        print(json.dumps(shown, indent=2, default=str))
    return 1 if missing else 0


def _repost(runtime: Runtime, ids: list[int], *, force: bool) -> int:
    """``replay --repost``: a correction per delivered event, delivered in-process; one line per
    refusal (exit 1 when any was refused or missing)."""
    from gateway.pipeline.repost import repost_transaction

    results, refused = [], 0
    for transaction_id in ids:
        try:
            result = repost_transaction(
                runtime.db, transaction_id, runtime.process_config, force=force, actor=operator()
            )
        except KeyError as exc:
            print(str(exc).strip("'\""), file=sys.stderr)
            refused += 1
            continue
        if result.refused:
            print(f"transaction {transaction_id}: not reposted: {result.refused}", file=sys.stderr)
            refused += 1
            continue
        statuses = _deliver_now(runtime, result.delivery_ids, quiet=True)
        print(
            f"transaction {transaction_id}: event {result.event_id} supersedes "
            f"{result.supersedes} ({len(result.diff)} change(s)); delivery: "
            f"{', '.join(statuses) or 'none'}",
            file=sys.stderr,
        )
        results.append(
            {
                "transaction_id": transaction_id,
                "event_id": result.event_id,
                "supersedes": result.supersedes,
                "diff": result.diff,
                "deliveries": result.delivery_ids,
            }
        )
    if results:
        print(json.dumps(results, indent=2, default=str))
    return 1 if refused else 0


def _retry_messages(runtime: Runtime, args: argparse.Namespace) -> int:
    """``messages retry``: failed messages back to processing, in this process, with progress."""
    from gateway.pipeline.process import mark_failed, process
    from gateway.pipeline.replay import retry_message
    from gateway.queries.messages import message_detail, message_ids

    if args.message_id:
        ids = [args.message_id]
        if message_detail(runtime.db, args.message_id) is None:
            print(f"no message {args.message_id!r}", file=sys.stderr)
            return 1
    elif args.status == "failed":
        ids = message_ids(runtime.db, "failed")
    else:
        print("usage: gateway messages retry MESSAGE_ID | --status failed", file=sys.stderr)
        return 2
    with Progress(len(ids), "messages retried") as progress:
        for message_id in ids:
            if not retry_message(runtime.db, message_id, actor=operator()):
                progress.advance("not failed")
                continue
            try:
                outcome = process(runtime.db, message_id, runtime.process_config)
            except Exception as exc:  # still broken: recorded again, visible as before
                mark_failed(runtime.db, message_id, f"{type(exc).__name__}: {exc}")
                progress.advance("failed again")
                continue
            _deliver_now(runtime, outcome.delivery_ids, quiet=True)
            _send_now(runtime, [ref.id for ref in outcome.outbound])
            progress.advance(outcome.status)
    print(progress.summary())
    return 0 if progress.outcomes.keys() <= {"processed", "duplicate", "ignored"} else 1


def _deliver_now(runtime: Runtime, delivery_ids: list[int], *, quiet: bool = False) -> list[str]:
    """From the CLI, deliver in-process (no broker needed); failures stay visible as usual."""
    from gateway.pipeline.deliver import deliver

    statuses = []
    for delivery_id in delivery_ids:
        outcome = deliver(
            runtime.db, delivery_id, runtime.connector, runtime.settings.delivery_max_attempts
        )
        statuses.append(outcome.status)
        if not quiet:
            print(f"delivery {delivery_id}: {outcome.status}", file=sys.stderr)
    return statuses


def _send_now(runtime: Runtime, item_ids: list[str]) -> None:
    """From the CLI, send new outbox items of push transports in-process (no broker needed);
    pull items wait for the partner, failures for the workers' sweep."""
    from gateway.pipeline.send import send_item
    from gateway_app.senders import build_senders

    if not item_ids:
        return
    if not runtime.senders:
        runtime.senders = build_senders(runtime)
    for item_id in item_ids:
        send_item(runtime.db, item_id, runtime.senders, runtime.send_policy)


def _dead_letters(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.pipeline.replay import retry_delivery
    from gateway.queries.deliveries import dead_delivery_ids, dead_letters

    if args.retry is not None:
        if not retry_delivery(runtime.db, args.retry, actor=operator()):
            print(f"delivery {args.retry} not found or already delivered", file=sys.stderr)
            return 1
        _deliver_now(runtime, [args.retry])
        return 0
    if args.retry_all:
        dead = dead_delivery_ids(runtime.db)
        with Progress(len(dead), "dead letters retried") as progress:
            for delivery_id in dead:
                retry_delivery(runtime.db, delivery_id, actor=operator())
                (status,) = _deliver_now(runtime, [delivery_id], quiet=True)
                progress.advance(status)
        print(progress.summary())
        return 0 if set(progress.outcomes) <= {"delivered"} else 1
    letters = dead_letters(runtime.db, limit=args.limit)
    for letter in letters:
        d, e = letter.delivery, letter.event
        print(
            f"{d.id:>6}  {e.id}  {e.type:<18} {e.document_number or '-':<20} "
            f"attempts={d.attempts}  {d.last_error}"
        )
    print(f"{len(letters)} dead letter(s)")
    return 0


def _outbox(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.queries.outbox import list_outbox

    if args.action == "retry":
        return _retry_outbox(runtime, args.item_id)
    items = list_outbox(runtime.db, partner_id=args.partner, status=args.status, limit=args.limit)
    for i in items:
        print(
            f"{i.id}  {i.created_at:%Y-%m-%d %H:%M:%S}  {i.partner_id:<16} {i.kind:<4} "
            f"{i.transport:<6} {i.status:<12} attempts={i.attempts}  {i.last_error or ''}"
        )
    print(f"{len(items)} item(s)")
    return 0


def _retry_outbox(runtime: Runtime, item_id: str | None) -> int:
    """Back to ``queued``; a push item is sent now, in this process (its later retries, if it
    fails again, are the workers': their sweep finds it)."""
    from gateway.pipeline.outbox import RETRYABLE, retry_item
    from gateway.pipeline.send import send_item
    from gateway_app.senders import build_senders

    if not item_id:
        print("usage: gateway outbox retry ID", file=sys.stderr)
        return 2
    before = retry_item(runtime.db, item_id, "operator:cli")
    if before is None:
        print(f"no outbox item {item_id!r}", file=sys.stderr)
        return 1
    if before not in RETRYABLE:
        print(f"outbox item {item_id} is {before}: only failed or sent ones are retried")
        return 1
    if not runtime.senders:
        runtime.senders = build_senders(runtime)
    outcome = send_item(runtime.db, item_id, runtime.senders, runtime.send_policy)
    shown = "queued (the partner fetches it)" if outcome.status == "held" else outcome.status
    print(f"outbox item {item_id}: {shown}" + (f" ({outcome.error})" if outcome.error else ""))
    return 1 if outcome.status == "failed" else 0


_COMMANDS = {
    "messages": _messages,
    "replay": _replay,
    "dead-letters": _dead_letters,
    "outbox": _outbox,
    "partners": run_partners,
    "staff": run_staff,
    "sftp": run_sftp,
    "po": run_po,
}
