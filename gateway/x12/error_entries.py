"""The ``errors`` entries ``translate_stream`` and ``validate_stream`` report, built from results.

One builder per level (interchange, group, set), shared by the Python and the native paths so
their reports cannot drift, and ``ErrorEntries``, which keeps a document's list bounded.
"""

from __future__ import annotations

from typing import Any

from gateway.x12.results import (
    GROUP_CODE_TEXT,
    SET_CODE_TEXT,
    TA1_ACCEPTED,
    GroupResult,
    InterchangeResult,
    SegmentError,
    TransactionResult,
)


def first_reason(tr: TransactionResult) -> str:
    """The sentence naming the cause that decided the outcome, then how many findings were left
    out, if any. A limit the set went past (``max_...``) decides. A rejected set with segment
    errors is rejected for them (a count that is off,
    or a set in the wrong group, follows from or sits beside them): the first one, with its
    element and value. Otherwise the set's note (what made it "accepted with errors"), a segment
    error, a code."""
    more = f" ({tr.more_errors:,} more errors not listed)" if tr.more_errors else ""
    limit = next((note for note in tr.notes if "max_" in note), None)
    if limit is not None:  # a limit the set went past decides, whatever else was found
        return limit + more
    decided_by_segments = tr.status == "R" and bool(tr.segment_errors)
    if tr.notes and not decided_by_segments:
        return tr.notes[0] + more
    for seg_error in tr.segment_errors:
        return segment_sentence(seg_error) + more
    codes = "; ".join(SET_CODE_TEXT.get(c, f"code {c}") for c in tr.set_codes)
    return (codes or "rejected") + more


def segment_sentence(error: SegmentError) -> str:
    """``N1 at position 11: N1 has 13 elements, at most 6 defined``; ``ACK at position 8, ACK03:
    syntax rule P0203: ...`` (the element named when its message does not)."""
    where = f"{error.tag} at position {error.position}"
    if not error.elements:
        if where in error.message:
            return error.message
        if error.message.startswith(error.tag + " "):  # "IK5 is not in its proper sequence"
            return where + error.message[len(error.tag) :]
        return f"{where}: {error.message}"
    element = error.elements[0]
    ref = f"{error.tag}{element.position:02d}"
    if element.component:
        ref += f"-{element.component}"
    if element.message.startswith(ref) or element.message.startswith(error.tag + " "):
        return f"{where}: {element.message}"
    value = f" {element.value!r}" if element.value else ""
    return f"{where}, {ref}{value}: {element.message}"


def interchange_error_entry(ir: InterchangeResult) -> dict[str, Any] | None:
    """The ``errors`` entry for an interchange that was not accepted clean (TA104 E or R)."""
    if ir.ta1_status == TA1_ACCEPTED:
        return None
    return {
        "code": "x12.interchange.rejected" if ir.ta1_status == "R" else "x12.interchange.errors",
        "message": "; ".join(ir.all_messages),
        "interchange": ir.control_number,
        "ta1_code": ir.ta1_code,
        "ta1_status": ir.ta1_status,
    }


def group_error_entries(ir: InterchangeResult, group: GroupResult) -> list[dict[str, Any]]:
    """The ``errors`` entries of one functional group: its AK9 codes, then each set not accepted
    clean. ``translate`` and the native fast path both report through these builders."""
    out: list[dict[str, Any]] = []
    if group.group_codes and group.status != "A":
        why = "; ".join(group.notes) or "; ".join(
            GROUP_CODE_TEXT.get(c, f"AK9 code {c}") for c in group.group_codes
        )
        out.append(
            {
                "code": "x12.group.errors",
                "message": f"functional group {group.control_number}: {why}",
                "interchange": ir.control_number,
                "group": group.control_number,
                "status": group.status,
                "ak9_codes": group.group_codes,
            }
        )
    out.extend(transaction_error_entry(ir, group, t) for t in group.transactions if t.status != "A")
    return out


def transaction_error_entry(
    ir: InterchangeResult, group: GroupResult, tr: TransactionResult
) -> dict[str, Any]:
    verdict = "rejected" if tr.status == "R" else "accepted with errors"
    return {
        "code": "x12.transaction.rejected" if tr.status == "R" else "x12.transaction.errors",
        "message": f"{tr.code} {tr.control_number} {verdict}: {first_reason(tr)}",
        "interchange": ir.control_number,
        "group": group.control_number,
        "transaction": tr.control_number,
        "transaction_set": tr.code,
        "business_key": tr.business_key,
        "status": tr.status,
        "set_codes": tr.set_codes,
        "segment_errors": [e.as_dict() for e in tr.segment_errors],
        "more_errors": tr.more_errors,
        "notes": tr.notes,
    }


class ErrorEntries:
    """A document's ``errors`` entries: the first ``cap`` kept, the rest counted (``close``
    appends one entry saying how many). ``items`` is the list a result hands out.

    What ended the document (an unreadable header, a limit, trailing content) is added with
    ``always``: there is at most one of each, and it is the entry that explains the rest."""

    __slots__ = ("cap", "items", "more")

    def __init__(self, items: list[dict[str, Any]], cap: int) -> None:
        self.items = items
        self.cap = cap
        self.more = 0

    def add(self, entry: dict[str, Any], *, always: bool = False) -> None:
        if always or len(self.items) < self.cap:
            self.items.append(entry)
        else:
            self.more += 1

    def extend(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            self.add(entry)

    def close(self) -> None:
        """Append the entry counting those left out (once, at the end of the document)."""
        if self.more:
            self.items.append(
                {
                    "code": "x12.errors.more",
                    "message": f"{self.more:,} more errors not listed "
                    f"(at most {self.cap} are: limit max_error_entries)",
                    "count": self.more,
                }
            )
            self.more = 0
