"""``gateway partners test ID FILE``: what partner ID's file gives with today's profile and maps,
and how that differs from the previous map version (``gateway.live.trial``). Stores nothing.

Standard output: the canonical output as JSON, then a ``#`` line saying what it is compared
with, then the unified diff. Exit 0 when every set was translated, 1 when anything was rejected
(why, in words, on standard error), 2 when the profiles and maps as they are cannot be used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.runtime import Runtime

EXIT_OK, EXIT_REJECTED, EXIT_CONFIG = 0, 1, 2


def add_test_command(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    test = actions.add_parser(
        "test",
        help="translate FILE as partner ID's today (nothing stored); diff with its previous maps",
    )
    test.add_argument("partner_id", metavar="ID")
    test.add_argument("file", type=Path, metavar="FILE")


def run_test(runtime: Runtime, args: argparse.Namespace) -> int:
    from gateway.live.trial import trial
    from gateway_app.senders import unknown_outbound

    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"gateway partners test: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_CONFIG
    found = trial(raw, args.partner_id, runtime.process_config, runtime.db, (unknown_outbound,))
    if found.problems:
        for problem in found.problems:
            print(problem, file=sys.stderr)
        print(
            f"gateway partners test: {len(found.problems)} problem(s) in the profiles and maps: "
            "a running gateway would refuse them and keep its previous version",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    print(json.dumps(found.output, indent=2, ensure_ascii=False))
    version = found.output["map_version"]
    if found.previous is None:
        print(
            f"# no previous map version of {args.partner_id} in the history (only {version}): "
            "nothing to compare with"
        )
    elif not found.diff:
        print(f"# same output as the previous map version {found.previous.version}")
    else:
        print(
            f"# compared with the previous map version {found.previous.version} (first seen "
            f"{found.previous.first_seen_at:%Y-%m-%d %H:%M:%S}):"
        )
        print("\n".join(found.diff))
    if found.accepted:
        return EXIT_OK
    errors = found.output["errors"]
    first = errors[0].get("message", "") if errors and isinstance(errors[0], dict) else ""
    print(
        f"gateway partners test: rejected: {len(errors)} error(s)"
        + (f"; first: {first}" if first else ""),
        file=sys.stderr,
    )
    return EXIT_REJECTED
