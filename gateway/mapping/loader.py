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

import hashlib
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
from gateway.mapping.outbound.config import OutboundPoMapConfig
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
OUTBOUND_PO_FILE = "outbound-850.yaml"
"""How we write a partner's 850s and 860s (``gateway.mapping.outbound``): ``base/`` and a
partner's override, like the inbound maps."""
_FILE = re.compile(r"x12-(\w+)\.yaml")
_DIR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def default_maps_dir() -> Path:
    """Where maps are read when no directory is given (``gateway.locations``)."""
    return maps_from_environment()


def load_map(
    document_type: str, partner_id: str | None = None, maps_dir: Path | None = None
) -> Map:
    """The map for ``document_type``: the partner's override when it has one, else the base.

    From the directory's installed ``MapSet`` when a running process installed one
    (``use_maps``: live reload), else read once and cached per (type, partner, directory);
    ``clear_map_cache`` forgets. Raises ``ConfigurationError`` listing every problem of the file.
    """
    if partner_id is not None and not _DIR.fullmatch(partner_id):  # never a path, live or not
        raise ConfigurationError(f"invalid partner id {partner_id!r}", partner_id=partner_id)
    root = _resolved(maps_dir or default_maps_dir())
    live = _LIVE.get(root)
    if live is not None:
        return live.map_for(document_type, partner_id)
    return _load(document_type, partner_id, root)


def map_version(partner_id: str | None, maps_dir: Path | None = None) -> str:
    """The version of the maps ``partner_id`` is translated with (``map_files``): the installed
    set's, else computed from the files once and cached like the maps."""
    root = _resolved(maps_dir or default_maps_dir())
    live = _LIVE.get(root)
    if live is not None:
        return live.version(partner_id)
    return _version_on_disk(partner_id, root)


def use_maps(maps_dir: Path, maps: MapSet | None) -> None:
    """Translate with ``maps`` (every file of ``maps_dir``, built and checked) from now on, in
    this process; None: read the files again (cached). One assignment: a reader gets the old set
    or the new one, never a mix."""
    root = _resolved(maps_dir)
    if maps is None:
        _LIVE.pop(root, None)
    else:
        _LIVE[root] = maps


def clear_map_cache() -> None:
    _resolved.cache_clear()
    _load.cache_clear()
    _load_file.cache_clear()
    _version_on_disk.cache_clear()


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
    return read_map_set(maps_dir)[1]


def read_map_set(maps_dir: Path | None = None) -> tuple[MapSet | None, list[str]]:
    """Every map file under ``maps_dir`` built, or every problem there is (then no set)."""
    root = maps_dir or default_maps_dir()
    if not (root / BASE).is_dir():
        return None, [f"{root}: no {BASE}/ directory"]
    problems = [
        f"{BASE}/x12-{t}.yaml: missing (every document type needs a base map)"
        for t in sorted(DOCUMENT_TYPES)
        if not (root / BASE / f"x12-{t}.yaml").is_file()
    ]
    maps: dict[tuple[str, str], Map] = {}
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] != "."):
        if not _DIR.fullmatch(directory.name):
            problems.append(f"{directory.name}/: not a valid partner id")
            continue
        for path in sorted(directory.iterdir()):
            if path.name == OUTBOUND_PO_FILE:
                problems.extend(_build_outbound(root, directory.name)[1])
            elif path.suffix in (".yaml", ".yml"):
                built, errors = _build(root, directory.name, path.name)
                problems.extend(errors)
                if built is not None:
                    maps[(directory.name, path.name)] = built
    if problems:
        return None, problems
    return MapSet(_resolved(root), maps, _files(root)), []


def map_files(partner_id: str | None, maps_dir: Path | None = None) -> dict[str, bytes]:
    """The files that make ``partner_id``'s maps: ``base/`` and its own ``<partner_id>/``
    overrides, by path under the maps directory (a file ``extends``-ing another directory is
    counted by its own bytes only)."""
    root = maps_dir or default_maps_dir()
    return _applying(_files(root), partner_id)


