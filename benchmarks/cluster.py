"""Batch throughput: the local process pool vs a Dask cluster on this machine (issue 13).

``python benchmarks/cluster.py [--reports 16] [--repeat 1] [--json PATH]`` (outside the package's
import graph, like ``bench.py``, whose helpers it reuses).

The batch is ``batch.run_reports`` with the data step (data + the six per-report chapters + HTML +
index, as ``make reports`` without the cross-report chapter) over N copies of
``data/raw/2022/nxgxt`` in temporary raw/clean/reports folders, run

- **local**: ``jobs=2`` (the default :class:`~juesuan.run.executor.LocalExecutor`, 2 processes);
- **cluster**: a :class:`~juesuan.run.executor.DaskExecutor` on a ``LocalCluster`` of 2 worker
  processes with 1 thread each (scheduler and workers started, and the package imported in the
  workers, before the clock starts, as on a cluster that stays up between batches; their
  start-up is reported on its own; the package is imported in each worker's step process too,
  where the steps run: :meth:`~juesuan.run.executor.DaskExecutor.warm`).  The local pool's
  processes are forked from this one, which has the package imported already.

Each copy gets one more line break at the end of its text and its own ``source_sha256``: the
same report, but not the same source file (two folders with one source are refused as one
report counted twice).  Prints a table and writes JSON: wall seconds and reports per minute of
each, and the ratio cluster ÷ local (throughput; > 1: the cluster was faster).  Nothing here is
pass/fail; the exit code is 1 only when a run failed.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import YEAR, DEPT, machine_info, make_raw_root, median, roots_env

from juesuan import config

WORKERS = 2
JOBS = 2


def one_batch(tmp: Path, raw: Path, tag: str, executor_factory) -> dict[str, Any]:
    """``run_reports`` of every report under ``raw`` into fresh clean/reports folders."""
    from juesuan.run.batch import SUMMARY_JSON, run_reports, select_notebooks

    clean, reports = tmp / f"clean-{tag}", tmp / f"reports-{tag}"
    with roots_env(raw, clean, reports):
        setup: dict[str, Any] = {}
        executor = executor_factory(setup)      # a cluster's workers inherit the roots at spawn
        try:
            out = io.StringIO()
            t0 = time.perf_counter()
            rc = run_reports(jobs=JOBS, progress=False, notebooks=select_notebooks(config.NOTEBOOKS),
                             stream=out, executor=executor.get("executor") if executor else None)
            wall = time.perf_counter() - t0
        finally:
            if executor:
                executor["close"]()
    summary = json.loads((reports / SUMMARY_JSON).read_text(encoding="utf-8"))
    steps = {"data": 0.0, "notebooks": 0.0, "html": 0.0}
    for rep in summary["reports"]:
        for step in rep["steps"]:
            kind = ("data" if step["step"] == "data" else "html" if step["step"].endswith(".html")
                    else "notebooks")
            steps[kind] += step["seconds"]
    return {"rc": rc, "wall_s": round(wall, 3), "failed": summary["failed"],
            "step_s": {k: round(v, 3) for k, v in steps.items()}, **setup}


def _warm(task=None) -> None:
    import juesuan.run.batch  # noqa: F401
    import juesuan.clean  # noqa: F401


def local_pool(setup: dict[str, Any]) -> None:
    return None                                 # run_reports' own LocalExecutor(jobs)


def local_cluster(setup: dict[str, Any]) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from juesuan.run.executor import DaskExecutor

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster, set_as_default=False)
    client.wait_for_workers(WORKERS, timeout=120)
    client.run(_warm)        # as on a cluster that stays up between batches: the package imported
    executor = DaskExecutor(client=client)
    executor.warm(_warm)     # in each worker's step process too (where the steps run)
    setup["cluster_start_s"] = round(time.perf_counter() - t0, 3)

    def close() -> None:
        client.close()
        cluster.close()

    return {"executor": executor, "close": close}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=16, help="copies of 2022/nxgxt in the batch (default 16)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (median; default 1)")
    ap.add_argument("--json", type=Path, default=config.ROOT / "benchmarks" / "cluster.json",
                    help="where the results go (default benchmarks/cluster.json)")
    args = ap.parse_args(argv)
    n, repeat = max(1, args.reports), max(1, args.repeat)
    machine = machine_info()
    print(f"batch of {n} report(s) (copies of {YEAR}/{DEPT}): local pool jobs={JOBS} vs LocalCluster "
          f"{WORKERS} workers × 1 thread; {repeat} run(s) each; {machine['nproc']} × {machine['cpu']}, "
          f"load {machine.get('load', '?')}", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {"local": [], "cluster": []}
    with tempfile.TemporaryDirectory(prefix="juesuan-cluster-bench-") as tmp_name:
        tmp = Path(tmp_name)
        raw = tmp / "raw"
        make_raw_root(config.raw_dir(YEAR, DEPT), raw, n)
        for i in range(repeat):                 # interleaved, so drift affects both alike
            for tag, factory in (("local", local_pool), ("cluster", local_cluster)):
                res = one_batch(tmp, raw, f"{tag}-{i}", factory)
                runs[tag].append(res)
                extra = f" (cluster start {res['cluster_start_s']:.1f} s, not counted)" if "cluster_start_s" in res else ""
                print(f"  {tag:<8} run {i + 1}: {res['wall_s']:.1f} s, rc {res['rc']}{extra}"
                      + (f"; FAILED: {res['failed'][0]}" if res["failed"] else ""), flush=True)
    result: dict[str, Any] = {"reports": n, "repeat": repeat, "jobs": JOBS, "workers": WORKERS,
                              "threads_per_worker": 1, "machine": machine}
    for tag, rs in runs.items():
        wall = median([r["wall_s"] for r in rs])
        result[tag] = {"wall_s": wall, "reports_per_min": round(n / (wall / 60), 2),
                       "step_s": {k: median([r["step_s"][k] for r in rs]) for k in rs[0]["step_s"]},
                       "runs_wall_s": [r["wall_s"] for r in rs], "ok": all(r["rc"] == 0 for r in rs),
                       "failed": sorted({f for r in rs for f in r["failed"]})}
        if tag == "cluster":
            result[tag]["start_s"] = median([r["cluster_start_s"] for r in rs])
    result["ratio_cluster_over_local"] = round(result["cluster"]["reports_per_min"]
                                               / result["local"]["reports_per_min"], 3)
    print()
    print(f"{'':<10} {'wall':>9} {'reports/min':>12}   Σ step seconds: data / notebooks / html")
    for tag in ("local", "cluster"):
        st = result[tag]["step_s"]
        print(f"{tag:<10} {result[tag]['wall_s']:>7.1f} s {result[tag]['reports_per_min']:>12.1f}   "
              f"{st['data']:.1f} / {st['notebooks']:.1f} / {st['html']:.1f} s")
    print(f"cluster ÷ local throughput: {result['ratio_cluster_over_local']:.2f}× "
          f"(cluster start-up {result['cluster']['start_s']:.1f} s not counted)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"→ {config.rel(args.json)}")
    return 0 if result["local"]["ok"] and result["cluster"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
