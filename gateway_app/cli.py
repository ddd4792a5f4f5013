"""``gateway`` command line. ``translate`` is the onboarding check and our test harness.

Exit codes: 0 every transaction accepted, 1 anything rejected or an interchange failed, 2 usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from gateway.errors import ConfigurationError
from gateway.locations import Locations
from gateway.mapping.loader import check_maps
from gateway.memory import tune_malloc
from gateway.onboarding.templates import check_templates
from gateway.partners import check_partners, gateway_ids, load_partner
from gateway.pipeline.translate import TranslateOptions, translate_stream
from gateway.settings import Settings
from gateway.x12.acks.reply_envelope import AckOptions
from gateway.x12.identities import EnvelopeId
from gateway.x12.limits import Limits
from gateway.x12.validate import ValidationPolicy
from gateway_app.commands import SERVICE_COMMANDS, add_commands, dispatch
from gateway_app.translate_output import StreamingJson

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class Refused(Exception):
    """A value the user gave is wrong: its one line is printed, exit 1."""


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line (the usage is one ``--help`` away), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="gateway", description="Supplier collaboration gateway"
    )
    parser.add_argument(
        "--version", action="version", version=f"gateway {_version()}", help="print the version"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("translate", help="translate an X12 file into canonical events and acks")
    tr.add_argument("path", type=Path, help="X12 file, or - for standard input")
    tr.add_argument("--partner", dest="partner_id", help="partner id (selects its map overrides)")
    _add_dir_flags(tr)
    tr.add_argument("--ack", choices=["auto", "997", "999", "none"], help="default: the profile's")
    tr.add_argument(
        "--ta1",
        choices=["on_request", "always", "on_error"],
        help="when to answer with a TA1 (default: the profile's; on_request: ISA14=1)",
    )
    tr.add_argument(
        "--segment-order",
        choices=["strict", "tolerant"],
        help="segments out of the set's order: rejected (strict) or noted (tolerant); "
        "default: the profile's",
    )
    tr.add_argument("--indent", type=int, default=2, help="JSON indent (0 for one line)")
    check = sub.add_parser("check-config", help="validate every partner profile and map file")
    _add_dir_flags(check)
    add_commands(sub)
    return parser


def _add_dir_flags(parser: argparse.ArgumentParser) -> None:
    """The order that applies without them: ``gateway/locations.py``."""
    parser.add_argument(
        "--maps",
        dest="maps_dir",
        type=Path,
        help="default: $GATEWAY_MAPS_DIR, <home>/maps, packaged",
    )
    parser.add_argument(
        "--partners",
        dest="partners_dir",
        type=Path,
        help="partner profiles; default: $GATEWAY_PARTNERS_DIR, <home>/partners, packaged demo",
    )


def _locate(args: argparse.Namespace) -> Locations:
    """``--partners``/``--maps``, else the directories ``Settings`` chose (``gateway.locations``)."""
    from gateway.settings import Settings

    found = Settings().locations.with_flags(args.partners_dir, args.maps_dir)
    args.partners_dir, args.maps_dir = found.partners.path, found.maps.path
    return found


def _options(args: argparse.Namespace) -> TranslateOptions:
    """Profile settings first, then what the command line overrides."""
    profile = None
    if args.partner_id:
        try:
            profile = load_partner(args.partner_id, args.partners_dir)
        except ConfigurationError as exc:  # an unknown partner is a mistake, not "defaults"
            raise Refused(f"gateway translate: {exc.message}") from None
    policy = profile.policy() if profile else ValidationPolicy()
    if args.segment_order:
        policy = replace(policy, segment_order=args.segment_order)
    return TranslateOptions(
        partner_id=args.partner_id,
        maps_dir=args.maps_dir,
        ack=args.ack or (profile.x12.ack.kind if profile else "auto"),
        ta1=args.ta1 or (profile.x12.ack.ta1 if profile else "on_request"),
        policy=policy,
        ack_options=profile.ack_options() if profile else AckOptions(),
        # The partner's sender ids are checked as the running gateway checks them.
        identities=profile.expected_identities(_our_ids()) if profile else None,
        limits=_limits(),
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("supplier-gateway")
    except PackageNotFoundError:  # run from a checkout without installing
        from gateway import __version__

        return __version__


def _our_ids() -> tuple[EnvelopeId, ...]:
    """The gateway's own ids, from ``GATEWAY_OUR_IDS`` (or ``.env``) as ``gateway run`` reads them."""
    try:
        return gateway_ids(Settings().our_identities())
    except ValidationError as exc:
        raise ConfigurationError(f"settings: {exc.errors()[0]['msg']}") from None


