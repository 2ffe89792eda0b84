"""One place for paths (Cookiecutter Data Science style).

Everything is derived from the repository root, so the suite works from any
working directory (notebooks, papermill workers, tests).
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
# Overridable (e.g. by the benchmarks, whose kernels must read temporary folders)
RAW = Path(os.environ.get("JUESUAN_RAW_ROOT") or DATA / "raw")
CLEAN = Path(os.environ.get("JUESUAN_CLEAN_ROOT") or DATA / "clean")
REPORTS = Path(os.environ.get("JUESUAN_REPORTS_ROOT") or ROOT / "reports")
NOTEBOOKS = ROOT / "notebooks"
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
# Derived files that are not data (the base font for the HTML pages, its subsets): outside the
# repository, in the user's cache folder, so a fresh clone and a second checkout share them.
CACHE = Path(os.environ.get("JUESUAN_CACHE_DIR")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "juesuan")

METADATA_FILE = "metadata.json"


def raw_dir(year: int | str, department: str) -> Path:
    return RAW / str(year) / department


def clean_dir(year: int | str, department: str) -> Path:
    return CLEAN / str(year) / department


def report_dir(year: int | str, department: str) -> Path:
    return REPORTS / str(year) / department


def rel(path: Path) -> str:
    """Path relative to the repository root, in POSIX form (for findings and logs)."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).as_posix()
