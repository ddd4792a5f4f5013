"""An AS2 sender made of ``openssl cms`` and ``curl`` only (no Python AS2 code), after
``../shared/peers/openssl_as2_send.sh``: the message is built, signed, compressed and encrypted by
openssl, posted by curl, and the MDN verified by openssl with the MIC computed by openssl.

Compression: this machine's OpenSSL has no zlib (``openssl cms -compress`` refuses), so the
compressed-data structure is written by ``openssl asn1parse -genconf`` around bytes deflated by
Python's standard ``zlib``.
"""

from __future__ import annotations

import base64
import re
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
AS2_SAMPLES = ROOT / "samples" / "as2"
SUPPLIER_CRT = AS2_SAMPLES / "demo-supplier.crt"
SUPPLIER_KEY = AS2_SAMPLES / "demo-supplier.key"
GATEWAY_CRT = AS2_SAMPLES / "gateway.crt"


def run(*args: str | Path, stdin: bytes | None = None) -> bytes:
    done = subprocess.run([str(a) for a in args], input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{args[:3]}: {done.stderr.decode(errors='replace')}")
    return done.stdout


@dataclass
class Message:
    """What is posted: HTTP headers and body, and the entity whose digest the MIC must be."""

    headers: dict[str, str]
    body: bytes
    mic_over: bytes
    message_id: str


@dataclass
class Built:
    """Options for ``build``; the defaults are the shared script's (sign SHA-256, AES-256-CBC)."""

    sign: bool = True
    encrypt: bool = True
    compress: bool = False
    opaque: bool = False
    """Signed-data with the content inside (``application/pkcs7-mime; smime-type=signed-data``)."""
    digest: str = "sha256"
    cipher: str = "-aes256"
    key_options: list[str] = field(default_factory=list)
    """``-keyopt`` values for encryption (``rsa_padding_mode:oaep``)."""
    sign_options: list[str] = field(default_factory=list)
    signer: tuple[Path, Path] = (SUPPLIER_CRT, SUPPLIER_KEY)
    recipient: Path = GATEWAY_CRT
    mime_type: str = "application/pkcs7-mime"
    outer_base64: bool = False
    mdn: str = "signed"
    """``signed``, ``unsigned``, ``none``, or an URL for an asynchronous MDN."""
    micalg: str = "sha-256"


def compressed_data(entity: bytes, work: Path) -> bytes:
    """RFC 3274 compressed-data (zlib) around ``entity``, written by ``openssl asn1parse``."""
    conf = work / "compressed.cnf"
    conf.write_text(
        "asn1=SEQUENCE:ci\n[ci]\ntype=OID:1.2.840.113549.1.9.16.1.9\n"
        "content=EXPLICIT:0,SEQUENCE:cd\n[cd]\nversion=INTEGER:0\nalg=SEQUENCE:zlib\n"
        "encap=SEQUENCE:encap\n[zlib]\noid=OID:1.2.840.113549.1.9.16.3.8\n"
        "[encap]\ntype=OID:1.2.840.113549.1.7.1\n"
        f"content=EXPLICIT:0,FORMAT:HEX,OCTETSTRING:{zlib.compress(entity).hex()}\n"
    )
    out = work / "compressed.der"
    run("openssl", "asn1parse", "-genconf", conf, "-noout", "-out", out)
    return out.read_bytes()


def build(payload: bytes, work: Path, options: Built | None = None, n: int = 0) -> Message:
    o = options or Built()
    work.mkdir(parents=True, exist_ok=True)
    entity = (
        b"Content-Type: application/EDI-X12\r\nContent-Transfer-Encoding: binary\r\n"
        b'Content-Disposition: attachment; filename="856.edi"\r\n\r\n' + payload
    )
    mic_over = entity
    if o.compress:
        der = compressed_data(entity, work)
        entity = (
            b"Content-Type: application/pkcs7-mime; smime-type=compressed-data; "
            b'name="smime.p7z"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + base64.encodebytes(der).replace(b"\n", b"\r\n")
        )
        mic_over = entity
    (work / "part.mime").write_bytes(entity)
    if o.sign:
        crt, key = o.signer
        form = ["-nodetach"] if o.opaque else []
        opts = [a for v in o.sign_options for a in ("-keyopt", v)]
        run("openssl", "cms", "-sign", "-binary", "-crlfeol", "-md", o.digest, *form,
            "-signer", crt, "-inkey", key, *opts, "-in", work / "part.mime",
            "-outform", "SMIME", "-out", work / "signed.mime")  # fmt: skip
        entity = (work / "signed.mime").read_bytes()
        if not o.opaque:
            mic_over = _first_part(entity)
    if o.encrypt:
        opts = [a for v in o.key_options for a in ("-keyopt", v)]
        (work / "inner.mime").write_bytes(entity)
        run("openssl", "cms", "-encrypt", "-binary", o.cipher, "-in", work / "inner.mime",
            "-outform", "DER", "-out", work / "body.p7m", "-recip", o.recipient, *opts)  # fmt: skip
        body = (work / "body.p7m").read_bytes()
        kind = "authenticated-enveloped-data" if "gcm" in o.cipher else "enveloped-data"
        headers = {"Content-Type": f'{o.mime_type}; smime-type={kind}; name="smime.p7m"'}
        if not o.sign:
            mic_over = entity
    else:
        head, _, body = entity.partition(b"\r\n\r\n")
        headers = dict(
            (k.strip(), v.strip())
            for k, _, v in (line.partition(":") for line in _unfold(head).split("\r\n"))
            if k.strip().lower() != "mime-version"
        )
        if o.opaque:
            headers["Content-Type"] = headers["Content-Type"].replace(
                "application/pkcs7-mime", o.mime_type
            )
    cte = headers.pop("Content-Transfer-Encoding", "binary")
    if o.outer_base64:
        body = base64.encodebytes(body if cte == "binary" else base64.b64decode(body))
        cte = "base64"
    message_id = f"<openssl-{n}-{work.name}@peer.test>"
    headers.update(
        {
            "AS2-Version": "1.2",
            "AS2-From": "DEMOSUPPLIER",
            "AS2-To": "GATEWAYBUYER",
            "Message-ID": message_id,
            "Subject": "openssl AS2 test",
            "MIME-Version": "1.0",
            "Content-Transfer-Encoding": cte,
        }
    )
    if o.mdn != "none":
        headers["Disposition-Notification-To"] = "openssl-sender@example.test"
    if o.mdn == "signed" or o.mdn.startswith("http"):
        headers["Disposition-Notification-Options"] = (
            "signed-receipt-protocol=optional, pkcs7-signature; "
            f"signed-receipt-micalg=optional, {o.micalg}"
        )
    if o.mdn.startswith("http"):
        headers["Receipt-Delivery-Option"] = o.mdn
    return Message(headers, body, mic_over, message_id)


def _unfold(head: bytes) -> str:
    return re.sub(r"\r\n[ \t]+", " ", head.decode("latin-1"))


def _first_part(smime: bytes) -> bytes:
    """The signed part of openssl's multipart/signed output, byte for byte."""
    head, _, body = smime.partition(b"\r\n\r\n")
    boundary = re.search(rb'boundary="?([^";\r\n]+)"?', _unfold(head).encode()).group(1)  # type: ignore[union-attr]
    delimiter = b"--" + boundary
    start = body.index(delimiter + b"\r\n") + len(delimiter) + 2
    end = body.index(b"\r\n" + delimiter, start)
    return body[start:end]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


def curl_post(url: str, message: Message, work: Path) -> Reply:
    (work / "post.body").write_bytes(message.body)
    args = [
        "curl",
        "-sS",
        "-X",
        "POST",
        url,
        "-H",
        "Expect:",
        "--data-binary",
        f"@{work / 'post.body'}",
    ]
    for k, v in message.headers.items():
        args += ["-H", f"{k}: {v}"]
    args += [
        "-D",
        str(work / "reply.headers"),
        "-o",
        str(work / "reply.body"),
        "-w",
        "%{http_code}",
    ]
    status = int(run(*args).decode())
    lines = (work / "reply.headers").read_bytes().decode("latin-1").split("\r\n")[1:]
    headers = dict((k.strip(), v.strip()) for k, _, v in (x.partition(":") for x in lines) if v)
    return Reply(status, headers, (work / "reply.body").read_bytes())


@dataclass
class Report:
    signed: bool
    verified: bool
    fields: dict[str, str]
    text: str

    @property
    def disposition(self) -> str:
        return self.fields.get("disposition", "")

    @property
    def mic(self) -> str:
        return self.fields.get("received-content-mic", "").split(",")[0].strip()


def read_mdn(reply: Reply, work: Path, ca: Path = GATEWAY_CRT) -> Report:
    """The MDN's fields; a signed one is verified by ``openssl cms -verify`` first."""
    smime = (
        b"MIME-Version: 1.0\r\nContent-Type: "
        + reply.header("content-type").encode()
        + b"\r\n\r\n"
        + reply.body
    )
    (work / "mdn.smime").write_bytes(smime)
    signed = reply.header("content-type").lower().startswith("multipart/signed")
    verified = False
    report = smime
    if signed:
        run("openssl", "cms", "-verify", "-inform", "SMIME", "-in", work / "mdn.smime",
            "-CAfile", ca, "-out", work / "mdn.report")  # fmt: skip
        verified, report = True, (work / "mdn.report").read_bytes()
    text = report.decode("latin-1")
    fields = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in text.replace("\r\n", "\n").split("\n"))
        if k.strip()
        in ("Disposition", "Received-content-MIC", "Original-Message-ID", "Final-Recipient")
    }
    return Report(signed, verified, fields, text)


def openssl_mic(data: bytes, digest: str = "sha256") -> str:
    return base64.b64encode(run("openssl", "dgst", f"-{digest}", "-binary", stdin=data)).decode()
