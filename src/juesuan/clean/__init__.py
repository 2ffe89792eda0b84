"""The clean step: raw report → parse (extract) → validate → ``data/clean/<year>/<department>/``.

:func:`run_data` is ``python -m juesuan data`` and the first step of a batch
(:mod:`juesuan.run.batch`); it sits below both, so neither imports the command line.  Each
report is one :func:`data_task` (plain data in and out), run here one after the other or, with
an :class:`~juesuan.run.executor.Executor`, on its workers (``data --scheduler``).
"""
from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ParseError


def data_task(task: dict[str, Any]) -> dict[str, Any]:
    """Parse, validate and write ONE report (in this process or on a worker); never raises.

    ``task``: ``year``, ``department``, ``folder`` (the raw report), ``clean_root`` (where the
    caller expects the output: the worker's own ``data/clean`` must be the same folder),
    ``debug`` (keep the traceback) and ``no_ocr`` (``--no-ocr``, for workers that did not
    inherit the environment).  Returns ``{"result": …, "out": [lines], "err": [lines]}``:
    the result row of :func:`run_data` and what the caller prints to stdout and stderr."""
    from .. import identity
    from ..extract.reading.ocr import NO_OCR_ENV
    from .frames import build_frames
    from .pipeline import inferred_record, parse_report
    from .writer import atomic_write_text, write_clean, write_inferred_metadata

    year, dept = task["year"], task["department"]
    t0 = time.perf_counter()
    res = {"year": year, "department": dept, "ok": False, "error": ""}
    out_lines: list[str] = []
    err_lines: list[str] = []
    saved_ocr = os.environ.get(NO_OCR_ENV)
    if task.get("no_ocr"):
        os.environ[NO_OCR_ENV] = "1"
    try:
        clean_root = Path(task["clean_root"])
        if clean_root.resolve() != Path(config.CLEAN).resolve():
            raise RuntimeError(f"this worker writes clean data to {config.CLEAN}, the batch expects "
                               f"{clean_root}: run the workers from the same checkout (or with the same "
                               f"JUESUAN_CLEAN_ROOT)")
        out = identity.output_dir(clean_root, year, dept)
        rep = parse_report(Path(task["folder"]))
        t1 = time.perf_counter()
        frames = build_frames(rep)
        name = f"{year}-{dept}"
        kind = (rep.inferred or {}).get("doc_kind") or "final"
        title = (f"{rep.meta.get('department_name', dept)} {year} 年度"
                 f"{(rep.inferred or {}).get('doc_level') or '部门'}{'预算' if kind == 'budget' else '决算'}（清洗数据）")
        write_clean(frames, out, name, title)
        write_inferred_metadata(out, inferred_record(rep))
        from .checklist import FILE_XLSX, checklist, write_json, write_xlsx
        sheet = checklist(rep)          # the reviewer's sheet: checklist.json + checklist.xlsx
        write_json(sheet, out)
        write_xlsx(sheet, out / FILE_XLSX)
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
        out_lines.append(f"{year}/{dept}: read from the document: {doc.get('department_name') or '?'}, "
                         f"{doc.get('year') or '?'} 年度"
                         + (f"（{doc['scope']}）" if doc.get("scope") else "")
                         + (f", 单位 {doc['unit']}" if doc.get("unit") else "")
                         + ("" if rep.given else " (no metadata.json)"))
        out_lines.append(f"{year}/{dept}: {'budget' if kind == 'budget' else 'final accounts'}, "
                         f"{res['line_items']} line items, "
                         + ("" if kind == "budget" else f"{len(frames['budget_outturn'])} budget-vs-actual items, ")
                         + f"{len(frames['projects'])} projects; "
                         f"checks {res['checks_run']} run, {res['checks_failed']} failed, "
                         f"{res['checks_skipped']} skipped; findings "
                         f"{sev.get('error', 0)} error / {sev.get('warning', 0)} warning / {sev.get('info', 0)} info; "
                         f"parse+validate {res['parse_validate_s']:.3f} s, total {res['total_s']:.2f} s "
                         f"→ {config.rel(config.clean_dir(year, dept))}/")
    except ParseError as exc:
        res["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a batch goes on and says what failed
        res["error"] = f"{type(exc).__name__}: {exc}"
        if task.get("debug"):
            err_lines.append(traceback.format_exc().rstrip("\n"))
    finally:
        if saved_ocr is None:
            os.environ.pop(NO_OCR_ENV, None)
        else:
            os.environ[NO_OCR_ENV] = saved_ocr
    return {"result": res, "out": out_lines, "err": err_lines}


def task_for(year: int, dept: str, folder: Path | str, clean_root: Path | str | None = None) -> dict[str, Any]:
    """The plain-data task of :func:`data_task` for one report (this process's ``--debug`` and
    ``--no-ocr`` travel with it: a worker elsewhere did not inherit them)."""
    from ..extract.reading.ocr import ocr_enabled

    return {"year": year, "department": dept, "folder": str(folder),
            "clean_root": str(clean_root or config.CLEAN), "debug": "--debug" in sys.argv,
            "no_ocr": not ocr_enabled()}


def refusal(exc: Exception) -> str:
    """The error line of a report refused before parsing (names, paths, a source counted twice)."""
    return str(exc) if isinstance(exc, ParseError) else f"{type(exc).__name__}: {exc}"


def _refused(year, dept, exc: Exception) -> dict[str, Any]:
    """The result of a report refused before parsing (as :func:`data_task` would give it)."""
    return {"result": {"year": year, "department": dept, "ok": False, "error": refusal(exc)}, "out": [], "err": []}


def run_data(years=None, departments=None, quiet: bool = False, panel: bool = True,
             executor=None) -> list[dict]:
    """Parse, validate and write every selected report; one failure does not stop the rest.

    ``panel=False`` leaves data/clean/panel/ alone (a caller running report by report builds it
    once at the end with :func:`juesuan.clean.panel.build_panel`).  ``executor``: run each report's
    :func:`data_task` on it (e.g. a :class:`~juesuan.run.executor.DaskExecutor`; it is closed at
    the end); default: one after the other in this process.  Either way the reports are
    printed and returned in the order they were found."""
    from .. import identity
    from .panel import build_panel
    from .pipeline import discover

    found = discover(years, departments)
    refused = identity.problems(config.RAW) if found else {}   # names, paths, duplicate sources
    tasks = [task_for(year, dept, folder) for year, dept, folder in found]
    done: dict[int, dict[str, Any]] = {}

    def emit(i: int, answer: dict[str, Any]) -> None:
        res = answer["result"]
        if not quiet:
            for line in answer["out"]:
                print(line)
        for line in answer["err"]:
            print(line, file=sys.stderr)
        if res["error"] and not quiet:
            print(f"{res['year']}/{res['department']}: FAILED — {res['error']}", file=sys.stderr)
        done[i] = res

    def answers():
        """(index, answer) of every report, as they finish."""
        for i, (year, dept, folder) in enumerate(found):
            if folder in refused:
                yield i, _refused(year, dept, refused[folder])
            elif executor is None:
                yield i, data_task(tasks[i])
            else:
                executor.submit(i, data_task, tasks[i])
        if executor is not None:
            with executor:
                for c in executor.completions():
                    yield c.key, (c.result if c.ok else _refused(found[c.key][0], found[c.key][1], c.error))

    waiting: dict[int, dict[str, Any]] = {}
    for i, answer in answers():      # printed in the order found, whatever order they finish in
        waiting[i] = answer
        while len(done) in waiting:
            emit(len(done), waiting.pop(len(done)))
    results = [done[i] for i in range(len(found))]
    if not panel:
        return results
    try:
        out = build_panel()
        if out is not None and not quiet:
            print(f"panel: {config.rel(out)}/ (all reports in data/clean, long form; "
                  f"links/: each department's budgets and final accounts linked)")
        from .checklist import write_batch_for
        book = write_batch_for(config.CLEAN)
        if book is not None and not quiet:
            print(f"checklist: {config.rel(book)} (the reviewer's sheet of every report, a summary sheet first)")
    except Exception as exc:  # noqa: BLE001 - the panel must not hide the per-report results
        print(f"panel: FAILED — {type(exc).__name__}: {exc}", file=sys.stderr)
    return results
