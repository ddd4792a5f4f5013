"""``gateway sftp ...``: the hosted SFTP server's accounts as it saw them, and password hashes
for profiles (``transports.sftp``)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.runtime import Runtime

COLUMNS = (
    ("partner_id", "partner"),
    ("username", "user"),
    ("status", "status"),
    ("last_login_at", "last login"),
    ("files_received", "files"),
    ("auth_failures", "auth fail"),
    ("quota_failures", "quota"),
    ("traversal_failures", "traversal"),
    ("last_failure", "last failure"),
)


def add_sftp_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sftp = sub.add_parser(
        "sftp", help="SFTP: hosted accounts, password hashes, polls of suppliers' servers"
    )
    actions = sftp.add_subparsers(dest="action", required=True)
    accounts = actions.add_parser(
        "accounts", help="every hosted account: last login, files, refusals"
    )
    accounts.add_argument("--json", action="store_true", help="one JSON document")
    polls = actions.add_parser(
        "polls", help="suppliers' servers we poll: last poll, files seen and taken, errors"
    )
    polls.add_argument("--json", action="store_true", help="one JSON document")
    poll = actions.add_parser("poll", help="poll one partner's server now (lease permitting)")
    poll.add_argument("partner_id", metavar="ID")
    actions.add_parser(
        "hash-password",
        help="read a password (prompt, or one line on stdin) and print its password_hash",
    )


def hash_password_command() -> int:
    """No database needed: a profile's ``password_hash`` from a password typed or piped in."""
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("gateway sftp hash-password: the two differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    from transports.sftp.accounts import hash_password

    if len(password) < 12:
        print("gateway sftp hash-password: use 12 characters or more", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


POLL_COLUMNS = (
    ("partner_id", "partner"),
    ("server", "server"),
    ("last_poll_at", "last poll"),
    ("last_ok_at", "last ok"),
    ("polls", "polls"),
    ("files_seen", "seen"),
    ("files_taken", "taken"),
    ("errors", "errors"),
    ("last_error_kind", "kind"),
    ("last_error", "last error"),
)


def run_sftp(runtime: Runtime, args: argparse.Namespace) -> int:
    if args.action == "polls":
        return _polls(runtime, args)
    if args.action == "poll":
        return _poll(runtime, args.partner_id)
    from transports.sftp.ops import account_rows

    rows = account_rows(runtime.db, runtime.settings.partners_dir)
    if args.json:
        print(json.dumps({"accounts": rows}, indent=2))
        return 0
    if not rows:
        print("no hosted SFTP accounts (transports.sftp, mode hosted, enabled: true)")
        return 0
    _table(COLUMNS, rows)
    return 0


def _polls(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.queries.sftp_polls import poll_rows
    from transports.sftp.poller import polled_servers

    assert runtime.settings.partners_dir is not None
    rows = poll_rows(runtime.db, polled_servers(runtime.settings.partners_dir))
    if args.json:
        print(json.dumps({"polls": rows}, indent=2))
    elif not rows:
        print("no polled SFTP servers (transports.sftp, mode remote, enabled: true)")
    else:
        _table(POLL_COLUMNS, rows)
    return 0


def _poll(runtime: Runtime, partner_id: str) -> int:
    """Stored files are processed by the workers: enqueued on a real broker, else picked up by
    the sweep of ``gateway run``."""
    from gateway.errors import ConfigurationError
    from gateway_app.pollers import poll_now

    enqueue = _enqueue_for(runtime)
    try:
        outcome = poll_now(runtime, enqueue, partner_id)
    except ConfigurationError as exc:
        print(f"gateway sftp poll: {exc}", file=sys.stderr)
        return 2
    if not outcome.ran:
        print(f"{partner_id}: another worker is polling it now; try again shortly")
        return 1
    print(f"{partner_id}: {outcome.seen} file(s) seen, {outcome.taken} taken")
    if outcome.error_kind:
        print(f"{partner_id}: {outcome.error_kind}: {outcome.error}", file=sys.stderr)
        return 1
    return 0


def _enqueue_for(runtime: Runtime) -> Callable[[str], None]:
    if runtime.settings.broker in ("embedded", "stub"):
        return lambda _message_id: None  # the sweep of `gateway run` finds it stored
    from gateway.workers.actors import build_actors
    from gateway.workers.broker import make_broker

    actors = build_actors(make_broker(runtime.settings), runtime, runtime.settings.queue_prefix)
    return actors.enqueue_process


def _table(columns: tuple[tuple[str, str], ...], rows: list[dict[str, Any]]) -> None:
    table = [[label for _, label in columns]]
    table += [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def _cell(value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text[:19].replace("T", " ") if text[:4].isdigit() and "T" in text[:11] else text[:60]
