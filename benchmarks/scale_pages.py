"""The whole ``make reports`` at scale, pages included (issue 25 item 5): a generated corpus of final
accounts AND budgets, mixed, through the data steps, every chapter, every report.html, the panel,
the comparison chapter and page, and the index.

    .venv/bin/python benchmarks/scale_pages.py --sizes 100 300 --corpus /tmp/juesuan-pages \
        --json benchmarks/scale_pages.json [--executors local dask] [--workers 2]

1. The corpus: ``max(--sizes)`` reports drawn by the layout generator (``tests/synth/generate.py``),
   report ``i`` a final account (``2024/s<i>``: ``model(10000+i)``, the final layouts in turn) when
   ``i`` is even, a budget (``2025/b<i>``: ``budget_model(20000+i)``, the budget layouts in turn)
   when odd — reports 2k and 2k+1 one department's (上海市合成测试<k+1>局: its final accounts and its
   next budget, linked as a department's documents are); made once in ``<corpus>/mixed-<max>/``
   and kept (``--corpus`` in /tmp, never in the
   repository).  A size ``n`` takes the first ``n`` reports.
2. For each size, into fresh clean/reports folders: ``batch.run_reports`` with every chapter
   (``notebooks/NN-*.ipynb`` and ``notebooks/panel/``), ``--jobs`` workers — the local process
   pool, and/or (``--executors local dask``) a ``LocalCluster`` of ``--workers`` processes × 1 thread
   (started before the clock, its start-up reported on its own); then the same batch again,
   nothing changed (a run right after a completed run: every step 未变, nothing written).
   Each run records: wall seconds, seconds per report, the machine's load (``/proc/loadavg``) and
   its busy CPU seconds (``/proc/stat``) before and after — the machine is shared, so compare the
   ratios of ONE invocation, not the seconds of two —, the driver's peak RSS (``ru_maxrss`` of
   this process, the one that drives the batch), Σ step seconds by kind (data / chapters / html /
   panel), and the size of ``reports/`` (bytes, files, report.html median).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(HERE)]

FINAL_YEAR, BUDGET_YEAR = 2024, 2025


def slug(i: int) -> tuple[int, str]:
    return (FINAL_YEAR, f"s{i:05d}") if i % 2 == 0 else (BUDGET_YEAR, f"b{i:05d}")


def department_name(i: int) -> str:
    """The department report ``i`` is of: reports 2k (its 2024 final accounts) and 2k+1 (its 2025
    budget) are one department's, as in a real batch — not one department with 1,000 documents."""
    return f"上海市合成测试{i // 2 + 1:04d}局"


