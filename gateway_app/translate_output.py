"""``gateway translate``'s standard output: ``{"documents": [...], "acknowledgments": ...}``,
written event by event as the translation produces them, so memory stays flat on any input size.

Speed (issue 14): with ``indent`` the standard library's ``json`` encoder falls back to pure
Python, and ``model_dump(mode="json")`` builds a throw-away dict tree first; together they took
more time than reading, validating and mapping the file. Pydantic's own Rust serializer
(``model_dump_json``, already a dependency, so nothing new to install or to fall back from) writes
the same bytes about ten times faster. The output is byte for byte what ``json.dumps(...,
indent=n)`` writes (ASCII-escaped, ``", "``/``": "`` separators), except in two corners where
pydantic differs, and there the event goes through ``json.dumps`` as before:

* DEL (``\\x7f``): ``json`` escapes it as ``\\u007f`` under ``ensure_ascii``, pydantic does not;
* a lone surrogate in a string: pydantic refuses to encode it, ``json`` escapes it.

``tests/test_translate_output.py`` holds both encoders to the same bytes.
"""

from __future__ import annotations

import json
from typing import TextIO

from pydantic_core import PydanticSerializationError

from gateway.canonical import Event


def encode_event(event: Event, indent: int | None) -> str:
    """``json.dumps(event.model_dump(mode="json"), indent=indent)``, the same text, faster.

    Without an indent (``--indent 0``) the standard encoder is already C, and pydantic's
    compact form has other separators (``","`` and ``":"``), so that path is unchanged."""
    if indent is not None and indent > 0:
        try:
            text = event.model_dump_json(indent=indent, ensure_ascii=True)
        except PydanticSerializationError:
            pass  # a lone surrogate: json escapes it
        else:
            if "\x7f" not in text:
                return text
    return json.dumps(event.model_dump(mode="json"), indent=indent)


class StreamingJson:
    """Writes ``{"documents": [...], ...}`` as events arrive, so big files never pile up in memory.

    Also an ``EventJson`` sink: ``event_json`` takes an event the native mapper already wrote,
    one level deep (``depth``), as ``event`` would have written it."""

    depth = 1

    def __init__(self, out: TextIO, indent: int | None) -> None:
        self.out = out
        self.indent = indent
        self.count = 0
        self._newline = "\n" + " " * indent if indent else ""
        out.write('{"documents": [')

    def event(self, event: Event) -> None:
        text = encode_event(event, self.indent)
        if self.indent:
            text = text.replace("\n", self._newline)
        self.event_json(text)

    def event_json(self, text: str) -> None:
        self.out.write(("," if self.count else "") + ("\n" if self.indent else "") + text)
        self.count += 1

    def close(self, rest: dict[str, object]) -> None:
        self.out.write(("\n" if self.count and self.indent else "") + "]")
        for key, value in rest.items():
            text = json.dumps(value, indent=self.indent, ensure_ascii=False)
            if self.indent:
                text = text.replace("\n", self._newline)
            self.out.write(f', "{key}": {text}')
        self.out.write("}\n")
