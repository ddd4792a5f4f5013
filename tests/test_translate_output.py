"""``gateway translate``'s output writer: pydantic's encoder writes exactly what ``json.dumps``
wrote before (the bytes users and their scripts have seen), on every sample and on the strings
where the two encoders differ."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gateway.canonical import Event
from gateway.pipeline.translate import translate_bytes
from gateway_app.translate_output import StreamingJson, encode_event

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "demo-supplier"
TRICKY = [
    "é ü ÿ Ā \uffff 😀",  # non-ASCII, astral: escaped (ensure_ascii)
    "\x7f",  # DEL: json escapes it, pydantic does not -> the json path
    "\ud800 \udcff",  # lone surrogates: pydantic refuses -> the json path
    "\x00\x01\x1f\t\n\r\b\f",  # control characters
    '"\\ / \u2028\u2029',
]


def _events() -> list[Event]:
    events: list[Event] = []
    for path in sorted(SAMPLES.glob("*.edi")):
        events += translate_bytes(path.read_bytes()).documents
    assert len(events) >= 5
    return events


def _old_writer(events: list[Event], rest: dict[str, object], indent: int | None) -> str:
    """The writer as it was before issue 14 (model_dump + json.dumps), kept as the reference."""

    def shift(text: str) -> str:
        return text.replace("\n", "\n" + " " * indent) if indent else text

    out = ['{"documents": [']
    for n, event in enumerate(events):
        out.append(("," if n else "") + ("\n" if indent else ""))
        out.append(shift(json.dumps(event.model_dump(mode="json"), indent=indent)))
    out.append(("\n" if events and indent else "") + "]")
    for key, value in rest.items():
        out.append(f', "{key}": {shift(json.dumps(value, indent=indent, ensure_ascii=False))}')
    out.append("}\n")
    return "".join(out)


@pytest.mark.parametrize("indent", [None, 1, 2, 4])
def test_given_sample_events_when_encoded_then_the_bytes_of_json_dumps(indent: int | None) -> None:
    for event in _events():
        assert encode_event(event, indent) == json.dumps(
            event.model_dump(mode="json"), indent=indent
        )


@pytest.mark.parametrize("text", TRICKY)
def test_given_strings_where_the_encoders_differ_then_still_the_bytes_of_json_dumps(
    text: str,
) -> None:
    event = _events()[0]
    odd = event.model_copy(update={"warnings": [text], "partner_id": text})
    expected = json.dumps(odd.model_dump(mode="json"), indent=2)
    assert encode_event(odd, 2) == expected
    assert json.loads(expected)["warnings"] == [text]


@pytest.mark.parametrize("indent", [None, 2])
def test_given_a_translation_when_streamed_then_the_old_writers_output(indent: int | None) -> None:
    events = _events()
    rest: dict[str, object] = {"acknowledgments": [{"kind": "997", "edi": "ISA*é~"}], "errors": []}
    out = io.StringIO()
    writer = StreamingJson(out, indent)
    for event in events:
        writer.event(event)
    writer.close(rest)
    assert out.getvalue() == _old_writer(events, rest, indent)
    assert len(json.loads(out.getvalue())["documents"]) == len(events)


def test_given_no_events_when_streamed_then_an_empty_list() -> None:
    out = io.StringIO()
    writer = StreamingJson(out, 2)
    writer.close({"errors": ["x"]})
    assert out.getvalue() == _old_writer([], {"errors": ["x"]}, 2)
    assert json.loads(out.getvalue()) == {"documents": [], "errors": ["x"]}