def _render_one(args) -> str:
    i, raw = args
    from synth import generate as g
    year, dept = slug(i)
    folder = Path(raw) / str(year) / dept
    if i % 2 == 0:
        layouts = g.layouts("final")
        g.render(layouts[(i // 2) % len(layouts)], g.model(10_000 + i), folder, dept=dept, name=department_name(i))
    else:
        layouts = g.layouts("budget")
        layout = layouts[(i // 2) % len(layouts)]
        g.render_budget(layout, g.budget_model(20_000 + i, old=layout["form"] == "national_old"), folder,
                        dept=dept, year=year, name=department_name(i))
    return dept


def make_corpus(corpus: Path, n: int, jobs: int) -> Path:
    from corpus import draw
    raw = corpus / f"mixed-{n}"
    todo = []
    for i in range(n):
        year, dept = slug(i)
        meta = raw / str(year) / dept / "metadata.json"
        if not meta.is_file() or department_name(i) not in meta.read_text(encoding="utf-8"):
            shutil.rmtree(raw / str(year) / dept, ignore_errors=True)
            todo.append((i, str(raw)))
    draw(todo, _render_one, jobs, every=50, total=n)
    return raw


def subset(raw_all: Path, raw: Path, n: int) -> Path:
    """The first ``n`` reports of ``raw_all`` (symbolic links are refused as report folders: copies)."""
    from corpus import copy_reports
    return copy_reports(raw_all, raw, [slug(i) for i in range(n)])


from corpus import peak_rss_mb  # noqa: E402


def machine_now() -> dict:
    from bench import busy_seconds
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = None
    return {"t": time.time(), "load": load, "busy_s": busy_seconds()}


def tree_size(folder: Path) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file()]
    pages = sorted(p.stat().st_size for p in files if p.name == "report.html")
    return {"bytes": sum(p.stat().st_size for p in files), "files": len(files), "report_html": len(pages),
            "report_html_median_bytes": int(statistics.median(pages)) if pages else None}


def step_seconds(summary: dict) -> dict:
    out = {"data": 0.0, "chapters": 0.0, "html": 0.0, "panel": 0.0}
    per: dict[str, list[float]] = {}
    for rep in summary["reports"]:
        for st in rep["steps"]:
            if st["status"] == "unchanged":
                continue
            name = st["step"]
            kind = ("data" if name == "data" else "panel" if name == "panel" else
                    "html" if name.endswith(".html") else "chapters")
            out[kind] += st["seconds"]
            per.setdefault(name, []).append(st["seconds"])
    return {"sum_s": {k: round(v, 1) for k, v in out.items()},
            "median_s": {k: round(statistics.median(v), 2) for k, v in sorted(per.items())}}


def dask_executor(workers: int) -> tuple:
    from cluster import _warm
    from distributed import Client, LocalCluster

    from juesuan.run.executor import DaskExecutor
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster, set_as_default=False)
    client.wait_for_workers(workers, timeout=120)
    client.run(_warm)
    executor = DaskExecutor(client=client)
    executor.warm(_warm)
    start = round(time.perf_counter() - t0, 2)

    def close() -> None:
        client.close()
        cluster.close()
    return executor, close, start


def one_size(raw: Path, work: Path, jobs: int, executor_kind: str, workers: int) -> dict:
    from bench import roots_env
    from juesuan.run.batch import SUMMARY_JSON, run_reports

    clean, reports = work / "clean", work / "reports"
    for d in (clean, reports):
        shutil.rmtree(d, ignore_errors=True)
    out: dict = {"executor": executor_kind}
    with roots_env(raw, clean, reports):
        for tag in ("full", "unchanged"):
            executor, close = None, None
            if executor_kind == "dask":
                executor, close, out.setdefault("cluster_start_s", {})[tag] = dask_executor(workers)
            stream = io.StringIO()
            before = machine_now()
            t0 = time.perf_counter()
            try:
                rc = run_reports(jobs=jobs, progress=False, stream=stream, executor=executor)
            finally:
                if close:
                    close()
            wall = time.perf_counter() - t0
            after = machine_now()
            summary = json.loads((reports / SUMMARY_JSON).read_text(encoding="utf-8"))
            n = sum(1 for r in summary["reports"] if r["department"] != "panel")
            busy = (after["busy_s"] - before["busy_s"]) if before["busy_s"] is not None else None
            res = {"rc": rc, "wall_s": round(wall, 1), "reports": n, "s_per_report": round(wall / n, 3),
                   "load_before": before["load"], "load_after": after["load"],
                   "machine_busy_cpu_s": round(busy, 1) if busy is not None else None,
                   "machine_busy_share": round(busy / (wall * (os.cpu_count() or 1)), 3) if busy else None,
                   "steps": summary.get("steps"), "index": summary.get("index"),
                   "n_failed": len(summary["failed"]), "failed": summary["failed"][:5],
                   **step_seconds(summary), "driver_peak_rss_mb": peak_rss_mb(),
                   "reports_dir": tree_size(reports)}
            out[tag] = res
            print(f"  {tag}: {n} reports in {wall:.1f} s ({wall / n:.2f} s/report), rc {rc}, "
                  f"{res['n_failed']} failed, steps {res['steps']}, index {res['index']}, "
                  f"load {before['load']} → {after['load']}, driver peak RSS {res['driver_peak_rss_mb']} MB, "
                  f"reports/ {res['reports_dir']['bytes'] / 1e6:.1f} MB", flush=True)
            if res["n_failed"]:
                print("   failed: " + "; ".join(summary["failed"][:5]), flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/scale_pages.py", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--executors", choices=("local", "dask"), nargs="+", default=["local"],
                    help="each size runs on each (in this order): the local pool, a Dask LocalCluster")
    ap.add_argument("--workers", type=int, default=2, help="Dask workers (--executor dask)")
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/juesuan-pages"))
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--corpus-only", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    args.corpus.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    biggest = max(args.sizes)
    print(f"corpus of {biggest} generated reports (finals and budgets in turn) in {args.corpus}", flush=True)
    raw_all = make_corpus(args.corpus, biggest, args.jobs)
    results = {"jobs": args.jobs, "executors": args.executors, "workers": args.workers, "nproc": os.cpu_count(),
               "corpus_s": round(time.perf_counter() - t0, 1), "sizes": {}}
    if args.corpus_only:
        print(json.dumps(results))
        return 0
    for n in sorted(args.sizes):
        raw = subset(raw_all, args.corpus / f"raw-sub-{n}", n)
        for ex in args.executors:
            print(f"batch of {n} reports (data + chapters + report.html + panel + index; {ex}, "
                  f"jobs={args.jobs}{f', {args.workers} workers' if ex == 'dask' else ''})", flush=True)
            results["sizes"].setdefault(str(n), {})[ex] = one_size(raw, args.corpus / f"work-{ex}-{n}", args.jobs,
                                                                    ex, args.workers)
            if args.json:       # after each run: a long run interrupted keeps what it measured
                args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if args.json:       # after each size: a long run interrupted keeps what it measured
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    results["driver_peak_rss_mb"] = peak_rss_mb()
    results["total_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
