"""A gateway serving ``POST /as2`` over real HTTP (uvicorn on loopback), with the shipped
profiles and demo keys copied to a temporary home, plus certificates made for the negative cases:
``expired`` (listed in the demo profile, out of its window), ``stranger`` (not listed) and
``next`` (the demo partner's rollover certificate, listed and valid)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from gateway.store.models import InboundMessage
from tests.transports.as2.openssl_peer import Message, Reply, curl_post
from tests.transports.harness import (
    Gateway,
    ServerThread,
    build_gateway,
    runtime_for,
    settings_for,
)

ROOT = Path(__file__).resolve().parents[3]
SECRET = "demo-as2-key-secret"
BOMB_LIMIT = 1024 * 1024
"""The demo partner's ``max_decompressed_bytes`` in these tests."""


def make_certificate(
    folder: Path, name: str, *, days: tuple[int, int] = (-1, 365), cn: str | None = None
) -> tuple[Path, Path]:
    """A self-signed RSA certificate valid from ``days[0]`` to ``days[1]`` days from now; its key
    unencrypted (for openssl) and encrypted with ``SECRET`` (for the gateway, ``.enc.key``)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn or name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / f"{name}.crt", folder / f"{name}.key"
    crt.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    plain = serialization.NoEncryption()
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, plain)
    )
    (folder / f"{name}.enc.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(SECRET.encode()),
        )
    )
    return crt, pem


def as2_home(root: Path, **demo_as2: Any) -> Path:
    """``root/partners`` (the shipped profiles) and ``root/samples/as2`` (the demo keys and the
    test certificates); ``demo_as2`` overrides the demo profile's ``transports.as2``."""
    partners, keys = root / "partners", root / "samples" / "as2"
    partners.mkdir(parents=True)
    shutil.copytree(ROOT / "samples" / "as2", keys)
    for path in (ROOT / "partners").glob("*.yaml"):
        shutil.copy(path, partners / path.name)
    make_certificate(keys, "expired", days=(-400, -35))
    make_certificate(keys, "stranger")
    make_certificate(keys, "next", days=(0, 730))  # newer than the demo certificate
    demo = partners / "demo-supplier.yaml"
    profile = yaml.safe_load(demo.read_text())
    as2 = profile["transports"]["as2"]
    as2["certificates"] += ["../samples/as2/expired.crt", "../samples/as2/next.crt"]
    as2["max_decompressed_bytes"] = BOMB_LIMIT
    as2.update(demo_as2)
    demo.write_text(yaml.safe_dump(profile, sort_keys=False))
    acme = partners / "acme-fasteners.yaml"
    profile = yaml.safe_load(acme.read_text())
    profile["transports"]["as2"] = {  # signed and encrypted required (the defaults)
        "enabled": True,
        "as2_id": "ACMEFAST",
        "certificates": ["../samples/as2/demo-supplier.crt"],
        "our_keys": [
            {"certificate": "../samples/as2/gateway.crt", "key": "../samples/as2/gateway.key"}
        ],
    }
    acme.write_text(yaml.safe_dump(profile, sort_keys=False))
    return partners


@dataclass
class AS2Gateway:
    gateway: Gateway
    url: str
    work: Path
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def workdir(self) -> Path:
        path = self.work / f"m{next(self.numbers)}"
        path.mkdir()
        return path

    def post(self, message: Message, work: Path) -> Reply:
        return curl_post(self.url + "/as2", message, work)

    def messages(self, **where: Any) -> list[InboundMessage]:
        with self.gateway.runtime.db.sessions() as session:
            query = select(InboundMessage).filter_by(**where).order_by(InboundMessage.received_at)
            return list(session.execute(query).scalars())

    def by_as2_id(self, message_id: str) -> list[InboundMessage]:
        return self.messages(transport="as2", transport_message_id=message_id)


@pytest.fixture(scope="module")
def as2_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AS2Gateway]:
    root = tmp_path_factory.mktemp("as2")
    settings = settings_for(
        root,
        partners_dir=as2_home(root, require_signed=False, require_encrypted=False),
        as2_key_secret=SECRET,
    )
    runtime = runtime_for(settings)
    gateway = build_gateway(runtime)
    (root / "work").mkdir()
    try:
        with ServerThread(gateway.app) as server:
            yield AS2Gateway(gateway, server.url, root / "work")
    finally:
        runtime.close()