def _limits() -> Limits:
    """``GATEWAY_MAX_*`` settings (gateway/x12/limits.py): the same caps as the workers'."""
    try:
        return Settings().limits()
    except ValidationError as exc:
        raise ConfigurationError(str(exc)) from None


def _check_config(args: argparse.Namespace) -> int:
    found = _locate(args)
    print(f"partners: {found.partners}\nmaps:     {found.maps}")
    problems = [f"maps/{p}" for p in check_maps(args.maps_dir)]
    problems += [f"partners/{p}" for p in check_partners(args.partners_dir, _our_ids())]
    problems += [f"partners/{p}" for p in _unknown_outbound(args.partners_dir)]
    problems += [f"partners/{p}" for p in _as2_files(args.partners_dir)]
    problems += [f"partners/{p}" for p in check_templates(args.partners_dir)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"gateway check-config: {len(problems)} problem(s)")
    return EXIT_REJECTED if problems else EXIT_OK


def _unknown_outbound(partners_dir: Path) -> list[str]:
    from gateway_app.senders import transport_problems  # imports the transports

    return transport_problems(partners_dir) if partners_dir.is_dir() else []


def _as2_files(partners_dir: Path) -> list[str]:
    """AS2 certificates and our keys readable, ours decrypting with ``GATEWAY_AS2_KEY_SECRET``."""
    from transports.as2.certificates import check_files

    try:
        secret = Settings().as2_key_secret.get_secret_value()
    except ValidationError as exc:
        raise ConfigurationError(f"settings: {exc.errors()[0]['msg']}") from None
    return check_files(partners_dir, secret) if partners_dir.is_dir() else []


def _translate(args: argparse.Namespace) -> int:
    if str(args.path) != "-" and not args.path.is_file():
        print(f"gateway translate: no such file: {args.path}", file=sys.stderr)
        return EXIT_USAGE
    _locate(args)
    options = _options(args)
    writer = StreamingJson(sys.stdout, args.indent or None)
    if str(args.path) == "-":
        result = translate_stream(
            sys.stdin.buffer, on_event=writer.event, options=options, json_sink=writer
        )
    else:
        with args.path.open("rb") as stream:
            result = translate_stream(
                stream, on_event=writer.event, options=options, json_sink=writer
            )
    writer.close(
        {
            "acknowledgments": result.acknowledgments,
            "errors": result.errors,
            "warnings": result.warnings,
        }
    )
    return EXIT_OK if result.ok else EXIT_REJECTED


def main(argv: Sequence[str] | None = None) -> int:
    tune_malloc()  # before any large document is read (gateway.memory)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        if args.command == "check-config":
            return _check_config(args)
        if args.command in SERVICE_COMMANDS:
            return dispatch(args)
        return _translate(args)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return EXIT_REJECTED
    except ConfigurationError as exc:
        print(f"gateway: configuration error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `gateway translate ... | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OverflowError:  # an id past the database's integer range names nothing there
        print(
            f"gateway {args.command}: a number is out of range: nothing has that id",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    except KeyboardInterrupt:
        print("gateway: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback: one line, the details on request
        if os.environ.get("GATEWAY_DEBUG"):
            raise
        from gateway.masking import mask_secrets

        detail = mask_secrets(" ".join(str(exc).split()))[:300]
        print(
            f"gateway {args.command}: failed: {type(exc).__name__}: {detail} "
            "(GATEWAY_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
