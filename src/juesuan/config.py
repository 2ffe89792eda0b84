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

# The Chinese font of the figures and the HTML pages: Noto Sans CJK SC, bundled in the pinned
# ``mplfonts`` package (nothing installed system-wide).
FONT_PACKAGE = "mplfonts"
FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    """Path of the bundled Noto Sans CJK SC font inside the installed ``mplfonts`` package."""
    import importlib.util

    # find_spec locates the package without importing it (mplfonts' __init__ imports matplotlib)
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {FONT_PACKAGE!r} package (pinned in requirements.txt) is not installed; "
                           "it ships the Chinese font the figures and pages need")
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"{FONT_FILE} not found in the {FONT_PACKAGE} package at {path.parent}")
    return path


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
