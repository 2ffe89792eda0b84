"""The clean step: raw report → parse (extract) → validate → ``data/clean/<year>/<department>/``.

:func:`run_data` is ``python -m juesuan data`` and the first step of a batch
(:mod:`juesuan.run.batch`); it sits below both, so neither imports the command line.
"""
from __future__ import annotations

import sys
import time
import traceback

from .. import config
from ..errors import ParseError


def run_data(years=None, departments=None, quiet: bool = False, panel: bool = True) -> list[dict]:
    """Parse, validate and write every selected report; one failure does not stop the rest.

    ``panel=False`` leaves data/clean/panel/ alone (a caller running report by report builds it
    once at the end with :func:`juesuan.clean.panel.build_panel`)."""
    from .. import identity
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
