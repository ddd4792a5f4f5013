"""Finding, merging and validating map files; building ``Map`` objects from them.

Layout: ``<maps_dir>/base/x12-<type>.yaml`` holds the base map of each document type;
``<maps_dir>/<partner_id>/x12-<type>.yaml`` overrides it for one partner. A file with
``extends: <dir>`` is deep-merged over the same file in that directory (dicts merge key by key;
lists and scalars replace), then the result is validated as a whole. Every problem of a file is
reported at once, as one ``ConfigurationError`` from ``load_map`` or as lines from ``check_maps``.

YAML is read with two changes to the usual rules: every plain scalar except ``null``/``~`` is a
string (so codes such as ``010``, ``ON`` or ``NO`` stay codes), and a key given twice is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gateway.errors import ConfigurationError
from gateway.locations import maps_from_environment
from gateway.mapping.base import Map
from gateway.mapping.config import MapConfig
from gateway.mapping.functional_ack import FunctionalAckMap, FunctionalAckMapConfig
from gateway.mapping.invoice import InvoiceMap, InvoiceMapConfig
from gateway.mapping.po_ack import PoAckMapConfig, PoAcknowledgmentMap
from gateway.mapping.ship_notice import ShipNoticeMap, ShipNoticeMapConfig

BASE = "base"
_MAPS: dict[str, tuple[type[MapConfig], Callable[[Any], Map]]] = {
    "855": (PoAckMapConfig, PoAcknowledgmentMap),
    "856": (ShipNoticeMapConfig, ShipNoticeMap),
    "810": (InvoiceMapConfig, InvoiceMap),
    "997": (FunctionalAckMapConfig, FunctionalAckMap),
    "999": (FunctionalAckMapConfig, FunctionalAckMap),
}
DOCUMENT_TYPES = frozenset(_MAPS)
_FILE = re.compile(r"x12-(\w+)\.yaml")
_DIR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def default_maps_dir() -> Path:
    """Where maps are read when no directory is given (``gateway.locations``)."""
    return maps_from_environment()


def load_map(
    document_type: str, partner_id: str | None = None, maps_dir: Path | None = None
) -> Map:
    """The map for ``document_type``: the partner's override when it has one, else the base.

    Cached per (type, partner, directory); ``clear_map_cache`` forgets. Raises
    ``ConfigurationError`` listing every problem of the file.
    """
    return _load(document_type, partner_id, _resolved(maps_dir or default_maps_dir()))


def clear_map_cache() -> None:
    _resolved.cache_clear()
    _load.cache_clear()
    _load_file.cache_clear()


@lru_cache(maxsize=64)
def _resolved(path: Path) -> Path:
    """``path.resolve()``, which asks the file system each time (every document needs its map)."""
    return path.resolve()


@lru_cache(maxsize=256)
def _load(document_type: str, partner_id: str | None, root: Path) -> Map:
    if document_type not in _MAPS:
        raise ConfigurationError(
            f"no map for document type {document_type!r}",
            code="config.map.unsupported",
            document_type=document_type,
        )
    if partner_id is not None and not _DIR.fullmatch(partner_id):
        raise ConfigurationError(f"invalid partner id {partner_id!r}", partner_id=partner_id)
    name = f"x12-{document_type}.yaml"
    directory = partner_id if partner_id and (root / partner_id / name).is_file() else BASE
    return _load_file(root, directory, name)


@lru_cache(maxsize=256)
def _load_file(root: Path, directory: str, name: str) -> Map:
    """One map file, built once: partners without an override share the base map object."""
    mapping, errors = _build(root, directory, name)
    if mapping is None:
        raise ConfigurationError(
            f"invalid map {directory}/{name}:\n  " + "\n  ".join(errors),
            code="config.map.invalid",
            file=str(root / directory / name),
            errors=errors,
        )
    return mapping


def check_maps(maps_dir: Path | None = None) -> list[str]:
    """Every problem in every map file under ``maps_dir`` (empty when all is well)."""
    root = maps_dir or default_maps_dir()
    if not (root / BASE).is_dir():
        return [f"{root}: no {BASE}/ directory"]
    problems = [
        f"{BASE}/x12-{t}.yaml: missing (every document type needs a base map)"
        for t in sorted(DOCUMENT_TYPES)
        if not (root / BASE / f"x12-{t}.yaml").is_file()
    ]
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] != "."):
        if not _DIR.fullmatch(directory.name):
            problems.append(f"{directory.name}/: not a valid partner id")
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix in (".yaml", ".yml"):
                problems.extend(_build(root, directory.name, path.name)[1])
    return problems


def _build(root: Path, directory: str, name: str) -> tuple[Map | None, list[str]]:
    """The map of ``directory/name`` with its ``extends`` chain, or the reasons it has none."""
    label = f"{directory}/{name}"
    match = _FILE.fullmatch(name)
    if match is None or match.group(1) not in _MAPS:
        known = ", ".join(f"x12-{t}.yaml" for t in sorted(_MAPS))
        return None, [f"{label}: not a map file name (expected one of {known})"]
    data, errors = _resolve(root, directory, name, ())
    if data is None:
        return None, errors
    config_model, map_class = _MAPS[match.group(1)]
    try:
        config = config_model.model_validate(data)
    except ValidationError as exc:
        chain = f" (merged over {data['extends']})" if data.get("extends") else ""
        return None, [f"{label}{chain}: {_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
    return map_class(config), []


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _resolve(
    root: Path, directory: str, name: str, seen: tuple[str, ...]
) -> tuple[dict[str, Any] | None, list[str]]:
    """The file's data merged over what it extends (recursively), or the reasons it cannot be."""
    label = f"{directory}/{name}"
    if directory in seen:
        return None, [f"{label}: 'extends' loops back ({' -> '.join((*seen, directory))})"]
    data, error = _read(root / directory / name, label)
    if data is None:
        return None, [error]
    parent = data.get("extends")
    if parent is None:
        return data, []
    if not isinstance(parent, str) or not _DIR.fullmatch(parent):
        return None, [f"{label}: extends: must name a map directory such as 'base'"]
    if not (root / parent / name).is_file():
        return None, [f"{label}: extends: {parent}/{name} does not exist"]
    base, errors = _resolve(root, parent, name, (*seen, directory))
    return (deep_merge(base, data), []) if base is not None else (None, errors)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: dicts merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path, label: str) -> tuple[dict[str, Any] | None, str]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_MapLoader)
    except OSError as exc:
        return None, f"{label}: cannot read ({exc.strerror})"
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, f"{label}: not valid YAML: {' '.join(str(exc).split())}"
    if not isinstance(data, dict):
        return None, f"{label}: must be a mapping of settings"
    return data, ""


class _MapLoader(yaml.SafeLoader):
    """Safe YAML where plain scalars are strings (except null) and duplicate keys are errors."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


_MapLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
