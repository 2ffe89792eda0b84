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

The steps form a small graph (:mod:`juesuan.run.plan`), each keyed by what it reads (raw files,
notebook, parameters, upstream output, the package's code): :class:`Batch` first plans — a
step whose key matches the stored one and whose outputs exist is ``unchanged`` (未变) and not run;
``force`` runs all; ``plan_only`` prints the plan and runs nothing — then walks the graph, the
steps that run going to the executor as their dependencies complete.  A raw report folder that is
gone takes its clean data and reports folder with it.

A progress bar goes to stderr; a summary table (every step with ok/FAILED/未变, time and the
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
from .executor import SchedulerLost, Executor, LocalExecutor
from .kernels import (KERNEL_NAME, LOG_DIR, NOTEBOOK_TIMEOUT_S, StepResult, _rel, describe_error,
                      execute_chapters_task, first_line, warm_worker)
from ..identity import report_metadata
from .plan import (AFTER, CHANGED_INPUT, FORCED, REMOVED, UNCHANGED, Plan, ReportKeys, Step, chapter_key,
                   clean_digest, clean_manifest, code_digest, data_key, env_no_ocr, format_plan, html_key,
                   index_key, panel_key, reason)
# the page names only: the renderer (nbconvert, nbformat) is imported where a page is made, so a
# batch with nothing to render starts fast
INDEX_HTML, PANEL, PANEL_HTML, REPORT_HTML = "index.html", "panel", "compare.html", "report.html"

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
                           "findings": None, "budget_items": None, "budget_rate": None,
                           "coverage_rate": None, "doc_kind": doc_kind(clean)}
    items = _read_csv(clean / "line_items.csv")
    if items is not None:
        table = "预算01" if out["doc_kind"] == "budget" else "公开01"

        def first(row_key: str, side: str) -> Decimal | None:
            rows = [r for r in items if r.get("table") == table and r.get("row_key") == row_key
                    and r.get("side", side) in (side, "") and r.get("column") in ("amount", "total")]
            rows.sort(key=lambda r: r.get("column") != "amount")  # the 决算数 / 预算数 column first
            return _decimal(rows[0].get("amount_yuan", "")) if rows else None

        for key, row_key, side, grand_less in (("income_total_yuan", "income_total", "收入", "carryover"),
                                               ("expenditure_total_yuan", "expenditure_total", "支出",
                                                "carryover_next")):
            value = first(row_key, side)
            if value is None and table == "预算01" and (grand := first("grand_total", side)) is not None:
                value = grand - (first(grand_less, side) or Decimal(0))   # a 收支总表 of 总计 only
            out[key] = str(value) if value is not None else None
    findings = _read_csv(clean / "findings.csv")
    if findings is not None:
        counts = {"error": 0, "warning": 0, "info": 0}
        for r in findings:
            sev = r.get("severity", "")
            counts[sev] = counts.get(sev, 0) + 1
        out["findings"] = counts
    coverage = _read_csv(clean / "coverage.csv")          # the ledger: printed figures read (clean/ledger.py)
    out["coverage_rate"] = next((r.get("coverage_rate") or None for r in coverage or [] if r.get("where") == "all"), None)
    outturn = _read_csv(clean / "budget_outturn.csv")
    if outturn is not None:
        budget = sum((d for r in outturn if (d := _decimal(r.get("initial_budget_yuan", ""))) is not None),
                     Decimal(0))
        actual = sum((d for r in outturn if (d := _decimal(r.get("actual_yuan", ""))) is not None),
                     Decimal(0))
        out["budget_items"] = len(outturn)
        out["budget_rate"] = str((actual / budget).quantize(Decimal("0.000001"))) if budget else None
    return out


def doc_kind(clean: Path) -> str:
    """"budget" or "final" (absent or unknown: "final"): metadata_inferred.json's ``doc_kind``,
    else the column of the report's reports.csv."""
    try:
        meta = json.loads((clean / "metadata_inferred.json").read_text(encoding="utf-8"))
        kind = meta.get("doc_kind") if isinstance(meta, dict) else None
    except (OSError, ValueError):
        kind = None
    if not kind:
        rows = _read_csv(clean / "reports.csv") or []
        kind = rows[0].get("doc_kind") if rows else None
    return "budget" if kind == "budget" else "final"


def _department_name(year: int, raw_folder: Path, department: str) -> str:
    """metadata.json's name, else the one read from the document, else the slug."""
    return str(report_metadata(year, department, raw_folder).get("department_name") or department)


# ------------------------------------------------------------------ summary
def summary_table(runs: Sequence[ReportRun], wall_s: float, index: str = "ok",
                  removed: Sequence[str] = (), panel: StepResult | None = None) -> str:
    """The plain-text summary printed at the end of a batch: every step with ok / FAILED /
    skipped / unchanged (未变, not run: its key and outputs matched)."""
    lines = [f"{'report':<18} {'step':<34} {'status':<9} {'time':>8}  reason"]
    for run in runs:
        for s in run.steps:
            reason_ = s.error + (f"  [log: {s.log}]" if s.log else "")
            status = "未变" if s.status == "unchanged" else s.status
            lines.append(f"{run.key:<18} {s.step:<34} {status:<9} {s.seconds:>6.1f} s  {reason_}".rstrip())
    if panel is not None:      # the panel built, without comparison chapters in this batch
        status = "未变" if panel.status == "unchanged" else panel.status
        lines.append(f"{PANEL:<18} {panel.step:<34} {status:<9} {panel.seconds:>6.1f} s  {panel.error}".rstrip())
    for folder in removed:
        lines.append(f"{folder:<18} {'(raw folder gone)':<34} {'removed':<9}")
    failed = sum(1 for run in runs for s in run.steps if not s.ok)
    total = sum(len(run.steps) for run in runs)
    same = sum(1 for run in runs for s in run.steps if s.status == "unchanged")
    verdict = f"{failed} of {total} steps FAILED or skipped" if failed else f"all {total} steps ok"
    n_reports = sum(1 for run in runs if run.department != PANEL)
    panel = " + the panel" if n_reports < len(runs) else ""
    lines.append(f"wall time {wall_s:.1f} s; {n_reports} report(s){panel}; {verdict}; "
                 f"{total - same} run, {same} unchanged (未变); index {'未变' if index == 'unchanged' else index}")
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
@dataclass
class BatchStep(StepResult):
    """A step of this batch; ``unchanged``: its key and outputs matched, it did not run (未变)."""

    unchanged: bool = False

    @property
    def status(self) -> str:
        return "unchanged" if self.unchanged else StepResult.status.fget(self)


def _unchanged(name: str) -> BatchStep:
    return BatchStep(name, ok=True, unchanged=True)


def run_reports(years: Sequence[int] | None = None, departments: Sequence[str] | None = None,
                jobs: int = 2, progress: bool = True, notebooks: Sequence[str | Path] | None = None,
                data: bool = True, *, notebooks_dir: Path | None = None, reports_dir: Path | None = None,
                clean_root: Path | None = None, raw_root: Path | None = None,
                kernel_name: str = KERNEL_NAME, stream: TextIO | None = None,
                timeout: float = NOTEBOOK_TIMEOUT_S, executor: Executor | None = None,
                share_kernel: bool = True, force: bool = False, plan_only: bool = False) -> int:
    """Data step, notebooks and HTML for every selected report; 0 if all succeeded, else 1.

    The batch is a graph of steps (:mod:`juesuan.run.plan`), each keyed by what it reads; a step
    whose key and outputs are unchanged does not run (``unchanged``, 未变) unless ``force``.
    ``plan_only``: print what would run and why, run nothing, write nothing (0).

    Every step that runs is a task on ``executor`` (default: a
    :class:`~juesuan.run.executor.LocalExecutor` of ``jobs`` processes, each with a warm kernel,
    started only when a step runs): a report's data step (:func:`data_task`), then its chapters
    (:func:`execute_chapters_task`: one task per kernel — several per report when there are fewer
    reports than jobs), then its HTML (:func:`html_task`).  This process only decides what runs
    next, as steps complete; after the last data step it builds the panel (when some report's
    clean data changed) and queues the comparison chapters.  A raw report folder that is gone
    takes its clean data and its reports folder with it (a run with the data step).
    ``share_kernel``: chapters reuse the worker's warm kernel (an empty namespace for each);
    False: a new kernel for every chapter, as a notebook run alone.

    ``notebooks`` restricts the chapters (names in ``notebooks_dir`` or paths; ``[]``: none, i.e.
    the data steps, the panel and the index only).  ``data=False``
    skips the data step (the clean tables must exist).  A notebook running longer than
    ``timeout`` seconds is stopped and named in the summary.  ``notebooks_dir``, ``reports_dir``,
    ``clean_root`` (``data/clean``) and ``raw_root`` (``data/raw``) default to the project
    folders; the data step always writes to the project's ``data/clean``, so it cannot be
    combined with other raw/clean folders.  The summary is printed to ``stream`` (stdout).
    """
    b = Batch(years, departments, jobs=jobs, progress=progress, notebooks=notebooks, data=data,
              notebooks_dir=notebooks_dir, reports_dir=reports_dir, clean_root=clean_root, raw_root=raw_root,
              kernel_name=kernel_name, stream=stream, timeout=timeout, executor=executor,
              share_kernel=share_kernel, force=force)
    if not b.prepare():
        return 1
    if plan_only:
        format_plan(b.plan, b.stream)
        return 0
    return b.run()


class Batch:
    """One ``make reports``: :meth:`prepare` builds the plan (the graph of steps with their keys
    and reasons), :meth:`run` walks it — the steps that run go to the executor, as their
    dependencies complete; the unchanged ones are taken as they are."""

    def __init__(self, years, departments, *, jobs, progress, notebooks, data, notebooks_dir, reports_dir,
                 clean_root, raw_root, kernel_name, stream, timeout, executor, share_kernel, force) -> None:
        self.years, self.departments, self.notebooks = years, departments, notebooks
        self.t_start, self.started = time.perf_counter(), time.time()
        self.stream = stream or sys.stdout
        self.notebooks_dir = Path(notebooks_dir or config.NOTEBOOKS).resolve()
        self.reports_dir = Path(reports_dir or config.REPORTS).resolve()
        self.clean_root = Path(clean_root or config.CLEAN).resolve()
        self.raw_root = Path(raw_root or config.RAW).resolve()
        if data and (self.clean_root != config.CLEAN.resolve() or self.raw_root != config.RAW.resolve()):
            raise ValueError("the data step writes the project's data/clean from data/raw; "
                             "pass data=False with other raw_root/clean_root folders")
        self.jobs, self.progress, self.data, self.force = max(1, int(jobs)), progress, data, force
        self.kernel_name, self.timeout, self.executor, self.share_kernel = kernel_name, timeout, executor, share_kernel
        self.plan = Plan()
        self.runs: list[ReportRun] = []

    # ---------------------------------------------------------------- the plan
    def prepare(self) -> bool:
        self.chapters = select_notebooks(self.notebooks_dir, self.notebooks)
        found = _discover(self.raw_root, self.years, self.departments)
        if not found:
            print(f"no reports found under {config.rel(self.raw_root)}/<year>/<department>/", file=sys.stderr)
            return False
        if not self.chapters and self.notebooks is None:
            print(f"no notebooks matching NN-*.ipynb in {config.rel(self.notebooks_dir)}/", file=sys.stderr)
            return False
        self.code = self.plan.code = code_digest()
        self.no_ocr = env_no_ocr()
        self.runs = [ReportRun(year, dept, _department_name(year, folder, dept)) for year, dept, folder in found]
        self.folders = {f"{year}/{dept}": folder for year, dept, folder in found}
        self.refused: dict[str, Exception] = {}
        if self.data:  # checked once here for all reports (a source counted twice needs them all)
            from ..identity import problems
            bad = problems(self.raw_root)
            self.refused = {f"{y}/{d}": bad[f] for y, d, f in found if f in bad}
        self.panel_chapters = (select_notebooks(self.notebooks_dir / PANEL) if self.notebooks is None
                               and (self.notebooks_dir / PANEL).is_dir() else [])
        self.by_key = {run.key: run for run in self.runs}
        self.chapters_of = {run.key: self.chapters for run in self.runs}
        self.keys = {run.key: ReportKeys(self.reports_dir / run.key) for run in self.runs}
        self.manifest = {run.key: self.keys[run.key].data for run in self.runs}
        self.stale = self._stale_folders(_discover(self.raw_root)) if self.data else []
        for folder in self.stale:
            self.plan.add(Step(f"{config.rel(folder)}:remove", "remove", config.rel(folder), reason=REMOVED,
                               detail="its raw folder is gone"))
        for run in self.runs:
            self._plan_report(run)
        self._plan_panel()
        quiet = not any(s.runs for s in self.plan.steps.values()) and not self.force
        self.plan.add(Step("index", "index", "", deps=list(self.plan.steps),
                           reason=UNCHANGED if quiet and (self.reports_dir / INDEX_HTML).is_file()
                           else (FORCED if self.force else CHANGED_INPUT)))
        return True

    def clean_dir(self, run: ReportRun) -> Path:
        return self.clean_root / run.key

    def _stale_folders(self, everything) -> list[Path]:
        """data/clean/<year>/<department>/ and reports/<year>/<department>/ folders whose raw
        report folder is gone (checked names, inside their root: nothing else is ever removed)."""
        from ..identity import check_names, inside, report_folders
        alive = {f"{y}/{d}" for y, d, _ in everything}
        out = []
        for root in (self.clean_root, self.reports_dir):
            for folder in report_folders(root):
                key = f"{folder.parent.name}/{folder.name}"
                if key in alive or folder.is_symlink():
                    continue
                try:
                    check_names(folder.parent.name, folder.name)
                    out.append(inside(folder, root, "stale folder"))
                except ValueError:
                    continue
        return out

    def _plan_report(self, run: ReportRun) -> None:
        key, clean = run.key, self.clean_dir(run)
        upstream: list[str] = []
        digest: str | None = None
        if self.data:
            dkey, why = data_key(self.code, self.folders[key], self.no_ocr)
            m = self.manifest[key]
            intact = bool(m.get("clean")) and clean_digest(clean, m) == m.get("clean")
            r = reason(dkey, {"key": m.get("data"), "code": m.get("code")}, intact, self.force, self.code)
            detail = why
            if key in self.refused:
                r, detail = (CHANGED_INPUT if r == UNCHANGED else r), "refused: " + first_line(
                    str(self.refused[key]))
            self.plan.add(Step(f"{key}:data", "data", key, key=dkey, reason=r, detail=detail))
            upstream = [f"{key}:data"]
            if r == UNCHANGED:
                digest = m.get("clean")
        else:
            digest = clean_digest(clean, self.manifest[key])
        self._plan_chapters(run, digest, upstream)

    def _params(self, run: ReportRun) -> dict:
        return ({"years": [], "departments": []} if run.department == PANEL
                else {"year": run.year, "department": run.department})

    def _plan_chapters(self, run: ReportRun, upstream_key: str | None, deps: list[str]) -> None:
        """The chapter and HTML steps of ``run`` (re-planned when its upstream step has run)."""
        stored, ids = self.keys[run.key], []
        pending = bool(deps) and upstream_key is None and self.plan[deps[0]].runs
        pairs = []
        for c in self.chapters_of[run.key]:
            sid = f"{run.key}:{c.name}"
            k = chapter_key(self.code, c, self._params(run), upstream_key)
            if pending and not self.force:
                r, detail = AFTER, "; ".join(deps) + " runs first"
            else:
                r = reason(k, stored.stored(c.name), (self.reports_dir / run.key / c.name).is_file(),
                           self.force, self.code)
                detail = "" if k is not None or r == FORCED else "no clean data"
            self.plan.add(Step(sid, "chapter", run.key, deps=list(deps), key=k, reason=r, detail=detail))
            ids.append(sid)
            pairs.append((c.name, k))
        if not pairs:       # notebooks=[]: the data steps, the panel and the index only
            return
        hk = html_key(self.code, _html_title(run), pairs)
        page = self.reports_dir / run.key / run.html_name
        if any(self.plan[i].runs for i in ids) and not self.force:
            r, detail = AFTER, "chapters run first"
        else:
            r, detail = reason(hk, stored.stored(run.html_name), page.is_file(), self.force, self.code), ""
        self.plan.add(Step(f"{run.key}:{run.html_name}", "html", run.key, deps=ids, key=hk, reason=r,
                           detail=detail))

    def _panel_digests(self) -> list[tuple[str, str | None]]:
        """(year/department, clean digest) of every report the panel stacks (all of data/clean)."""
        from ..identity import report_folders
        out = []
        removed = set(self.stale)
        for folder in report_folders(self.clean_root):
            if folder.resolve() in removed:
                continue
            key = f"{folder.parent.name}/{folder.name}"
            m = self.manifest.get(key) or ReportKeys(self.reports_dir / key).data
            out.append((key, clean_digest(folder, m)))
        return out

    def _plan_panel(self) -> None:
        self.panel_run = ReportRun(0, PANEL, "各报告对比")
        self.keys[PANEL] = ReportKeys(self.reports_dir / PANEL)
        self.chapters_of[PANEL] = self.panel_chapters
        data_steps = [s.id for s in self.plan.steps.values() if s.kind == "data"]
        pending = any(self.plan[s].runs for s in data_steps) or bool(self.stale)
        pk = None if pending else panel_key(self.code, self._panel_digests())
        self.panel_key = pk
        deps = []
        if self.data:
            out = self.clean_root / PANEL / "reports.csv"
            if pending and not self.force:
                r, detail = CHANGED_INPUT, "some report's clean data changes"
            else:
                r, detail = reason(pk, self.keys[PANEL].stored("panel"), out.is_file(), self.force, self.code), ""
            self.plan.add(Step("panel:build", "panel", PANEL, deps=data_steps, key=pk, reason=r, detail=detail))
            deps = ["panel:build"]
        if self.panel_chapters:
            self._plan_chapters(self.panel_run, pk, deps)

    # ---------------------------------------------------------------- running
    def run(self) -> int:
        for folder in self.stale:
            _remove_tree(folder)
        n_steps = sum(1 for s in self.plan.steps.values() if s.kind in ("data", "chapter", "html"))
        self.bar = _bar_class()(total=n_steps + (1 if self.data else 0), desc="reports", unit="step",
                                file=sys.stderr, disable=not self.progress, dynamic_ncols=True, leave=True)
        # chapters of one report over several kernels only when the reports whose chapters run
        # (the unchanged ones do not count) cannot fill the jobs
        active = sum(1 for run in self.runs
                     if any(self.plan[f"{run.key}:{c.name}"].runs for c in self.chapters_of[run.key]))
        self.kernels = (max(1, self.jobs // max(active, 1)) if self.share_kernel
                        else max(len(self.chapters), 1))
        self.weights = (chapter_weights(self.chapters, self.reports_dir / SUMMARY_JSON)
                        if self.share_kernel and self.kernels > 1 else {})
        self.results: dict[str, dict[str, StepResult]] = {run.key: {} for run in self.runs}
        self.results[PANEL] = {}
        self.groups_left: dict[str, int] = {}
        self.panel_build: StepResult | None = None
        self.data_left = len(self.runs) if self.data else 0
        self.pool = self.executor or LocalExecutor(
            min(self.jobs, len(self.runs) * self.kernels), initializer=warm_worker,
            initargs=(self.kernel_name, str(self.notebooks_dir), str(self.reports_dir / LOG_DIR)))
        try:
            with self.pool:
                for run in self.runs:
                    self._start_report(run)
                if self.data_left == 0:
                    self._queue_panel()
                for done in self.pool.completions():
                    self._completed(done)
        except SchedulerLost as exc:      # a Dask cluster's scheduler went away: name what it took
            self._lost(exc)
        finally:
            self.bar.close()
        return self._finish()

    def _lost(self, exc: SchedulerLost) -> None:
        """Every step the lost scheduler still had is FAILED with its message (the summary, the
        index and the exit code say so); steps never queued are skipped."""
        error = first_line(str(exc))
        print(f"FAILED — {error}", file=sys.stderr)
        for key in exc.unfinished:
            kind, rkey = key[0], key[1]
            run = self.panel_run if rkey == PANEL else self.by_key.get(rkey)
            if run is None:
                continue
            names = key[2] if kind == "chapters" else (REPORT_HTML if kind == "html" else kind,)
            run.steps += [StepResult(name, error=error) for name in names]
        for run in self.runs:
            if not run.steps:
                run.steps.append(StepResult("data", skipped=True, error=error))

    def _tick(self, key: str, step: StepResult) -> None:
        self.bar.update(1)
        self.bar.set_postfix_str(f"{key} {step.step} {'未变' if step.status == 'unchanged' else step.status}",
                                 refresh=False)

    def _start_report(self, run: ReportRun) -> None:
        from ..clean import refusal, task_for
        key = run.key
        if not self.data:
            self._queue_chapters(run)
            return
        step = self.plan[f"{key}:data"]
        if key in self.refused:     # names, paths, a source counted twice
            self._skip_rest(run, "the data step failed",
                            StepResult("data", error=first_line(refusal(self.refused[key]))))
            self.bar.update(1)
            self.data_left -= 1
        elif not step.runs:
            run.steps.append(_unchanged("data"))
            self._tick(key, run.steps[-1])
            self.data_left -= 1
            self._queue_chapters(run)
        else:
            keys = self.keys[key]
            if keys.data:                           # no key outlives its data
                keys.data = {}
                keys.save()
            self.pool.submit(("data", key), data_task, task_for(run.year, run.department, self.folders[key],
                                                                   self.clean_root))

    def _completed(self, done) -> None:
        kind, key = done.key[0], done.key[1]
        run = self.panel_run if key == PANEL else self.by_key[key]
        if kind == "data":
            step = StepResult(**done.result) if done.ok else StepResult(
                "data", error=f"worker failed: {describe_error(done.error)[0]}")
            self._tick(key, step)
            if step.ok:
                run.steps.append(step)
                self._data_written(run)
                self._queue_chapters(run)
            else:
                self._skip_rest(run, "the data step failed", step)
            self.data_left -= 1
            if self.data_left == 0:
                self._queue_panel()
        elif kind == "chapters":
            names = done.key[2]
            if done.ok:
                steps = [StepResult(**r) for r in done.result]
            else:  # e.g. a worker process died
                err, _ = describe_error(done.error)
                steps = [StepResult(name, error=f"worker failed: {err}") for name in names]
            keys = self.keys[key]
            for step in steps:
                self.results[key][step.step] = step
                keys.set(self.code, step.step, self.plan[f"{key}:{step.step}"].key if step.ok else None)
                self._tick(key, step)
            keys.save()
            self.groups_left[key] -= 1
            if self.groups_left[key] == 0:
                self._chapters_done(run)
        elif kind == "html":
            step = StepResult(**done.result) if done.ok else StepResult(
                run.html_name, error=f"worker failed: {describe_error(done.error)[0]}")
            if not step.ok:
                _remove_stale_html(self.reports_dir, run)
            self.keys[key].set(self.code, run.html_name, self.plan[f"{key}:{run.html_name}"].key if step.ok
                               else None)
            self.keys[key].save()
            run.steps.append(step)
            self._tick(key, step)

    def _data_written(self, run: ReportRun) -> None:
        """After a data step: its key next to the clean data, the chapters re-planned on it."""
        folder = self.clean_dir(run)
        dkey = self.plan[f"{run.key}:data"].key
        if dkey is None:
            return
        m = clean_manifest(folder, dkey, self.code)
        try:
            from ..identity import output_dir
            output_dir(self.reports_dir, run.year, run.department)
        except ValueError:
            return
        self.keys[run.key].data = self.manifest[run.key] = m
        self.keys[run.key].save(make_folder=True)
        # the name the document states (metadata_inferred.json) exists only now: the report's page
        # title and the index are keyed with it, as the next run (nothing changed) will key them
        run.department_name = _department_name(run.year, self.folders[run.key], run.department)
        for c in self.chapters_of[run.key]:     # re-planned below with the new digest
            self.plan.steps.pop(f"{run.key}:{c.name}", None)
        self.plan.steps.pop(f"{run.key}:{run.html_name}", None)
        self._plan_chapters(run, m.get("clean"), [f"{run.key}:data"])

    def _skip_rest(self, run: ReportRun, reason_: str, first: StepResult | None = None) -> None:
        run.steps += [first] if first else []
        run.steps += [StepResult(c.name, skipped=True, error=f"not run: {reason_}")
                      for c in self.chapters_of[run.key]]
        _remove_stale_html(self.reports_dir, run)
        run.steps.append(StepResult(run.html_name, skipped=True, error="not rendered"))
        self.bar.update(len(self.chapters_of[run.key]) + 1)

    def _queue_chapters(self, run: ReportRun) -> None:
        if run.department != PANEL:
            try:  # the notebooks write only inside the reports folder
                from ..identity import output_dir
                output_dir(self.reports_dir, run.year, run.department)
            except ValueError as exc:
                self._skip_rest(run, "bad output folder", StepResult("output folder", error=str(exc)))
                return
        todo = []
        for c in self.chapters_of[run.key]:
            step = self.plan[f"{run.key}:{c.name}"]
            if step.runs:
                todo.append(c)
            else:
                self.results[run.key][c.name] = _unchanged(c.name)
                self._tick(run.key, self.results[run.key][c.name])
        if not todo:
            self.groups_left[run.key] = 0
            self._chapters_done(run)
            return
        if self.share_kernel and self.kernels > 1 and run.department != PANEL:
            # fewer reports than jobs: every chapter its own step, the longest first, taken by
            # whichever worker (and its warm kernel) is free — the kernels finish together
            groups = [[c] for c in sorted(todo, key=lambda c: (-self.weights.get(c.name, 1.0), c.name))]
        else:
            groups = chapter_groups(todo, self.kernels if run.department != PANEL else 1)
        self.groups_left[run.key] = len(groups)
        for i, group in enumerate(groups):
            self.pool.submit(("chapters", run.key, tuple(c.name for c in group)), execute_chapters_task, {
                "chapters": [_task(run, c, self.notebooks_dir, self.reports_dir, self.kernel_name, self.timeout)
                             for c in group],
                "kernel_log": str(self.reports_dir / run.key / LOG_DIR / f"kernel-{group[0].stem}.log"),
                "reuse": self.share_kernel,
                # the last steps before a worker may fall idle: import the renderer afterwards
                "warm_renderer": self.share_kernel and i >= len(groups) - self.jobs})

    def _chapters_done(self, run: ReportRun) -> None:
        key = run.key
        if not self.chapters_of[key]:
            return
        run.steps += [self.results[key][c.name] for c in self.chapters_of[key]]
        failed = [s.step for s in run.steps if not s.ok]
        if failed:
            _remove_stale_html(self.reports_dir, run)
            run.steps.append(StepResult(run.html_name, skipped=True,
                                        error="not rendered: " + ", ".join(failed) + " failed"))
            self.bar.update(1)
            return
        sid = f"{key}:{run.html_name}"
        ran = any(not getattr(self.results[key][c.name], "unchanged", False) for c in self.chapters_of[key])
        step = self.plan[sid]
        if not ran and not step.runs:
            run.steps.append(_unchanged(run.html_name))
            self._tick(key, run.steps[-1])
            return
        if step.reason == AFTER:
            step.reason = CHANGED_INPUT
        self.pool.submit(("html", key), html_task, _html_task(run, self.chapters_of[key], self.reports_dir))

    def _queue_panel(self) -> None:
        step = self.plan.get("panel:build")
        if step is not None:
            # the panel of all clean reports, once, after the last data step: when some report's
            # clean data changed (a report added or removed, too)
            self.panel_key = pk = panel_key(self.code, self._panel_digests())
            step.key = pk
            keys = self.keys[PANEL]
            out = self.clean_root / PANEL / "reports.csv"
            step.reason = reason(pk, keys.stored("panel"), out.is_file(), self.force, self.code)
            if step.runs:
                from ..clean.panel import build_panel
                t0, result = time.perf_counter(), StepResult("panel", started=time.time())
                try:
                    build_panel(self.clean_root)    # with panel/links: each department's documents linked
                    from ..clean.checklist import write_batch_for
                    write_batch_for(self.clean_root)  # the reviewers' workbook: a sheet a report + a summary
                    result.ok = True
                    keys.set(self.code, "panel", pk)
                except Exception as exc:  # noqa: BLE001 - the per-report notebooks do not need it
                    result.error = describe_error(exc)[0]
                    keys.set(self.code, "panel", None)
                    print(f"panel: FAILED — {result.error}", file=sys.stderr)
                result.seconds = round(time.perf_counter() - t0, 3)
                (self.reports_dir / PANEL).mkdir(parents=True, exist_ok=True)
                keys.save()
            else:
                result = _unchanged("panel")
            self.panel_build = result
            self._tick(PANEL, result)
        if not self.panel_chapters:
            return
        # the panel's line of the summary: its build, its chapters, the comparison page
        self.panel_run.steps += [self.panel_build] if self.panel_build else []
        self.runs.append(self.panel_run)
        self.by_key[PANEL] = self.panel_run
        if not (self.clean_root / PANEL / "reports.csv").is_file():
            self.bar.update(len(self.panel_chapters) + 1)
            return
        for c in self.panel_chapters:     # re-planned with the panel's key
            self.plan.steps.pop(f"{PANEL}:{c.name}", None)
        self.plan.steps.pop(f"{PANEL}:{PANEL_HTML}", None)
        self._plan_chapters(self.panel_run, self.panel_key, ["panel:build"] if step is not None else [])
        self._queue_chapters(self.panel_run)

    # ---------------------------------------------------------------- headline numbers, summary, index
    def _finish(self) -> int:
        for run in self.runs:
            if run.department != PANEL:
                run.headline = self._headline(run)
        wall_s = round(time.perf_counter() - self.t_start, 3)
        summary_path = self.reports_dir / SUMMARY_JSON
        runs = self.runs
        counts = {"run": sum(1 for r in runs for s in r.steps if s.status != "unchanged"),
                  "unchanged": sum(1 for r in runs for s in r.steps if s.status == "unchanged")}
        summary = {
            "generated": datetime.now().astimezone().isoformat(timespec="seconds"),
            "started": round(self.started, 3), "wall_s": wall_s, "jobs": self.jobs,
            "ok": all(run.ok for run in runs) and (self.panel_build is None or self.panel_build.ok),
            "code": self.code, "forced": self.force, "steps": counts,
            "removed": [config.rel(f) for f in self.stale],
            "panel": (self.panel_build.status if self.panel_build else None),
            "failed": [f"{run.key} {s.step}: {s.error}" for run in runs for s in run.steps if not s.ok]
            + ([f"{PANEL} {self.panel_build.step}: {self.panel_build.error}"] if self.panel_build
               and not self.panel_build.ok and PANEL not in self.by_key else []),
            "reports": [run.to_json() for run in runs],
        }
        summary["earlier_reports"] = _earlier_reports(summary_path, {run.key for run in runs}, self.reports_dir)
        keys = ReportKeys(self.reports_dir)
        ik = index_key(self.code, index_shown(summary, self.reports_dir))
        index_path = self.reports_dir / INDEX_HTML
        if reason(ik, keys.stored("index"), index_path.is_file(), self.force, self.code) == UNCHANGED:
            summary["index"] = "unchanged"
        else:
            from ..render import check_offline, embed_cjk_font, index_html, make_inert
            index = index_html(summary, self.reports_dir)
            index = embed_cjk_font(make_inert(index))
            check_offline(index)
            _write_text(index_path, index)
            keys.set(self.code, "index", ik)
            keys.save()
            summary["index"] = "ok"
        big = len(runs) > 200    # a province: one line a report keeps summary.json small
        _write_text(summary_path, json.dumps(summary, ensure_ascii=False, indent=None if big else 2) + "\n")
        alone = self.panel_build if self.panel_build and PANEL not in self.by_key else None
        print(summary_table(runs, wall_s, index=summary["index"], removed=summary["removed"], panel=alone),
              file=self.stream)
        print(f"index: {config.rel(index_path)}", file=self.stream)
        return 0 if summary["ok"] else 1

    def _headline(self, run: ReportRun) -> dict[str, Any]:
        """The headline numbers (and 预算/决算) of a report, kept in its clean manifest by digest."""
        folder = self.clean_dir(run)
        m = self.manifest.get(run.key) or {}
        digest = m.get("clean")
        cached = m.get("headline")
        if self.data and digest and cached and m.get("headline_of") == digest:
            return cached
        h = headline(folder)
        keys = self.keys.get(run.key)
        if self.data and digest and keys is not None and keys.data.get("clean") == digest:
            keys.data.update(headline=h, headline_of=digest)
            keys.save()
        return h


def index_shown(summary: dict, reports_dir: Path) -> list:
    """What the index shows of a summary (not the times): its key changes only when the page would."""
    out = []
    for group in ("reports", "earlier_reports"):
        for r in summary.get(group, []):
            out.append([group, r.get("year"), r.get("department"), r.get("department_name"), r.get("ok"),
                        r.get("headline"), r.get("generated", "") if group == "earlier_reports" else "",
                        [[s.get("step"), bool(s.get("ok")), s.get("skipped", False), s.get("error", ""),
                          s.get("log", "")] for s in r.get("steps", [])],
                        (Path(reports_dir) / (PANEL if r.get("department") == PANEL else
                                              f"{r.get('year')}/{r.get('department')}")
                         / (PANEL_HTML if r.get("department") == PANEL else REPORT_HTML)).is_file()])
    return out


def _discover(raw_root: Path, years=None, departments=None) -> list[tuple[int, str, Path]]:
    """(year, department, folder) of every report folder under ``raw_root`` (as
    :func:`juesuan.clean.pipeline.discover`, without importing the parser)."""
    from ..identity import report_folders
    years = {int(y) for y in years} if years else None
    return [(int(f.parent.name), f.name, f) for f in report_folders(raw_root)
            if (not years or int(f.parent.name) in years) and (not departments or f.name in departments)]


def _write_text(target: Path, text: str) -> None:
    """Atomically, with ordinary read permissions (as :func:`juesuan.render.write_public_text`)."""
    from ..atomic import atomic_path
    with atomic_path(Path(target)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def index_html(summary: dict, reports_dir: Path) -> str:
    """:func:`juesuan.render.index_html` (imported when a page is made)."""
    from ..render import index_html as render_index
    return render_index(summary, reports_dir)


def _remove_tree(folder: Path) -> None:
    """Remove a stale report folder (its path was checked by :meth:`Batch._stale_folders`)."""
    import shutil
    shutil.rmtree(folder, ignore_errors=True)


def _html_title(run: ReportRun) -> str:
    return (f"{run.department_name}{run.year}年度部门决算分析报告" if run.department != PANEL
            else "各部门、各年度报告对比（预算与决算）")


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
    title = _html_title(run)
    # the narrative chapter (NN-report) opens the document; the detailed chapters follow
    ordered = sorted(chapters, key=lambda c: (not c.stem.endswith("-report"), c.name))
    return {"inputs": [str(out_dir / c.name) for c in ordered], "output": str(out_dir / run.html_name),
            "title": title, "reports_dir": str(reports_dir), "step": run.html_name}


def html_task(task: dict[str, Any]) -> dict[str, Any]:
    """Render a report's executed chapters into its one HTML file (in a worker); a
    :class:`StepResult` as a dict (never raises)."""
    from ..render import combine_html

    t0 = time.perf_counter()
    step = StepResult(task["step"], started=time.time())
    try:
        target = combine_html([Path(p) for p in task["inputs"]], Path(task["output"]), task["title"])
        step.ok, step.output = True, _rel(target, Path(task["reports_dir"]))
    except Exception as exc:  # noqa: BLE001
        step.error, _ = describe_error(exc)
    step.seconds = round(time.perf_counter() - t0, 3)
    return asdict(step)
