"""Where the gateway finds its data: partner profiles, maps and its data directory (SQLite).

Each is one directory, never a merge of several. The first rule that applies wins:

==========  ==================================================================================
partners    ``--partners`` > ``GATEWAY_PARTNERS_DIR`` > ``<home>/partners`` > the packaged demo
maps        ``--maps`` > ``GATEWAY_MAPS_DIR`` > ``<home>/maps`` if it exists > the packaged maps
data dir    ``GATEWAY_DATA_DIR`` > ``<home>/var`` > the user's data directory
==========  ==================================================================================

``<home>`` is ``GATEWAY_HOME``, else the working directory when it holds a ``partners/`` folder
(a checkout, or a folder an operator laid out the same way); ``GATEWAY_*`` values come from the
environment or a ``.env`` in the working directory (``Settings``). The packaged demo is used only
when there is no home at all, so an operator's partners are never mixed with, or silently replaced
by, the demo: a home without ``partners/`` is reported as such. The user's data directory is
``$XDG_DATA_HOME/supplier-gateway`` (``~/.local/share/supplier-gateway``): a command run from an
unrelated folder never creates a database there.

Packaged data (``PACKAGED``) lives in ``gateway/_data/`` of an installed wheel, copied from the
top-level folders by ``setup.py``; a source checkout (an editable install) reads those folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path

PACKAGED = {"partners": "partners", "maps": "maps", "samples": "samples/demo-supplier"}
"""Packaged data folder -> the checkout folder it is built from (``setup.py`` says which files)."""
USER_DATA_NAME = "supplier-gateway"
_CHECKOUT = Path(__file__).resolve().parents[1]
"""The folder above the package: a source checkout's root when the package is not installed."""


@dataclass(frozen=True, slots=True)
class Location:
    path: Path
    source: str
    """Which rule chose it, in the operator's words (``GATEWAY_HOME``, ``packaged demo``...)."""

    def __str__(self) -> str:
        return f"{self.path} ({self.source})"


@dataclass(frozen=True, slots=True)
class Locations:
    partners: Location
    maps: Location
    data: Location

    def describe(self) -> str:
        return f"partners: {self.partners}\nmaps:     {self.maps}\ndata:     {self.data}"

    def with_flags(self, partners_dir: Path | None, maps_dir: Path | None) -> Locations:
        """The command line's ``--partners`` and ``--maps`` over what the settings chose."""
        found = self
        if partners_dir is not None:
            found = replace(found, partners=Location(partners_dir.absolute(), "--partners"))
        if maps_dir is not None:
            found = replace(found, maps=Location(maps_dir.absolute(), "--maps"))
        return found


def locate(
    *,
    home: Path | None = None,
    partners_dir: Path | None = None,
    maps_dir: Path | None = None,
    data_dir: Path | None = None,
) -> Locations:
    """The three directories for these settings (``None``: not set), as the table above says."""
    found = find_home(home)
    return Locations(
        partners=_partners(partners_dir, found),
        maps=_maps(maps_dir, found),
        data=_data(data_dir, found),
    )


def partners_from_environment() -> Path:
    """The partners directory by the ``GATEWAY_*`` environment alone (not ``.env``): the default
    of library calls given no directory. Processes pass the one ``Settings`` chose."""
    home = find_home(_env_path("GATEWAY_HOME"))
    return _partners(_env_path("GATEWAY_PARTNERS_DIR"), home).path


def maps_from_environment() -> Path:
    """The maps directory by the ``GATEWAY_*`` environment alone; see ``partners_from_environment``."""
    return _maps(_env_path("GATEWAY_MAPS_DIR"), find_home(_env_path("GATEWAY_HOME"))).path


def find_home(home: Path | None) -> Location | None:
    if home is not None:
        return Location(home.absolute(), "GATEWAY_HOME")
    cwd = Path.cwd()
    return Location(cwd, "working directory") if (cwd / "partners").is_dir() else None


def packaged(name: str) -> Path:
    """A packaged data folder (``PACKAGED``): in the installed package, else in the checkout."""
    return _packaged(name)


def demo_sample(name: str) -> Path:
    """A demo supplier's sample document: ``samples/demo-supplier/`` in the working directory (a
    checkout, as the README shows it), else the packaged copy."""
    local = Path("samples") / "demo-supplier" / name
    return local if local.is_file() else packaged("samples") / name


def user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).absolute() / USER_DATA_NAME


def _partners(configured: Path | None, home: Location | None) -> Location:
    if configured is not None:
        return Location(configured.absolute(), "GATEWAY_PARTNERS_DIR")
    if home is not None:  # even if it is missing: reported, never replaced by the demo
        return Location(home.path / "partners", home.source)
    return Location(packaged("partners"), _packaged_source("demo"))


def _maps(configured: Path | None, home: Location | None) -> Location:
    if configured is not None:
        return Location(configured.absolute(), "GATEWAY_MAPS_DIR")
    if home is not None and (home.path / "maps").is_dir():
        return Location(home.path / "maps", home.source)
    return Location(packaged("maps"), _packaged_source("maps"))


def _data(configured: Path | None, home: Location | None) -> Location:
    if configured is not None:
        return Location(configured.absolute(), "GATEWAY_DATA_DIR")
    if home is not None:
        return Location(home.path / "var", home.source)
    return Location(user_data_dir(), "user data directory")


def _packaged_source(what: str) -> str:
    installed = packaged("maps") != _CHECKOUT / PACKAGED["maps"]
    return f"packaged {what}" if installed else f"packaged {what}: the source checkout's folder"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


@cache
def _packaged(name: str) -> Path:
    installed = resources.files("gateway") / "_data" / name
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return _CHECKOUT / PACKAGED[name]
