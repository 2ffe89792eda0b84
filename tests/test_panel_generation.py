"""Issue 20, item 4: the panel is ONE generation — its CSVs and its Parquet written together into
panel/generations/<id>/ and published by one switch of the symlink panel/current.

The main test rebuilds the panel several times with different content (every amount of build k
is k 元, and build k has a fourth report when k is odd) while a reader PROCESS reads it in a
loop, the ways a researcher does: ``h.load_panel()`` (every table, Parquet), one resolved
generation read as CSV + Parquet (pyarrow) + DuckDB, and single files through the public paths.
Every read must see one build only, and the build the generation id names.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import helpers as h
from juesuan import config
from juesuan.clean import panel
from juesuan.clean.frames import columns_of
from juesuan.clean.writer import write_csv

ROOT = Path(__file__).resolve().parents[1]
REPORTS = [(2022, "a"), (2022, "b"), (2023, "a")]
ODD_EXTRA = (2023, "c")          # only in the builds with an odd k
ROWS = 200                       # line items per report (so that a build and a read take a while)


def _write_clean(clean: Path, k: int) -> None:
    """Build k's clean reports: every amount k 元."""
    wanted = REPORTS + ([ODD_EXTRA] if k % 2 else [])
    extra = clean / str(ODD_EXTRA[0]) / ODD_EXTRA[1]
    if not k % 2 and extra.exists():
        for f in extra.iterdir():
            f.unlink()
        extra.rmdir()
    amount = Decimal(f"{k}.00")
    for year, dept in wanted:
        folder = clean / str(year) / dept
        li = [{"year": year, "department": dept, "table": "公开01", "table_name": "收入支出决算总表",
               "side": "收入", "row_no": i, "code": "", "level": "", "row": f"第{i}行",
               "row_key": "income_total" if i == 0 else f"r{i}", "column": "amount", "column_label": "决算数",
               "amount_yuan": amount, "status": "reported", "source_line": 5 + i} for i in range(ROWS)]
        bo = [{"year": year, "department": dept, "item_no": 1, "code": "2010101", "class_name": "", "kuan_name": "",
               "name": "项目", "initial_budget_yuan": amount, "adjusted_budget_yuan": None, "actual_yuan": amount,
               "actual_table_yuan": amount, "deviation_yuan": None, "completion_rate": None,
               "stated_completion_rate": None, "explanation": "说明", "reason_category": "", "source_line": 10}]
        write_csv(pd.DataFrame(li, columns=columns_of("line_items"), dtype=object), folder / "line_items.csv")
        write_csv(pd.DataFrame(bo, columns=columns_of("budget_outturn"), dtype=object), folder / "budget_outturn.csv")


def _departments(k: int) -> list[str]:
    return sorted(f"{y}/{d}" for y, d in REPORTS + ([ODD_EXTRA] if k % 2 else []))


@pytest.fixture
def clean(tmp_path, monkeypatch):
    root = tmp_path / "clean"
    monkeypatch.setattr(config, "CLEAN", root)
    monkeypatch.setattr(config, "RAW", tmp_path / "raw")
    return root


def _build(clean: Path, k: int) -> str:
    _write_clean(clean, k)
    assert panel.build_panel(clean) == clean / "panel"
    return panel.generation(clean)


