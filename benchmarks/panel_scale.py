"""The panel at scale: build data/clean/panel/ (CSV + Parquet) for many reports, and query it.

    .venv/bin/python benchmarks/panel_scale.py --reports 10000 [--out panel_scale.json] [--keep DIR]

1. generates ``--reports`` synthetic reports' clean tables in a temporary folder: the amounts of
   the synthetic layout generator (``tests/synth/generate.py``: ``model(seed)`` + ``sums``, one seed
   per report), years 2011–2024 in turn, department slugs ``<base><nnnn>``; the tables have the
   real clean columns (``frames.columns_of``) and are written in the clean writer's CSV dialect
   (BOM, ``\\n``, minimal quoting, the spreadsheet guard on text): line_items (515 amount cells a
   report), budget_outturn (one item per 项 with spending; initial budget drawn from the seed, one
   in ten without), projects, sangong, checks, findings (with commas, quotes and guarded text);
2. builds the panel with :func:`juesuan.clean.panel.build_panel` in a fresh interpreter (time, peak RSS);
3. runs the typical query — completion rate by function class and year,
   ``helpers.completion_by_class()`` over the Parquet — in another fresh interpreter (import time,
   first call, warm call, peak RSS), plus ``helpers.load_panel("line_items", years=[one year])``;
4. checks the results: panel row counts = generated rows, and every (year, class) sum and rate of
   the query = the sums computed from the generator's Decimal amounts.

Prints a table and writes JSON (``--out``).  Targets: build ≤ 60 s and query ≤ 2 s for 10,000 reports
on the 2-core machine.  Outside the package's import graph (like benchmarks/bench.py).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

# The generator's imports (juesuan, tests/synth with reportlab) are made where they are used, so the
# measured child processes (--step build / query) load only what a researcher's session loads.

YEARS = list(range(2011, 2025))
BASES = ["czj", "jyj", "wsjkw", "gxt", "fgw", "sfj", "mzj", "rsj", "zjj", "jtj", "nyj", "swj", "tjj", "sjj",
         "kjt", "stt", "lyj", "whlyt"]
TARGETS = {"build_seconds": 60.0, "query_seconds": 2.0}
LEVEL = {3: "类", 5: "款", 7: "项"}


def identity(i: int) -> tuple[int, str]:
    """Report i → (year, department slug): the years in turn, a new slug every 14 reports."""
    k = i // len(YEARS)
    return YEARS[i % len(YEARS)], f"{BASES[k % len(BASES)]}{k:04d}"


# ------------------------------------------------------------------ the clean CSV dialect
_SPECIAL = re.compile(r'[,"\r\n]')


def _quote(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if _SPECIAL.search(v) else v


@lru_cache(maxsize=None)
def _guarded(table: str) -> frozenset:
    from juesuan.safety import text_columns
    return frozenset(text_columns(table))


def csv_text(table: str, columns: list[str], rows: list[dict]) -> str:
    """Rows as the clean writer writes them (juesuan.clean.writer.csv_text after guard_text_frame)."""
    from juesuan.safety import csv_encode
    guard = _guarded(table)
    lines = [",".join(_quote(c) for c in columns)]
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c)
            v = "" if v is None else str(v)
            cells.append(_quote(csv_encode(v) if c in guard else v))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def yuan(h: int) -> str:
    """Hundreds of 元 (the generator's unit) → the clean amount text in 元."""
    return f"{h * 100}.00"


# ------------------------------------------------------------------ one report's tables
def report_tables(i: int, seed: int = 2024) -> tuple[dict[str, list[dict]], dict]:
    """The clean tables of synthetic report ``i`` ({table: rows}) and its expected completion
    sums {class: (Σ initial budget, Σ actual)} in Decimal 元 (items with both amounts)."""
    from juesuan.numbers import decimal_str, ratio
    from synth import generate as g
    year, dept = identity(i)
    m = g.model(seed + i)
    cells = g.sums(m)
    rng = random.Random(f"panel-scale-{seed + i}")
    base = {"year": year, "department": dept}
    li = []
    row_no: dict = {}
    for n, ((tid, side, key, col), h) in enumerate(cells.items()):
        code = key.split(":", 1)[1] if ":" in key else ""
        row_no.setdefault((tid, side, key), len(row_no) + 1)
        li.append({**base, "table": tid, "table_name": g.TITLES[tid], "side": side,
                   "row_no": row_no[(tid, side, key)] if tid in ("公开01", "公开04") else "",
                   "code": code, "level": LEVEL.get(len(code), "") if key.startswith("func:") else "",
                   "row": m.names.get(code, key), "row_key": key, "column": col, "column_label": col,
                   "amount_yuan": yuan(h), "status": "reported", "source_line": 100 + n})
    bo, expected = [], {}
    names = m.names
    for n, (code, it) in enumerate(sorted(m.items.items()), start=1):
        actual = (it["gpb_basic"] + it["gpb_project"]) * 100
        if actual == 0:
            continue
        budget = None if rng.random() < 0.1 else int(round(actual * rng.uniform(0.6, 1.4), -2))
        rate = ratio(Decimal(actual), Decimal(budget)) if budget is not None else None
        bo.append({**base, "item_no": n, "code": code, "class_name": names[code[:3]], "kuan_name": names[code[:5]],
                   "name": names[code], "initial_budget_yuan": "" if budget is None else f"{budget}.00",
                   "adjusted_budget_yuan": "", "actual_yuan": f"{actual}.00", "actual_table_yuan": f"{actual}.00",
                   "deviation_yuan": "" if budget is None else f"{actual - budget}.00",
                   "completion_rate": decimal_str(rate), "stated_completion_rate": decimal_str(
                       rate.quantize(Decimal("0.0001")) if rate is not None else None),
                   "explanation": "主要原因是项目支出增加，\"专项\"资金拨付" if n % 3 == 0 else "决算数与预算数基本持平",
                   "reason_category": "项目增减" if n % 3 == 0 else "基本持平", "source_line": 400 + n})
        if budget is not None:
            b, a = expected.get(code[:3], (Decimal(0), Decimal(0)))
            expected[code[:3]] = (b + budget, a + actual)
    projects = []
    for n in range(1, 4):
        annual = rng.randint(10, 5000) * 100
        executed = rng.randint(0, annual // 100) * 100
        rate = ratio(Decimal(executed), Decimal(annual))
        projects.append({**base, "project_no": n, "project": f"专项业务经费（{n}）", "department_in_charge": "",
                         "unit": "", "layout": "standard", "initial_budget_yuan": f"{annual}.00",
                         "annual_budget_yuan": f"{annual}.00", "executed_yuan": f"{executed}.00",
                         "execution_rate": decimal_str(rate), "stated_execution_rate": decimal_str(rate.quantize(Decimal("0.0001"))),
                         "exec_weight": "10", "exec_score": decimal_str((rate * 10).quantize(Decimal("0.1"))),
                         "total_weight": "100", "score": "95.5", "stated_list_score": "", "source_line": 600 + n})
    sangong = []
    for key, label, _ in [("total", "“三公”经费合计", ""), ("abroad", "因公出国（境）费", ""), ("vehicle", "公务用车购置及运行费", ""),
                          ("vehicle_purchase", "公务用车购置费", ""), ("vehicle_operation", "公务用车运行维护费", ""),
                          ("reception", "公务接待费", "")]:
        b, a = m.sangong[f"budget_{key}"] * 100, m.sangong[f"actual_{key}"] * 100
        sangong.append({**base, "category": key, "label": label, "budget_yuan": f"{b}.00", "actual_yuan": f"{a}.00",
                        "budget_text_yuan": f"{b}.00", "prior_yuan": "", "completion_rate": decimal_str(ratio(Decimal(a), Decimal(b))),
                        "stated_completion_rate": "", "change_rate": "", "stated_change_rate": ""})
    checks = [{**base, "check": c, "description": d, "run": r, "passed": r, "failed": 0, "skipped": 0, "skip_reason": ""}
              for c, d, r in [("both_sides_equal", "收入总计 = 支出总计", 2), ("rows_sum", "各行之和 = 合计", 40),
                              ("class_sums", "类 = Σ款 = Σ项", 30), ("table_links", "公开01 与 02/03/04 一致", 12),
                              ("sangong_sum", "三公合计 = 各项之和", 2)]]
    findings = [{**base, "check": "cell_placement", "severity": "warning",
                 "message": f"公开02 合计: 8 values for 7 columns, \"{dept}\" kept the consistent reading",
                 "expected": "7", "found": "8", "location": f"data/raw/{year}/{dept}/report.pdf:p3", "table": "公开02"},
                {**base, "check": "stated_vs_table", "severity": "error" if i % 5 == 0 else "info",
                 "message": "=说明所列决算数与公开05表不一致", "expected": "1.00", "found": "-2.00",
                 "location": f"data/raw/{year}/{dept}/report.pdf:p9", "table": "公开05"}]
    return ({"line_items": li, "budget_outturn": bo, "projects": projects, "sangong": sangong, "checks": checks,
             "findings": findings}, expected)


def generate(clean_root: Path, reports: int, seed: int = 2024) -> dict:
    """Write ``reports`` synthetic reports under ``clean_root``/<year>/<dept>/; return the row counts
    per table and the expected completion sums {(year, class): [Σ budget, Σ actual]}."""
    from juesuan.clean.frames import columns_of
    cols = {t: columns_of(t) for t in ("line_items", "budget_outturn", "projects", "sangong", "checks", "findings")}
    rows = dict.fromkeys(cols, 0)
    expected: dict = {}
    for i in range(reports):
        year, dept = identity(i)
        tables, exp = report_tables(i, seed)
        folder = clean_root / str(year) / dept
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in tables.items():
            extra = set().union(*(r.keys() for r in data)) - set(cols[name]) if data else set()
            assert not extra, (name, extra)
            (folder / f"{name}.csv").write_text("\ufeff" + csv_text(name, cols[name], data), encoding="utf-8")
            rows[name] += len(data)
        for cls, (b, a) in exp.items():
            acc = expected.setdefault((year, cls), [Decimal(0), Decimal(0)])
            acc[0] += b
            acc[1] += a
    return {"rows": rows, "expected": expected}


# ------------------------------------------------------------------ the measured steps (child processes)
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def step_build(clean_root: Path) -> dict:
    t0 = time.perf_counter()
    from juesuan.clean.panel import build_panel
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_panel(clean_root)
    seconds = time.perf_counter() - t0
    panel = clean_root / "panel"
    size = lambda paths: sum(p.stat().st_size for p in paths)  # noqa: E731
    return {"import_seconds": round(t_import, 3), "seconds": round(seconds, 2), "maxrss_mb": round(_maxrss_mb(), 1),
            "csv_mb": round(size(panel.glob("*.csv")) / 2**20, 1),
            "parquet_mb": round(size(panel.glob("parquet/**/*.parquet")) / 2**20, 1)}


def step_query(clean_root: Path, year: int) -> dict:
    t0 = time.perf_counter()
    import helpers as h
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    rates = h.completion_by_class(exact=True)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    h.completion_by_class()
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    li = h.load_panel("line_items", years=[year])
    t_year = time.perf_counter() - t0
    rows = {t: h.panel.manifest()["tables"][t]["rows"] for t in h.PANEL_TABLES}
    return {"import_seconds": round(t_import, 3), "seconds": round(first, 3), "warm_seconds": round(warm, 3),
            "load_line_items_one_year_seconds": round(t_year, 3), "line_items_one_year_rows": len(li),
            "maxrss_mb": round(_maxrss_mb(), 1), "panel_rows": rows,
            "result": [[int(r.year), r.class_code, str(r.initial_budget_yuan), str(r.actual_yuan),
                        None if r.completion_rate is None else str(r.completion_rate)] for r in rates.itertuples()]}


def _child(step: str, clean_root: Path, *extra: str) -> dict:
    env = dict(os.environ, JUESUAN_CLEAN_ROOT=str(clean_root), JUESUAN_RAW_ROOT=str(clean_root.parent / "raw"),
               PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--step", step, "--root", str(clean_root),
                           *extra], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify(gen: dict, query: dict) -> list[str]:
    """Differences between what was generated and what the panel / the query give (empty: none)."""
    from juesuan.numbers import ratio
    problems = []
    for t, n in gen["rows"].items():
        if query["panel_rows"][t] != n:
            problems.append(f"panel {t}: {query['panel_rows'][t]} rows, generated {n}")
    got = {(y, c): (Decimal(b), Decimal(a), r) for y, c, b, a, r in query["result"]}
    for key, (b, a) in gen["expected"].items():
        if key not in got:
            problems.append(f"query: no row for {key}")
            continue
        gb, ga, gr = got[key]
        want = ratio(a, b)
        if (gb, ga) != (b, a) or (None if gr is None else Decimal(gr)) != want:
            problems.append(f"query {key}: {gb}/{ga} rate {gr}, expected {b}/{a} rate {want}")
    problems += [f"query: unexpected row {k}" for k in got.keys() - gen["expected"].keys()]
    return problems


def run(reports: int, seed: int = 2024, keep: Path | None = None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="juesuan-panel-scale-"))
    clean = (keep or tmp) / "clean"
    try:
        t0 = time.perf_counter()
        gen = generate(clean, reports, seed)
        t_gen = time.perf_counter() - t0
        build = _child("build", clean)
        query = _child("query", clean, "--year", str(identity(0)[0]))
        problems = verify(gen, query)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return {"reports": reports, "seed": seed, "cpus": os.cpu_count(), "generate_seconds": round(t_gen, 1),
                "generated_rows": gen["rows"], "build": build,
                "query": {k: v for k, v in query.items() if k != "result"}, "query_groups": len(query["result"]),
                "peak_rss_children_mb": round(children, 1), "targets": TARGETS,
                "within_targets": {"build": build["seconds"] <= TARGETS["build_seconds"],
                                   "query": query["seconds"] <= TARGETS["query_seconds"]},
                "verified": not problems, "problems": problems[:20]}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def table(res: dict) -> str:
    b, q = res["build"], res["query"]
    lines = [f"panel at scale: {res['reports']:,} reports ({res['generated_rows']['line_items']:,} line items), "
             f"{res['cpus']} CPUs",
             f"{'step':<46}{'seconds':>9}{'peak RSS MB':>13}{'target s':>10}",
             f"{'generate clean CSVs (not measured as build)':<46}{res['generate_seconds']:>9}{'':>13}{'':>10}",
             f"{'build_panel (CSV + Parquet)':<46}{b['seconds']:>9}{b['maxrss_mb']:>13}{TARGETS['build_seconds']:>10}",
             f"{'completion_by_class, first call':<46}{q['seconds']:>9}{q['maxrss_mb']:>13}{TARGETS['query_seconds']:>10}",
             f"{'completion_by_class, warm':<46}{q['warm_seconds']:>9}{'':>13}{'':>10}",
             f"{'import helpers':<46}{q['import_seconds']:>9}{'':>13}{'':>10}",
             f"{'load_panel(line_items, one year) → pandas':<46}{q['load_line_items_one_year_seconds']:>9}{'':>13}{'':>10}",
             f"panel: CSV {b['csv_mb']} MB, Parquet {b['parquet_mb']} MB; query groups {res['query_groups']}; "
             f"verified: {res['verified']}{'' if res['verified'] else ' ' + '; '.join(res['problems'][:3])}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it (default: a temporary one)")
    ap.add_argument("--step", choices=["build", "query"], help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--year", type=int, default=YEARS[0], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.step == "build":
        print(json.dumps(step_build(a.root)))
        return 0
    if a.step == "query":
        print(json.dumps(step_query(a.root, a.year), ensure_ascii=False))
        return 0
    res = run(a.reports, a.seed, a.keep)
    print(table(res))
    if a.out:
        a.out.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if res["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
