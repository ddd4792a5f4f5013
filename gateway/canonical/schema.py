"""The JSON Schema of the canonical events, for consumers that are not written in Python.

``python -m gateway.canonical.schema`` rewrites ``supply-events.schema.json`` next to this module;
a test fails when the committed file differs from what the models generate, so it cannot go stale.
The schema is generated in serialization mode: it describes the JSON the gateway emits, in which
every field is present.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gateway.canonical.common import SCHEMA_VERSION
from gateway.canonical.events import EVENT_ADAPTER

SCHEMA_PATH = Path(__file__).with_name("supply-events.schema.json")


def json_schema() -> dict[str, Any]:
    """The schema of one event (any type), discriminated by ``type``."""
    schema = EVENT_ADAPTER.json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Supply events {SCHEMA_VERSION}",
        "description": "One canonical supply event emitted by the supplier gateway.",
        **schema,
    }


def render() -> str:
    """The schema file's exact text: pretty, sorted keys, trailing newline."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else SCHEMA_PATH
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
