"""``make bench`` (``python benchmarks/bench.py``; outside the package's import graph): how long the suite's steps take on this machine (writes BENCHMARKS.md).

Every number is the MEDIAN of several runs (the run count is printed next to it; the slow
measurements are repeated fewer times than ``repeat``):

1. parse + validate (``pipeline.parse_report``) of every report under ``data/raw`` (a report
   that fails is reported and skipped), then ``frames.build_frames`` and ``writer.write_clean``
   (into a temporary folder) separately;
2. the six notebooks of one report (2022/nxgxt, real clean data) through
   ``batch.run_reports(data=False)`` into a temporary reports folder, ``jobs=1`` vs ``jobs=2``,
   warm (after one unmeasured run); the wall time includes the report's HTML and the index;
3. HTML rendering alone: ``render.combine_html`` of the executed chapters of one report;
4. batch throughput for 1, 4 and 16 copies of the 2022 report in temporary raw/clean/reports
   folders (data step + notebooks + HTML), with 1 and 2 jobs; the kernels find the temporary
   folders through ``JUESUAN_RAW_ROOT`` / ``JUESUAN_CLEAN_ROOT`` / ``JUESUAN_REPORTS_ROOT``
   (read by :mod:`juesuan.config` at import);
5. where the time goes: interpreter + imports, kernel start, per-notebook cell times,
   HTML export vs CJK font subsetting, CPU utilisation of the batch runs.

Nothing here is pass/fail: :func:`main` returns 0 when it could run, 1 only when it could not
run at all (no report, no notebooks).  The project's own ``data/clean`` is refreshed for
2022/nxgxt (as ``make data`` does); ``reports/`` is never touched.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from juesuan import config

YEAR, DEPT = 2022, "nxgxt"
BATCH_SIZES = (4, 16)
BATCH_JOBS = {4: (1, 2), 16: (2,)}    # jobs values per batch size
JOBS = (1, 2)
SLOW_REPEAT = 3             # end-to-end runs, HTML rendering, batches of 4 reports
ONCE = (16,)                # batch sizes measured once (twice with --repeat ≥ 3)
TARGET_PARSE_S = 0.3        # parse + validate of a report (text, or a PDF with cached extraction)
TARGET_PDF_COLD_S = 0.5     # cold parse of the 25-page 2024 PDF (issue "Fast")
TARGET_RATE = 15.0          # reports/min, 16 reports on 2 cores
CLUSTER_REPORTS = 16        # §6: the batch through the local pool and a 2-worker Dask cluster
PANEL_REPORTS = 10_000      # §6: the Parquet panel at scale
ENV_ROOTS = ("JUESUAN_RAW_ROOT", "JUESUAN_CLEAN_ROOT", "JUESUAN_REPORTS_ROOT")
BENCHMARKS_MD = "BENCHMARKS.md"


# ------------------------------------------------------------------ small helpers
def median(values: Sequence[float]) -> float | None:
    """The median of ``values`` (None for no values)."""
    values = [float(v) for v in values]
    return statistics.median(values) if values else None


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Call ``fn`` ``runs`` times; the wall times and the last result."""
    times, result = [], None
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


@dataclass
class Row:
    """One line of the results table."""

    section: str
    name: str
    times: list[float] = field(default_factory=list)
    result: str = ""            # ratio, throughput …
    target: str = ""            # e.g. "≤ 10 s"
    met: bool | None = None     # None: no target
    error: str = ""

    @property
    def runs(self) -> int:
        return len(self.times)

    @property
    def median(self) -> float | None:
        return median(self.times)

    @property
    def spread(self) -> str:
        if len(self.times) < 2:
            return ""
        return f"{fmt_s(min(self.times))} – {fmt_s(max(self.times))}"

    @property
    def verdict(self) -> str:
        if self.error:
            return "FAILED"
        if self.met is None:
            return ""
        return "met" if self.met else "MISSED"

    def cells(self) -> list[str]:
        target = f"{self.target} {self.verdict}".strip() if self.target else self.verdict
        return [self.section, self.name, str(self.runs) if self.runs else "—",
                fmt_s(self.median) if not self.error else "—", self.spread,
                self.error or self.result, target]


HEADER = ["§", "measurement", "runs", "median", "min – max", "result", "target"]