# ------------------------------------------------------------------ the reader (another process)
READER = r'''
import csv, json, sys, time
from pathlib import Path
clean, stop, log = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
import helpers as h
from juesuan.clean import panel

def one(values):
    """The set of amounts read, as strings ('1.00' and 1.0 alike)."""
    return sorted({f"{float(v):.2f}" for v in values})

def csv_amounts(path, column):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [r[column] for r in csv.DictReader(fh)]

with open(log, "w", encoding="utf-8") as out:
    while not stop.exists():
        rec = {"t": time.monotonic()}
        # 1. the Panel object: every table from the Parquet
        p = h.load_panel()
        rec["panel"] = {"generation": p.generation, "li": one(p.line_items.amount_yuan),
                        "bo": one(p.budget_outturn.actual_yuan), "reports": one(p.reports.income_total_yuan),
                        "departments": sorted(f"{y}/{d}" for y, d in zip(p.reports.year, p.reports.department))}
        # 2. one generation, resolved once, read as CSV, Parquet and DuckDB
        for attempt in range(3):
            gen = panel.generation_dir()
            try:
                rel = panel.panel_relation("budget_outturn", generation=gen)
                lo, hi = rel.aggregate("min(actual_yuan), max(actual_yuan)").fetchall()[0]
                rec["gen"] = {"generation": gen.name,
                              "manifest": panel.manifest(generation=gen)["generation"],
                              "csv_li": one(csv_amounts(gen / "panel_line_items.csv", "amount_yuan")),
                              "csv_reports": one(csv_amounts(gen / "reports.csv", "income_total_yuan")),
                              "parquet_li": one(panel.arrow_table("line_items", generation=gen)
                                                .column("amount_yuan").to_pylist()),
                              "duckdb_bo": one([lo, hi])}
                break
            except OSError:          # removed after two more builds: read the current one
                rec["retried"] = attempt + 1
        # 3. single files through the public paths
        rec["public"] = {"csv_li": one(csv_amounts(clean / "panel" / "panel_line_items.csv", "amount_yuan")),
                         "csv_bo": one(csv_amounts(clean / "panel" / "panel_budget_outturn.csv", "actual_yuan"))}
        out.write(json.dumps(rec) + "\n")
        out.flush()
'''


def _reader(clean: Path, tmp: Path) -> tuple[subprocess.Popen, Path, Path]:
    stop, log = tmp / "stop", tmp / "reads.jsonl"
    env = dict(os.environ, JUESUAN_CLEAN_ROOT=str(clean), JUESUAN_RAW_ROOT=str(tmp / "raw"),
               PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-c", READER, str(clean), str(stop), str(log)], env=env,
                            stderr=subprocess.PIPE, text=True)
    return proc, stop, log


