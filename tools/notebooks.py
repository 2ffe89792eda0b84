"""`make notebooks`: sync each notebook with its percent-format twin, execute it in place, sync again.

    python tools/notebooks.py [NOTEBOOK.ipynb ...]     # default: notebooks/NN-*.ipynb, notebooks/panel/NN-*.ipynb

The notebooks and their ``.py`` twins (jupytext, ``notebooks/jupytext.toml``) are the source:
nothing here writes a cell.  For each notebook:

1. ``jupytext --sync``: the newer of the pair gives the cells (an edit made in JupyterLab or in a
   text editor is kept), the other is updated; outputs stay with the notebook;
2. papermill executes it in place with its default parameters (the kernel's working folder is
   the notebook's folder; paths relative to the repository keep machine paths out of the
   metadata);
3. ``jupytext --sync`` again, so the twin reflects the executed notebook.

The clean data the kernels read is ``JUESUAN_CLEAN_ROOT`` (the Makefile points it at the suite's
reports).  Exits non-zero when a notebook fails, naming it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def default_notebooks() -> list[Path]:
    return sorted([*NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"), *NOTEBOOKS.glob("panel/[0-9][0-9]-*.ipynb")])


def sync(paths: list[Path]) -> None:
    jupytext = Path(sys.executable).with_name("jupytext")
    cmd = [str(jupytext) if jupytext.exists() else "jupytext", "--sync", "--quiet", *map(str, paths)]
    subprocess.run(cmd, check=True)


def _shown(p: Path) -> str:
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def execute(paths: list[Path], kernel_name: str = "python3") -> int:
    import papermill as pm

    failed = 0
    for nb in paths:
        shown = _shown(nb)
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(shown, shown, cwd=_shown(nb.parent) or ".", kernel_name=kernel_name,
                                progress_bar=False)
            print(f"{shown}: ok ({time.perf_counter() - t0:.1f} s)")
        except Exception as exc:  # noqa: BLE001 - report every notebook, then fail
            failed += 1
            msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
            print(f"{shown}: FAILED — {msg}", file=sys.stderr)
    return failed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or default_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print("no such notebook: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    sync(paths)
    failed = execute(paths)
    sync(paths)
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main(sys.argv[1:]))
