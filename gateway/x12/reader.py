"""Streaming X12 tokenizer: bytes in, ``Segment`` objects out, one interchange after another.

Why our own reader rather than pyx12's ``X12Reader``: pyx12 insists on a fixed-length 106-character
ISA (the corpus has collapsed and NBSP padding, a missing ISA16, wrapped ISAs), does not accept a
line break as the only terminator or a multi-byte terminator, and is roughly an order of magnitude
slower because it runs a regular expression per segment (``bench/parse.py`` measures both). The
tokenizer here reads fixed-size chunks, splits them with ``str.split`` (C speed) and only keeps the
unfinished tail of a chunk, so memory stays flat whatever the file size.

Bytes are decoded as UTF-8; a byte that is not valid UTF-8 is read as Latin-1 (legacy partners send
ISO-8859-1 names) rather than rejected, and the raw bytes stay in the store untouched.

Delimiters are re-detected at every ISA, so files holding several interchanges with different
delimiters read correctly. Everything tolerated is reported in ``warnings``; anything that cannot be
read raises ``InterchangeError``/``EnvelopeMissingError`` after the interchanges read so far.

The reader is the document: it owns the ``Budget`` the later stages spend (``limits``). It splits
a segment into at most ``max_elements_per_segment + 1`` elements after the tag (the last one then
holds the unsplit rest, and the validator reports the segment), so a segment of a million
separators is never a list of a million strings; and it checks the time budget at every chunk.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from gateway.errors import DocumentError, EnvelopeMissingError, InterchangeError
from gateway.x12.delimiters import IsaScan, find_isa, scan_isa
from gateway.x12.limits import DEFAULT_LIMITS, Budget, Limits
from gateway.x12.model import Delimiters, Segment

CHUNK_SIZE = 1 << 20
MAX_SEGMENT_CHARS = 8 << 20
"""A 'segment' longer than this means the terminator is wrong; fail instead of buffering the file."""

_CORRUPT_HEADER = re.compile(r"([A-Z]{1,3}|I[A-Z]{2,3})([*|~^>])00\2")
_ST_WITHOUT_ENVELOPE = re.compile(r"(?:^|[\s~|!])ST[*|~^>](\d{3})")


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("x12-latin1", _latin1_fallback)


class SegmentReader:
    """Iterate the segments of every interchange in ``stream``.

    ``isa_warnings`` holds the tolerances applied to the ISA just yielded; ``warnings`` accumulates
    everything for the whole stream as ``(segment ordinal, message)`` pairs.
    """

    def __init__(
        self, stream: BinaryIO, chunk_size: int = CHUNK_SIZE, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        self._stream = stream
        self._chunk_size = chunk_size
        self._decode = codecs.getincrementaldecoder("utf-8")("x12-latin1").decode
        self._buf = ""
        self._eof = False
        self.ordinal = 0
        self.isa_warnings: list[str] = []
        self.warnings: list[tuple[int, str]] = []
        self.trailing_error: DocumentError | None = None
        """Set when non-X12 content follows the last IEA (reported, never silently dropped)."""
        self.budget = Budget(limits)
        self.max_split = limits.max_elements_per_segment + 1
        """``str.split`` maxsplit for a segment: one element past the limit shows it was passed."""

    def _fill(self) -> bool:
        """Read one more chunk into the buffer; False at end of stream."""
        if self._eof:
            return False
        self.budget.check_time()
        data = self._stream.read(self._chunk_size)
        if not data:
            self._eof = True
            self._buf += self._decode(b"", final=True)
            return False
        self._buf += self._decode(data)
        return True

    def __iter__(self) -> Iterator[Segment]:
        first = True
        while True:
            scan = self._seek_isa(first)
            if scan is None:
                return
            first = False
            yield from self._interchange(scan)

    def _seek_isa(self, first: bool) -> IsaScan | None:
        """Skip to the next ISA and read it; None at a clean end of the stream."""
        while True:
            stripped = self._buf.lstrip("\ufeff \t\r\n\x00\x1a")
            if stripped or self._eof:
                if stripped and len(stripped) < 4096 and not self._eof:
                    self._fill()
                    continue
                break
            self._buf = ""
            self._fill()
        self._buf = stripped
        if not stripped:
            return None
        i = 0 if stripped.startswith("ISA") else find_isa(stripped)
        if i == -1:
            self._no_isa(first)
            return None
        if i > 0:
            junk = stripped[:i].strip()
            message = f"{len(junk)} characters before ISA ignored: {junk[:40]!r}"
            self.warnings.append((self.ordinal, message))
        while True:
            scan = scan_isa(self._buf, i, self._eof)
            if scan is not None:
                break
            self._fill()
        self.isa_warnings = list(scan.warnings)
        self.warnings.extend((self.ordinal + 1, w) for w in scan.warnings)
        return scan

    def _no_isa(self, first: bool) -> None:
        head = self._buf[:4096]
        if first:
            corrupt = _CORRUPT_HEADER.match(head)
            if corrupt:
                raise InterchangeError(
                    f"interchange header is corrupt: expected 'ISA', found {corrupt.group(1)!r}",
                    code="x12.isa.corrupt",
                )
            match = _ST_WITHOUT_ENVELOPE.search(head)
            if match:
                raise EnvelopeMissingError(
                    f"transaction set {match.group(1)} without ISA/GS envelope: "
                    "partners must send complete interchanges",
                    transaction_set=match.group(1),
                )
            raise InterchangeError(
                f"no ISA interchange header found (file starts {head[:30]!r})",
                code="x12.isa.missing",
            )
        self.trailing_error = DocumentError(
            f"content after the last IEA is not an interchange: {head.strip()[:60]!r}",
            code="x12.trailing_content",
            segment_ordinal=self.ordinal,
        )

    def _interchange(self, scan: IsaScan) -> Iterator[Segment]:
        """Yield the ISA and every following segment up to and including IEA (or EOF)."""
        d = scan.delimiters
        self.ordinal += 1
        yield Segment(scan.elements, d, self.ordinal)
        self._buf = self._buf[scan.end :]
        terminator, element, max_split = d.segment, d.element, self.max_split
        while True:
            pieces = self._buf.split(terminator)
            if self._eof:
                self._buf = ""
            else:
                self._buf = pieces.pop()
                if len(self._buf) > MAX_SEGMENT_CHARS:
                    raise InterchangeError(
                        f"no segment terminator {terminator!r} in {MAX_SEGMENT_CHARS} characters",
                        code="x12.segment.unterminated",
                        ta1_code="004",
                    )
            after_iea = False
            for index, piece in enumerate(pieces):
                text = piece.strip()
                if not text:
                    continue
                elements = text.split(element, max_split)
                if after_iea:
                    if not _same_delimiters_isa(elements, d):
                        rest = pieces[index:]
                        if not self._eof:
                            rest.append(self._buf)
                        self._buf = terminator.join(rest)
                        return
                    after_iea = False
                    self.isa_warnings = []
                self.ordinal += 1
                yield Segment(elements, d, self.ordinal)
                if elements[0] == "IEA":
                    after_iea = True
            if not self._fill() and not self._buf:
                return


def _same_delimiters_isa(elements: list[str], d: Delimiters) -> bool:
    """Fast path for files of many interchanges: the next ISA reuses the current delimiters."""
    return (
        elements[0] == "ISA"
        and len(elements) == 17
        and elements[16] == d.component
        and not d.line_mode
    )


def iter_segments(
    stream: BinaryIO, chunk_size: int = CHUNK_SIZE, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Segment]:
    """Every segment of every interchange in ``stream`` (tokenizer only, no validation)."""
    return iter(SegmentReader(stream, chunk_size, limits))


def delimiters_of(segment: Segment) -> Delimiters:
    return segment.delimiters
