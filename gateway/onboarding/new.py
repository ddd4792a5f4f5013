"""A new partner from a template: ``prepare`` checks everything, ``create`` makes it, all or nothing.

``prepare`` gathers **every** problem before refusing (``OnboardingRefused``): an invalid id, an
existing partner, an unknown template, a placeholder not given or not in the template, a value
the profile refuses (an invalid code, a malformed URL), a sender id another partner holds. Each
problem names the placeholder(s) it came from, so the CLI shows ``--set NAME=VALUE`` as typed and
the operator API the ``values`` key. Nothing is written until all is well.

``create`` then writes the profile file, registers the partner and issues its API key (for
templates that enable the HTTP API) so that either all three exist or none: the file is
written under a temporary name and linked into place inside the database transaction, and
removed again if the transaction does not commit.

An AS2 template names our key pair for the partner (``transports.as2.our_keys``); when those
files do not exist, ``prepare`` makes the key pair in memory (``as2_identity``: it needs
``GATEWAY_AS2_KEY_SECRET``, a problem like any other when unset) and ``create`` writes it with
the profile, and removes it again with the rest.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from gateway.lifecycle import REMOVED
from gateway.onboarding import as2_identity
from gateway.onboarding.templates import PLACEHOLDER, PLACEHOLDERS, Template, find_template
from gateway.onboarding.templates import list_templates as _templates
from gateway.partner_store import PartnerKeys
from gateway.partners import (
    PartnerProfile,
    forget_profiles,
    identity_findings,
    read_partners,
    validate_profile,
)
from gateway.store.db import Database
from gateway.store.models import AuditEntry, Partner
from gateway.x12.identities import EnvelopeId

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    placeholders: dict[str, str | None] = field(default_factory=dict)
    """The placeholders it came from, with the value given (None: not given)."""
    field: str | None = None
    """The profile path (``x12.sender_ids.0.id``) or request field (``template``) concerned."""

    def __str__(self) -> str:
        """In the command line's words: ``--set ISA_ID=X: x12.sender_ids.0.id: ...``."""
        given = " ".join(
            f"--set {name}" + (f"={value}" if value is not None else "")
            for name, value in self.placeholders.items()
        )
        where = f"--{self.field}" if self.field == "template" else self.field
        return ": ".join(part for part in (given, where, self.message) if part)


class OnboardingRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Prepared:
    template: Template
    profile: PartnerProfile
    text: str
    """The profile file, the template's comments kept."""
    path: Path
    identities: tuple[as2_identity.NewIdentity, ...] = ()
    """Our AS2 key pairs to write with the profile."""


@dataclass(frozen=True, slots=True)
class Created:
    profile: PartnerProfile
    template: str
    path: Path
    api_key: str | None
    """Issued for partners on the HTTP API; shown once, stored hashed."""


def answers(template: Template, partner_id: str, values: Mapping[str, str]) -> dict[str, str]:
    """``values`` with ``PARTNER_ID`` and the defaults of placeholders not given."""
    found = {"PARTNER_ID": partner_id, **values}
    for name in template.placeholders:
        spec = PLACEHOLDERS.get(name)
        if name not in found and spec is not None and spec.default is not None:
            found[name] = spec.default.replace("${PARTNER_ID}", partner_id)
    return found


def missing(template: Template, partner_id: str, values: Mapping[str, str]) -> list[str]:
    """The placeholders still to be answered (the CLI asks for them on a terminal)."""
    given = answers(template, partner_id, values)
    return [name for name in template.placeholders if name not in given]


