"""Command line: ``python -m juesuan data|reports|bench``."""
from __future__ import annotations

import argparse
import sys
import time

from . import config
from .clean import run_data  # noqa: F401 - ``juesuan.cli.run_data`` stays the entry of the data step


def _select(p: argparse.ArgumentParser) -> None:
    p.add_argument("--years", nargs="*", type=int, help="years to run (default: all under data/raw)")
    p.add_argument("--departments", nargs="*", help="department slugs (default: all)")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="run each report's steps on the workers of this Dask scheduler "
                        "(they must share data/ and reports/ at the same path; start them with --nthreads 1)")


def _cluster(address: str):
    """A :class:`~juesuan.run.executor.DaskExecutor` on ``address``, or None (said on stderr) when
    the scheduler cannot be reached."""
    from .run.executor import DaskExecutor

    try:
        return DaskExecutor(address)
    except ImportError as exc:
        print(f"--scheduler needs the distributed package ({exc})", file=sys.stderr)
    except (OSError, TimeoutError, ValueError) as exc:
        print(f"cannot reach the Dask scheduler at {address}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return None


def execute_in_place(names=None) -> int:
    """Run each notebook in notebooks/ with its default parameters, saving outputs in place.

    Paths are relative to the repository root so that no machine path ends up in the
    notebook metadata."""
    import os

    import papermill as pm

    os.chdir(config.ROOT)
    nbs = sorted(p for p in [*config.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"),
                             *config.NOTEBOOKS.glob("panel/[0-9][0-9]-*.ipynb")]
                 if not names or p.stem in names or p.name in names)
    # the notebooks and their jupytext twins are the source: keep the newer edit of each pair
    from jupytext.cli import jupytext as sync
    rels = [nb.relative_to(config.ROOT).as_posix() for nb in nbs]
    if rels:
        sync(["--sync", "--quiet", *rels])
    failed = 0
    for nb in nbs:
        rel_path = nb.relative_to(config.ROOT).as_posix()
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(rel_path, rel_path, cwd=nb.parent.relative_to(config.ROOT).as_posix(),
                                kernel_name="python3", progress_bar=False)
            print(f"{rel_path}: ok ({time.perf_counter() - t0:.1f} s)")
        except Exception as exc:  # noqa: BLE001
            failed += 1
            print(f"{rel_path}: FAILED — {str(exc).strip().splitlines()[-1] if str(exc).strip() else exc!r}",
                  file=sys.stderr)
    if rels:
        sync(["--sync", "--quiet", *rels])
    return 1 if failed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m juesuan", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("data", help="parse + validate raw reports into data/clean")
    _select(p)
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--no-ocr", action="store_true", help="refuse scanned PDFs instead of OCR'ing them")
    p = sub.add_parser("reports", help="run the notebooks and render HTML reports")
    _select(p)
    p.add_argument("--jobs", type=int, default=2, help="parallel notebook processes")
    p.add_argument("--notebooks", nargs="*", help="only these chapters (e.g. 06-report.ipynb)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds one notebook may run before it is stopped (default 300)")
    p.add_argument("--no-ocr", action="store_true", help="refuse scanned PDFs instead of OCR'ing them")
    p.add_argument("--force", action="store_true",
                   help="run every step, also those whose inputs, code and outputs are unchanged")
    p.add_argument("--plan", action="store_true",
                   help="print what would run and why (new, changed input, changed code, forced, unchanged); "
                        "run nothing")
    p = sub.add_parser("notebooks", help="sync notebooks/ with their jupytext twins, execute in place with default parameters "
                                         "(the committed outputs nbval compares)")
    p.add_argument("names", nargs="*", help="notebook names (default: all NN-*.ipynb)")
    p = sub.add_parser("bench", help="benchmarks (runs benchmarks/bench.py, as `make bench`)")
    p.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if getattr(args, "no_ocr", False):  # read by extract.ocr.ocr_enabled(), also in worker processes
        import os

        from .extract.reading.ocr import NO_OCR_ENV
        os.environ[NO_OCR_ENV] = "1"

    if args.cmd == "data":
        executor = None
        if args.scheduler:
            executor = _cluster(args.scheduler)
            if executor is None:
                return 1
        results = run_data(args.years, args.departments, **({"executor": executor} if executor else {}))
        failed = [r for r in results if not r["ok"]]
        if not results:
            print("no reports found under data/raw/<year>/<department>/", file=sys.stderr)
            return 1
        names = ", ".join(f"{r['year']}/{r['department']}" for r in failed)
        print(f"data: {len(results) - len(failed)} of {len(results)} reports written"
              + (f"; FAILED: {names}" if failed else ""))
        return 1 if failed else 0
    if args.cmd == "reports":
        from .run.batch import run_reports
        kw = {}
        if args.plan:
            return run_reports(args.years, args.departments, jobs=args.jobs, progress=False,
                               notebooks=args.notebooks or None, force=args.force, plan_only=True)
        if args.scheduler:
            kw["executor"] = _cluster(args.scheduler)
            if kw["executor"] is None:
                return 1
        try:
            return run_reports(args.years, args.departments, jobs=args.jobs, progress=not args.no_progress,
                               notebooks=args.notebooks or None, timeout=args.timeout,
                               force=args.force, **kw)
        finally:
            if kw:
                kw["executor"].close()
    if args.cmd == "notebooks":
        return execute_in_place(args.names)
    if args.cmd == "bench":  # the harness is outside the package: run it as a script
        import subprocess

        return subprocess.call([sys.executable, str(config.ROOT / "benchmarks" / "bench.py"),
                                "--repeat", str(args.repeat)])
    return 2
