"""Map files: inheritance, validation with every error at once, lookup and caching."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.errors import ConfigurationError
from gateway.mapping import check_maps, clear_map_cache, default_maps_dir, load_map
from gateway.mapping.loader import deep_merge
from gateway.mapping.po_ack import PoAcknowledgmentMap
from gateway.mapping.ship_notice import ShipNoticeMap

REPO_MAPS = Path(__file__).resolve().parents[2] / "maps"


@pytest.fixture
def maps_dir(tmp_path: Path) -> Path:
    """A copy of the repository's base maps to break at will."""
    shutil.copytree(REPO_MAPS / "base", tmp_path / "base")
    clear_map_cache()
    return tmp_path


def write(maps_dir: Path, relative: str, text: str) -> None:
    path = maps_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_repository_maps_are_valid() -> None:
    assert check_maps(REPO_MAPS) == []


def test_the_base_maps_share_one_product_id_table() -> None:
    maps = [load_map(t) for t in ("855", "856", "810")]
    tables = [m.config.product_id_qualifiers for m in maps if hasattr(m, "config")]
    assert len(tables) == 3
    assert tables[0] == tables[1] == tables[2]


def test_default_dir_is_the_repository_maps_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GATEWAY_MAPS_DIR", raising=False)
    assert default_maps_dir() == REPO_MAPS
    monkeypatch.setenv("GATEWAY_MAPS_DIR", str(tmp_path))
    assert default_maps_dir() == tmp_path


def test_partner_override_deep_merges_over_base() -> None:
    acme = load_map("856", "acme-fasteners")
    assert isinstance(acme, ShipNoticeMap)
    # the partner's keys replace or join the base's ...
    assert acme.config.level.po_number == ("REF02[REF01=PO]",)
    assert acme.config.product_id_qualifiers["IN"] == "buyer_part_number"
    assert acme.config.uom == {"CA": "CS", "EA": "EA"}
    # ... and everything it does not mention is inherited
    assert acme.config.product_id_qualifiers["UP"] == "upc"
    assert acme.config.level.sscc == ("MAN02[MAN01=GM]",)
    assert acme.config.header.ship_date == ("DTM02[DTM01=011]", "BSN03")


def test_partner_without_a_file_gets_the_base_map() -> None:
    assert load_map("810", "acme-fasteners") is load_map("810")
    assert isinstance(load_map("855", "nobody-special"), PoAcknowledgmentMap)


def test_maps_are_cached_per_type_and_partner() -> None:
    assert load_map("856", "acme-fasteners") is load_map("856", "acme-fasteners")
    assert load_map("856", "acme-fasteners") is not load_map("856")


def test_extends_chains_through_another_partner(maps_dir: Path) -> None:
    write(maps_dir, "parent/x12-855.yaml", "extends: base\nuom: {CA: CS}\n")
    write(maps_dir, "child/x12-855.yaml", "extends: parent\nuom: {PK: PC}\n")
    child = load_map("855", "child", maps_dir)
    assert isinstance(child, PoAcknowledgmentMap)
    assert child.config.uom == {"CA": "CS", "PK": "PC"}


def test_every_error_of_a_file_is_reported_at_once(maps_dir: Path) -> None:
    # given a partner file with a bad path, an unknown key and a status outside the model
    write(
        maps_dir,
        "broken/x12-855.yaml",
        "extends: base\n"
        "header:\n  po_number: [BAK03, 'REF02[REF01=VN']\n  colour: [BAK05]\n"
        "codes:\n  status: {AC: maybe}\n",
    )
    # when it is loaded
    with pytest.raises(ConfigurationError) as caught:
        load_map("855", "broken", maps_dir)
    # then one error names the file and lists all three problems with their setting paths
    error = caught.value
    assert error.code == "config.map.invalid"
    assert error.context["file"].endswith("broken/x12-855.yaml")
    problems = error.context["errors"]
    assert len(problems) == 3
    assert any("header.po_number.1" in p and "not a field path" in p for p in problems)
    assert any("header.colour" in p and "Extra inputs" in p for p in problems)
    assert any("codes.status.AC" in p for p in problems)
    assert all(p.startswith("broken/x12-855.yaml (merged over base)") for p in problems)


def test_check_maps_reports_problems_of_all_files(maps_dir: Path) -> None:
    write(maps_dir, "a/x12-856.yaml", "extends: base\nlevels: {S: ship}\n")
    write(maps_dir, "b/x12-810.yaml", "extends: nowhere\n")
    write(maps_dir, "c/x12-857.yaml", "extends: base\n")
    write(maps_dir, "d/x12-997.yaml", "extends: base\ncodes: {set_status: {A: accepted}\n")
    write(maps_dir, "e/x12-999.yaml", "extends: e\n")
    write(maps_dir, "f/x12-855.yaml", "extends: base\nuom: {CA: CS, CA: EA}\n")
    write(maps_dir, "g/x12-855.yaml", "- just\n- a list\n")
    problems = check_maps(maps_dir)
    assert len(problems) == 7, problems
    joined = "\n".join(problems)
    assert "a/x12-856.yaml (merged over base): levels.S" in joined
    assert "b/x12-810.yaml: extends: nowhere/x12-810.yaml does not exist" in joined
    assert "c/x12-857.yaml: not a map file name" in joined
    assert "d/x12-997.yaml: not valid YAML" in joined
    assert "e/x12-999.yaml: 'extends' loops back (e -> e)" in joined
    assert "f/x12-855.yaml: not valid YAML" in joined and "duplicate key 'CA'" in joined
    assert "g/x12-855.yaml: must be a mapping of settings" in joined


def test_check_maps_wants_every_base_map(maps_dir: Path) -> None:
    (maps_dir / "base" / "x12-999.yaml").unlink()
    assert check_maps(maps_dir) == [
        "base/x12-999.yaml: missing (every document type needs a base map)"
    ]


def test_codes_that_yaml_would_read_as_numbers_or_booleans_stay_strings(maps_dir: Path) -> None:
    write(maps_dir, "p/x12-855.yaml", "extends: base\nuom: {ON: NO, 010: '8'}\n")
    mapped = load_map("855", "p", maps_dir)
    assert isinstance(mapped, PoAcknowledgmentMap)
    assert mapped.config.uom["ON"] == "NO"
    assert mapped.config.uom["010"] == "8"


def test_unknown_document_type_and_bad_partner_id_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="no map for document type '850'"):
        load_map("850")
    with pytest.raises(ConfigurationError, match="invalid partner id"):
        load_map("855", "../etc")


def test_deep_merge_merges_dicts_and_replaces_lists() -> None:
    base = {"a": {"x": [1, 2], "y": 1}, "b": [1]}
    assert deep_merge(base, {"a": {"x": [3]}, "b": [2]}) == {"a": {"x": [3], "y": 1}, "b": [2]}
    assert base == {"a": {"x": [1, 2], "y": 1}, "b": [1]}