def version_of(files: dict[str, bytes]) -> str:
    """sha256[:12] over the files' paths and bytes, in path order: the same files, the same
    version, whichever machine computes it."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()[:12]


class MapSet:
    """Every map file of one maps directory, built and checked together: what a running process
    translates with once it is installed (``use_maps``), and the files' bytes for versions."""

    def __init__(
        self, root: Path, maps: dict[tuple[str, str], Map], files: dict[str, bytes]
    ) -> None:
        self.root, self.maps, self.files = root, maps, files
        self._versions: dict[str | None, str] = {}

    def map_for(self, document_type: str, partner_id: str | None) -> Map:
        if document_type not in _MAPS:
            raise ConfigurationError(
                f"no map for document type {document_type!r}",
                code="config.map.unsupported",
                document_type=document_type,
            )
        name = f"x12-{document_type}.yaml"
        found = self.maps.get((partner_id, name)) if partner_id else None
        return found or self.maps[(BASE, name)]

    def files_for(self, partner_id: str | None) -> dict[str, bytes]:
        return _applying(self.files, partner_id)

    def version(self, partner_id: str | None) -> str:
        found = self._versions.get(partner_id)
        if found is None:
            found = self._versions[partner_id] = version_of(self.files_for(partner_id))
        return found


_LIVE: dict[Path, MapSet] = {}
"""Resolved maps directory -> its installed set (``use_maps``)."""


def _files(root: Path) -> dict[str, bytes]:
    """Every map file's bytes by path under ``root`` (``base/x12-856.yaml``)."""
    found: dict[str, bytes] = {}
    if not root.is_dir():
        return found
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] != "."):
        for path in sorted(directory.iterdir()):
            if path.suffix in (".yaml", ".yml") and path.is_file():
                found[f"{directory.name}/{path.name}"] = path.read_bytes()
    return found


def _applying(files: dict[str, bytes], partner_id: str | None) -> dict[str, bytes]:
    dirs = {BASE, partner_id} if partner_id else {BASE}
    return {name: data for name, data in files.items() if name.split("/", 1)[0] in dirs}


@lru_cache(maxsize=256)
def _version_on_disk(partner_id: str | None, root: Path) -> str:
    return version_of(map_files(partner_id, root))


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


def load_outbound_po_map(
    partner_id: str | None, maps_dir: Path | None = None
) -> OutboundPoMapConfig:
    """How we write ``partner_id``'s purchase orders: its ``outbound-850.yaml`` when it has one,
    else the base one, else the defaults. Read each time (a PO is sent rarely; an edit applies
    to the next one). Raises ``ConfigurationError`` listing every problem of the file."""
    if partner_id is not None and not _DIR.fullmatch(partner_id):
        raise ConfigurationError(f"invalid partner id {partner_id!r}", partner_id=partner_id)
    root = _resolved(maps_dir or default_maps_dir())
    own = partner_id is not None and (root / partner_id / OUTBOUND_PO_FILE).is_file()
    directory = partner_id if own and partner_id else BASE
    if not (root / directory / OUTBOUND_PO_FILE).is_file():
        return OutboundPoMapConfig()
    config, errors = _build_outbound(root, directory)
    if config is None:
        raise ConfigurationError(
            f"invalid map {directory}/{OUTBOUND_PO_FILE}:\n  " + "\n  ".join(errors),
            code="config.map.invalid",
            file=str(root / directory / OUTBOUND_PO_FILE),
            errors=errors,
        )
    return config


def _build_outbound(root: Path, directory: str) -> tuple[OutboundPoMapConfig | None, list[str]]:
    label = f"{directory}/{OUTBOUND_PO_FILE}"
    data, errors = _resolve(root, directory, OUTBOUND_PO_FILE, ())
    if data is None:
        return None, errors
    try:
        return OutboundPoMapConfig.model_validate(data), []
    except ValidationError as exc:
        return None, [f"{label}: {_where(e['loc'])}: {e['msg']}" for e in exc.errors()]


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
