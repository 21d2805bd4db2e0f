"""Where the scenario schema and the shipped suite live: a checkout's top folders, or the wheel's ``_data``."""

from __future__ import annotations

from pathlib import Path

import simulator

__all__ = ["SCENARIO_SUFFIX", "data_folder", "scenario_files", "shipped_suite"]

SCENARIO_SUFFIX = ".scenario.yaml"


def data_folder(name: str) -> Path:
    """``simulator/_data/<name>`` in an installed wheel, else ``<checkout>/<name>``."""
    package = Path(simulator.__file__).resolve().parent
    bundled = package / "_data" / name
    return bundled if bundled.is_dir() else package.parent / name


def shipped_suite() -> Path:
    return data_folder("scenarios")


def scenario_files(paths: list[Path]) -> list[Path]:
    """Every ``*.scenario.yaml`` under ``paths`` (files are taken as given), sorted, without duplicates."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob(f"*{SCENARIO_SUFFIX}")))
        else:
            found.append(path)
    return list(dict.fromkeys(found))
