"""One checked set of partner profiles and maps: what a process runs with (``install``).

``read_snapshot`` reads every profile and every map file and checks them as ``check-config``
does, all problems at once; only a set without problems becomes a ``Snapshot``. ``install``
makes it the one ``load_partner`` and ``load_map`` read (one assignment each: a reader sees the
old set or the new one). A process without an installed snapshot reads the files as before
(cached), so the CLI and library calls keep working unchanged.

``files_state`` is the cheap question the watcher asks every second or so: the name, size and
modification time of every profile and map file, no contents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.mapping.loader import MapSet, read_map_set, use_maps
from gateway.partners import (
    DEFAULT_OUR_IDS,
    LiveProfiles,
    PartnerProfile,
    read_partner_set,
    use_profiles,
)
from gateway.x12.identities import EnvelopeId

ExtraCheck = Callable[[Path], list[str]]
"""More problems of a partners directory, from outside the gateway's layers (the composition
root's: an outbound transport no sender knows)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    partners_dir: Path
    maps_dir: Path
    profiles: LiveProfiles
    maps: MapSet
    fingerprint: str
    """sha256[:12] over every profile's and every map file's version: equal, the same set."""

    def profile(self, partner_id: str) -> PartnerProfile | None:
        found = self.profiles.get(partner_id)
        return found[0] if found is not None else None

    def profile_version(self, partner_id: str) -> str | None:
        found = self.profiles.get(partner_id)
        return found[1] if found is not None else None

    def map_version(self, partner_id: str | None) -> str:
        return self.maps.version(partner_id)

    def map_files(self, partner_id: str | None) -> dict[str, str]:
        """The text of every map file ``partner_id``'s version covers (for the history)."""
        return {
            name: data.decode("utf-8", "replace")
            for name, data in self.maps.files_for(partner_id).items()
        }


def read_snapshot(
    partners_dir: Path,
    maps_dir: Path,
    our_ids: tuple[EnvelopeId, ...] = DEFAULT_OUR_IDS,
    extra_checks: Sequence[ExtraCheck] = (),
) -> tuple[Snapshot | None, list[str]]:
    """The set as the files say now, or every problem (``maps/...``, ``partners/...``, as
    ``gateway check-config`` prints them)."""
    maps, map_problems = read_map_set(maps_dir)
    profiles, profile_problems = read_partner_set(partners_dir, our_ids)
    problems = [f"maps/{p}" for p in map_problems] + [f"partners/{p}" for p in profile_problems]
    if partners_dir.is_dir():
        for check in extra_checks:
            problems += [f"partners/{p}" for p in check(partners_dir)]
    if problems or maps is None:
        return None, problems
    digest = hashlib.sha256()
    for partner_id, (_, version) in sorted(profiles.items()):
        digest.update(f"p\0{partner_id}\0{version}\0".encode())
    for name, data in sorted(maps.files.items()):
        digest.update(f"m\0{name}\0".encode() + hashlib.sha256(data).digest())
    return Snapshot(partners_dir, maps_dir, profiles, maps, digest.hexdigest()[:12]), []


def install(snapshot: Snapshot) -> None:
    """Make ``snapshot`` what this process reads its profiles and maps from."""
    use_maps(snapshot.maps_dir, snapshot.maps)
    use_profiles(snapshot.partners_dir, snapshot.profiles)


def uninstall(partners_dir: Path, maps_dir: Path) -> None:
    """Back to reading the files (cached), as a process without live reload does."""
    use_maps(maps_dir, None)
    use_profiles(partners_dir, None)


def files_state(partners_dir: Path, maps_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, size, mtime in ns) of every profile and map file: a change in any shows here."""
    found: list[tuple[str, int, int]] = []
    paths = [*_yaml(partners_dir)]
    if maps_dir.is_dir():
        for directory in sorted(p for p in maps_dir.iterdir() if p.is_dir()):
            paths += _yaml(directory)
    for path in paths:
        try:
            stat = path.stat()
        except OSError:  # removed between the listing and now: the next look sees it gone
            continue
        found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _yaml(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
