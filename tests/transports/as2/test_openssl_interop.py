"""``openssl cms`` + curl send to ``POST /as2`` (real HTTP): every way a partner may wrap a
message is opened, the payload stored exactly as sent before the MDN, and the MDN verified by
openssl with the MIC openssl computes; then the negative matrix, each answered with its error MDN,
kept as a refused message under the partner, and the endpoint still answering."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.support.documents import numbered_asn
from tests.transports.as2.conftest import BOMB_LIMIT, AS2Gateway
from tests.transports.as2.openssl_peer import (
    Built,
    Message,
    Reply,
    build,
    openssl_mic,
    read_mdn,
)
from tests.transports.harness import ADMIN_TOKEN, bearer, wait_for

OAEP = ["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"]
POSITIVE = {
    "signed and encrypted (AES-256-CBC)": Built(),
    "signed only": Built(encrypt=False),
    "encrypted only": Built(sign=False),
    "compressed, signed, encrypted": Built(compress=True),
    "compressed and encrypted": Built(sign=False, compress=True),
    "AES-128-CBC": Built(cipher="-aes128"),
    "AES-192-CBC": Built(cipher="-aes192"),
    "AES-128-GCM (authenticated-enveloped-data)": Built(cipher="-aes-128-gcm"),
    "AES-256-GCM (authenticated-enveloped-data)": Built(cipher="-aes-256-gcm"),
    "RSA-OAEP key transport": Built(key_options=OAEP),
    "RSA-PSS signature": Built(sign_options=["rsa_padding_mode:pss"]),
    "SHA-384": Built(digest="sha384", micalg="sha-384"),
    "SHA-512": Built(digest="sha512", micalg="sha-512"),
    "opaque signed-data": Built(opaque=True, encrypt=False),
    "opaque signed-data, encrypted": Built(opaque=True),
    "application/x-pkcs7-mime": Built(mime_type="application/x-pkcs7-mime"),
    "x-pkcs7-mime opaque signed-data": Built(
        opaque=True, encrypt=False, mime_type="application/x-pkcs7-mime"
    ),
    "outer base64 transfer encoding": Built(outer_base64=True),
    "micalg written sha256": Built(micalg="sha256"),
    "unsigned MDN": Built(mdn="unsigned"),
}


def digest_of(options: Built) -> str:
    return options.micalg.replace("-", "")


@pytest.mark.parametrize("options", POSITIVE.values(), ids=POSITIVE.keys())
def test_given_an_openssl_message_when_posted_then_stored_as_sent_and_the_mdn_verifies(
    as2_gateway: AS2Gateway, options: Built
) -> None:
    work = as2_gateway.workdir()
    payload = numbered_asn(1000 + int(work.name[1:]))
    message = build(payload, work, options)

    reply = as2_gateway.post(message, work)

    assert reply.status == 200, reply.body
    mdn = read_mdn(reply, work)
    assert mdn.signed == (options.mdn == "signed")
    assert mdn.disposition == "automatic-action/MDN-sent-automatically; processed", mdn.text
    assert mdn.fields["original-message-id"] == message.message_id
    assert mdn.mic == openssl_mic(message.mic_over, digest_of(options))
    assert mdn.fields["received-content-mic"].endswith(", sha-" + digest_of(options)[3:])
    [stored] = as2_gateway.by_as2_id(message.message_id)
    assert stored.raw == payload, "the content exactly as sent"
    assert (stored.partner_id, stored.status) == ("demo-supplier", "processed")
    assert stored.meta["signed"] == options.sign
    assert stored.meta["encrypted"] == options.encrypt
    assert stored.meta["compressed"] == options.compress


def test_given_the_rollover_certificate_when_signing_then_either_verifies(
    as2_gateway: AS2Gateway,
) -> None:
    work = as2_gateway.workdir()
    folder = keys_folder(as2_gateway)
    message = build(
        numbered_asn(2001), work, Built(signer=(folder / "next.crt", folder / "next.key"))
    )

    reply = as2_gateway.post(message, work)

    assert read_mdn(reply, work).disposition.endswith("; processed")


def test_given_a_repeated_message_id_then_a_positive_mdn_and_it_is_not_processed_again(
    as2_gateway: AS2Gateway,
) -> None:
    work = as2_gateway.workdir()
    message = build(numbered_asn(2002), work)

    first, again = as2_gateway.post(message, work), as2_gateway.post(message, work)

    for reply in (first, again):
        mdn = read_mdn(reply, work)
        assert mdn.disposition.endswith("; processed")
        assert mdn.mic == openssl_mic(message.mic_over)
    original, repeat = as2_gateway.by_as2_id(message.message_id)
    assert (original.status, repeat.status) == ("processed", "duplicate")
    assert repeat.duplicate_of == original.id
    assert as2_gateway.gateway.enqueued.count(repeat.id) == 0


def keys_folder(as2_gateway: AS2Gateway) -> Path:
    home = as2_gateway.gateway.runtime.settings.partners_dir
    assert home is not None
    return home.parent / "samples" / "as2"


def tampered(message: Message) -> Message:
    """The payload changed after it was signed (one byte of the ship notice's BSN)."""
    body = message.body.replace(b"BSN*00*", b"BSN*01*", 1)
    assert body != message.body
    return replace(message, body=body)


def truncated(message: Message) -> Message:
    return replace(message, body=message.body[: len(message.body) // 2])


def bomb(work: Path) -> Message:
    """A compressed payload that inflates to 8 times the partner's limit."""
    return build(b"\0" * (8 * BOMB_LIMIT), work, Built(compress=True))


NEGATIVE = {
    # name: (how the message is made, the disposition's error)
    "tampered body": (
        lambda w, k: tampered(build(numbered_asn(3001), w, Built(encrypt=False))),
        "integrity-check-failed",
    ),
    "wrong certificate (not the partner's)": (
        lambda w, k: build(
            numbered_asn(3002), w, Built(signer=(k / "stranger.crt", k / "stranger.key"))
        ),
        "authentication-failed",
    ),
    "expired certificate": (
        lambda w, k: build(
            numbered_asn(3003), w, Built(signer=(k / "expired.crt", k / "expired.key"))
        ),
        "authentication-failed",
    ),
    "encrypted for another certificate": (
        lambda w, k: build(numbered_asn(3004), w, Built(recipient=k / "stranger.crt")),
        "decryption-failed",
    ),
    "3DES, not allowed by the profile": (
        lambda w, k: build(numbered_asn(3005), w, Built(cipher="-des3")),
        "decryption-failed",
    ),
    "SHA-1, not allowed by the profile": (
        lambda w, k: build(numbered_asn(3006), w, Built(digest="sha1", micalg="sha-1")),
        "integrity-check-failed",
    ),
    "decompression bomb": (lambda w, k: bomb(w), "decompression-failed"),
    "truncated body": (
        lambda w, k: truncated(build(numbered_asn(3007), w)),
        "decryption-failed",
    ),
    "unknown partner": (
        lambda w, k: replace(
            build(numbered_asn(3008), w),
            headers={**build(numbered_asn(3008), w).headers, "AS2-From": "NOBODY"},
        ),
        "unknown-trading-partner",
    ),
}


@pytest.mark.parametrize("case", NEGATIVE.values(), ids=NEGATIVE.keys())
def test_given_a_bad_message_then_its_error_mdn_and_it_is_kept_as_refused(
    as2_gateway: AS2Gateway, case: tuple[object, str]
) -> None:
    make, error = case
    work = as2_gateway.workdir()
    message: Message = make(work, keys_folder(as2_gateway))  # type: ignore[operator]

    reply = as2_gateway.post(message, work)

    assert reply.status == 200, reply.body
    mdn = read_mdn(reply, work)
    assert mdn.disposition == (
        f"automatic-action/MDN-sent-automatically; processed/error: {error}"
    ), mdn.text
    assert mdn.fields["original-message-id"] == message.message_id
    assert "received-content-mic" not in mdn.fields
    assert mdn.signed == (error != "unknown-trading-partner"), "no key to sign for a stranger"
    [kept] = as2_gateway.by_as2_id(message.message_id)
    partner = None if error == "unknown-trading-partner" else "demo-supplier"
    raw = b"" if partner is None else message.body  # a stranger's bytes: digest and size only
    assert (kept.status, kept.partner_id, kept.raw) == ("refused", partner, raw)
    assert kept.meta["wire_size"] == len(message.body)
    assert kept.meta["refusal"] == f"as2.{error}" and kept.error
    assert as2_gateway.gateway.enqueued.count(kept.id) == 0
    if partner is not None:  # visible per partner, with its reason, where operators look
        listed = ops_json(as2_gateway, f"/ops/messages?partner={partner}&status=refused&limit=500")
        [shown] = [m for m in listed if m["id"] == kept.id]
        assert shown["transport"] == "as2"
    health = reply_of(as2_gateway, "/healthz")
    assert health == 200


def ops_json(as2_gateway: AS2Gateway, path: str) -> Any:
    import json
    import urllib.request

    request = urllib.request.Request(as2_gateway.url + path, headers=bearer(ADMIN_TOKEN))
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def reply_of(as2_gateway: AS2Gateway, path: str) -> int:
    import urllib.request

    with urllib.request.urlopen(as2_gateway.url + path, timeout=10) as answer:
        return int(answer.status)


def test_given_a_refused_message_when_resent_correctly_with_the_same_id_then_processed(
    as2_gateway: AS2Gateway,
) -> None:
    work = as2_gateway.workdir()
    good = build(numbered_asn(3101), work)

    as2_gateway.post(truncated(good), work)
    reply = as2_gateway.post(good, work)

    assert read_mdn(reply, work).disposition.endswith("; processed")
    statuses = [m.status for m in as2_gateway.by_as2_id(good.message_id)]
    assert statuses == ["refused", "processed"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"AS2-From": "DEMOSUPPLIER"}, {"AS2-From": "DEMOSUPPLIER", "AS2-To": "GATEWAYBUYER"}],
    ids=["no AS2 headers", "no AS2-To", "no Message-ID"],
)
def test_given_a_request_that_is_not_as2_then_400_and_nothing_stored(
    as2_gateway: AS2Gateway, headers: dict[str, str]
) -> None:
    work = as2_gateway.workdir()
    before = len(as2_gateway.messages())

    reply = as2_gateway.post(Message(headers, b"hello", b"", ""), work)

    assert reply.status == 400
    assert len(as2_gateway.messages()) == before


class MdnCatcher(http.server.ThreadingHTTPServer):
    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], bytes]] = []
        catcher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                catcher.posts.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def mdn_catcher() -> Iterator[MdnCatcher]:
    server = MdnCatcher()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_given_an_async_mdn_request_then_the_signed_mdn_is_posted_to_the_sender(
    as2_gateway: AS2Gateway, mdn_catcher: MdnCatcher
) -> None:
    work = as2_gateway.workdir()
    url = f"http://127.0.0.1:{mdn_catcher.server_address[1]}/mdn"
    message = build(numbered_asn(3201), work, Built(mdn=url))

    reply = as2_gateway.post(message, work)

    assert reply.status == 200 and b"will be sent to" in reply.body
    [stored] = as2_gateway.by_as2_id(message.message_id)
    assert stored.status == "processed"  # stored (and here processed) before the MDN went
    wait_for(lambda: len(mdn_catcher.posts) == 1)
    headers, body = mdn_catcher.posts[0]
    mdn = read_mdn(Reply(200, headers, body), work)
    assert mdn.verified and mdn.disposition.endswith("; processed")
    assert mdn.mic == openssl_mic(message.mic_over)
    assert (headers["AS2-From"], headers["AS2-To"]) == ("GATEWAYBUYER", "DEMOSUPPLIER")


@pytest.mark.parametrize(
    "options", [Built(encrypt=False), Built(sign=False)], ids=["signed only", "encrypted only"]
)
def test_given_a_partner_requiring_both_when_one_is_missing_then_insufficient_security(
    as2_gateway: AS2Gateway, options: Built
) -> None:
    work = as2_gateway.workdir()
    message = build(numbered_asn(3301), work, options)
    message.headers["AS2-From"] = "ACMEFAST"

    reply = as2_gateway.post(message, work)

    error = "processed/error: insufficient-message-security"
    assert read_mdn(reply, work).disposition.endswith(error)
    [kept] = as2_gateway.by_as2_id(message.message_id)
    assert (kept.status, kept.partner_id) == ("refused", "acme-fasteners")
