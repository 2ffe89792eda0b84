"""Clean data of the suite's own reports: what `make test` and `make notebooks` run against.

The committed notebook outputs and the tests describe the reports committed with the project
(``SUITE_REPORTS``), not whatever else a user has put into data/raw/.  This script parses and
validates only those, into a clean root of their own (default ``data/clean/.suite``; the
panel there holds only them)::

    python tools/suite_data.py [CLEAN_ROOT]

It reads the raw reports from ``JUESUAN_RAW_ROOT`` (default data/raw/) and exits non-zero,
naming the report, when one of them fails.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE_REPORTS = (("2022", "nxgxt"), ("2024", "ptczj"))
SUITE_CLEAN = ROOT / "data" / "clean" / ".suite"


def build(clean_root: Path | str | None = None) -> subprocess.CompletedProcess:
    """Run this script in a fresh interpreter (juesuan.config reads the roots at import)."""
    clean_root = Path(clean_root or os.environ.get("JUESUAN_SUITE_CLEAN") or SUITE_CLEAN)
    env = dict(os.environ, JUESUAN_CLEAN_ROOT=str(clean_root), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, str(Path(__file__).resolve()), str(clean_root)], env=env,
                          capture_output=True, text=True, cwd=ROOT)


def main(argv: list[str]) -> int:
    clean_root = Path(argv[0]) if argv else SUITE_CLEAN
    os.environ["JUESUAN_CLEAN_ROOT"] = str(clean_root.resolve())
    sys.path.insert(0, str(ROOT / "src"))
    from juesuan.cli import run_data
    from juesuan.clean.panel import build_panel

    failed = []
    for year, dept in SUITE_REPORTS:
        for r in run_data([int(year)], [dept], quiet=True, panel=False):
            if not r["ok"]:
                failed.append(f"{r['year']}/{r['department']}: {r['error']}")
        if not (clean_root / year / dept / "line_items.csv").exists() and not failed:
            failed.append(f"{year}/{dept}: not found under the raw root")
    if failed:
        print("suite data FAILED — " + "; ".join(failed), file=sys.stderr)
        return 1
    build_panel(clean_root)
    print(f"suite data: {', '.join(f'{y}/{d}' for y, d in SUITE_REPORTS)} → {clean_root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
