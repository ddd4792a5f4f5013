"""``gateway partners ...``: onboarding, the lifecycle and API keys, over ``gateway.onboarding``.

Every refusal is one line per problem on standard error and exit status 1 (2 for usage), never
a traceback: an unknown partner, a template or value that does not fit, a go-live the
certification does not allow yet.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.partners import STATUSES
from gateway_app.trial_command import add_test_command, run_test

if TYPE_CHECKING:
    from gateway.onboarding.new import Problem
    from gateway.onboarding.templates import Template
    from gateway.onboarding.views import PartnerDetail
    from gateway.partners import PartnerProfile
    from gateway.runtime import Runtime

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def add_partner_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    partners = sub.add_parser("partners", help="partners: onboarding, lifecycle, API keys")
    actions = partners.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("sync", help="load every profile into the database")
    actions.add_parser("list", help="every partner: status, keys, certification")
    actions.add_parser("templates", help="the onboarding templates and what each asks for")
    show = actions.add_parser("show", help="one partner: checklist, keys, history")
    show.add_argument("partner_id", metavar="ID")
    show.add_argument("--sheet", action="store_true", help="print its onboarding sheet")
    show.add_argument("--json", action="store_true", help="the operator API's JSON")
    new = actions.add_parser("new", help="a new partner from a template (asks on a terminal)")
    new.add_argument("partner_id", metavar="ID")
    new.add_argument("--template", help="see `gateway partners templates`")
    new.add_argument(
        "--set",
        dest="values",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a placeholder's value (ISA_ID=ACME); repeat for each",
    )
    new.add_argument(
        "--key-file", type=Path, help="write the API key to this file (mode 600), not the screen"
    )
    new.add_argument(
        "--sftp-key-file",
        type=Path,
        help="hosted SFTP without SFTP_PUBLIC_KEY: where the key pair made for them goes "
        "(default ./ID_sftp_ed25519, mode 600; .pub beside it)",
    )
    promote = actions.add_parser("promote", help="change a partner's status (audited)")
    promote.add_argument("partner_id", metavar="ID")
    promote.add_argument(
        "--to", required=True, choices=STATUSES, help="the lifecycle status to move the partner to"
    )
    promote.add_argument("--reason", help="why (kept in the audit log)")
    promote.add_argument(
        "--override",
        action="store_true",
        help="go live with the certification incomplete (needs --reason)",
    )
    issue = actions.add_parser("issue-key", help="one more API key (the others keep working)")
    issue.add_argument("partner_id", metavar="ID")
    keys = actions.add_parser("keys", help="a partner's API keys: prefix, created, last used")
    keys.add_argument("partner_id", metavar="ID")
    revoke = actions.add_parser("revoke-key", help="revoke one API key by its prefix")
    revoke.add_argument("partner_id", metavar="ID")
    revoke.add_argument("prefix", metavar="PREFIX")
    add_test_command(actions)


def run_partners(runtime: Runtime, args: argparse.Namespace) -> int:
    return _ACTIONS[args.action](runtime, args)


def operator() -> str:
    """Who runs the command, for the audit log."""
    try:
        return f"operator:cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "operator:cli"


def _fail(message: str, code: int = EXIT_REFUSED) -> int:
    print(f"gateway partners: {message}", file=sys.stderr)
    return code


def _sync(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.partner_store import sync_partners

    config = runtime.process_config
    problems = sync_partners(runtime.db, config.partners_dir, config.our_ids)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        _record_map_versions(runtime)
    return EXIT_REFUSED if problems else EXIT_OK


def _record_map_versions(runtime: Runtime) -> None:
    """Keep the map versions just synced in the history (``gateway partners test`` compares)."""
    from gateway.live.history import record_map_versions
    from gateway.live.snapshot import read_snapshot

    config = runtime.process_config
    assert config.partners_dir is not None and config.maps_dir is not None
    snapshot, _ = read_snapshot(config.partners_dir, config.maps_dir, config.our_ids)
    if snapshot is not None:
        record_map_versions(runtime.db, snapshot)


def _list(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.onboarding.views import list_partners

    for p in list_partners(runtime.db, _partners_dir(runtime)):
        certified = {True: "certified", False: "not certified", None: "-"}[p.certified]
        print(f"{p.id:<24} {p.status:<10} {p.keys} key(s)  {certified:<14} {p.name}")
    return EXIT_OK


def _templates(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.onboarding.templates import list_templates

    for template in list_templates(_partners_dir(runtime)):
        asks = " ".join(p for p in template.placeholders if p != "PARTNER_ID")
        print(f"{template.name:<22} {template.description}\n{'':<22} asks: {asks}")
    return EXIT_OK


def _show(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.onboarding.views import partner_detail

    found = partner_detail(runtime.db, runtime.keys, _partners_dir(runtime), args.partner_id)
    if found is None:
        return _fail(f"no partner {args.partner_id!r}")
    if args.json:
        print(found.model_dump_json(indent=2))
    elif args.sheet:
        return _print_sheet(runtime, args.partner_id, found)
    else:
        print(_describe(found))
    return EXIT_OK


def _print_sheet(runtime: Runtime, partner_id: str, found: PartnerDetail) -> int:
    from gateway.errors import ConfigurationError
    from gateway.partners import read_profile

    try:
        profile = read_profile(partner_id, _partners_dir(runtime))
    except ConfigurationError as exc:
        return _fail(exc.message)
    prefix = found.key_list[-1].prefix if found.key_list else None
    print(_sheet(runtime, profile, prefix))
    return EXIT_OK


def _describe(p: PartnerDetail) -> str:
    passed = sum(item.passed for item in p.checklist)
    lines = [
        f"{p.id}  {p.name}",
        f"status:      {p.status}"
        + (
            f" (profile: {p.profile_status})"
            if p.profile_status and p.profile_status != p.status
            else ""
        ),
        f"sender ids:  {', '.join(p.sender_ids)}",
        f"transports:  {', '.join(p.transports) or '-'}",
        f"test files:  {p.test_indicator or '-'} once live (test_indicator)",
        f"certification: {passed}/{len(p.checklist)} passed"
        + (" (complete)" if p.certified else ""),
    ]
    for item in p.checklist:
        mark = "x" if item.passed else " "
        label = f"{item.document} {item.version or ''}".strip()
        lines.append(f"  [{mark}] {label:<20} {' '.join(item.message_ids)}")
    lines.append(f"keys ({len(p.key_list)}):")
    lines += [
        f"  {k.prefix}...  created {k.created_at:%Y-%m-%d %H:%M}  last used "
        f"{k.last_used_at.strftime('%Y-%m-%d %H:%M') if k.last_used_at else 'never'}"
        for k in p.key_list
    ]
    lines.append("history:")
    for h in p.history:
        why = h.detail.get("reason") or ""
        change = (
            f"{h.detail.get('from')} -> {h.detail.get('to')}"
            if h.action == "partner.status"
            else ""
        )
        lines.append(
            f"  {h.at:%Y-%m-%d %H:%M:%S}  {h.action:<20} {h.actor}  {change}  {why}".rstrip()
        )
    return "\n".join(lines)


def _new(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.onboarding.new import OnboardingRefused, create, prepare
    from gateway.onboarding.templates import find_template, list_templates

    root = _partners_dir(runtime)
    values, problems = _parse_values(args.values)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if args.template is None:
        if not interactive:
            return _fail("new: --template NAME is required (see `gateway partners templates`)", 2)
        names = ", ".join(t.name for t in list_templates(root))
        args.template = input(f"template ({names}): ").strip()
    template = find_template(root, args.template)
    if interactive and template is not None:
        values.update(_ask(template, args.partner_id, values))
    wants_key = template is not None and "SFTP_PUBLIC_KEY" in template.placeholders
    sftp_pair = None
    if wants_key and not values.get("SFTP_PUBLIC_KEY", "").strip():
        sftp_pair = sftp_key_pair(f"{args.partner_id} sftp")
        values["SFTP_PUBLIC_KEY"] = sftp_pair[1]
        args.sftp_key_file = args.sftp_key_file or Path(f"{args.partner_id}_sftp_ed25519")
        if args.sftp_key_file.exists():
            return _fail(f"new: {args.sftp_key_file} exists: give --sftp-key-file", 2)
    try:
        prepared = prepare(
            args.partner_id,
            args.template,
            values,
            partners_dir=root,
            our_ids=runtime.process_config.our_ids,
            db=runtime.db,
            as2_id=runtime.settings.as2_id,
            as2_key_secret=runtime.settings.as2_key_secret.get_secret_value(),
        )
        if problems:  # the --set syntax: reported with prepare's, all at once
            raise OnboardingRefused([])
        created = create(runtime.db, runtime.keys, prepared, actor=operator())
    except OnboardingRefused as exc:
        every: list[Problem] = problems + exc.problems
        print(f"gateway partners new: {len(every)} problem(s), nothing created:", file=sys.stderr)
        for problem in every:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_REFUSED
    prefix = created.api_key[:10] if created.api_key else None
    print(_sheet(runtime, created.profile, prefix))
    print(f"profile written: {created.path} (status {created.profile.status})")
    if created.api_key is not None:
        if args.key_file is not None:
            _write_secret(args.key_file, created.api_key)
            print(f"API key ({prefix}...) written to {args.key_file}; send it separately")
        else:
            print(f"API key (shown once; send it separately): {created.api_key}")
    if sftp_pair is not None:
        _write_key_pair(args.sftp_key_file, *sftp_pair)
    return EXIT_OK


def _write_key_pair(path: Path, private: str, public: str) -> None:
    _write_secret(path, private.rstrip("\n"))
    path.with_name(path.name + ".pub").write_text(public + "\n")
    print(f"SFTP key pair made for them: {path} (private: send it separately, then delete it")
    print(f"here) and {path.name}.pub (in their profile's authorized_keys)")


def sftp_key_pair(comment: str) -> tuple[str, str]:
    """A new Ed25519 key pair for a hosted SFTP account: (private key in OpenSSH format, public
    key line)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return private, f"{public.decode()} {comment}"


