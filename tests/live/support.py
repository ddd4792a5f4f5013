"""What the live reload tests share: a gateway home (partners and maps copied from the checkout,
so a test may change them), the demo ship notice renumbered (so a second one is not a duplicate),
and map overrides written the way an operator would."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_856 = ROOT / "samples" / "demo-supplier" / "856-SOPI-4010.edi"
DEMO = "demo-supplier"
UOM_EACH = "extends: base\nuom:\n  EA: EACH\n"
"""An override of the demo partner's 856 map: its unit code EA becomes EACH."""


def home(tmp_path: Path) -> Path:
    root = tmp_path / "home"
    shutil.copytree(ROOT / "partners", root / "partners", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(ROOT / "maps", root / "maps", ignore=shutil.ignore_patterns("*.md"))
    return root


def renumbered(n: int) -> bytes:
    """The demo 856 with ISA13, GS06 and BSN02 made from ``n`` (the ISA keeps its length)."""
    text = SAMPLE_856.read_text()
    text = text.replace("000000112", f"{n:09d}").replace("SHP0045002", f"SHP{n:07d}")
    text = text.replace("*112*X*", f"*{n}*X*").replace("GE*1*112~", f"GE*1*{n}~")
    return text.encode()


def write_override(root: Path, text: str, name: str = "x12-856.yaml") -> Path:
    path = root / "maps" / DEMO / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def units(payload: dict[str, object]) -> set[str]:
    """Every ``uom`` in a canonical ship notice."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "uom" and isinstance(item, str):
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(payload)
    return found
