"""Onboarding templates: complete partner profiles with ``${NAME}`` placeholders for what is left to
answer (``partners/templates/*.yaml``).

A template is text, so the profile written from it keeps its comments: filling it replaces each
placeholder in the text, the value escaped for the double-quoted YAML string it sits in (a test
holds every shipped template to that). Which placeholders a template asks for is read from its
YAML values, not its comments; what each one means, how to ask for it and an example value are
in ``PLACEHOLDERS``, so every template asks the same question the same way. ``check_templates``
fills every template with the examples and validates the result (``gateway check-config``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from gateway.locations import packaged
from gateway.partners import validate_profile

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str
    question: str
    example: str
    default: str | None = None
    """Offered when nothing is given; may name ``${PARTNER_ID}``."""


PLACEHOLDERS = {
    p.name: p
    for p in (
        Placeholder("PARTNER_ID", "partner id (lower-case letters, digits, '-')", "example-parts"),
        Placeholder("PARTNER_NAME", "the supplier's name", "Example Parts Inc"),
        Placeholder(
            "ISA_QUALIFIER",
            "their ISA05 qualifier (ZZ mutually defined, 01 DUNS, 12 phone)",
            "ZZ",
            default="ZZ",
        ),
        Placeholder("ISA_ID", "their ISA06 sender id (1-15 characters)", "EXAMPLEPARTS"),
        Placeholder("SENDER_ID", "the sender id their documents carry", "EXAMPLEPARTS"),
        Placeholder("CONTACT_NAME", "their EDI contact's name", "Pat Example"),
        Placeholder("CONTACT_EMAIL", "their EDI contact's e-mail", "edi@example-parts.example"),
        Placeholder("AS2_ID", "their AS2 name (AS2-From)", "EXAMPLEPARTS"),
        Placeholder("AS2_URL", "their AS2 endpoint (https://...)", "https://as2.example/as2"),
        Placeholder("SFTP_HOST", "their SFTP server's host name", "sftp.example-parts.example"),
        Placeholder(
            "SFTP_HOST_KEY",
            "their SFTP server's host key fingerprint (ssh-keygen -l -E sha256: SHA256:...)",
            "SHA256:q8Mv2P0hJrUf7nq3mJ6cW1xZkA5b0Qe9r3tYw2uVdNs",
        ),
        Placeholder("SFTP_USER", "the SFTP account name", "example-parts", default="${PARTNER_ID}"),
        Placeholder(
            "SFTP_PUBLIC_KEY",
            "their SFTP public key (ssh-ed25519 ...; empty: we make a key pair for them)",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIdnx1MoWva8vktrk381Q1O9w28qZniMN+b6itLa73K0 pat@example-parts",
        ),
    )
}


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    text: str

    @property
    def description(self) -> str:
        """Its first comment line."""
        first = self.text.splitlines()[0] if self.text else ""
        return first.lstrip("# ").strip() if first.startswith("#") else ""

    @cached_property
    def locations(self) -> dict[str, list[str]]:
        """Placeholder -> the dotted profile paths whose values hold it, in file order."""
        found: dict[str, list[str]] = {}
        for where, value in _strings(yaml.safe_load(self.text)):
            for name in PLACEHOLDER.findall(value):
                found.setdefault(name, []).append(where)
        return found

    @property
    def placeholders(self) -> list[str]:
        return list(self.locations)

    def fill(self, values: Mapping[str, str]) -> str:
        """The text with each placeholder in ``values`` replaced; the others stay as they are."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            return _quoted(values[name]) if name in values else match.group(0)

        return PLACEHOLDER.sub(value, self.text)


def templates_dir(partners_dir: Path) -> Path:
    """``<partners>/templates`` when the partners folder has its own, else the packaged ones."""
    own = partners_dir / "templates"
    return own if own.is_dir() else packaged("partners") / "templates"


def list_templates(partners_dir: Path) -> list[Template]:
    root = templates_dir(partners_dir)
    return [_load(path) for path in sorted(root.glob("*.yaml"))]


def find_template(partners_dir: Path, name: str) -> Template | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        return None
    path = templates_dir(partners_dir) / f"{name}.yaml"
    return _load(path) if path.is_file() else None


def _load(path: Path) -> Template:
    return Template(path.stem, path, path.read_text(encoding="utf-8"))


def check_templates(partners_dir: Path) -> list[str]:
    """Every template, filled with the placeholders' examples, must be a valid profile."""
    problems: list[str] = []
    for template in list_templates(partners_dir):
        name = f"templates/{template.path.name}"
        unknown = [p for p in template.placeholders if p not in PLACEHOLDERS]
        problems += [f"{name}: ${{{p}}} is not a known placeholder" for p in unknown]
        examples = {p.name: p.example for p in PLACEHOLDERS.values()}
        try:
            data = yaml.safe_load(template.fill(examples))
        except yaml.YAMLError as exc:
            problems.append(f"{name}: not YAML once filled: {exc}")
            continue
        _, errors = validate_profile(data)
        problems += [f"{name}: {where or '(file)'}: {message}" for where, message in errors]
    return problems


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


def _quoted(value: str) -> str:
    """``value`` escaped for a double-quoted YAML string (the placeholder sits in one)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
