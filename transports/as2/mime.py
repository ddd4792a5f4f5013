"""MIME as AS2 needs it: entities split into headers and body byte for byte, never rewritten.

Why not ``email``: its parser and generator normalise line ends and re-fold headers, and a
signature is over the exact bytes a sender signed (RFC 1847, RFC 5751 section 3.1.1). Here an
entity's ``raw`` is kept as received; a multipart part is exactly the bytes between two boundary
delimiters (the CRLF before a delimiter belongs to the delimiter, RFC 2046 section 5.1.1).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gateway.errors import DocumentError


class MimeError(DocumentError):
    """The bytes are not the MIME entity their headers say."""

    code = "as2.mime.invalid"


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


@dataclass(frozen=True, slots=True)
class ContentType:
    type: str
    """``type/subtype``, lower case."""
    params: Mapping[str, str] = field(default_factory=dict)
    """Parameter names lower case, values unquoted."""

    @classmethod
    def parse(cls, value: str | None) -> ContentType:
        if not value:
            return cls("text/plain")
        main, _, rest = value.partition(";")
        params = {name.lower(): _unquote(raw.strip()) for name, raw in _PARAM.findall(";" + rest)}
        return cls(main.strip().lower(), params)

    def param(self, name: str) -> str | None:
        return self.params.get(name)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


@dataclass(frozen=True, slots=True)
class Entity:
    """A MIME entity: headers (names as sent) and body, and the bytes they came from."""

    headers: tuple[tuple[str, str], ...]
    body: bytes
    raw: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    @property
    def content_type(self) -> ContentType:
        return ContentType.parse(self.header("content-type"))

    @property
    def transfer_encoding(self) -> str:
        return (self.header("content-transfer-encoding") or "binary").strip().lower()

    def decoded_body(self) -> bytes:
        return decode_transfer(self.body, self.transfer_encoding)


def parse_entity(raw: bytes) -> Entity:
    """Headers up to the first empty line (CRLF or bare LF), folded lines joined."""
    found = _HEADER_END.search(raw)
    if raw.startswith((b"\r\n", b"\n")):
        return Entity((), raw[2 if raw.startswith(b"\r\n") else 1 :], raw)
    if found is None:
        raise MimeError("no empty line after the MIME headers")
    block, body = raw[: found.start()], raw[found.end() :]
    return Entity(parse_headers(block), body, raw)


def parse_headers(block: bytes) -> tuple[tuple[str, str], ...]:
    headers: list[list[str]] = []
    for line in re.split(rb"\r?\n", block):
        text = line.decode("latin-1")
        if text[:1] in (" ", "\t") and headers:
            headers[-1][1] += " " + text.strip()
            continue
        name, colon, value = text.partition(":")
        if not colon or not name.strip():
            raise MimeError(f"not a MIME header line: {text[:60]!r}")
        headers.append([name.strip(), value.strip()])
    return tuple((k, v) for k, v in headers)


def entity_from(headers: Iterable[tuple[str, str]], body: bytes) -> Entity:
    """An entity for an HTTP request: its headers were the HTTP headers."""
    return Entity(tuple(headers), body, body)


def decode_transfer(body: bytes, encoding: str) -> bytes:
    """``base64`` and ``quoted-printable`` decoded; ``binary``, ``8bit``, ``7bit`` as they are."""
    try:
        if encoding == "base64":
            return base64.b64decode(re.sub(rb"\s+", b"", body), validate=True)
        if encoding == "quoted-printable":
            return binascii.a2b_qp(body)
    except (binascii.Error, ValueError) as exc:
        raise MimeError(f"the {encoding} body does not decode: {exc}") from exc
    return body


def split_multipart(body: bytes, boundary: str) -> list[bytes]:
    """The parts of a multipart body, each exactly as between its delimiters."""
    if not boundary or len(boundary) > 200:
        raise MimeError("multipart without a usable boundary")
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary.encode("latin-1")) + rb"(--)?")
    parts: list[bytes] = []
    start: int | None = None
    for found in delimiter.finditer(body):
        line_end = body.find(b"\n", found.end())
        if start is not None:
            parts.append(body[start : found.start()])
        if found.group(1):
            return parts
        if line_end < 0:
            break
        start = line_end + 1
    raise MimeError("multipart body ends before its closing boundary")


def build_entity(headers: Iterable[tuple[str, str]], body: bytes) -> bytes:
    head = b"".join(f"{k}: {v}\r\n".encode("latin-1") for k, v in headers)
    return head + b"\r\n" + body


def build_multipart(parts: Iterable[bytes], boundary: str) -> bytes:
    """Parts joined with CRLF delimiters, and the closing one."""
    out = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return out + b"--" + boundary.encode() + b"--\r\n"


def base64_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines (RFC 2045)."""
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + b"\r\n"
