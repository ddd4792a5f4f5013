"""``gateway staff ...``: staff accounts, roles and personal API tokens (``gateway.staff``).

Passwords are never arguments (they would sit in the shell history and the process list): asked
on a terminal, else the first line of standard input, or of ``--password-file``. A token is
printed once; only its hash is kept. Refusals are one line on standard error and exit status 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.staff.roles import DESCRIPTIONS, ROLES
from gateway_app.partner_commands import operator

if TYPE_CHECKING:
    from gateway.runtime import Runtime
    from gateway.staff.accounts import StaffAccounts

EXIT_OK, EXIT_REFUSED = 0, 1


def add_staff_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    roles = "; ".join(f"{role}: {DESCRIPTIONS[role]}" for role in ROLES)
    staff = sub.add_parser("staff", help="staff accounts, roles and API tokens (console, /ops)")
    actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="a new staff member", description=f"Roles: {roles}.")
    add.add_argument("username", metavar="USER")
    add.add_argument("--role", required=True, choices=ROLES, help="what the account may do")
    _password_flag(add)
    actions.add_parser("list", help="every staff member: role, state, last login, tokens")
    disable = actions.add_parser("disable", help="end a member's sessions and tokens, keep them")
    disable.add_argument("username", metavar="USER")
    enable = actions.add_parser("enable", help="enable a disabled member with a new password")
    enable.add_argument("username", metavar="USER")
    _password_flag(enable)
    password = actions.add_parser("password", help="set a member's password")
    password.add_argument("username", metavar="USER")
    _password_flag(password)
    role = actions.add_parser("role", help="change a member's role (ends their sessions)")
    role.add_argument("username", metavar="USER")
    role.add_argument("role", choices=ROLES)
    token = actions.add_parser("token", help="a personal API token for /ops, printed once")
    token.add_argument("username", metavar="USER")
    tokens = actions.add_parser("tokens", help="a member's tokens: prefix, created, last used")
    tokens.add_argument("username", metavar="USER")
    revoke = actions.add_parser("revoke-token", help="revoke a member's token by its prefix")
    revoke.add_argument("username", metavar="USER")
    revoke.add_argument("prefix", metavar="PREFIX")


def _password_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-file",
        type=Path,
        help="read the password from this file's first line (else asked, or standard input)",
    )


def read_password(args: argparse.Namespace) -> str:
    if args.password_file is not None:
        lines = args.password_file.read_text().splitlines()
        return lines[0] if lines else ""
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_staff(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.staff.accounts import StaffAccounts, StaffRefused

    accounts = StaffAccounts(runtime.db)
    try:
        return _run(accounts, args)
    except (StaffRefused, ValueError, OSError, IndexError) as exc:
        print(f"gateway staff: {exc}", file=sys.stderr)
        return EXIT_REFUSED


def _run(accounts: StaffAccounts, args: argparse.Namespace) -> int:
    actor, action, name = operator(), args.action, getattr(args, "username", "")
    if action == "add":
        member = accounts.add(name, args.role, read_password(args), actor=actor)
        print(f"{member.username} added ({member.role})")
    elif action == "list":
        for m in accounts.members():
            state = "disabled" if m.disabled else "enabled"
            last = f"{m.last_login_at:%Y-%m-%d %H:%M}" if m.last_login_at else "never"
            print(
                f"{m.username:<24} {m.role:<12} {state:<9} last login {last:<16} tokens {m.tokens}"
            )
    elif action == "disable":
        accounts.disable(name, actor=actor)
        print(f"{name} disabled: sessions ended, tokens revoked")
    elif action == "enable":
        accounts.enable(name, read_password(args), actor=actor)
        print(f"{name} enabled")
    elif action == "password":
        accounts.set_password(name, read_password(args), actor=actor)
        print(f"{name}: password changed")
    elif action == "role":
        accounts.set_role(name, args.role, actor=actor)
        print(f"{name} is now {args.role}")
    elif action == "token":
        print(accounts.issue_token(name, actor=actor))
        print("shown once: keep it in a secret store", file=sys.stderr)
    elif action == "tokens":
        if accounts.member(name) is None:
            print(f"gateway staff: no staff member {name!r}", file=sys.stderr)
            return EXIT_REFUSED
        for t in accounts.tokens(name):
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            state = "revoked" if t.revoked else "active"
            print(f"{t.prefix:<12} created {t.created_at:%Y-%m-%d %H:%M}  used {used:<16} {state}")
    elif action == "revoke-token":
        if not accounts.revoke_token(name, args.prefix, actor=actor):
            print(f"gateway staff: {name} has no active token {args.prefix!r}", file=sys.stderr)
            return EXIT_REFUSED
        print(f"{name}: token {args.prefix} revoked")
    return EXIT_OK
