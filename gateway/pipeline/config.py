"""``ProcessConfig``: what processing needs beyond the message (connectors, where data lives)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ProcessConfig:
    connectors: tuple[str, ...] = ("sink",)
    """The ERP connectors every new event gets a delivery row for."""
    partners_dir: Path | None = None
    maps_dir: Path | None = None


DEFAULT_CONFIG = ProcessConfig()
