"""Times this project's own X12 stages; run it with the project venv's python.

``python bench/our_runner.py ours-read|ours-validate|ours-translate FILE [--reps N] [--budget S]``
prints one JSON line (see ``runner_common``). Each mode streams the file from an open binary file
object, as the gateway does in production, with the per-document counts and time budget of
``gateway.x12.limits`` lifted: the 200 MB file holds 88,570 ship notices, and a throughput
benchmark must read them all (the per-set limits stay as they are).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner_common import Contender, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.x12.limits import Limits  # after the path above

UNLIMITED = 10**12
LIMITS = Limits(
    max_transactions_per_document=UNLIMITED,
    max_groups_per_document=UNLIMITED,
    max_interchanges_per_document=UNLIMITED,
    max_seconds_per_document=UNLIMITED,
)


def read_contender() -> Contender:
    """``gateway.x12.reader.iter_segments``: tokenize every segment, nothing else."""
    from gateway.x12.reader import iter_segments

    def parse(path: str) -> int:
        count = 0
        with open(path, "rb") as fh:
            for _segment in iter_segments(fh, limits=LIMITS):
                count += 1
        return count

    return Contender(parse, lambda count: {"segments": count})


def validate_contender() -> Contender:
    """``gateway.pipeline.translate.validate_stream``: reader plus envelope, structure and element
    validation of every transaction set."""
    from gateway.pipeline.translate import validate_stream

    def parse(path: str) -> Any:
        with open(path, "rb") as fh:
            return validate_stream(fh, limits=LIMITS)

    def summarize(summary: Any) -> Mapping[str, Any]:
        return {
            "segments": summary.segment_count,
            "transactions": summary.transaction_count,
            "accepted": _attr(summary, "accepted"),
            "errors": _count(_attr(summary, "errors")),
        }

    return Contender(parse, summarize)


def translate_contender() -> Contender:
    """``gateway.pipeline.translate.translate_stream``: read, validate, map to canonical events;
    every event is serialized with ``model_dump_json()`` and dropped."""
    from gateway.pipeline.translate import TranslateOptions, translate_stream

    def parse(path: str) -> tuple[Any, int, int]:
        counts = [0, 0]

        def on_event(event: Any) -> None:
            counts[0] += 1
            counts[1] += len(event.model_dump_json())

        with open(path, "rb") as fh:
            options = TranslateOptions(limits=LIMITS)
            result = translate_stream(fh, on_event=on_event, options=options)
        return result, counts[0], counts[1]

    def summarize(product: tuple[Any, int, int]) -> Mapping[str, Any]:
        result, events, json_bytes = product
        return {
            "segments": _attr(result, "segment_count"),
            "transactions": _attr(result, "transaction_count"),
            "events": events,
            "event_json_bytes": json_bytes,
            "errors": _count(_attr(result, "errors")),
        }

    return Contender(parse, summarize)


def cli_contender() -> Contender:
    """What ``gateway translate FILE`` does after start-up, with its default output: translate,
    each event written as it is produced by ``gateway_app.translate_output.StreamingJson``
    (indent 2, the acknowledgements and errors at the end) into ``/dev/null`` through a text
    stream, as the command writes to standard output. ``native``: the events the native 856
    mapper wrote (the rest went through the Python mapper and pydantic)."""
    from gateway.pipeline.translate import TranslateOptions, translate_stream
    from gateway_app.translate_output import StreamingJson

    def parse(path: str) -> tuple[Any, int, int]:
        python = [0]

        with open(path, "rb") as fh, open(os.devnull, "w", encoding="utf-8") as out:
            writer = StreamingJson(out, 2)

            def by_python(event: Any) -> None:
                python[0] += 1
                writer.event(event)

            result = translate_stream(
                fh,
                on_event=by_python,
                options=TranslateOptions(limits=LIMITS),
                json_sink=writer,
            )
            writer.close(
                {
                    "acknowledgments": result.acknowledgments,
                    "errors": result.errors,
                    "warnings": result.warnings,
                }
            )
        return result, writer.count, writer.count - python[0]

    def summarize(product: tuple[Any, int, int]) -> Mapping[str, Any]:
        result, events, native = product
        return {
            "segments": _attr(result, "segment_count"),
            "transactions": _attr(result, "transaction_count"),
            "events": events,
            "native": native,
            "errors": _count(_attr(result, "errors")),
        }

    return Contender(parse, summarize)


def _attr(obj: Any, name: str) -> Any:
    """``obj.name``, or the same attribute on ``obj.summary``; ``None`` when neither exists."""
    if hasattr(obj, name):
        return getattr(obj, name)
    return getattr(getattr(obj, "summary", None), name, None)


def _count(value: Any) -> Any:
    return len(value) if isinstance(value, list | tuple) else value


CONTENDERS = {
    "ours-read": read_contender,
    "ours-validate": validate_contender,
    "ours-translate": translate_contender,
    "ours-cli": cli_contender,
}

if __name__ == "__main__":
    run_cli(CONTENDERS)
