"""The single-process floor of one report: the code of every chapter (notebooks/NN-*.ipynb)
run in ONE Python process, one after the other, each in a fresh namespace, every figure
rendered to PNG (in memory) after each cell — no kernel, no papermill, no HTML.

    .venv/bin/python benchmarks/floor.py [--year 2022] [--department nxgxt] [--repeat 3]

prints the wall time of each repetition (imports included: the first run pays them, as a
fresh process would) and their median.  ``make bench`` compares one report end to end with it.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chapter_code(path: Path, year: int, department: str) -> list[str]:
    """The code cells of a chapter, the report's parameters after its parameters cell (as papermill)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cells.append(cell.source)
        if "parameters" in cell.metadata.get("tags", []):
            cells.append(f"year = {year!r}\ndepartment = {department!r}")
    return cells


def run_report(year: int, department: str, notebooks: Path | None = None) -> dict[str, float]:
    """Seconds per chapter; raises if a chapter raises."""
    import ast

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()

    def display(*objs, **_kw) -> None:   # what a kernel does with a displayed value: every mimetype
        for obj in objs:
            formatter.format(obj)

    notebooks = notebooks or ROOT / "notebooks"
    times: dict[str, float] = {}
    cwd = os.getcwd()
    os.chdir(notebooks)
    try:
        for path in sorted(notebooks.glob("[0-9][0-9]-*.ipynb")):
            t0 = time.perf_counter()
            ns: dict = {"__name__": "__main__", "display": display}
            with redirect_stdout(io.StringIO()):
                for i, code in enumerate(chapter_code(path, year, department)):
                    tree = ast.parse(code)
                    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
                    exec(compile(tree, f"{path.name}[{i}]", "exec"), ns)
                    if last is not None:  # the cell's value is displayed, as in a notebook
                        value = eval(compile(ast.Expression(last.value), f"{path.name}[{i}]", "eval"), ns)
                        if value is not None:
                            display(value)
                    for num in plt.get_fignums():
                        buf = io.BytesIO()
                        plt.figure(num).savefig(buf, format="png")
                    plt.close("all")
            times[path.name] = time.perf_counter() - t0
    finally:
        os.chdir(cwd)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--department", default="nxgxt")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    walls = []
    for r in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        times = run_report(args.year, args.department)
        walls.append(time.perf_counter() - t0)
        print(f"run {r + 1}: {walls[-1]:.2f} s  (" + ", ".join(f"{k[:2]} {v:.2f}" for k, v in times.items()) + ")")
    print(f"median {statistics.median(walls):.2f} s of {len(walls)} (the first includes the imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
