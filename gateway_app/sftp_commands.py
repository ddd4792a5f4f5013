"""``gateway sftp ...``: the hosted SFTP server's accounts as it saw them, and password hashes
for profiles (``transports.sftp``)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

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
    sftp = sub.add_parser("sftp", help="hosted SFTP: accounts, password hashes")
    actions = sftp.add_subparsers(dest="action", required=True)
    accounts = actions.add_parser(
        "accounts", help="every hosted account: last login, files, refusals"
    )
    accounts.add_argument("--json", action="store_true", help="one JSON document")
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


def run_sftp(runtime: Runtime, args: argparse.Namespace) -> int:
    from transports.sftp.ops import account_rows

    rows = account_rows(runtime.db, runtime.settings.partners_dir)
    if args.json:
        print(json.dumps({"accounts": rows}, indent=2))
        return 0
    if not rows:
        print("no hosted SFTP accounts (transports.sftp, mode hosted, enabled: true)")
        return 0
    table = [[label for _, label in COLUMNS]]
    table += [[_cell(row.get(key)) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    return 0


def _cell(value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text[:19].replace("T", " ") if text[:4].isdigit() and "T" in text[:11] else text[:60]
