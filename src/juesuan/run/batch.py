"""``make reports``: clean data → notebooks (papermill) → one HTML per report → index.

Every step is a task on an :class:`~juesuan.run.executor.Executor` (a local pool of ``jobs``
worker processes, or a Dask cluster); this process only decides what runs next as tasks
complete.  For every report folder ``data/raw/<year>/<department>/`` (see
:func:`juesuan.clean.pipeline.discover`):

1. its data step (:func:`data_task` → :func:`juesuan.clean.data_task`) parses and validates it
   into ``data/clean/<year>/<department>/``; the folder's identity (name, paths, a source counted
   twice) is checked here first, for all reports at once; if the step fails, the report's
   notebooks are skipped; after the last data step the panel is built and the comparison
   chapters are queued;
2. its chapters ``notebooks/NN-*.ipynb`` are executed by papermill with the parameters ``year``
   and ``department`` into ``reports/<year>/<department>/NN-*.ipynb``
   (:func:`juesuan.run.kernels.execute_chapters_task`) in the worker's warm kernel, each from an
   empty namespace: one task per report, or — with fewer reports than jobs — one task per
   chapter, longest first, so the kernels finish together; a failing notebook does not stop the
   others, and its executed notebook (with the error) is kept for reading;
3. when all of a report's notebooks succeeded, they are rendered in order into ONE offline
   HTML file ``reports/<year>/<department>/report.html`` (:func:`html_task`); otherwise an old
   ``report.html`` of that report is removed, so nothing looks complete that is not;
4. ``reports/index.html`` (offline, Chinese) lists every report with links, status and headline
   numbers from the clean data; ``reports/summary.json`` holds the same information and every
   step's start time and seconds.

A progress bar goes to stderr; a summary table (every step with ok/FAILED, time and the
reason) goes to stdout.  Each notebook's kernel runs with the notebook folder as working
directory and the inline matplotlib backend (``make`` exports ``MPLBACKEND=Agg``, which
would otherwise keep figures out of the notebooks).  What the kernels and papermill print
is kept out of the terminal: it goes to ``reports/<year>/<department>/logs/<notebook>.log``,
which is deleted when the notebook succeeded; what a shared kernel itself prints goes to
``logs/kernel-<first chapter>.log``, kept only when a chapter failed.
"""
from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from .. import config
from .executor import Executor, LocalExecutor
from .kernels import (KERNEL_NAME, LOG_DIR, NOTEBOOK_TIMEOUT_S, StepResult, _rel, describe_error,
                      execute_chapters_task, first_line, warm_worker)
from ..identity import report_metadata
from ..render import (INDEX_HTML, PANEL, PANEL_HTML, REPORT_HTML, check_offline, combine_html, embed_cjk_font,
                      index_html, make_inert, write_public_text)

NOTEBOOK_RE = re.compile(r"^\d\d-[^/]*\.ipynb$")
SUMMARY_JSON = "summary.json"


@dataclass
class ReportRun:
    year: int
    department: str
    department_name: str
    steps: list[StepResult] = field(default_factory=list)
    headline: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return PANEL if self.department == PANEL else f"{self.year}/{self.department}"

    @property
    def html_name(self) -> str:
        return PANEL_HTML if self.department == PANEL else REPORT_HTML

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "department": self.department,
                "department_name": self.department_name, "ok": self.ok,
                "steps": [asdict(s) | {"status": s.status} for s in self.steps],
                "headline": self.headline}


# ------------------------------------------------------------------ notebooks
def select_notebooks(notebooks_dir: Path, notebooks: Sequence[str | Path] | None = None) -> list[Path]:
    """The chapters to run: ``NN-*.ipynb`` in ``notebooks_dir`` (sorted), or the given ones."""
    notebooks_dir = Path(notebooks_dir)
    if notebooks is None:
        if not notebooks_dir.is_dir():
            return []
        return sorted(p for p in notebooks_dir.iterdir() if NOTEBOOK_RE.match(p.name) and p.is_file())
    chosen = []
    for nb in notebooks:
        p = Path(nb)
        if not p.is_absolute() and not p.exists():
            p = notebooks_dir / p
        if not p.is_file():
            raise FileNotFoundError(f"notebook {nb} not found (looked in {config.rel(notebooks_dir)})")
        chosen.append(p.resolve())
    return sorted(chosen, key=lambda p: p.name)


