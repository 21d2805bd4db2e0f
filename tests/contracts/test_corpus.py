"""Every contract has examples; valid ones pass, invalid ones fail at the pointer their sidecar names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.contracts import ContractSet, contracts_dir

EXAMPLES = contracts_dir() / "examples"
NOT_OURS = {"scenario"}  # its own tests live with the scenario loader


def _examples(kind: str) -> list[tuple[str, Path]]:
    return [(d.name, f) for d in sorted(EXAMPLES.iterdir()) for f in sorted((d / kind).glob("*.json"))]


def _expected_pointer(path: Path) -> str:
    sidecar = json.loads((path.parent.parent / "expected-pointers.json").read_text())
    pointer: str = sidecar[path.name]
    return pointer


@pytest.fixture(scope="module")
def contracts() -> ContractSet:
    return ContractSet.load()


def test_every_contract_has_valid_and_invalid_examples(contracts: ContractSet) -> None:
    for name in set(contracts.names) - NOT_OURS:
        assert list((EXAMPLES / name / "valid").glob("*.json")), name
        assert list((EXAMPLES / name / "invalid").glob("*.json")), name


def test_every_example_directory_names_a_contract(contracts: ContractSet) -> None:
    assert {d.name for d in EXAMPLES.iterdir()} <= set(contracts.names)


def test_every_invalid_example_has_an_expected_pointer() -> None:
    for _name, path in _examples("invalid"):
        assert _expected_pointer(path).startswith("/"), path


@pytest.mark.parametrize(("name", "path"), _examples("valid"), ids=lambda v: str(getattr(v, "name", v)))
def test_valid_example_is_valid_on_both_paths(contracts: ContractSet, name: str, path: Path) -> None:
    instance = json.loads(path.read_text())
    assert contracts.problems(name, instance) == []
    assert contracts.is_valid(name, instance)


@pytest.mark.parametrize(("name", "path"), _examples("invalid"), ids=lambda v: str(getattr(v, "name", v)))
def test_invalid_example_fails_on_both_paths_at_the_expected_pointer(
    contracts: ContractSet, name: str, path: Path
) -> None:
    instance = json.loads(path.read_text())
    problems = contracts.problems(name, instance)
    assert not contracts.is_valid(name, instance)
    assert _expected_pointer(path) in [p.pointer for p in problems], problems