def _reads(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def test_a_reader_sees_one_generation_while_the_panel_is_rebuilt(clean, tmp_path):
    built = {_build(clean, 1): 1}
    proc, stop, log = _reader(clean, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while len(_reads(log)) < 2:              # the reader is reading
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the reader never read the panel"
            time.sleep(0.05)
        spans = []
        for k in range(2, 10):
            t0 = time.monotonic()
            built[_build(clean, k)] = k
            spans.append((t0, time.monotonic()))
            n = len(_reads(log))
            while len(_reads(log)) < n + 1 and proc.poll() is None:     # one read at least per build
                time.sleep(0.02)
    finally:
        stop.touch()
        proc.wait(timeout=60)
    assert proc.returncode == 0, proc.stderr.read()
    reads = _reads(log)
    seen = set()
    for r in reads:
        k = built[r["panel"]["generation"]]
        want = [f"{k}.00"]
        assert r["panel"]["li"] == r["panel"]["bo"] == r["panel"]["reports"] == want, r
        assert r["panel"]["departments"] == _departments(k), r
        g = r["gen"]
        kg = built[g["generation"]]
        assert g["manifest"] == g["generation"]
        assert g["csv_li"] == g["csv_reports"] == g["parquet_li"] == g["duckdb_bo"] == [f"{kg}.00"], r
        assert len(r["public"]["csv_li"]) == len(r["public"]["csv_bo"]) == 1, r   # each file of one build
        seen |= {k, kg}
    during = [r for r in reads if any(a <= r["t"] <= b for a, b in spans)]
    print(f"{len(reads)} reads ({len(during)} while a build ran), builds seen: {sorted(seen)}, "
          f"retries: {sum(r.get('retried', 0) for r in reads)}")
    assert len(seen) >= 4 and len(reads) >= 9            # the reader really read across the rebuilds
    # the last build is published; it and the previous one are kept, no temporaries
    gens = sorted(p.name for p in (clean / "panel" / panel.GENERATIONS).iterdir())
    last = max(built, key=built.get)
    assert gens == sorted([last, max((g for g in built if built[g] == 8))])
    assert panel.generation(clean) == last


def test_the_previous_generation_is_kept_for_readers_and_older_ones_removed(clean):
    g1 = _build(clean, 1)
    rel = panel.panel_relation("budget_outturn")        # made on build 1, read after build 2
    g2 = _build(clean, 2)
    assert g1 != g2 and panel.generation() == g2
    assert rel.aggregate("max(actual_yuan)").fetchall() == [(Decimal("1.00"),)]
    gens = clean / "panel" / panel.GENERATIONS
    old = gens / g1
    # a mixed read (CSV of one build, Parquet of the next) is what the signature tells apart
    with open(old / "reports.csv", encoding="utf-8-sig", newline="") as fh:
        assert {r["income_total_yuan"] for r in csv.DictReader(fh)} == {"1.00"}
    assert set(panel.arrow_table("reports").column("income_total_yuan").to_pylist()) == {Decimal("2.00")}
    assert set(panel.arrow_table("reports", generation=old).column("income_total_yuan").to_pylist()) == {Decimal("1.00")}
    g3 = _build(clean, 3)
    assert sorted(p.name for p in gens.iterdir()) == sorted([g2, g3])        # build 1 removed
    assert os.readlink(clean / "panel" / panel.CURRENT) == f"{panel.GENERATIONS}/{g3}"
    p = h.load_panel()
    assert p.generation == g3 and sorted(set(p.reports.department)) == ["a", "b", "c"]


def test_public_paths_are_fixed_links_and_a_table_gone_loses_its_link(clean):
    _build(clean, 1)
    out = clean / "panel"
    public = {p.name for p in out.iterdir() if p.is_symlink()} - {panel.CURRENT}
    assert public == {"reports.csv", "panel_line_items.csv", "panel_budget_outturn.csv", "datapackage.json", "parquet",
                      "links"}            # links/: each department's documents, linked from the same build
    for name in public:
        assert os.readlink(out / name) == f"{panel.CURRENT}/{name}"
    assert json.loads((out / "parquet" / "_manifest.json").read_text(encoding="utf-8"))["generation"] == panel.generation()
    assert {r["path"] for r in json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["resources"]} == \
        {"reports.csv", "panel_line_items.csv", "panel_budget_outturn.csv"}
    for f in clean.glob("*/*/budget_outturn.csv"):
        f.unlink()
    assert panel.build_panel(clean) == out
    assert not (out / "panel_budget_outturn.csv").is_symlink() and not (out / "panel_budget_outturn.csv").exists()
    assert "budget_outturn" not in panel.manifest()["tables"]


def test_a_panel_of_the_older_layout_is_replaced_by_links(clean):
    _write_clean(clean, 1)
    out = clean / "panel"
    (out / "parquet" / "line_items").mkdir(parents=True)           # what an older build left
    (out / "parquet" / "_manifest.json").write_text("{}", encoding="utf-8")
    for name in ("reports.csv", "panel_line_items.csv", "panel_projects.csv", "datapackage.json"):
        (out / name).write_text("old\n", encoding="utf-8")
    (out / "notes.txt").write_text("the user's own file\n", encoding="utf-8")
    panel.build_panel(clean)
    assert (out / "parquet").is_symlink() and (out / "reports.csv").is_symlink()
    assert not (out / "panel_projects.csv").exists()                # a table the new build lacks
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the user's own file\n"    # left alone
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert set(h.load_panel("reports").department) == {"a", "b", "c"}


def test_a_failed_build_publishes_nothing_and_leaves_no_temporary(clean):
    g1 = _build(clean, 1)
    f = clean / "2022/b/budget_outturn.csv"
    f.write_text(f.read_text(encoding="utf-8-sig") + "2022,b,9,extra,field\n", encoding="utf-8-sig")
    with pytest.raises(panel.PanelError, match=r"2022/b/budget_outturn\.csv:3"):
        panel.build_panel(clean)
    assert panel.generation(clean) == g1
    assert [p.name for p in (clean / "panel" / panel.GENERATIONS).iterdir()] == [g1]