def chapter_groups(chapters: Sequence[Path], groups: int) -> list[list[Path]]:
    """``chapters`` dealt round-robin into at most ``groups`` kernels (order kept in each)."""
    groups = max(1, min(int(groups), len(chapters)))
    return [list(chapters[g::groups]) for g in range(groups) if chapters[g::groups]]


def chapter_weights(chapters: Sequence[Path], summary: Path | None = None) -> dict[str, float]:
    """Expected seconds of each chapter in a warm kernel: the median of its steps in the last
    batch's ``summary`` (reports/summary.json), else the sum of its cells' times in the notebook
    as last executed (papermill writes them into the cell metadata) without the first code
    cells up to the one calling ``setup()`` (the imports a warm kernel has done) plus 0.3 s;
    1 s for a chapter with neither."""
    seen: dict[str, list[float]] = {}
    try:
        old = json.loads(Path(summary).read_text(encoding="utf-8")) if summary else {}
        for rep in old.get("reports", []):
            for st in rep.get("steps", []):
                if st.get("ok") and st.get("seconds"):
                    seen.setdefault(st["step"], []).append(float(st["seconds"]))
    except (OSError, ValueError, TypeError, AttributeError):
        seen = {}
    out = {}
    for c in chapters:
        if seen.get(c.name):
            times = sorted(seen[c.name])
            out[c.name] = times[len(times) // 2]
            continue
        try:
            nb = json.loads(Path(c).read_text(encoding="utf-8"))
            code = [cell for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]
            first = next((i for i, cell in enumerate(code) if "setup()" in "".join(cell.get("source", ""))), -1)
            cells = sum(float((cell.get("metadata", {}).get("papermill") or {}).get("duration") or 0)
                        for cell in code[first + 1:])
            out[c.name] = cells + 0.3 if cells else 1.0
        except (OSError, ValueError, TypeError):
            out[c.name] = 1.0
    return out




# ------------------------------------------------------------------ headline numbers
def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text not in ("", None) else None
    except InvalidOperation:
        return None


def _read_csv(path: Path) -> list[dict[str, str]] | None:
    if not path.is_file():
        return None
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def headline(clean: Path) -> dict[str, Any]:
    """Headline numbers of one report from its clean tables (missing tables give None).

    Amounts in 元 as decimal strings: ``income_total_yuan`` (公开01 本年收入合计),
    ``expenditure_total_yuan`` (公开01 本年支出合计); ``findings`` by severity;
    ``budget_items`` and ``budget_rate`` (Σ决算数 ÷ Σ年初预算数) from budget_outturn.csv.
    """
    out: dict[str, Any] = {"income_total_yuan": None, "expenditure_total_yuan": None,
                           "findings": None, "budget_items": None, "budget_rate": None}
    items = _read_csv(clean / "line_items.csv")
    if items is not None:
        for key, row_key in (("income_total_yuan", "income_total"),
                             ("expenditure_total_yuan", "expenditure_total")):
            rows = [r for r in items if r.get("table") == "公开01" and r.get("row_key") == row_key]
            rows.sort(key=lambda r: r.get("column") != "amount")  # the 决算数 column first
            value = _decimal(rows[0].get("amount_yuan", "")) if rows else None
            out[key] = str(value) if value is not None else None
    findings = _read_csv(clean / "findings.csv")
    if findings is not None:
        counts = {"error": 0, "warning": 0, "info": 0}
        for r in findings:
            sev = r.get("severity", "")
            counts[sev] = counts.get(sev, 0) + 1
        out["findings"] = counts
    outturn = _read_csv(clean / "budget_outturn.csv")
    if outturn is not None:
        budget = sum((d for r in outturn if (d := _decimal(r.get("initial_budget_yuan", ""))) is not None),
                     Decimal(0))
        actual = sum((d for r in outturn if (d := _decimal(r.get("actual_yuan", ""))) is not None),
                     Decimal(0))
        out["budget_items"] = len(outturn)
        out["budget_rate"] = str((actual / budget).quantize(Decimal("0.000001"))) if budget else None
    return out


def _department_name(year: int, raw_folder: Path, department: str) -> str:
    """metadata.json's name, else the one read from the document, else the slug."""
    return str(report_metadata(year, department, raw_folder).get("department_name") or department)


# ------------------------------------------------------------------ summary
def summary_table(runs: Sequence[ReportRun], wall_s: float) -> str:
    """The plain-text summary printed at the end of a batch."""
    lines = [f"{'report':<18} {'step':<34} {'status':<8} {'time':>8}  reason"]
    for run in runs:
        for s in run.steps:
            reason = s.error + (f"  [log: {s.log}]" if s.log else "")
            lines.append(f"{run.key:<18} {s.step:<34} {s.status:<8} {s.seconds:>6.1f} s  {reason}".rstrip())
    failed = sum(1 for run in runs for s in run.steps if not s.ok)
    total = sum(len(run.steps) for run in runs)
    verdict = f"{failed} of {total} steps FAILED or skipped" if failed else f"all {total} steps ok"
    n_reports = sum(1 for run in runs if run.department != PANEL)
    panel = " + the panel" if n_reports < len(runs) else ""
    lines.append(f"wall time {wall_s:.1f} s; {n_reports} report(s){panel}; {verdict}")
    return "\n".join(lines)


def _earlier_reports(summary_path: Path, current: set[str], reports_dir: Path) -> list[dict[str, Any]]:
    """Reports listed by the previous summary.json that this run did not touch (still on disk)."""
    try:
        old = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    keep = []
    for rep in old.get("reports", []) + old.get("earlier_reports", []):
        key = f"{rep.get('year')}/{rep.get('department')}"
        if key in current or not (reports_dir / key).is_dir():
            continue
        rep.setdefault("generated", old.get("generated", ""))
        keep.append(rep)
        current = current | {key}
    return keep


# ------------------------------------------------------------------ the batch
def run_reports(years: Sequence[int] | None = None, departments: Sequence[str] | None = None,
                jobs: int = 2, progress: bool = True, notebooks: Sequence[str | Path] | None = None,
                data: bool = True, *, notebooks_dir: Path | None = None, reports_dir: Path | None = None,
                clean_root: Path | None = None, raw_root: Path | None = None,
                kernel_name: str = KERNEL_NAME, stream: TextIO | None = None,
                timeout: float = NOTEBOOK_TIMEOUT_S, executor: Executor | None = None,
                share_kernel: bool = True) -> int:
    """Data step, notebooks and HTML for every selected report; 0 if all succeeded, else 1.

    Every step is a task on ``executor`` (default: a :class:`~juesuan.run.executor.LocalExecutor`
    of ``jobs`` processes, each with a warm kernel launched when the pool starts): a report's
    data step (:func:`data_task`), then its chapters (:func:`execute_chapters_task`: one task
    per kernel — several per report when there are fewer reports than jobs), then its HTML
    (:func:`html_task`).  This process only decides what runs next, as steps complete; after
    the last data step it builds the panel and queues the comparison chapters.
    ``share_kernel``: chapters reuse the worker's warm kernel (an empty namespace for each);
    False: a new kernel for every chapter, as a notebook run alone.

    ``notebooks`` restricts the chapters (names in ``notebooks_dir`` or paths).  ``data=False``
    skips the data step (the clean tables must exist).  A notebook running longer than
    ``timeout`` seconds is stopped and named in the summary.  ``notebooks_dir``, ``reports_dir``,
    ``clean_root`` (``data/clean``) and ``raw_root`` (``data/raw``) default to the project
    folders; the data step always writes to the project's ``data/clean``, so it cannot be
    combined with other raw/clean folders.  The summary is printed to ``stream`` (stdout).
    """
    from ..clean.pipeline import discover

    t_start, started = time.perf_counter(), time.time()
    stream = stream or sys.stdout
    notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS).resolve()
    reports_dir = Path(reports_dir or config.REPORTS).resolve()
    clean_root = Path(clean_root or config.CLEAN).resolve()
    raw_root = Path(raw_root or config.RAW).resolve()
    if data and (clean_root != config.CLEAN.resolve() or raw_root != config.RAW.resolve()):
        raise ValueError("the data step writes the project's data/clean from data/raw; "
                         "pass data=False with other raw_root/clean_root folders")
    jobs = max(1, int(jobs))

    chapters = select_notebooks(notebooks_dir, notebooks)
    found = discover(years, departments, root=raw_root) if raw_root.is_dir() else []
    if not found:
        print(f"no reports found under {config.rel(raw_root)}/<year>/<department>/", file=sys.stderr)
        return 1
    if not chapters:
        print(f"no notebooks matching NN-*.ipynb in {config.rel(notebooks_dir)}/", file=sys.stderr)
        return 1

    runs = [ReportRun(year, dept, _department_name(year, folder, dept)) for year, dept, folder in found]
    folders = {f"{year}/{dept}": folder for year, dept, folder in found}
    refused: dict[str, Exception] = {}
    if data:  # checked once here for all reports (a source counted twice needs them all)
        from ..clean import refusal, task_for
        from ..identity import problems
        bad = problems(raw_root)
        refused = {f"{y}/{d}": bad[f] for y, d, f in found if f in bad}
    panel_chapters = (select_notebooks(notebooks_dir / PANEL) if notebooks is None
                      and (notebooks_dir / PANEL).is_dir() else [])
    total = len(runs) * (len(chapters) + 1) + (len(runs) if data else 0)
    total += len(panel_chapters) + 1 if panel_chapters else 0
    bar = _bar_class()(total=total, desc="reports", unit="step", file=sys.stderr, disable=not progress,
                       dynamic_ncols=True, leave=True)
    # chapters of one report over several kernels only when the reports alone cannot fill the jobs
    kernels = max(1, jobs // len(runs)) if share_kernel else max(len(chapters), 1)
    weights = chapter_weights(chapters, reports_dir / SUMMARY_JSON) if share_kernel and kernels > 1 else {}
    by_key = {run.key: run for run in runs}
    chapters_of = {run.key: chapters for run in runs}
    results: dict[str, dict[str, StepResult]] = {run.key: {} for run in runs}
    groups_left: dict[str, int] = {}
    data_left = len(runs) if data else 0
    pool = executor or LocalExecutor(min(jobs, len(runs) * kernels), initializer=warm_worker,
                                     initargs=(kernel_name, str(notebooks_dir), str(reports_dir / LOG_DIR)))

    def skip_rest(run: ReportRun, reason: str, first: StepResult | None = None) -> None:
        run.steps += [first] if first else []
        run.steps += [StepResult(c.name, skipped=True, error=f"not run: {reason}") for c in chapters_of[run.key]]
        _remove_stale_html(reports_dir, run)
        run.steps.append(StepResult(run.html_name, skipped=True, error="not rendered"))
        bar.update(len(chapters_of[run.key]) + 1)

    def queue_chapters(run: ReportRun) -> None:
        if run.department != PANEL:
            try:  # the notebooks write only inside the reports folder
                from ..identity import output_dir
                output_dir(reports_dir, run.year, run.department)
            except ValueError as exc:
                skip_rest(run, "bad output folder", StepResult("output folder", error=str(exc)))
                return
        if share_kernel and kernels > 1 and run.department != PANEL:
            # fewer reports than jobs: every chapter its own step, the longest first, taken by
            # whichever worker (and its warm kernel) is free — the kernels finish together
            groups = [[c] for c in sorted(chapters_of[run.key], key=lambda c: (-weights.get(c.name, 1.0), c.name))]
        else:
            groups = chapter_groups(chapters_of[run.key], kernels if run.department != PANEL else 1)
        groups_left[run.key] = len(groups)
        for i, group in enumerate(groups):
            pool.submit(("chapters", run.key, tuple(c.name for c in group)), execute_chapters_task, {
                "chapters": [_task(run, c, notebooks_dir, reports_dir, kernel_name, timeout) for c in group],
                "kernel_log": str(reports_dir / run.key / LOG_DIR / f"kernel-{group[0].stem}.log"),
                "reuse": share_kernel,
                # the last steps before a worker may fall idle: import the renderer afterwards
                "warm_renderer": share_kernel and i >= len(groups) - jobs})

    def queue_panel() -> None:
        if data:  # the panel of all clean reports, once, after the last data step
            from ..clean.panel import build_panel
            try:
                build_panel(clean_root)
            except Exception as exc:  # noqa: BLE001 - the per-report notebooks do not need it
                print(f"panel: FAILED — {describe_error(exc)[0]}", file=sys.stderr)
        if not panel_chapters:
            return
        if not (clean_root / PANEL / "reports.csv").is_file():
            bar.update(len(panel_chapters) + 1)
            return
        panel_run = ReportRun(0, PANEL, "各报告对比")
        runs.append(panel_run)
        by_key[panel_run.key] = panel_run
        chapters_of[panel_run.key] = panel_chapters
        results[panel_run.key] = {}
        queue_chapters(panel_run)

    try:
        with pool:
            for run in runs:
                if data and run.key in refused:     # names, paths, a source counted twice
                    skip_rest(run, "the data step failed",
                              StepResult("data", error=first_line(refusal(refused[run.key]))))
                    bar.update(1)
                    data_left -= 1
                elif data:
                    pool.submit(("data", run.key), data_task,
                                task_for(run.year, run.department, folders[run.key], clean_root))
                else:
                    queue_chapters(run)
            if not data or data_left == 0:
                queue_panel()
            for done in pool.completions():
                kind, key = done.key[0], done.key[1]
                run = by_key[key]
                if kind == "data":
                    step = StepResult(**done.result) if done.ok else StepResult(
                        "data", error=f"worker failed: {describe_error(done.error)[0]}")
                    bar.update(1)
                    bar.set_postfix_str(f"{key} data {step.status}", refresh=True)
                    if step.ok:
                        run.steps.append(step)
                        queue_chapters(run)
                    else:
                        skip_rest(run, "the data step failed", step)
                    data_left -= 1
                    if data_left == 0:
                        queue_panel()
                elif kind == "chapters":
                    names = done.key[2]
                    if done.ok:
                        steps = [StepResult(**r) for r in done.result]
                    else:  # e.g. a worker process died
                        err, _ = describe_error(done.error)
                        steps = [StepResult(name, error=f"worker failed: {err}") for name in names]
                    for step in steps:
                        results[key][step.step] = step
                        bar.update(1)
                        bar.set_postfix_str(f"{key} {step.step} {step.status}", refresh=True)
                    groups_left[key] -= 1
                    if groups_left[key] == 0:
                        run.steps += [results[key][c.name] for c in chapters_of[key]]
                        failed = [s.step for s in run.steps if not s.ok]
                        if failed:
                            _remove_stale_html(reports_dir, run)
                            run.steps.append(StepResult(run.html_name, skipped=True,
                                                        error="not rendered: " + ", ".join(failed) + " failed"))
                            bar.update(1)
                        else:
                            pool.submit(("html", key), html_task,
                                        _html_task(run, chapters_of[key], reports_dir))
                elif kind == "html":
                    step = StepResult(**done.result) if done.ok else StepResult(
                        run.html_name, error=f"worker failed: {describe_error(done.error)[0]}")
                    if not step.ok:
                        _remove_stale_html(reports_dir, run)
                    run.steps.append(step)
                    bar.update(1)
                    bar.set_postfix_str(f"{key} {step.step} {step.status}", refresh=True)
    finally:
        bar.close()

    # 4. headline numbers, summary.json, index.html
    for run in runs:
        if run.department != PANEL:
            run.headline = headline(clean_root / str(run.year) / run.department)
    wall_s = round(time.perf_counter() - t_start, 3)
    summary_path = reports_dir / SUMMARY_JSON
    summary = {
        "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
        "started": round(started, 3), "wall_s": wall_s, "jobs": jobs, "ok": all(run.ok for run in runs),
        "failed": [f"{run.key} {s.step}: {s.error}" for run in runs for s in run.steps if not s.ok],
        "reports": [run.to_json() for run in runs],
    }
    summary["earlier_reports"] = _earlier_reports(summary_path, {run.key for run in runs}, reports_dir)
    index = index_html(summary, reports_dir)
    index = embed_cjk_font(make_inert(index))
    check_offline(index)
    write_public_text(reports_dir / INDEX_HTML, index)
    write_public_text(summary_path, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    print(summary_table(runs, wall_s), file=stream)
    print(f"index: {config.rel(reports_dir / INDEX_HTML)}", file=stream)
    return 0 if summary["ok"] else 1


def _bar_class():
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: the process pool forks from this process

    return Bar


def _task(run: ReportRun, chapter: Path, notebooks_dir: Path, reports_dir: Path,
          kernel_name: str, timeout: float = NOTEBOOK_TIMEOUT_S) -> dict[str, Any]:
    out_dir = reports_dir / run.key
    params = ({"years": [], "departments": []} if run.department == PANEL
              else {"year": run.year, "department": run.department})
    return {"year": run.year, "department": run.department, "input": str(chapter), "parameters": params,
            "output": str(out_dir / chapter.name), "cwd": str(chapter.parent),
            "log": str(out_dir / LOG_DIR / f"{chapter.stem}.log"), "kernel_name": kernel_name,
            "reports_dir": str(reports_dir), "timeout": timeout}


def data_task(task: dict[str, Any]) -> dict[str, Any]:
    """The data step of one report (in a worker): :func:`juesuan.clean.data_task` (parse,
    validate, write the clean tables; the panel is built once after the last one) as a
    :class:`StepResult` dict."""
    from ..clean import data_task as clean_data_task

    t0 = time.perf_counter()
    step = StepResult("data", started=time.time())
    try:
        res = clean_data_task(task)["result"]
        step.ok = bool(res.get("ok"))
        step.error = "" if step.ok else first_line(res.get("error", "")) or "data step failed"
    except Exception as exc:  # noqa: BLE001
        step.error, _ = describe_error(exc)
    step.seconds = round(time.perf_counter() - t0, 3)
    return asdict(step)


def _remove_stale_html(reports_dir: Path, run: ReportRun) -> None:
    from ..identity import inside
    try:  # never delete outside the reports folder (a bad name, a symbolic link)
        if run.department != PANEL:
            from ..identity import check_names
            check_names(run.year, run.department)
        target = inside(reports_dir / run.key / run.html_name, reports_dir, "report")
    except ValueError:
        return
    target.unlink(missing_ok=True)


def _html_task(run: ReportRun, chapters: Sequence[Path], reports_dir: Path) -> dict[str, Any]:
    out_dir = reports_dir / run.key
    title = (f"{run.department_name}{run.year}年度部门决算分析报告" if run.department != PANEL
             else "各部门、各年度部门决算对比")
    # the narrative chapter (NN-report) opens the document; the detailed chapters follow
    ordered = sorted(chapters, key=lambda c: (not c.stem.endswith("-report"), c.name))
    return {"inputs": [str(out_dir / c.name) for c in ordered], "output": str(out_dir / run.html_name),
            "title": title, "reports_dir": str(reports_dir), "step": run.html_name}


def html_task(task: dict[str, Any]) -> dict[str, Any]:
    """Render a report's executed chapters into its one HTML file (in a worker); a
    :class:`StepResult` as a dict (never raises)."""
    t0 = time.perf_counter()
    step = StepResult(task["step"], started=time.time())
    try:
        target = combine_html([Path(p) for p in task["inputs"]], Path(task["output"]), task["title"])
        step.ok, step.output = True, _rel(target, Path(task["reports_dir"]))
    except Exception as exc:  # noqa: BLE001
        step.error, _ = describe_error(exc)
    step.seconds = round(time.perf_counter() - t0, 3)
    return asdict(step)
