"""Command line: ``python -m juesuan data|reports|bench``."""
from __future__ import annotations

import argparse
import sys
import time
import traceback

from . import config
from .errors import ParseError


def _select(p: argparse.ArgumentParser) -> None:
    p.add_argument("--years", nargs="*", type=int, help="years to run (default: all under data/raw)")
    p.add_argument("--departments", nargs="*", help="department slugs (default: all)")


def run_data(years=None, departments=None, quiet: bool = False, panel: bool = True) -> list[dict]:
    """Parse, validate and write every selected report; one failure does not stop the rest.

    ``panel=False`` leaves data/clean/panel/ alone (a caller running report by report builds it
    once at the end with :func:`juesuan.panel.build_panel`)."""
    from . import identity
    from .frames import build_frames
    from .pipeline import discover, inferred_record, parse_report
    from .panel import build_panel
    from .writer import atomic_write_text, write_clean, write_inferred_metadata

    results = []
    found = discover(years, departments)
    refused = identity.problems(config.RAW) if found else {}   # names, paths, duplicate sources
    for year, dept, folder in found:
        t0 = time.perf_counter()
        res = {"year": year, "department": dept, "ok": False, "error": ""}
        try:
            if folder in refused:
                raise refused[folder]
            out = identity.output_dir(config.CLEAN, year, dept)
            rep = parse_report(folder)
            t1 = time.perf_counter()
            frames = build_frames(rep)
            name = f"{year}-{dept}"
            title = f"{rep.meta.get('department_name', dept)} {year} 年度部门决算（清洗数据）"
            write_clean(frames, out, name, title)
            write_inferred_metadata(out, inferred_record(rep))
            if rep.doc.origins:  # a PDF: keep the extracted text the locations point into
                atomic_write_text(out / "extracted_text.txt",
                                  "".join(f"{o}\t{l}\n" for o, l in zip(rep.doc.origins, rep.doc.lines)))
            sev = frames["findings"].severity.value_counts().to_dict()
            chk = frames["checks"]
            res.update(ok=True, parse_validate_s=round(t1 - t0, 3), total_s=round(time.perf_counter() - t0, 3),
                       line_items=len(frames["line_items"]), findings=sev,
                       checks_run=int(chk.run.sum()), checks_failed=int(chk.failed.sum()),
                       checks_skipped=int(chk.skipped.sum()))
            doc = rep.inferred
            res.update(read_department=doc.get("department_name"), read_year=doc.get("year"))
            if not quiet:
                print(f"{year}/{dept}: read from the document: {doc.get('department_name') or '?'}, "
                      f"{doc.get('year') or '?'} 年度"
                      + (f"（{doc['scope']}）" if doc.get("scope") else "")
                      + (f", 单位 {doc['unit']}" if doc.get("unit") else "")
                      + ("" if rep.given else " (no metadata.json)"))
                print(f"{year}/{dept}: {res['line_items']} line items, "
                      f"{len(frames['budget_outturn'])} budget items, {len(frames['projects'])} projects; "
                      f"checks {res['checks_run']} run, {res['checks_failed']} failed, "
                      f"{res['checks_skipped']} skipped; findings "
                      f"{sev.get('error', 0)} error / {sev.get('warning', 0)} warning / {sev.get('info', 0)} info; "
                      f"parse+validate {res['parse_validate_s']:.3f} s, total {res['total_s']:.2f} s "
                      f"→ {config.rel(config.clean_dir(year, dept))}/")
        except ParseError as exc:
            res["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a batch goes on and says what failed
            res["error"] = f"{type(exc).__name__}: {exc}"
            if "--debug" in sys.argv:
                traceback.print_exc()
        if res["error"] and not quiet:
            print(f"{year}/{dept}: FAILED — {res['error']}", file=sys.stderr)
        results.append(res)
    if not panel:
        return results
    try:
        out = build_panel()
        if out is not None and not quiet:
            print(f"panel: {config.rel(out)}/ (all reports in data/clean, long form)")
    except Exception as exc:  # noqa: BLE001 - the panel must not hide the per-report results
        print(f"panel: FAILED — {type(exc).__name__}: {exc}", file=sys.stderr)
    return results


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
    p = sub.add_parser("notebooks", help="sync notebooks/ with their jupytext twins, execute in place with default parameters "
                                         "(the committed outputs nbval compares)")
    p.add_argument("names", nargs="*", help="notebook names (default: all NN-*.ipynb)")
    p = sub.add_parser("bench", help="benchmarks")
    p.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    if getattr(args, "no_ocr", False):  # read by extract.ocr.ocr_enabled(), also in worker processes
        import os

        from .extract.ocr import NO_OCR_ENV
        os.environ[NO_OCR_ENV] = "1"

    if args.cmd == "data":
        results = run_data(args.years, args.departments)
        failed = [r for r in results if not r["ok"]]
        if not results:
            print("no reports found under data/raw/<year>/<department>/", file=sys.stderr)
            return 1
        names = ", ".join(f"{r['year']}/{r['department']}" for r in failed)
        print(f"data: {len(results) - len(failed)} of {len(results)} reports written"
              + (f"; FAILED: {names}" if failed else ""))
        return 1 if failed else 0
    if args.cmd == "reports":
        from .batch import run_reports
        return run_reports(args.years, args.departments, jobs=args.jobs, progress=not args.no_progress,
                           notebooks=args.notebooks or None, timeout=args.timeout)
    if args.cmd == "notebooks":
        return execute_in_place(args.names)
    if args.cmd == "bench":
        from .bench import main as bench_main
        return bench_main(repeat=args.repeat)
    return 2