def text_table(rows: Sequence[Row]) -> str:
    """The results as a fixed-width text table (for the terminal)."""
    data = [HEADER] + [r.cells() for r in rows]
    widths = [max(len(line[i]) for line in data) for i in range(len(HEADER))]
    out = []
    for n, line in enumerate(data):
        out.append("  ".join(c.ljust(w) if i in (0, 1, 5, 6) else c.rjust(w)
                             for i, (c, w) in enumerate(zip(line, widths))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def md_table(rows: Sequence[Row]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(HEADER) + " |",
             "|" + "|".join(["---", "---", "--:", "--:", "--:", "---", "---"]) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in r.cells()) + " |" for r in rows]
    return "\n".join(lines)


# ------------------------------------------------------------------ machine
def machine_info() -> dict[str, str]:
    info = {"date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform()}
    try:
        info["nproc"] = str(len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        info["nproc"] = str(os.cpu_count())
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info["cpu"] = cpu or platform.processor() or "unknown"
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
                break
    info["memory"] = mem or "unknown"
    with contextlib.suppress(OSError, AttributeError):
        info["load"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    from importlib.metadata import PackageNotFoundError, version
    pkgs = []
    for pkg in ("papermill", "nbclient", "nbconvert", "ipykernel", "fonttools"):
        with contextlib.suppress(PackageNotFoundError):
            pkgs.append(f"{pkg} {version(pkg)}")
    info["packages"] = ", ".join(pkgs)
    return info


# ------------------------------------------------------------------ temporary report copies
def copy_report(src: Path, raw_root: Path, department: str) -> Path:
    """Copy the report folder ``src`` to ``raw_root/<year>/<department>/`` with metadata
    ``department`` set to ``department``; the copy's folder."""
    src = Path(src)
    meta = json.loads((src / config.METADATA_FILE).read_text(encoding="utf-8"))
    dest = Path(raw_root) / str(meta["year"]) / department
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)
    meta["department"] = department
    (dest / config.METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    return dest


def copy_names(n: int, first: str = DEPT) -> list[str]:
    """``[first, "copy01", "copy02", …]`` (n names)."""
    return [first] + [f"copy{i:02d}" for i in range(1, n)]


def make_raw_root(src: Path, raw_root: Path, n: int) -> list[str]:
    """N copies of the report ``src`` under ``raw_root``; their department names.  Each copy's
    source gets as many extra line breaks at its end as its number (``source_sha256`` updated):
    the same report, but not the same source file — two folders with one source are refused as
    one report counted twice.  The first copy is the original byte for byte."""
    names = copy_names(n, Path(src).name)
    for i, name in enumerate(names):
        dest = copy_report(src, raw_root, name)
        meta_path = dest / config.METADATA_FILE
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        source = dest / meta["source_file"]
        if i:
            source.write_bytes(source.read_bytes() + b"\n" * i)
        meta["source_sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return names


def is_pdf(folder: Path) -> bool:
    """Whether the report's source (metadata ``source_file``) is a PDF."""
    try:
        meta = json.loads((Path(folder) / config.METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("source_format") == "pdf" or str(meta.get("source_file", "")).lower().endswith(".pdf")


@contextlib.contextmanager
def clean_root(path: Path) -> Iterator[None]:
    """``config.CLEAN`` of this process pointed at ``path`` (where parse_report keeps its PDF cache)."""
    saved = config.CLEAN
    config.CLEAN = Path(path)
    try:
        yield
    finally:
        config.CLEAN = saved


@contextlib.contextmanager
def roots_env(raw_root: Path, clean_root: Path, reports_root: Path) -> Iterator[None]:
    """Point the kernels (which inherit the environment) and this process's ``config`` at
    temporary folders."""
    saved = {k: os.environ.get(k) for k in ENV_ROOTS}
    saved_cfg = config.RAW, config.CLEAN, config.REPORTS
    roots = Path(raw_root), Path(clean_root), Path(reports_root)
    os.environ.update(dict(zip(ENV_ROOTS, map(str, roots))))
    config.RAW, config.CLEAN, config.REPORTS = roots
    try:
        yield
    finally:
        config.RAW, config.CLEAN, config.REPORTS = saved_cfg
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def busy_seconds() -> float | None:
    """CPU seconds the whole machine spent busy since boot (/proc/stat), None if unknown."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for descendants (workers, kernels)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# ------------------------------------------------------------------ the runs
def run_suite(reports_dir: Path, jobs: int, *, years=(YEAR,), departments=(DEPT,),
              raw_root: Path | None = None, clean_root: Path | None = None,
              share_kernel: bool = True, data: bool = False, panel: bool = False) -> dict[str, Any]:
    """One ``run_reports`` of the per-report chapters ``notebooks/NN-*.ipynb`` (named explicitly, so
    no cross-report notebook runs, unless ``panel``); with ``data`` the data step runs first (the
    roots must then be this process's ``config`` roots: see :func:`roots_env`).  Its summary.json
    plus wall/CPU time and return code."""
    from juesuan.run.batch import SUMMARY_JSON, run_reports, select_notebooks

    chapters = None if panel else select_notebooks(config.NOTEBOOKS)
    out = io.StringIO()
    busy0, cpu0, t0 = busy_seconds(), cpu_seconds(), time.perf_counter()
    rc = run_reports(list(years), list(departments), jobs=jobs, progress=False, notebooks=chapters, data=data,
                     notebooks_dir=config.NOTEBOOKS, reports_dir=reports_dir,
                     raw_root=raw_root, clean_root=clean_root, stream=out, share_kernel=share_kernel)
    wall = time.perf_counter() - t0
    own, busy1 = cpu_seconds() - cpu0, busy_seconds()
    summary = json.loads((Path(reports_dir) / SUMMARY_JSON).read_text(encoding="utf-8"))
    # CPU the rest of the machine used meanwhile (other users' tests …), in cores
    other = max(busy1 - busy0 - own, 0.0) / wall if busy0 is not None and busy1 is not None else None
    summary.update(rc=rc, bench_wall_s=wall, bench_cpu_s=own, other_cores=other, output=out.getvalue())
    return summary


def floor_seconds(year: int = YEAR, department: str = DEPT) -> float:
    """Wall time of benchmarks/floor.py in a fresh process (interpreter and imports included):
    the six chapters' code in one process, figures to PNG."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(Path(__file__).with_name("floor.py")), "--repeat", "1",
                    "--year", str(year), "--department", department],
                   check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def failures(summary: dict[str, Any]) -> str:
    failed = summary.get("failed") or []
    return f"{len(failed)} step(s) failed: {failed[0]}" if failed else ""


def step_seconds(summaries: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Median seconds of every step (notebook, report.html) over the runs' summaries."""
    per: dict[str, list[float]] = {}
    for s in summaries:
        for rep in s.get("reports", []):
            for st in rep.get("steps", []):
                if st.get("ok"):
                    per.setdefault(st["step"], []).append(st["seconds"])
    return {k: median(v) for k, v in per.items()}


def timeline(summary: dict[str, Any]) -> str:
    """"data 0.0–0.8, 01-… 0.9–2.1, …" from the ``started`` times of a run's steps."""
    t0 = summary.get("started")
    if not t0:
        return "(no start times)"
    parts = []
    for rep in summary.get("reports", []):
        for st in rep.get("steps", []):
            if st.get("started"):
                a = st["started"] - t0
                parts.append((a, f"{st['step'].split('.')[0][:20]} {a:.1f}–{a + st['seconds']:.1f}"))
    end = summary.get("wall_s")
    return ", ".join(p for _, p in sorted(parts)) + (f"; index and summary written by {end:.1f}" if end else "")


def phases_of(summary: dict[str, Any]) -> dict[str, float]:
    """Seconds before the first chapter, of the chapters (first start to last end), their sum, the
    idle kernel time and after the last chapter, from a run's step start times ({} if unknown)."""
    t0, wall = summary.get("started"), summary.get("wall_s")
    steps = [st for rep in summary.get("reports", []) for st in rep.get("steps", [])
             if st.get("started") and st["step"].endswith(".ipynb")]
    if not t0 or not wall or not steps:
        return {}
    first = min(st["started"] for st in steps) - t0
    last = max(st["started"] + st["seconds"] for st in steps) - t0
    total = sum(st["seconds"] for st in steps)
    return {"before": first, "chapters": last - first, "chapter_sum": total,
            "idle": max(2 * (last - first) - total, 0.0), "after": wall - last}


def cell_breakdown(nb_path: Path) -> dict[str, float]:
    """From papermill's metadata of an executed notebook: the set-up cell (``h.setup()``),
    the other cells, and the whole papermill run (kernel start included)."""
    nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    setup = other = 0.0
    for cell in nb.get("cells", []):
        d = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0
        src = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code" and "setup()" in src:
            setup += d
        else:
            other += d
    total = (nb.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0
    return {"setup": setup, "cells": other, "papermill": total}


def html_breakdown(nb_paths: Sequence[Path], title: str) -> dict[str, float]:
    """combine_html split into: read + combine, nbconvert export, CJK font subsetting."""
    from juesuan import render

    t0 = time.perf_counter()
    nb = render.combine((render.read_notebook(p) for p in nb_paths), title=title)
    t1 = time.perf_counter()
    nb = render.prepare(nb)
    html, _ = render._exporter().from_notebook_node(
        nb, resources={"metadata": {"name": title, "path": str(Path(nb_paths[0]).parent)}})
    t2 = time.perf_counter()
    html = render.embed_cjk_font(html)
    t3 = time.perf_counter()
    render.check_offline(html)
    return {"read_combine": t1 - t0, "export": t2 - t1, "font": t3 - t2, "bytes": len(html)}


PAGE_SCRIPT = r"""
import json, sys, time
from pathlib import Path
page, arg, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
from juesuan.run import batch
from juesuan import render  # what the batch's processes have imported before
t0 = time.perf_counter()
if page == "index.html":
    summary = json.loads(arg.read_text(encoding="utf-8"))
    html = render.index_html(summary, arg.parent); t1 = time.perf_counter()
    html = render.make_inert(html); t2 = time.perf_counter()
    html = render.embed_cjk_font(html); t3 = time.perf_counter()
    render.check_offline(html)
    render.write_public_text(out / page, html)
    t = {"template": t1 - t0, "sanitise": t2 - t1, "font": t3 - t2}
else:
    step = batch.html_task({"inputs": [str(arg)], "output": str(out / page), "title": "对比",
                            "reports_dir": str(out), "step": page})
    assert step["ok"], step
    t = {}
t["total"] = time.perf_counter() - t0
print(json.dumps(t))
"""


def page_seconds(page: str, arg: Path, out: Path, fresh_cache: bool) -> dict[str, float]:
    """Render the index page (from a summary.json) or a comparison page (from an executed chapter)
    in a fresh process; the seconds of the call (the batch modules imported before the clock).
    ``fresh_cache``: an empty font-subset cache (the base font is kept), else the user's cache."""
    from juesuan.render import fonts

    out.mkdir(parents=True, exist_ok=True)
    base = fonts.build_base()
    env = dict(os.environ)
    if fresh_cache:
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=out))
        (cache / "fonts").mkdir()
        (cache / "fonts" / base.name).symlink_to(base)
        env["JUESUAN_CACHE_DIR"] = str(cache)
    res = subprocess.run([sys.executable, "-c", PAGE_SCRIPT, page, str(arg), str(out)],
                         check=True, capture_output=True, text=True, env=env)
    return json.loads(res.stdout.strip().splitlines()[-1])


def kernel_start(cwd: Path) -> tuple[float, float]:
    """Seconds to start the python3 kernel until it answers, and to run the notebooks'
    first lines (``import helpers; helpers.setup()``) in it."""
    from jupyter_client.manager import start_new_kernel

    from juesuan.run.kernels import KERNEL_NAME, _kernel_environment

    saved = dict(os.environ)
    _kernel_environment()                   # what the batch workers give their kernels
    try:
        t0 = time.perf_counter()
        km, kc = start_new_kernel(kernel_name=KERNEL_NAME, cwd=str(cwd))
        t1 = time.perf_counter()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        reply = kc.execute_interactive("import helpers as h\nh.setup()", timeout=120,
                                       output_hook=lambda msg: None)
        t2 = time.perf_counter()
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"setup failed in the kernel: {reply['content'].get('ename')}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return t1 - t0, t2 - t1


def hot_spots(fn: Callable[[], Any], top: int = 6) -> str:
    """The functions of the project with the most cumulative time in one profiled call of ``fn``."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.runcall(fn)
    stats = pstats.Stats(prof)
    total = stats.total_tt
    src = str(Path(__file__).resolve().parent)
    hits = sorted(((v[3], f"{Path(k[0]).name}:{k[2]}") for k, v in stats.stats.items()
                   if k[0].startswith(src) and k[0] != __file__ and k[2] != "<module>"), reverse=True)
    return (f"{total:.2f} s under cProfile; cumulative: "
            + ", ".join(f"{name} {t:.2f} s" for t, name in hits[:top]))


def fresh_import(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=config.NOTEBOOKS,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


# ------------------------------------------------------------------ the benchmark
def other_load(summaries: Sequence[dict[str, Any]]) -> str:
    """"; other processes used up to X cores meanwhile" (from /proc/stat), or ""."""
    other = [s["other_cores"] for s in summaries if s.get("other_cores") is not None]
    if not other:
        return ""
    return f"; other processes on the machine used {median(other):.2f} cores (median, max {max(other):.2f}) meanwhile"


def disturbance(summaries: Sequence[dict[str, Any]], nproc: str, limit: float = 0.2) -> str:
    """A warning when other processes used more than ``limit`` cores during the notebook runs."""
    other = [s["other_cores"] for s in summaries if s.get("other_cores") is not None]
    if not other or median(other) <= limit:
        return ""
    return (f"**Disturbed run:** other processes on the machine used a median {median(other):.2f} cores "
            f"(max {max(other):.2f}) of the {nproc} while the notebook runs (§2, §4) were measured, so "
            f"those times are pessimistic and the 2-jobs ratio understated; rerun `make bench` on a quiet machine.")


class Bench:
    def __init__(self, repeat: int, tmp: Path, log=print) -> None:
        self.repeat = max(1, int(repeat))
        self.slow = min(self.repeat, SLOW_REPEAT)
        self.tmp = Path(tmp)
        self.rows: list[Row] = []
        self.where: list[str] = []
        self.notes: list[str] = []
        self.log = log
        self.suite_dir: Path | None = None      # executed notebooks of one report (for §3)
        self.suite_last: dict[str, Any] = {}    # summary of the run that wrote them (jobs=1)
        self.suite_summaries: dict[int, list[dict[str, Any]]] = {}
        self.batch_summaries: dict[tuple[int, int], list[dict[str, Any]]] = {}

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        med = fmt_s(row.median) if not row.error else "FAILED"
        self.log(f"  {row.name}: {med}{' ' + row.result if row.result else ''}"
                 f"{' — ' + row.error if row.error else ''}", flush=True)
        return row

    def attempt(self, section: str, name: str, fn: Callable[[], Row]) -> Row | None:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - one failed measurement does not stop the rest
            msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            if "--debug" in sys.argv:
                traceback.print_exc()
            return self.add(Row(section, name, error=msg))

    # §1
    def parse(self) -> None:
        from juesuan.clean.frames import build_frames
        from juesuan.clean.pipeline import discover, parse_report
        from juesuan.clean.writer import write_clean

        self.log("§1 parse + validate, build_frames, write_clean", flush=True)
        found = discover()
        if not found:
            raise RuntimeError(f"no reports under {config.rel(config.RAW)}/<year>/<department>/")
        for year, dept, folder in found:
            key = f"{year}/{dept}"

            def one(year=year, dept=dept, folder=folder, key=key) -> Row:
                pdf = is_pdf(folder)
                fresh = iter(range(10 ** 6))

                def cold():  # an empty clean root each time: no cached PDF extraction
                    with clean_root(self.tmp / "parse-cold" / f"{year}-{dept}-{next(fresh)}"):
                        return parse_report(folder)

                first, rep = timed(cold, 1)
                runs = self.repeat if first[0] < 2 else self.slow
                more, rep = timed(cold, runs - 1) if runs > 1 else ([], rep)
                times = first + more
                name = f"parse + validate {key}" + (" (PDF, cold: no cache)" if pdf else "")
                limit = TARGET_PDF_COLD_S if pdf else TARGET_PARSE_S
                row = self.add(Row("1", name, times, result=f"{len(rep.tables)} tables",
                                   target=f"≤ {limit} s", met=median(times) <= limit))
                if not row.met:
                    self.where.append(f"{name}: " + hot_spots(cold))
                if pdf:  # the pipeline keeps the PDF extraction under the clean folder
                    with clean_root(self.tmp / "parse-warm"):
                        parse_report(folder)
                        warm, rep = timed(lambda: parse_report(folder), self.repeat)
                    self.add(Row("1", f"parse + validate {key} (PDF, warm: cached extraction)", warm,
                                 result=f"{len(rep.tables)} tables", target=f"≤ {TARGET_PARSE_S} s",
                                 met=median(warm) <= TARGET_PARSE_S))
                t_frames, frames = timed(lambda: build_frames(rep), self.repeat)
                self.add(Row("1", f"build_frames {key}", t_frames,
                             result=f"{len(frames['line_items'])} line items"))
                out = self.tmp / "write_clean" / str(year) / dept
                t_write, _ = timed(lambda: write_clean(frames, out, f"{year}-{dept}", key), self.repeat)
                files = len(list(out.iterdir()))
                self.add(Row("1", f"write_clean {key}", t_write, result=f"{files} files (CSV, XLSX, JSON)"))
                return row

            self.attempt("1", f"parse + validate {key}", one)
        self.attempt("1", "prose parsers of 2022/nxgxt", self.prose_parsers)

    def prose_parsers(self) -> Row:
        """The speed checks that were unit tests (issue 26): benchmarks/prose_speed.py, as a share
        of parse_report of the same report and as a ratio to the former test thresholds."""
        import prose_speed

        with clean_root(self.tmp / "prose-speed"):
            res = prose_speed.measure(self.repeat)
        row = None
        for name, r in ((n, res[n]) for n in prose_speed.TARGETS_S):
            row = self.add(Row("1", f"  {name} of {res['report']} (best of {res['repeat']})", [r["seconds"]],
                               result=f"{r['share_of_parse_report']:.1%} of parse_report; "
                                      f"{r['ratio_to_target']:.2f} × the target",
                               target=f"≤ {r['target_s']} s", met=r["seconds"] <= r["target_s"]))
        return row

    # §2
    def suite(self) -> None:
        """One report end to end — data step (fresh clean folder), six chapters, report.html,
        index — with 2 and 1 jobs, interleaved with the single-process floor."""
        self.log(f"§2 one report end to end, {YEAR}/{DEPT} (jobs 2 and 1, {self.slow} runs each, "
                 f"interleaved with the floor)", flush=True)
        raw = self.tmp / "one-raw"
        make_raw_root(config.raw_dir(YEAR, DEPT), raw, 1)
        count = iter(range(10 ** 6))

        def once(jobs: int, keep: bool = False, **kw) -> dict[str, Any]:
            n = next(count)
            clean, reports = self.tmp / f"one-clean-{n}", self.tmp / f"one-reports-{n}"
            with roots_env(raw, clean, reports):
                s = run_suite(reports, jobs, raw_root=raw, clean_root=clean, data=True, **kw)
            if s["rc"]:
                raise RuntimeError(f"jobs={jobs}: {failures(s)}")
            if keep:
                self.suite_dir, self.suite_last = reports / str(YEAR) / DEPT, s
                self.suite_clean = clean
            else:
                shutil.rmtree(reports, ignore_errors=True)
                shutil.rmtree(clean, ignore_errors=True)
            return s

        once(2)                                           # warm-up: page cache, font cache, .pyc
        times: dict[int, list[float]] = {j: [] for j in JOBS}
        floor: list[float] = []
        with_panel: list[float] = []
        for i in range(self.slow):
            floor.append(floor_seconds())
            for jobs in sorted(JOBS, reverse=True):       # interleaved, so drift affects all alike
                s = once(jobs, keep=(jobs == 1 and i == self.slow - 1))
                times[jobs].append(s["bench_wall_s"])
                self.suite_summaries.setdefault(jobs, []).append(s)
            with_panel.append(once(2, panel=True)["bench_wall_s"])
        seq, par, fl = median(times[1]), median(times[2]), median(floor)
        self.add(Row("2", "single-process floor (six chapters' code, figures to PNG)", floor,
                     result="benchmarks/floor.py in a fresh process"))
        self.add(Row("2", f"one report end to end {YEAR}/{DEPT}, jobs=2", times[2],
                     result="data + 6 chapters + report.html + index"))
        self.add(Row("2", "  ÷ single-process floor (same run)", [], result=f"{par / fl:.2f}×",
                     target="≤ 1.0×", met=par <= fl))
        self.add(Row("2", f"one report end to end {YEAR}/{DEPT}, jobs=1", times[1],
                     result=f"{seq / fl:.2f}× the floor; 2 jobs {seq / par:.2f}× faster"))
        self.add(Row("2", "  the same with the comparison page (as `make reports`), jobs=2", with_panel,
                     result="+ panel chapter + compare.html"))

    # §3
    def html(self) -> None:
        from juesuan import render

        self.log(f"§3 HTML rendering ({self.slow} runs)", flush=True)
        if self.suite_dir is None:
            raise RuntimeError("no executed notebooks (§2 failed)")
        nbs = sorted(self.suite_dir.glob("[0-9][0-9]-*.ipynb"),
                     key=lambda p: (not p.stem.endswith("-report"), p.name))
        title = f"{YEAR} {DEPT} benchmark"
        out = self.tmp / "html" / render.REPORT_HTML
        times, _ = timed(lambda: render.combine_html(nbs, out, title), self.slow)
        self.add(Row("3", f"report.html: combine_html of {len(nbs)} chapters (warm process)", times,
                     result=f"{out.stat().st_size / 1e6:.1f} MB HTML"))
        parts = [html_breakdown(nbs, title) for _ in range(self.slow)]
        for key, label in (("read_combine", "read + combine notebooks"), ("export", "nbconvert HTML export"),
                           ("font", "CJK font subset (embed_cjk_font)")):
            self.add(Row("3", f"  of which {label}", [p[key] for p in parts]))
        # the index and comparison pages, each in a fresh process (as the batch's parent / a worker)
        summary = self.suite_dir.parent.parent / "summary.json"
        panel_nb = self._panel_notebook()
        for page, arg in (("index.html", summary), ("compare.html", panel_nb)):
            if arg is None:
                continue
            page_seconds(page, arg, self.tmp / f"page-{page}", fresh_cache=False)  # fills the user's cache
            for cache in ("cold", "warm"):
                runs = [page_seconds(page, arg, self.tmp / f"page-{page}", fresh_cache=(cache == "cold"))
                        for _ in range(self.slow)]
                self.add(Row("3", f"{page} in a fresh process, font cache {cache}", [r["total"] for r in runs],
                             result=", ".join(f"{k} {fmt_s(median([r[k] for r in runs]))}"
                                              for k in runs[0] if k != "total"),
                             target="≤ 0.2 s" if cache == "warm" and page == "index.html" else "",
                             met=(median([r["total"] for r in runs]) <= 0.2
                                  if cache == "warm" and page == "index.html" else None)))

    def _panel_notebook(self) -> Path | None:
        """An executed comparison chapter (from a run with the panel), or None."""
        raw = self.tmp / "one-raw"
        clean, reports = self.tmp / "page-clean", self.tmp / "page-reports"
        with roots_env(raw, clean, reports):
            s = run_suite(reports, 2, raw_root=raw, clean_root=clean, data=True, panel=True)
        found = sorted((reports / "panel").glob("[0-9][0-9]-*.ipynb"))
        return found[0] if s["rc"] == 0 and found else None

    # §4
    def batches(self) -> None:
        self.log(f"§4 batch throughput: data + notebooks + HTML + comparison page for "
                 f"{', '.join(map(str, BATCH_SIZES))} reports", flush=True)
        src = config.raw_dir(YEAR, DEPT)
        raw = self.tmp / "batch-raw"
        clean = self.tmp / "batch-clean"
        names = make_raw_root(src, raw, max(BATCH_SIZES))
        reports_root = self.tmp / "batch-reports"
        with roots_env(raw, clean, reports_root):
            for n in BATCH_SIZES:
                self.attempt("4", f"batch {n} reports", lambda n=n: self._batch(n, names[:n], raw, clean,
                                                                               reports_root))

    def _batch(self, n: int, depts: list[str], raw: Path, clean: Path, reports_root: Path) -> Row:
        jobs_list = BATCH_JOBS.get(n, (2,))
        runs = 2 if n in ONCE and self.repeat >= 3 else (1 if n in ONCE else self.slow)
        times: dict[int, list[float]] = {j: [] for j in jobs_list}
        failed: dict[int, str] = {}
        for i in range(runs):
            for jobs in jobs_list:
                if jobs in failed:
                    continue
                shutil.rmtree(clean, ignore_errors=True)
                rdir = reports_root / f"n{n}-j{jobs}-{i}"
                s = run_suite(rdir, jobs, departments=depts, raw_root=raw, clean_root=clean, data=True, panel=True)
                shutil.rmtree(rdir, ignore_errors=True)
                if s["rc"]:
                    failed[jobs] = failures(s)
                    continue
                times[jobs].append(s["bench_wall_s"])
                self.batch_summaries.setdefault((n, jobs), []).append(s)
        rate = {j: n / (median(times[j]) / 60) for j in jobs_list if times[j]}
        for jobs in jobs_list:
            result = f"{rate[jobs]:.1f} reports/min" if jobs in rate else ""
            target, met = "", None
            if n == max(BATCH_SIZES) and jobs == 2 and jobs in rate:
                target, met = f"≥ {TARGET_RATE:g} reports/min", rate[jobs] >= TARGET_RATE
            if jobs == 2 and 1 in rate and 2 in rate:
                result += f"; 2 jobs / 1 job {rate[2] / rate[1]:.2f}×"
            self.add(Row("4", f"batch {n} report{'s' if n > 1 else ''} (+ comparison page), jobs={jobs}",
                         times[jobs], result=result, target=target, met=met, error=failed.get(jobs, "")))
        summaries = [s for j in jobs_list for s in self.batch_summaries.get((n, j), [])]
        if summaries:
            cpu = median([s["bench_cpu_s"] / s["bench_wall_s"] for s in summaries])
            per = step_seconds(summaries)
            if per.get("compare.html") is not None and n == max(BATCH_SIZES):
                self.add(Row("4", f"  compare.html step inside the {n}-report batch (a worker)",
                             [st["seconds"] for s in summaries for rep in s["reports"] for st in rep["steps"]
                              if st["step"] == "compare.html" and st.get("ok")],
                             target="≤ 0.2 s", met=per["compare.html"] <= 0.2))
            self.where.append(f"batch {n}: run_reports used {cpu:.2f} cores on average (CPU seconds of the "
                              f"parent, workers and kernels ÷ wall time); per report: data step "
                              f"{fmt_s(per.get('data'))}, report.html {fmt_s(per.get('report.html'))}"
                              + other_load(summaries))
        return self.rows[-1]

    # §6
    def scale(self) -> None:
        """Issue "past one machine": the 16-report batch through the local pool and a 2-worker Dask
        cluster (benchmarks/cluster.py), and the Parquet panel of 10,000 reports (panel_scale.py)."""
        here = Path(__file__).resolve().parent
        self.log(f"§6 past one machine: {CLUSTER_REPORTS} reports local vs Dask; panel of "
                 f"{PANEL_REPORTS:,} reports", flush=True)
        out = self.tmp / "cluster.json"
        subprocess.run([sys.executable, str(here / "cluster.py"), "--reports", str(CLUSTER_REPORTS),
                        "--json", str(out)], check=False, capture_output=True, text=True, cwd=here)
        if out.exists():
            c = json.loads(out.read_text(encoding="utf-8"))
            (config.ROOT / "benchmarks" / "cluster.json").write_text(json.dumps(c, ensure_ascii=False, indent=2) + "\n",
                                                                     encoding="utf-8")
            for tag, label in (("local", "local process pool, jobs=2"), ("cluster", "Dask LocalCluster, 2 workers × 1 thread")):
                r = c[tag]
                self.add(Row("6", f"batch {c['reports']} reports (no comparison page), {label}", r["runs_wall_s"],
                             result=f"{r['reports_per_min']:.1f} reports/min"
                                    + (f"; cluster start {r['start_s']:.1f} s not counted" if tag == "cluster" else ""),
                             error="" if r["ok"] else f"failed: {r['failed'][:1]}"))
            self.add(Row("6", "  cluster ÷ local throughput", [], result=f"{c['ratio_cluster_over_local']:.2f}×"))
        else:
            self.add(Row("6", "batch local vs cluster", error="benchmarks/cluster.py wrote no results"))
        out = self.tmp / "panel.json"
        subprocess.run([sys.executable, str(here / "panel_scale.py"), "--reports", str(PANEL_REPORTS),
                        "--out", str(out)], check=False, capture_output=True, text=True, cwd=here)
        if out.exists():
            p = json.loads(out.read_text(encoding="utf-8"))
            b, q = p["build"], p["query"]
            (config.ROOT / "benchmarks" / f"panel_scale_{p['reports']}.json").write_text(
                json.dumps(p, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            self.add(Row("6", f"panel of {p['reports']:,} synthetic reports: build_panel (CSV + Parquet)", [b["seconds"]],
                         result=f"{p['generated_rows']['line_items']:,} line items; peak RSS {b['maxrss_mb']:.0f} MB; "
                                f"Parquet {b['parquet_mb']} MB, CSV {b['csv_mb']} MB",
                         target="≤ 60 s", met=b["seconds"] <= 60))
            self.add(Row("6", "  completion rate by function class and year (h.completion_by_class)", [q["seconds"]],
                         result=f"{p['query_groups']} groups, verified {p['verified']}; warm {q['warm_seconds']} s; "
                                f"peak RSS {q['maxrss_mb']:.0f} MB",
                         target="≤ 2 s", met=q["seconds"] <= 2))
        else:
            self.add(Row("6", "panel at scale", error="benchmarks/panel_scale.py wrote no results"))

    # §5
    def profile(self) -> None:
        self.log("§5 where the time goes", flush=True)
        t_py, _ = timed(lambda: fresh_import("pass"), self.repeat)
        self.add(Row("5", "fresh interpreter (python -c pass)", t_py))
        t_imp, _ = timed(lambda: fresh_import("import helpers; helpers.setup()"), self.slow)
        self.add(Row("5", "fresh interpreter + import helpers; setup()", t_imp))
        ks = [kernel_start(config.NOTEBOOKS) for _ in range(self.slow)]
        self.add(Row("5", "kernel start (until it answers)", [k[0] for k in ks]))
        self.add(Row("5", "  + import helpers; setup() in the kernel", [k[1] for k in ks]))

    def where_the_time_goes(self) -> list[str]:
        """The profile lines (after all runs)."""
        lines = []
        by = {r.name: r for r in self.rows if not r.error}
        kstart = by.get("kernel start (until it answers)")
        kimp = by.get("  + import helpers; setup() in the kernel")
        if self.suite_dir is not None:
            seq = step_seconds(self.suite_summaries.get(1, []))
            last = step_seconds([self.suite_last])
            per = []
            totals = {"setup": 0.0, "cells": 0.0, "papermill": 0.0, "step": 0.0}
            for nb in sorted(self.suite_dir.glob("[0-9][0-9]-*.ipynb")):
                b = cell_breakdown(nb)
                step = last.get(nb.name) or 0.0
                per.append(f"{nb.stem} {step:.1f} s (setup cell {b['setup']:.1f} s, other cells {b['cells']:.1f} s, "
                           f"papermill/kernel overhead {max(step - b['setup'] - b['cells'], 0):.1f} s)")
                for k in ("setup", "cells", "papermill"):
                    totals[k] += b[k]
                totals["step"] += step
            if per:
                n = len(per)
                over = max(totals["step"] - totals["setup"] - totals["cells"], 0)
                lines.append(f"one report, jobs=1: {n} notebooks take {totals['step']:.1f} s in the workers: "
                             f"{totals['setup']:.1f} s importing helpers/pandas/matplotlib + loading the clean "
                             f"data (the setup cell, {totals['setup'] / n:.1f} s per notebook), "
                             f"{totals['cells']:.1f} s in the analysis cells, {over:.1f} s kernel start + "
                             f"papermill overhead ({over / n:.1f} s per notebook)"
                             + (f"; a bare kernel start measures {fmt_s(kstart.median)}" if kstart else "")
                             + (f", import + setup in it {fmt_s(kimp.median)}" if kimp else "") + ".")
                lines.append("per notebook (one jobs=1 run): " + "; ".join(per) + ".")
                html_s = seq.get("report.html")
                if html_s is not None:
                    lines.append(f"report.html: {html_s:.2f} s in a worker, after the report's last chapter.")
            runs2 = self.suite_summaries.get(2, [])
            if runs2:
                lines.append("one report, jobs=2, timeline of the last run (seconds from the start of run_reports): "
                             + timeline(runs2[-1]) + ".")
                phases = phases_of(runs2[-1])
                if phases:
                    lines.append(
                        f"what remains, one report with jobs=2 (last run): {phases['before']:.1f} s before the first "
                        f"chapter (the data step, with the two kernels starting and importing the chapters' modules "
                        f"meanwhile), {phases['chapters']:.1f} s of chapters on two kernels ({phases['chapter_sum']:.1f} s "
                        f"summed, so {phases['idle']:.1f} s of a kernel idle while the other finished), "
                        f"{phases['after']:.1f} s after the last chapter (report.html, index).  The floor does the "
                        f"chapters' work on one core without a kernel; what is left above half of it is the "
                        f"second kernel's imports, the data step and the HTML.")
            par = step_seconds(self.suite_summaries.get(2, []))
            nb_seq = sum(v for k, v in seq.items() if k.endswith(".ipynb"))
            nb_par = sum(v for k, v in par.items() if k.endswith(".ipynb"))
            both = self.suite_summaries.get(1, []) + self.suite_summaries.get(2, [])
            if both:
                cpu = {j: median([s["bench_cpu_s"] / s["bench_wall_s"] for s in self.suite_summaries.get(j, [])])
                       for j in JOBS if self.suite_summaries.get(j)}
                lines.append("one report: run_reports used " + ", ".join(f"{c:.2f} cores with {j} job{'s' if j > 1 else ''}"
                                                                      for j, c in cpu.items()) + other_load(both) + ".")
            if nb_seq and nb_par:
                lines.append(f"with 2 jobs each notebook runs {nb_par / nb_seq:.2f}× as long as alone "
                             f"({nb_par:.1f} s vs {nb_seq:.1f} s summed): the two kernels and the two papermill "
                             f"workers share {machine_info()['nproc']} cores, so the best possible speed-up is "
                             f"about {2 * nb_seq / nb_par:.2f}× before the data step and the HTML.")
        parts = {r.name.strip(): r.median for r in self.rows if r.section == "3" and not r.error}
        font = parts.get("of which CJK font subset (embed_cjk_font)")
        export = parts.get("of which nbconvert HTML export")
        if font is not None and export is not None:
            lines.append(f"report.html: nbconvert export {fmt_s(export)}, CJK font subset {fmt_s(font)} (from the "
                         f"cached base font; subsets are cached by content).")
        lines += self.where
        return lines


def write_markdown(path: Path, machine: dict[str, str], rows: Sequence[Row], where: Sequence[str],
                   notes: Sequence[str], repeat: int, elapsed_s: float | None = None) -> Path:
    """Write BENCHMARKS.md (overwritten with the latest run)."""
    missed = [r for r in rows if r.met is False]
    text = f"""# Benchmarks

Run them with `make bench` (or `.venv/bin/python benchmarks/bench.py --repeat N`); this file is
overwritten with the latest run.  Benchmarks are not pass/fail: they say how long each step takes on
the machine below.  Every time is the **median** of the runs in the `runs` column (`--repeat`,
default 5, for the fast measurements; at most {SLOW_REPEAT} for the end-to-end runs and HTML rendering;
the 16-report batch runs twice, once with `--repeat` below 3).  `min – max` shows the spread.

What the numbers mean:

- **§1 parse + validate** — `pipeline.parse_report` of one raw report (read the text, extract the
  nine tables, the explanation and the project tables, run every check); `build_frames` (tidy tables)
  and `write_clean` (CSV + XLSX + datapackage.json into a temporary folder) separately.
  Targets: ≤ {TARGET_PDF_COLD_S} s for the cold parse of the 25-page 2024 PDF, ≤ {TARGET_PARSE_S} s otherwise.
- **§2 one report end to end** — `batch.run_reports(data=True)` of 2022/nxgxt in temporary
  raw/clean/reports folders (an empty clean folder each run): data step, the six chapters,
  report.html and index.html, as `make reports` does for one report but without the comparison page
  (a separate row adds it).  Beside it, in the same run and interleaved, the **single-process
  floor** (`benchmarks/floor.py` in a fresh process: the six chapters' code in one interpreter,
  figures to PNG, no kernel, no papermill, no HTML).  Target: jobs=2 ≤ 1.0 × the floor.
- **§3 HTML** — `render.combine_html` of the executed chapters of one report (warm process), split
  into reading, nbconvert export and the embedded CJK font; the index page and a comparison page
  each rendered in a fresh process (the batch's modules imported before the clock), with an empty
  font-subset cache and with the cache the runs before left.  Target ≤ 0.2 s: the index page as
  the batch's own process renders it (cache warm); the comparison page as a step of the 16-report
  batch (§4), in a worker that has rendered pages before (a fresh process pays ≈ 0.4 s importing
  nbconvert and compiling its templates, shown here).
- **§4 batch** — N copies of the 2022 report in temporary raw/clean/reports folders, end to end
  (data steps, chapters, HTML, the comparison page over all N, index); reports/minute.
  Target ≥ {TARGET_RATE:g} reports/min for 16 reports with 2 jobs.  The kernels read the temporary
  folders through `JUESUAN_RAW_ROOT` / `JUESUAN_CLEAN_ROOT` / `JUESUAN_REPORTS_ROOT`.
- **§5 where the time goes** — a fresh interpreter, `import helpers; helpers.setup()`, a kernel start,
  and the per-notebook times from the batch summaries and papermill's cell timings.
- **§6 past one machine** — the 16-report batch through the local pool and through a 2-worker
  Dask cluster on this machine (`benchmarks/cluster.py`); the Parquet panel of 10,000 synthetic
  reports (`benchmarks/panel_scale.py`): build time, one typical query, peak memory.

## Machine

| | |
|---|---|
| date | {machine.get('date', '')} |
| nproc | {machine.get('nproc', '')} |
| CPU | {machine.get('cpu', '')} |
| memory | {machine.get('memory', '')} |
| load average at start (1 / 5 / 15 min) | {machine.get('load', '')} |
| Python | {machine.get('python', '')} |
| platform | {machine.get('platform', '')} |
| packages | {machine.get('packages', '')} |

## Results (`--repeat {repeat}`{f", {elapsed_s / 60:.1f} min in all" if elapsed_s else ""})

{md_table(rows)}

Targets missed: {", ".join(r.name.strip() for r in missed) if missed else "none"}.

## Where the time goes

{chr(10).join(f"- {w}" for w in where) if where else "- (no profile)"}
"""
    if notes:
        text += "\n## Notes\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if INCREMENTAL_BEGIN in old and INCREMENTAL_END in old:   # §7 is written by --incremental
        text += "\n" + INCREMENTAL_BEGIN + old.split(INCREMENTAL_BEGIN, 1)[1].split(INCREMENTAL_END, 1)[0] \
            + INCREMENTAL_END + "\n"
    from juesuan.clean.writer import atomic_write_text
    atomic_write_text(path, text)
    return path

# ------------------------------------------------------------------ incremental batch (issue 20)
INCREMENTAL_BEGIN = "<!-- incremental: written by `benchmarks/bench.py --incremental` -->"
INCREMENTAL_END = "<!-- /incremental -->"
SCALE_JSON = "benchmarks/scale.json"
ADDED_REPEAT = 3


def reports_cli(raw: Path, clean: Path, reports: Path, *extra: str) -> tuple[float, str, int]:
    """``python -m juesuan reports`` in a fresh process on the given roots (as a researcher runs
    ``make reports``: interpreter start and imports included); wall seconds, stdout, exit code."""
    env = dict(os.environ, MPLBACKEND="Agg", **dict(zip(ENV_ROOTS, map(str, (raw, clean, reports)))))
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "juesuan", "reports", "--no-progress", *extra], env=env,
                       capture_output=True, text=True, cwd=config.ROOT)
    return time.perf_counter() - t0, p.stdout, p.returncode


def synth_report(raw: Path, department: str, seed: int) -> Path:
    """One generated final-accounts PDF (tests/synth, its own amounts) under ``raw/2024/<department>``."""
    sys.path.insert(0, str(config.ROOT / "tests"))
    from synth import generate as g
    folder = Path(raw) / "2024" / department
    g.render(g.layouts()[0], g.model(seed), folder, dept=department)
    return folder


def edit_one_figure(folder: Path) -> str:
    """Change one amount of the report's text source by 0.01 (its metadata's sha256 follows); what changed."""
    import re
    meta_path = Path(folder) / config.METADATA_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    src = Path(folder) / meta["source_file"]
    text = src.read_text(encoding="utf-8")
    m = re.search(r"(?<![\d.])(\d{2,}\.\d)(\d)(?!\d)", text)
    old = m.group(0)
    new = m.group(1) + str((int(m.group(2)) + 1) % 10)
    src.write_text(text[:m.start()] + new + text[m.end():], encoding="utf-8")
    if meta.get("source_sha256"):
        meta["source_sha256"] = hashlib.sha256(src.read_bytes()).hexdigest()
        meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    line = text[:m.start()].count("\n") + 1
    return f"{config.rel(src) if src.is_relative_to(config.ROOT) else src.name}:{line}: {old} → {new}"


def incremental(tmp: Path, log=print) -> tuple[list[Row], dict[str, str], dict[str, Any]]:
    """Issue 20 item 6, side by side in one run: the repo's reports full and again with nothing
    changed; one generated report added to them vs. that report alone (with panel and index);
    the plans printed for nothing changed / one report added / one raw figure edited / one
    chapter edited.  Every run is ``python -m juesuan reports`` in temporary roots."""
    raw, clean, reports = tmp / "inc-raw", tmp / "inc-clean", tmp / "inc-reports"
    for y in sorted(p for p in config.RAW.iterdir() if p.is_dir() and p.name.isdigit()):
        shutil.copytree(y, raw / y.name)
    n = sum(1 for y in raw.iterdir() for _ in y.iterdir())
    rows: list[Row] = []
    plans: dict[str, str] = {}
    facts: dict[str, Any] = {"reports": n}
    log(f"incremental: full run of the repo's {n} reports", flush=True)
    full, out, rc = reports_cli(raw, clean, reports)
    if rc:
        raise RuntimeError(f"full run failed: {out[-400:]}")
    _, plans["nothing changed"], _ = reports_cli(raw, clean, reports, "--plan")
    same, out, rc = reports_cli(raw, clean, reports)
    facts["unchanged_line"] = out.strip().splitlines()[-2]
    rows.append(Row("7", f"full run, the repo's {n} reports (`make reports`, fresh process)", [full],
                    result="data + chapters + HTML + panel + comparison + index"))
    rows.append(Row("7", "  the same again, nothing changed", [same], result=f"{same / full:.3f} × the full run",
                    target="≤ 0.15 ×", met=same / full <= 0.15))
    log(f"incremental: one generated report added, vs. that report alone ({ADDED_REPEAT} pairs, interleaved)",
        flush=True)
    snap = tmp / "inc-snapshot"
    for root in (raw, clean, reports):
        shutil.copytree(root, snap / root.name)
    added_t, alone_t = [], []
    for i in range(ADDED_REPEAT):
        for root in (raw, clean, reports):            # the N reports as they were, done and unchanged
            shutil.rmtree(root)
            shutil.copytree(snap / root.name, root)
        synth_report(raw, "synth01", 20_001)
        if i == 0:
            _, plans["one report added"], _ = reports_cli(raw, clean, reports, "--plan")
        t, out, rc = reports_cli(raw, clean, reports)
        if rc:
            raise RuntimeError(f"run with one report added failed: {out[-400:]}")
        added_t.append(t)
        araw, aclean, areports = tmp / f"alone-raw-{i}", tmp / f"alone-clean-{i}", tmp / f"alone-reports-{i}"
        synth_report(araw, "synth01", 20_001)
        t, out, rc = reports_cli(araw, aclean, areports)
        if rc:
            raise RuntimeError(f"the added report alone failed: {out[-400:]}")
        alone_t.append(t)
    added, alone = median(added_t), median(alone_t)
    rows.append(Row("7", f"one report added to {n} (its steps, panel, comparison, index)", added_t,
                    result=f"{added / alone:.2f} × that report alone", target="≤ 1.2 ×", met=added / alone <= 1.2))
    rows.append(Row("7", "  that report alone (+ panel, comparison, index), fresh roots", alone_t))
    log("incremental: one raw figure edited", flush=True)
    facts["edited"] = edit_one_figure(raw / str(YEAR) / DEPT)
    _, plans["one raw figure edited"], _ = reports_cli(raw, clean, reports, "--plan")
    edited, out, rc = reports_cli(raw, clean, reports)
    rows.append(Row("7", f"one raw figure edited ({YEAR}/{DEPT})", [edited],
                    result=f"{edited / full:.2f} × the full run"))
    log("incremental: one chapter edited", flush=True)
    nbs = tmp / "inc-notebooks"
    shutil.copytree(config.NOTEBOOKS, nbs, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    import nbformat
    nb_path = nbs / "02-overview.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("（本章末尾新增的一段说明。）"))
    nbformat.write(nb, nb_path)
    from juesuan.run.batch import run_reports
    buf = io.StringIO()
    with roots_env(raw, clean, reports):
        run_reports(progress=False, notebooks_dir=nbs, stream=buf, plan_only=True)
    plans["one chapter edited (02-overview.ipynb)"] = buf.getvalue()
    return rows, plans, facts


def incremental_markdown(rows: Sequence[Row], plans: dict[str, str], facts: dict[str, Any],
                         scale: dict[str, Any] | None, machine: dict[str, str]) -> str:
    lines = [INCREMENTAL_BEGIN, "", "## §7 The incremental batch and the pipeline at scale (issue 20)", "",
             f"Measured side by side in one run ({machine.get('date', '')}, load average at start "
             f"{machine.get('load', '')}; the machine's 2 cores are shared). Each step of a batch has a key "
             "(sha256 of what it reads: raw files, notebook, parameters, upstream keys, the package's code); "
             "a step whose key and outputs are unchanged is not run (未变). Every run below is "
             "`python -m juesuan reports` in a fresh process on temporary roots.", "",
             md_table(rows), ""]
    if facts.get("unchanged_line"):
        lines += [f"The no-change run's summary line: `{facts['unchanged_line']}`.", ""]
    if scale:
        lines += ["### 1,000 generated reports (benchmarks/scale.py)", "",
                  f"Data steps + panel + index of the layout generator's final-accounts PDFs (distinct amounts), "
                  f"jobs={scale.get('jobs')}, `nice`; the peak memory is the resident set of the process that "
                  "drives the batch (its workers not counted).", "",
                  "| reports | wall | s / report | data step (median, a worker) | panel | no-change rerun | "
                  "peak RSS (driver) | summary.json | index.html | failed |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for size, r in sorted(scale.get("sizes", {}).items()):
            f, u = r["full"], r.get("unchanged") or {}
            lines.append(f"| {size} | {f['wall_s']:.0f} s | {f['s_per_report']:.3f} | "
                         f"{fmt_s(f.get('data_step_s_median'))} | {fmt_s(f.get('panel_s'))} | "
                         f"{str(round(u['wall_s'], 1)) + ' s' if u.get('wall_s') is not None else '—'} | "
                         f"{f['peak_rss_mb']:.0f} MB | {f['summary_bytes'] / 1024:.0f} KB | "
                         f"{f['index_bytes'] / 1024:.0f} KB | {f['n_failed']} |")
        part = scale.get("partial")
        if part:
            lines += ["", f"The {part['size']:,}-report run did not finish before the deadline on the shared machine: "
                          f"{part['written']} reports written in {part['minutes']:.0f} min; over its last "
                          f"{part['window_min']:.0f} min {part['window_reports']} reports, "
                          f"{part['window_s_per_report']:.2f} s/report (load average {part.get('load', '?')}); the "
                          f"driving process's peak RSS {part['peak_rss_mb']:.0f} MB (VmHWM, sampled every 30 s)."]
        for pc in scale.get("panel_copies", []):
            if "seconds" in pc:
                lines += ["", f"The panel of {pc['reports']:,} reports (copies of the 100-report run's clean folders), "
                              f"built as the batch's own process builds it, in a fresh process: {pc['seconds']:.1f} s, peak RSS "
                              f"{pc['peak_rss_mb']:.0f} MB (imports included)."]
        for note in scale.get("notes", []):
            lines += ["", note]
        ix = scale.get("index") or {}
        if ix:
            lines += ["", f"The index of {ix['reports']:,} reports (a finished run's lines repeated under ten years "
                          f"and other department names, half of them 预算): {ix['bytes'] / 1e6:.2f} MB "
                          f"(target ≤ 5 MB), rendered in {ix['seconds']:.1f} s, {ix['rows']:,} lines in "
                          f"{ix['details']} year groups (<details>, anchored from the top), {ix['scripts']} scripts."]
        lines.append("")
    lines += ["### The plans printed (`make reports PLAN=1`)", ""]
    if facts.get("edited"):
        lines += [f"The raw figure edited: `{facts['edited']}`.", ""]
    for title, text in plans.items():
        lines += [f"**{title}**", "", "```", text.rstrip(), "```", ""]
    lines.append(INCREMENTAL_END)
    return "\n".join(lines) + "\n"


def put_block(path: Path, block: str) -> None:
    """Replace (or append) the incremental block of BENCHMARKS.md."""
    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else "# Benchmarks\n"
    if INCREMENTAL_BEGIN in text and INCREMENTAL_END in text:
        head, rest = text.split(INCREMENTAL_BEGIN, 1)
        text = head + block + rest.split(INCREMENTAL_END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    from juesuan.clean.writer import atomic_write_text
    atomic_write_text(Path(path), text)


INCREMENTAL_JSON = "benchmarks/incremental.json"


def main_incremental(out: Path | None = None, rerender: bool = False) -> int:
    """§7: run the incremental measurements (unless ``rerender``: the last ones, from
    benchmarks/incremental.json) and write them with benchmarks/scale.json into BENCHMARKS.md."""
    from dataclasses import asdict
    out = Path(out or config.ROOT / BENCHMARKS_MD)
    store = config.ROOT / INCREMENTAL_JSON
    if rerender:
        saved = json.loads(store.read_text(encoding="utf-8"))
        rows, plans, facts, machine = ([Row(**r) for r in saved["rows"]], saved["plans"], saved["facts"],
                                       saved["machine"])
    else:
        machine = machine_info()
        with tempfile.TemporaryDirectory(prefix="juesuan-incr-") as tmp:
            rows, plans, facts = incremental(Path(tmp))
        store.write_text(json.dumps({"rows": [asdict(r) for r in rows], "plans": plans, "facts": facts,
                                     "machine": machine}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    scale_path = config.ROOT / SCALE_JSON
    scale = json.loads(scale_path.read_text(encoding="utf-8")) if scale_path.exists() else None
    print(text_table(rows))
    for title, text in plans.items():
        print(f"\n{title}:\n{text}")
    put_block(out, incremental_markdown(rows, plans, facts, scale, machine))
    print(f"\n{config.rel(out)}: §7 written")
    return 0

def main(repeat: int = 5, out: Path | None = None) -> int:
    """Run every benchmark, print the table, write BENCHMARKS.md; 0 unless nothing could run."""
    started = time.perf_counter()
    out = Path(out or config.ROOT / BENCHMARKS_MD)
    machine = machine_info()
    print(f"benchmarks on {machine['nproc']} × {machine['cpu']}, {machine['memory']}, Python {machine['python']}; "
          f"median of {max(1, int(repeat))} runs (notebook runs and HTML: {min(max(1, int(repeat)), SLOW_REPEAT)}; "
          f"batches of {', '.join(map(str, ONCE))} reports: 1)", flush=True)
    with tempfile.TemporaryDirectory(prefix="juesuan-bench-") as tmp:
        b = Bench(repeat, Path(tmp))
        try:
            b.parse()
        except Exception as exc:  # noqa: BLE001
            print(f"cannot run the benchmarks: {exc}", file=sys.stderr)
            return 1
        for section, name, fn in (("2", "notebook suite", b.suite), ("3", "HTML rendering", b.html),
                                  ("4", "batch throughput", b.batches), ("5", "profile", b.profile),
                                  ("6", "past one machine", b.scale)):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001
                if "--debug" in sys.argv:
                    traceback.print_exc()
                b.add(Row(section, name, error=f"{type(exc).__name__}: {exc}"))
        where = b.where_the_time_goes()
    notes = [f"{r.name.strip()} failed: {r.error}" for r in b.rows if r.error] + b.notes
    disturbed = disturbance([s for runs in [*b.suite_summaries.values(), *b.batch_summaries.values()] for s in runs],
                            machine["nproc"])
    if disturbed:
        notes.insert(0, disturbed)
    notes.append("The copies in §4 are named nxgxt, copy01, …; the copies' clean data exist only in the "
                 "temporary clean root, so their notebooks succeeding shows the kernels read it.")
    notes.append("Every run works in temporary raw/clean/reports folders; the project's data/ and reports/ "
                 "are not touched (§6 writes benchmarks/cluster.json and benchmarks/panel_scale_10000.json).")
    elapsed = time.perf_counter() - started
    print()
    print(text_table(b.rows))
    missed = [r for r in b.rows if r.met is False]
    print(f"\ntargets missed: {', '.join(r.name.strip() for r in missed) if missed else 'none'}")
    if disturbed:
        print("\n" + disturbed.replace("**", ""))
    print("\nwhere the time goes:")
    for w in where:
        print(f"  - {w}")
    path = write_markdown(out, machine, b.rows, where, notes, max(1, int(repeat)), elapsed)
    print(f"\n{config.rel(path)} written ({elapsed / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python benchmarks/bench.py", description="make bench")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    ap.add_argument("--incremental", action="store_true",
                    help="only §7: the incremental batch (no-change ÷ full, one report added) and the plans; "
                         "with benchmarks/scale.json when present; rewrites §7 of BENCHMARKS.md")
    ap.add_argument("--rerender", action="store_true",
                    help="with --incremental: write §7 from benchmarks/incremental.json and scale.json, run nothing")
    args = ap.parse_args()
    sys.exit(main_incremental(rerender=args.rerender) if args.incremental else main(repeat=args.repeat))
