"""Dependency direction (STYLE.md): every module belongs to a layer and imports only the layers
beneath it; no layer imports one that imports it back.

::

    gateway_app                      entry points: cli, commands, server, webapp (the only one
         │                           that imports transports or gateway.api)
    transports ── gateway.api        the supplier-facing transports; the operator API
         │      ╲     │
         │     gateway.web           HTTP plumbing: state, errors, auth, body limits, /healthz,
         │            │              slow clients (uvicorn's protocol)
    gateway.workers  gateway.runtime ── gateway.queries (read models) ── gateway.partner_store
         │            │
    gateway.pipeline ── gateway.erp ── gateway.store ── gateway.settings
         │
    gateway.mapping ── gateway.partners ── gateway.x12 ── gateway.canonical ── gateway.errors

    gateway.masking (hides credentials in text) and gateway.settings sit beneath everything.
Partners: ``gateway.onboarding`` (templates, ``partners new``, the sheet; under ``gateway.api``)
-> ``gateway.partner_store`` -> ``gateway.lifecycle`` -> ``gateway.certification`` ->
``gateway.partners`` -> ``gateway.partner_sections``.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gateway", "transports", "gateway_app")

ALLOWED: dict[str, set[str]] = {
    "gateway": set(),  # the package's __init__
    "gateway.errors": set(),
    "gateway.masking": set(),
    "gateway.progress": set(),
    "gateway.memory": set(),  # glibc malloc tuning: the standard library only
    "gateway.locations": set(),  # where data is found: the standard library only
    # Settings carries the translation limits, whose defaults live beside the code that applies
    # them (gateway.x12.limits).
    "gateway.settings": {"gateway.errors", "gateway.locations", "gateway.x12"},
    "gateway.http_client": {"gateway.masking"},
    "gateway.canonical": set(),
    "gateway.strict_data": set(),  # the base model of what operators write: pydantic only
    "gateway.x12": {"gateway.errors"},
    "gateway.mapping": {
        "gateway.canonical",
        "gateway.x12",
        "gateway.errors",
        "gateway.locations",
        "gateway.strict_data",
    },
    "gateway.partner_sections": {
        "gateway.x12",
        "gateway.strict_data",
    },  # profile sections: transports, certification
    "gateway.partners": {
        "gateway.strict_data",
        "gateway.partner_sections",
        "gateway.x12",
        "gateway.errors",
        "gateway.locations",
    },
    "gateway.store": {"gateway.settings"},
    "gateway.erp": {
        "gateway.canonical",
        "gateway.errors",
        "gateway.http_client",
        "gateway.masking",
    },
    # The PO registry: correlation, state per PO and line, discrepancies; the pipeline links each
    # supplier document in the transaction that stores its events, the API publishes POs.
    "gateway.procurement": {
        "gateway.canonical",
        "gateway.errors",
        "gateway.erp",
        "gateway.store",
    },
    "gateway.pipeline": {
        "gateway.procurement",
        "gateway.canonical",
        "gateway.mapping",
        "gateway.x12",
        "gateway.errors",
        "gateway.store",
        "gateway.erp",
        "gateway.partners",
        "gateway.masking",
    },
    "gateway.certification": {"gateway.partners", "gateway.partner_sections", "gateway.store"},
    "gateway.lifecycle": {
        "gateway.certification",
        "gateway.partners",
        "gateway.store",
        "gateway.errors",
    },
    "gateway.partner_store": {
        "gateway.lifecycle",
        "gateway.partners",
        "gateway.store",
        "gateway.x12",
    },
    "gateway.queries": {"gateway.store"},
    # Staff accounts, roles (the role x action matrix), console sessions.
    "gateway.staff": {"gateway.store"},
    # Live reload: checked snapshots of profiles and maps, the watcher, the map version history.
    "gateway.live": {
        "gateway.mapping",
        "gateway.pipeline",
        "gateway.partners",
        "gateway.partner_store",
        "gateway.store",
        "gateway.x12",
    },
    "gateway.onboarding": {
        "gateway.certification",
        "gateway.lifecycle",
        "gateway.locations",
        "gateway.partner_sections",
        "gateway.partner_store",
        "gateway.partners",
        "gateway.queries",
        "gateway.store",
        "gateway.x12",
    },
    "gateway.runtime": {
        "gateway.erp",
        "gateway.live",
        "gateway.partners",
        "gateway.partner_store",
        "gateway.pipeline",
        "gateway.settings",
        "gateway.store",
    },
    "gateway.workers": {
        "gateway.live",
        "gateway.masking",
        "gateway.memory",
        "gateway.pipeline",
        "gateway.runtime",
        "gateway.settings",
        "gateway.store",
        "gateway.errors",
    },
    "gateway.web": {"gateway.runtime", "gateway.queries", "gateway.errors", "gateway.staff"},
    "gateway.api": {
        "gateway.procurement",
        "gateway.onboarding",
        "gateway.staff",
        "gateway.lifecycle",
        "gateway.partner_store",
        "gateway.partners",
        "gateway.web",
        "gateway.queries",
        "gateway.pipeline",
        "gateway.erp",
        "gateway.canonical",
        "gateway.errors",
    },
    # The web console: pages over the same read models and commands as the operator API.
    "gateway.console": {
        "gateway.errors",
        "gateway.settings",  # the OpenID Connect sign-in's settings (pages_oidc)
        "gateway.lifecycle",
        "gateway.onboarding",
        "gateway.partner_store",
        "gateway.partners",
        "gateway.pipeline",
        "gateway.queries",
        "gateway.runtime",
        "gateway.staff",
        "gateway.web",
    },
    # Transports hand bytes to the pipeline's inbox (transports.base); the HTTP one also builds
    # on the web plumbing and answers receipts from the read models. Never the operator API.
    "transports": {
        "gateway.pipeline",
        "gateway.partners",
        "gateway.canonical",
        "gateway.errors",
        "gateway.http_client",
    },
    "transports.http": {
        "transports",
        "gateway.web",
        "gateway.queries",
        "gateway.pipeline",
        "gateway.partners",
        "gateway.canonical",
        "gateway.errors",
    },
    "transports.as2": {
        "transports",
        "gateway.web",
        "gateway.pipeline",
        "gateway.partners",
        "gateway.errors",
        "gateway.http_client",
    },
    # SFTP also keeps its own counters (``sftp_accounts``) and reads its settings and the
    # profiles' SFTP section and statuses.
    "transports.sftp": {
        "transports",
        "gateway.web",
        "gateway.pipeline",
        "gateway.partners",
        "gateway.partner_sections",
        "gateway.partner_store",
        "gateway.errors",
        "gateway.settings",
        "gateway.store",
        "gateway.queries",  # GET /ops/sftp/polls reads the polls' read model
    },
    "transports.registry": {"transports", "transports.http", "transports.as2", "transports.sftp"},
    "gateway_app": {"*"},  # the composition root
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name: str) -> str | None:
    """The most specific layer: ``transports.http`` before ``transports``."""
    return max(
        (prefix for prefix in ALLOWED if name == prefix or name.startswith(prefix + ".")),
        key=len,
        default=None,
    )


MODULES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_module_imports_only_lower_layers(path: Path) -> None:
    name = module_name(path)
    layer = layer_of(name)
    assert layer is not None, f"{name} belongs to no layer: add it to ALLOWED"
    allowed = ALLOWED[layer] | {layer}
    for imported in imports_of(path):
        if "*" in allowed or layer_of(imported) == layer:
            continue
        assert any(imported == ok or imported.startswith(ok + ".") for ok in allowed), (
            f"{name} imports {imported}: {layer} may only use {sorted(allowed)}"
        )


def test_no_layer_imports_one_that_imports_it() -> None:
    graph: dict[str, set[str]] = {layer: set() for layer in ALLOWED}
    for path in MODULES:
        importer = layer_of(module_name(path))
        assert importer is not None
        for imported in imports_of(path):
            target = layer_of(imported)
            if target is not None and target != importer:
                graph[importer].add(target)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        pytest.fail(f"import cycle between layers: {' -> '.join(exc.args[1])}")


def test_only_the_composition_root_imports_transports_and_the_operator_api() -> None:
    for path in MODULES:
        name = module_name(path)
        if name.startswith("gateway_app"):
            continue
        for imported in imports_of(path):
            assert not imported.startswith("gateway_app"), f"{name} imports {imported}"
            if not name.startswith("transports"):
                assert not imported.startswith("transports"), f"{name} imports {imported}"
            if not name.startswith("gateway.api"):
                assert not imported.startswith("gateway.api"), f"{name} imports {imported}"


def module_imports(path: Path, known: set[str]) -> set[str]:
    """Like ``imports_of``, but ``from package import module`` counts as importing the module,
    and function-level imports count too (they only hide a cycle)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{alias.name}" for alias in node.names}
            found.update(subs & known or {node.module})
    return {name for name in found if name in known}


def test_no_module_imports_one_that_imports_it() -> None:
    known = {module_name(p) for p in MODULES}
    graph = {module_name(p): module_imports(p, known) - {module_name(p)} for p in MODULES}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