def prepare(
    partner_id: str,
    template_name: str,
    values: Mapping[str, str],
    *,
    partners_dir: Path,
    our_ids: tuple[EnvelopeId, ...],
    db: Database | None = None,
    as2_id: str = "GATEWAYBUYER",
    as2_key_secret: str = "",
) -> Prepared:
    """The new partner's profile, checked; ``OnboardingRefused`` with every problem otherwise.
    ``as2_id``/``as2_key_secret``: the gateway's AS2 name and key secret (``GATEWAY_AS2_*``), for
    the key pair an AS2 template asks for."""
    problems = _request_problems(partner_id, values, partners_dir)
    template = find_template(partners_dir, template_name)
    if template is None:
        known = ", ".join(t.name for t in _templates(partners_dir))
        problems.append(
            Problem(f"no template {template_name!r} (templates: {known})", {}, "template")
        )
        raise OnboardingRefused(problems)
    given = answers(template, partner_id, values)
    for name in values:
        if name not in template.placeholders:
            asks = ", ".join(p for p in template.placeholders if p != "PARTNER_ID")
            problems.append(
                Problem(
                    f"template {template.name} has no such placeholder (it asks for {asks})",
                    {name: values[name]},
                )
            )
    unfilled = [name for name in template.placeholders if name not in given]
    for name in unfilled:
        spec = PLACEHOLDERS.get(name)
        problems.append(Problem(f"not given: {spec.question if spec else name}", {name: None}))
    text = template.fill(given)
    data = yaml.safe_load(text)
    profile, errors = validate_profile(data)
    for where, message in errors:
        if _holds_placeholder(data, where):  # reported above as not given
            continue
        if any(other.startswith(f"{where}.") for other, _ in errors):  # a consequence of it
            continue
        problems.append(Problem(message, _sources(template, where, given), where))
    if profile is not None:
        problems += _identity_problems(profile, template, given, partners_dir, our_ids, db)
    if profile is not None:
        problems += _as2_problems(profile, partners_dir, as2_key_secret)
    if problems or profile is None:
        raise OnboardingRefused(problems)
    identities = _as2_identities(profile, partners_dir, as2_id, as2_key_secret)
    return Prepared(template, profile, text, partners_dir / f"{partner_id}.yaml", identities)


def _our_key_files(profile: PartnerProfile, partners_dir: Path) -> list[tuple[Path, Path]]:
    as2 = profile.transports.as2
    if as2 is None:
        return []
    return [(partners_dir / k.certificate, partners_dir / k.key) for k in as2.our_keys]


def _as2_problems(profile: PartnerProfile, partners_dir: Path, secret: str) -> list[Problem]:
    """Our key pair's files: both new (made here) or both there (an operator's own), inside the
    partners folder; a new one needs the key secret."""
    problems: list[Problem] = []
    root = partners_dir.resolve()
    for n, (certificate, key) in enumerate(_our_key_files(profile, partners_dir)):
        where = f"transports.as2.our_keys.{n}"
        if not all(p.resolve().is_relative_to(root) for p in (certificate, key)):
            problems.append(Problem("our key pair must be inside the partners folder", {}, where))
        elif certificate.exists() != key.exists():
            there = certificate if certificate.exists() else key
            problems.append(
                Problem(f"{there} exists without its pair: remove it or add the other", {}, where)
            )
        elif not certificate.exists() and not secret:
            problems.append(
                Problem(
                    "set GATEWAY_AS2_KEY_SECRET: our AS2 key for this partner is made now and "
                    "kept encrypted with it",
                    {},
                    where,
                )
            )
    return problems


def _as2_identities(
    profile: PartnerProfile, partners_dir: Path, as2_id: str, secret: str
) -> tuple[as2_identity.NewIdentity, ...]:
    as2 = profile.transports.as2
    return tuple(
        as2_identity.make(
            certificate,
            key,
            our_as2_id=(as2.our_as2_id if as2 is not None else None) or as2_id,
            partner_id=profile.id,
            secret=secret,
        )
        for certificate, key in _our_key_files(profile, partners_dir)
        if not certificate.exists()
    )


def _request_problems(
    partner_id: str, values: Mapping[str, str], partners_dir: Path
) -> list[Problem]:
    problems: list[Problem] = []
    if not _ID.fullmatch(partner_id):
        problems.append(
            Problem(f"partner id {partner_id!r}: lower-case letters, digits and '-' (max 63)")
        )
    elif partner_id == "templates":
        problems.append(Problem("partner id 'templates' is reserved (the templates' folder)"))
    elif (partners_dir / f"{partner_id}.yaml").exists():
        problems.append(Problem(f"partner {partner_id} already exists ({partners_dir})"))
    if "PARTNER_ID" in values and values["PARTNER_ID"] != partner_id:
        problems.append(Problem("the partner id is the ID argument", {"PARTNER_ID": None}))
    for name, value in values.items():
        if _CONTROL.search(value):
            problems.append(Problem("holds a control character", {name: value}))
    return problems


