"""The ID token checks of the console's provider sign-in (``console.pages_oidc``), on tokens a
real provider would never send: a tampered payload, another signer, ``alg: none``, another
audience or issuer, an old token, and a replayed nonce. Each is refused; the honest token is
accepted (so the refusals are the checks', not the harness's).

The provider's token endpoint is stood in for by a fake client that answers with the crafted
token: a real provider (``test_oidc.py``, npm ``oidc-provider``) cannot be made to sign these.
"""

from __future__ import annotations

import base64
import json
import time
from types import SimpleNamespace
from typing import Any

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from gateway.console import pages_oidc
from gateway.settings import Settings

ISSUER = "http://127.0.0.1:9/oidc"
CLIENT = "gateway-console"
NONCE = "n-0S6_WzA2Mj"

PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider"}, private=True)
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider"}, private=True)
"""An attacker's key that claims the provider's key id."""


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    found = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "alice",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "groups": ["edi-admins"],
    }
    found.update(changes)
    return {k: v for k, v in found.items() if v is not None}


def signed(payload: dict[str, Any], key: RSAKey = PROVIDER_KEY) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class FakeTokenClient:
    """Authlib's client, as far as ``_verified_claims`` uses it: the token endpoint's answer."""

    def __init__(self, id_token: str) -> None:
        self.id_token = id_token

    def __enter__(self) -> FakeTokenClient:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def fetch_token(self, *_: object, **__: object) -> dict[str, str]:
        return {"access_token": "at", "token_type": "Bearer", "id_token": self.id_token}


def verify(monkeypatch: pytest.MonkeyPatch, id_token: str) -> dict[str, Any]:
    keys = KeySet.import_key_set({"keys": [PROVIDER_KEY.as_dict(private=False)]})
    fetched: list[str] = []

    def jwks(provider: Any) -> KeySet:  # what the provider's jwks_uri serves
        fetched.append(provider.jwks_uri)
        provider.keys = keys
        return keys

    monkeypatch.setattr(pages_oidc, "_client", lambda *_: FakeTokenClient(id_token))
    monkeypatch.setattr(pages_oidc, "_keys", jwks)
    settings = Settings(_env_file=None, oidc_issuer=ISSUER, oidc_client_id=CLIENT)
    provider = pages_oidc._Provider(ISSUER, f"{ISSUER}/auth", f"{ISSUER}/token", f"{ISSUER}/jwks")
    flow = pages_oidc._Flow(NONCE, "verifier", "/console/", time.monotonic() + 60)
    request = SimpleNamespace()
    return pages_oidc._verified_claims(request, settings, provider, "code", flow)  # type: ignore[arg-type]


def test_given_the_providers_honest_token_then_its_claims_are_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert verify(monkeypatch, signed(claims()))["sub"] == "alice"


def tampered() -> str:
    """The provider's token with its payload rewritten (a new subject and group), its
    signature kept."""
    header, _, signature = signed(claims()).split(".")
    return ".".join((header, b64(claims(sub="mallory", groups=["edi-admins"])), signature))


def unsigned() -> str:
    return ".".join((b64({"alg": "none", "typ": "JWT"}), b64(claims()), ""))


@pytest.mark.parametrize(
    ("name", "token", "why"),
    [
        ("payload rewritten, signature kept", tampered, "bad_signature"),
        (
            "signed by another key with the provider's key id",
            lambda: signed(claims(), OTHER_KEY),
            "bad_signature",
        ),
        ("alg none", unsigned, "unsupported_algorithm"),
        (
            "another nonce (a replayed token)",
            lambda: signed(claims(nonce="an-old-nonce")),
            "nonce",
        ),
        ("no nonce", lambda: signed(claims(nonce=None)), "nonce"),
        ("another audience", lambda: signed(claims(aud="another-client")), "aud"),
        ("another issuer", lambda: signed(claims(iss="http://127.0.0.1:9/evil")), "iss"),
        ("expired an hour ago", lambda: signed(claims(exp=int(time.time()) - 3600)), "expired"),
        ("no subject", lambda: signed(claims(sub=None)), "sub"),
    ],
)
def test_given_a_token_the_provider_did_not_issue_for_this_sign_in_then_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, token: Any, why: str
) -> None:
    with pytest.raises(JoseError, match=why):
        verify(monkeypatch, token())
