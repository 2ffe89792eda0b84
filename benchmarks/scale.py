"""The whole pipeline at a province's size (issue 20 item 5): a generated corpus of final-accounts
reports through the data steps, the panel and the index, on this machine's cores.

    nice .venv/bin/python benchmarks/scale.py --sizes 100 1000 --corpus /tmp/juesuan-scale \
        --json benchmarks/scale.json

1. The corpus: ``--sizes`` max reports drawn by the layout generator (``tests/synth/generate.py``:
   ``model(seed)`` gives each report its own amounts — distinct sources, so no report is refused
   as another's copy; the layouts of ``layouts.csv`` in turn), in ``<corpus>/raw-<n>/2024/s<i>/``
   (kept between runs: ``--corpus`` in /tmp, never in the repository).
2. For each size: ``batch.run_reports(notebooks=[])`` — every report's data step, the panel and
   the index, ``--jobs`` workers — into fresh clean/reports folders; the seconds per report, the
   peak memory (RSS) of this process (the one that drives the batch: ``ru_maxrss`` of itself,
   not of its workers), the size of summary.json and index.html; then the same batch again,
   nothing changed (every step 未变).
3. The index at ``--index-reports`` (10,000) reports: the summary of the largest run repeated
   under other years and departments, rendered as ``make reports`` writes it; its size.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(HERE)]


YEAR = 2024


def _render_one(args) -> str:
    i, folder = args
    from synth import generate as g
    layouts = g.layouts()
    layout = layouts[i % len(layouts)]
    dept = f"s{i:05d}"
    g.render(layout, g.model(10_000 + i), Path(folder), dept=dept)
    return dept


def make_corpus(corpus: Path, n: int, jobs: int) -> Path:
    """``n`` generated reports under ``corpus/raw-<n>/2024/`` (made once; kept)."""
    from corpus import draw
    raw = corpus / f"raw-{n}"
    year_dir = raw / str(YEAR)
    done = {p.name for p in year_dir.iterdir() if (p / "metadata.json").is_file()} if year_dir.is_dir() else set()
    todo = [(i, str(year_dir / f"s{i:05d}")) for i in range(n) if f"s{i:05d}" not in done]
    draw(todo, _render_one, jobs, every=100, total=n)
    return raw


def subset(raw_all: Path, raw: Path, n: int) -> Path:
    """The first ``n`` reports of ``raw_all`` copied to ``raw`` (a raw root of its own)."""
    from corpus import copy_reports
    return copy_reports(raw_all, raw, [(YEAR, f"s{i:05d}") for i in range(n)])


def _median(values):
    values = sorted(values)
    return round(values[len(values) // 2], 3) if values else None


from corpus import peak_rss_mb  # noqa: E402


def one_batch(raw: Path, work: Path, jobs: int) -> dict:
    from bench import roots_env
    from juesuan.run.batch import SUMMARY_JSON, run_reports

    clean, reports = work / "clean", work / "reports"
    for d in (clean, reports):
        shutil.rmtree(d, ignore_errors=True)
    out: dict = {}
    with roots_env(raw, clean, reports):
        for tag in ("full", "unchanged"):
            stream = io.StringIO()
            t0 = time.perf_counter()
            rc = run_reports(jobs=jobs, progress=False, notebooks=[], stream=stream)
            wall = time.perf_counter() - t0
            summary = json.loads((reports / SUMMARY_JSON).read_text(encoding="utf-8"))
            n = sum(1 for r in summary["reports"] if r["department"] != "panel")
            out[tag] = {"rc": rc, "wall_s": round(wall, 2), "reports": n, "s_per_report": round(wall / n, 3),
                        "steps": summary.get("steps"), "failed": summary["failed"][:5],
                        "n_failed": len(summary["failed"]),
                        "data_step_s_median": _median([st["seconds"] for r in summary["reports"] for st in r["steps"]
                                                       if st["step"] == "data" and st["status"] == "ok"]),
                        "panel_s": next((st["seconds"] for r in summary["reports"] for st in r["steps"]
                                         if st["step"] == "panel"), None),
                        "summary_bytes": (reports / SUMMARY_JSON).stat().st_size,
                        "index_bytes": (reports / "index.html").stat().st_size,
                        "peak_rss_mb": round(peak_rss_mb(), 1)}
            print(f"  {tag}: {n} reports in {wall:.1f} s ({wall / n:.3f} s/report), rc {rc}, "
                  f"{len(summary['failed'])} failed, peak RSS {peak_rss_mb():.0f} MB", flush=True)
    out["summary_path"] = str(reports / SUMMARY_JSON)
    return out


def index_at(summary_path: Path, n: int, work: Path) -> dict:
    """The index of ``n`` reports: the reports of ``summary_path`` repeated under other years
    and departments (as :mod:`juesuan.run.batch` writes it: sanitised, the font subset embedded)."""
    from juesuan.render import check_offline, embed_cjk_font, index_html, make_inert

    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    base = [r for r in summary["reports"] if r["department"] != "panel"]
    rng = random.Random(20)
    names = "财政局 教育局 卫生健康委员会 交通运输局 生态环境局 住房和城乡建设委员会 民政局 司法局 审计局 统计局".split()
    reps = []
    for i in range(n):
        r = dict(base[i % len(base)])
        r["year"] = 2015 + i % 10
        r["department"] = f"d{i:05d}"
        r["department_name"] = f"{rng.choice(['上海市', '浙江省', '宁夏回族自治区'])}第{i // 10 % 100}区{rng.choice(names)}"
        r["headline"] = dict(r.get("headline") or {}, doc_kind="budget" if i // 10 % 2 else "final")
        reps.append(r)
    big = dict(summary, reports=reps, earlier_reports=[])
    t0 = time.perf_counter()
    page = embed_cjk_font(make_inert(index_html(big, work)))
    check_offline(page)
    seconds = time.perf_counter() - t0
    (work / "index-10000.html").write_text(page, encoding="utf-8")
    return {"reports": n, "bytes": len(page.encode("utf-8")), "seconds": round(seconds, 2),
            "scripts": page.lower().count("<script"), "details": page.count("<details"),
            "rows": page.count('<tr id="r-')}


def panel_of_copies(clean_100: Path, n: int, work: Path) -> dict:
    """The panel of ``n`` reports built by the process that drives a batch, from copies of the clean
    folders of a smaller run (``clean_100``: data/clean of the 100-report batch) under new names:
    what the batch's own process does after the last data step, at ``n`` reports.  In a fresh
    process: seconds and its peak RSS."""
    import subprocess
    clean = work / f"panel-{n}"
    shutil.rmtree(clean, ignore_errors=True)
    src = sorted(p for p in (clean_100 / str(YEAR)).iterdir() if p.is_dir())
    for i in range(n):
        shutil.copytree(src[i % len(src)], clean / str(YEAR) / f"c{i:05d}",
                        ignore=shutil.ignore_patterns("*.xlsx", "extracted_text.txt"))
    code = ("import json, resource, time, sys; from pathlib import Path; "
            "from juesuan.clean.panel import build_panel; t = time.perf_counter(); "
            f"build_panel(Path({str(clean)!r})); "
            "print(json.dumps({'seconds': round(time.perf_counter() - t, 2), "
            "'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    out = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else {"error": p.stderr[-300:]}
    shutil.rmtree(clean, ignore_errors=True)
    return {"reports": n, **out}


def main() -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/scale.py", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--corpus", type=Path, default=Path("/tmp/juesuan-scale"))
    ap.add_argument("--index-reports", type=int, default=10_000)
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--panel-copies", type=int, nargs="*", metavar="N",
                    help="only: the panel of N copies of the 100-report run's clean folders (needs that run)")
    args = ap.parse_args()
    if args.panel_copies:
        res = [panel_of_copies(args.corpus / "work-100" / "clean", n, args.corpus) for n in args.panel_copies]
        print(json.dumps(res, ensure_ascii=False))
        return 0
    os.environ.setdefault("MPLBACKEND", "Agg")
    args.corpus.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    biggest = max(args.sizes)
    print(f"corpus of {biggest} generated reports in {args.corpus}", flush=True)
    raw_all = make_corpus(args.corpus, biggest, args.jobs)
    results = {"jobs": args.jobs, "nproc": os.cpu_count(), "corpus_s": round(time.perf_counter() - t0, 1),
               "sizes": {}}
    for n in sorted(args.sizes):
        print(f"batch of {n} reports (data steps + panel + index, jobs={args.jobs})", flush=True)
        raw = raw_all if n == biggest else subset(raw_all, args.corpus / f"raw-sub-{n}", n)
        results["sizes"][str(n)] = one_batch(raw, args.corpus / f"work-{n}", args.jobs)
    last = results["sizes"][str(biggest)]
    results["index"] = index_at(Path(last.pop("summary_path")), args.index_reports, args.corpus)
    for r in results["sizes"].values():
        r.pop("summary_path", None)
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    results["total_s"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
