"""The package's shape: stages import only leftwards, and the public API is what it says."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fhir_adapter
from tests.conftest import REPO

# Left to right: a module may import only from its own stage, stages to its left, and the shared leaves.
STAGES = [
    "sources",
    "text",
    "resources",
    "bundle",
    "validation",
    "convert",
    "client",
    "sync",
    "screening",
    "report",
    "cli",
]
SHARED = {"errors", "settings", "terms", "mappings", "pool"}
PACKAGE = REPO / "fhir_adapter"


def _stage(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n.startswith("fhir_adapter.")]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_imports_from_a_stage_to_its_right(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    own = relative.parts[0].removesuffix(".py")
    if own not in STAGES:
        return
    for imported in _imports(path):
        stage = _stage(imported)
        if stage in SHARED or stage == own:
            continue
        assert stage in STAGES, f"{relative} imports {imported}, which is not a known stage"
        assert STAGES.index(stage) < STAGES.index(own), f"{relative} imports {imported}: a backward edge"


def test_public_api_names_exist_and_are_exported() -> None:
    for name in fhir_adapter.__all__:
        assert hasattr(fhir_adapter, name), name
    assert len(set(fhir_adapter.__all__)) == len(fhir_adapter.__all__)