def _identity_problems(
    profile: PartnerProfile,
    template: Template,
    given: Mapping[str, str],
    partners_dir: Path,
    our_ids: tuple[EnvelopeId, ...],
    db: Database | None,
) -> list[Problem]:
    """Sender ids other partners hold (in their profiles, or in the rows of removed ones) and
    ids that are not ours."""
    others, _ = read_partners(partners_dir, our_ids)
    seen = {
        sender.envelope_id(): other.id
        for other in others.values()
        for sender in other.x12.sender_ids
        if other.id != profile.id
    }
    if db is not None:
        with db.sessions() as session:
            rows = session.execute(
                select(Partner.id, Partner.isa_qualifier, Partner.isa_id).where(
                    Partner.id != profile.id
                )
            )
            for row in rows:
                seen.setdefault(EnvelopeId(row.isa_qualifier, row.isa_id), row.id)
    return [
        Problem(why, _sources(template, where, given), where)
        for where, why in identity_findings(profile, our_ids, seen)
    ]


def _sources(template: Template, where: str, given: Mapping[str, str]) -> dict[str, str | None]:
    """The placeholders whose values sit at ``where`` or under it (none for the whole file)."""
    return {
        name: given.get(name)
        for name, paths in template.locations.items()
        if name != "PARTNER_ID"
        and where
        and any(p == where or p.startswith(f"{where}.") for p in paths)
    }


def _holds_placeholder(data: Any, where: str) -> bool:
    value = data
    for part in where.split(".") if where else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False
    return isinstance(value, str) and PLACEHOLDER.search(value) is not None


def create(db: Database, keys: PartnerKeys, prepared: Prepared, *, actor: str) -> Created:
    """Write, register and key the prepared partner, all or nothing (module docstring)."""
    profile, path = prepared.profile, prepared.path
    api_key = "gk_" + secrets.token_urlsafe(32) if profile.transports.http.enabled else None
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    temporary.write_text(prepared.text, encoding="utf-8")
    linked = False
    written: list[Path] = []
    try:
        for identity in prepared.identities:
            written += as2_identity.write(identity)
        with db.transaction() as session:
            row = session.get(Partner, profile.id, with_for_update=True)
            if row is not None and row.status != REMOVED:
                raise OnboardingRefused([Problem(f"partner {profile.id} is already registered")])
            if row is None:
                row = Partner(id=profile.id)
                session.add(row)
            row.name, row.status = profile.name, profile.status
            row.isa_qualifier, row.isa_id = profile.x12.qualifier, profile.x12.id
            session.flush()
            detail: dict[str, Any] = {"template": prepared.template.name, "status": profile.status}
            if prepared.identities:  # which certificate we made, should it ever be in doubt
                detail["as2_certificates"] = [
                    as2_identity.summarize(i.certificate_path, i.certificate_pem).sha256
                    for i in prepared.identities
                ]
            session.add(
                AuditEntry(actor=actor, action="partner.created", subject=profile.id, detail=detail)
            )
            if api_key is not None:
                keys.add(session, profile.id, api_key, actor=actor)
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise OnboardingRefused([Problem(f"partner {profile.id} already exists")]) from None
            linked = True
    except FileExistsError as exc:  # a key pair file appeared since prepare
        as2_identity.remove(written)
        raise OnboardingRefused([Problem(f"{exc.filename} already exists")]) from None
    except BaseException:
        if linked:
            path.unlink(missing_ok=True)
        as2_identity.remove(written)
        raise
    finally:
        temporary.unlink(missing_ok=True)
        forget_profiles()
    return Created(profile, prepared.template.name, path, api_key)
