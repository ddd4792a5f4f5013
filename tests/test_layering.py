"""Dependency direction (STYLE.md): each package may import only the layers beneath it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "gateway.canonical": {"gateway.canonical"},
    "gateway.x12": {"gateway.x12", "gateway.errors"},
    "gateway.mapping": {"gateway.mapping", "gateway.canonical", "gateway.x12", "gateway.errors"},
    "gateway.partners": {"gateway.partners", "gateway.x12", "gateway.errors"},
    "gateway.pipeline": {
        "gateway.pipeline",
        "gateway.canonical",
        "gateway.mapping",
        "gateway.x12",
        "gateway.errors",
        "gateway.store",
        "gateway.erp",
        "gateway.partners",
    },
    "gateway.store": {"gateway.store", "gateway.settings"},
    # Settings carries the translation limits; their defaults live beside the code that applies
    # them (gateway.x12.limits, which imports nothing but gateway.errors).
    "gateway.settings": {"gateway.settings", "gateway.x12.limits"},
    "gateway.workers": {
        "gateway.workers",
        "gateway.pipeline",
        "gateway.service",
        "gateway.settings",
        "gateway.store",
        "gateway.errors",
    },
    "transports": {"transports", "gateway.canonical", "gateway.errors", "gateway.http_client"},
    # The supplier HTTP API is the HTTP composition point: it stores through the pipeline,
    # authenticates through the service and mounts the operator API (gateway.api).
    "transports.http": {
        "transports.http",
        "gateway.canonical",
        "gateway.errors",
        "gateway.service",
        "gateway.pipeline",
        "gateway.store",
        "gateway.partners",
        "gateway.settings",
        "gateway.api",
    },
    # The operator API and the HTTP pieces both APIs share; nothing but transports.http and the
    # CLI imports it.
    "gateway.api": {
        "gateway.api",
        "gateway.canonical",
        "gateway.errors",
        "gateway.service",
        "gateway.pipeline",
        "gateway.store",
        "gateway.partners",
        "gateway.settings",
        "gateway.erp",
    },
    "gateway.erp": {"gateway.erp", "gateway.canonical", "gateway.errors", "gateway.http_client"},
    # Outbound HTTP (the webhook ERP; later AS2 and MDNs): the standard library only.
    "gateway.http_client": {"gateway.http_client"},
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in ("gateway", "transports")}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


MODULES = sorted(p for pkg in ("gateway", "transports") for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_module_imports_only_lower_layers(path: Path) -> None:
    name = module_name(path)
    layer = max(  # the most specific layer: transports.http before transports
        (prefix for prefix in ALLOWED if name == prefix or name.startswith(prefix + ".")),
        key=len,
        default=None,
    )
    if layer is None:
        return  # top level (cli, package __init__) may use everything
    for imported in imports_of(path):
        assert any(imported == ok or imported.startswith(ok + ".") for ok in ALLOWED[layer]), (
            f"{name} imports {imported}: {layer} may only use {sorted(ALLOWED[layer])}"
        )