def _parse_values(items: list[str]) -> tuple[dict[str, str], list[Problem]]:
    from gateway.onboarding.new import Problem

    values: dict[str, str] = {}
    problems: list[Problem] = []
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name:
            problems.append(Problem(f"--set {item}: write NAME=VALUE"))
        elif name != name.upper():
            problems.append(
                Problem(f"--set {item}: placeholder names are upper-case ({name.upper()})")
            )
        else:
            values[name] = value
    return values, problems


def _ask(template: Template, partner_id: str, values: dict[str, str]) -> dict[str, str]:
    """Ask on the terminal for each placeholder not given (Enter takes the default)."""
    from gateway.onboarding.new import answers
    from gateway.onboarding.templates import PLACEHOLDERS

    asked: dict[str, str] = {}
    for name in template.placeholders:
        if name == "PARTNER_ID" or name in values:
            continue
        spec = PLACEHOLDERS.get(name)
        default = answers(template, partner_id, {}).get(name)
        question = spec.question if spec else name
        answer = input(f"{question} [{name}]" + (f" ({default})" if default else "") + ": ")
        if answer.strip():
            asked[name] = answer.strip()
    return asked


def _write_secret(path: Path, secret: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")


def _promote(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.lifecycle import TransitionRefused, promote

    if args.override and not (args.reason or "").strip():
        return _fail("promote: --override needs --reason TEXT", EXIT_USAGE)
    try:
        done = promote(
            runtime.db,
            args.partner_id,
            args.to,
            actor=operator(),
            reason=args.reason,
            override=args.override,
            partners_dir=_partners_dir(runtime),
        )
    except TransitionRefused as exc:
        return _fail(str(exc))
    how = " (certification overridden)" if done.overridden else ""
    if done.checklist is not None and not done.overridden:
        how = " (certification complete)"
    print(f"{done.partner_id}: {done.before} -> {done.after}{how}")
    return EXIT_OK


def _issue_key(runtime: Runtime, args: argparse.Namespace) -> int:
    code = _sync(runtime, args)
    try:
        print(runtime.keys.issue(args.partner_id, actor=operator()))
    except KeyError:
        return _fail(f"no partner {args.partner_id!r}")
    return code


def _keys(runtime: Runtime, args: argparse.Namespace) -> int:
    if not _exists(runtime, args.partner_id):
        return _fail(f"no partner {args.partner_id!r}")
    for key in runtime.keys.keys(args.partner_id):
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        print(f"{key.prefix}...  created {key.created_at:%Y-%m-%d %H:%M}  last used {used}")
    return EXIT_OK


def _revoke_key(runtime: Runtime, args: argparse.Namespace) -> int:
    if not _exists(runtime, args.partner_id):
        return _fail(f"no partner {args.partner_id!r}")
    found = runtime.keys.revoke(args.partner_id, args.prefix, actor=operator())
    if found == 0:
        return _fail(f"partner {args.partner_id} has no key starting {args.prefix!r}")
    if found > 1:
        return _fail(f"{found} keys of {args.partner_id} start {args.prefix!r}: give more of it")
    print(f"{args.partner_id}: key {args.prefix}... revoked")
    return EXIT_OK


def _exists(runtime: Runtime, partner_id: str) -> bool:
    from gateway.store.models import Partner

    with runtime.db.sessions() as session:
        return session.get(Partner, partner_id) is not None


def _partners_dir(runtime: Runtime) -> Path:
    from gateway.partners import default_partners_dir

    return runtime.process_config.partners_dir or default_partners_dir()


def _sheet(runtime: Runtime, profile: PartnerProfile, prefix: str | None) -> str:
    from gateway.onboarding.sheet import onboarding_sheet, sftp_endpoint

    settings = runtime.settings
    return onboarding_sheet(
        profile,
        base_url=settings.base_url(),
        our_ids=runtime.process_config.our_ids,
        key_prefix=prefix,
        sftp=sftp_endpoint(settings.resolved_data_dir(), settings.sftp_address()),
        partners_dir=_partners_dir(runtime),
        as2_id=runtime.settings.as2_id,
    )


_ACTIONS = {
    "sync": _sync,
    "test": run_test,
    "list": _list,
    "templates": _templates,
    "show": _show,
    "new": _new,
    "promote": _promote,
    "issue-key": _issue_key,
    "keys": _keys,
    "revoke-key": _revoke_key,
}
