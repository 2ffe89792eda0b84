"""The Parquet panel (data/clean/panel/parquet/): exact round trip against the CSV panel, year
partitions, helpers.load_panel and its filters, the completion-rate query, atomic rebuilds, and a
small run of the scale benchmark's generator + build."""
from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import helpers as h
from juesuan import config
from juesuan.clean import panel
from juesuan.clean.frames import columns_of
from juesuan.safety import csv_encode
from juesuan.clean.writer import write_csv

ROOT = Path(__file__).resolve().parents[1]
TABLES = ["reports", "line_items", "budget_outturn", "projects", "sangong", "checks", "findings"]


def _csv_name(table: str) -> str:
    return "reports.csv" if table == "reports" else f"panel_{table}.csv"


def _csv_rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames), list(r)


# ------------------------------------------------------------------ the previous build (reference)
def _previous_csv_panel(root: Path) -> dict[str, bytes]:
    """The CSV panel as build_panel wrote it before the Parquet (csv.DictReader → DictWriter per
    report), kept here as the reference the faster build must match byte for byte."""
    from juesuan.identity import report_metadata
    folders = panel.report_folders(root)
    out: dict[str, bytes] = {}

    def write(name, columns, rows):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        out[name] = ("\ufeff" + buf.getvalue()).encode("utf-8")

    rows, summary = [], []
    for folder in folders:
        _, items = _csv_rows(folder / "line_items.csv")
        rows += items
        totals = {(r["table"], r["row_key"], r["side"]): r["amount_yuan"] for r in items if r["table"] == "公开01"}
        findings = _csv_rows(folder / "findings.csv")[1] if (folder / "findings.csv").exists() else []
        meta = report_metadata(folder.parent.name, folder.name)
        summary.append({"year": folder.parent.name, "department": folder.name,
                        "department_name": csv_encode(str(meta.get("department_name", folder.name))),
                        "source_format": meta.get("source_format", ""), "source_unit": meta.get("unit", ""),
                        "income_total_yuan": totals.get(("公开01", "income_total", "收入"), ""),
                        "expenditure_total_yuan": totals.get(("公开01", "expenditure_total", "支出"), ""),
                        "grand_total_yuan": totals.get(("公开01", "grand_total", "收入"), ""),
                        "line_items": len(items),
                        "errors": sum(1 for f in findings if f["severity"] == "error"),
                        "warnings": sum(1 for f in findings if f["severity"] == "warning"),
                        "doc_kind": meta.get("doc_kind") or "final",
                        "doc_kind_zh": meta.get("doc_kind_zh") or "决算",
                        **_coverage_all(folder)})
    write("panel_line_items.csv", columns_of("line_items"), rows)
    write("reports.csv", list(summary[0].keys()), summary)
    for name in panel.STACKED:
        columns, stacked = [], []
        for folder in folders:
            f = folder / f"{name}.csv"
            if f.exists():
                cols, data = _csv_rows(f)
                columns += [c for c in cols if c not in columns]
                stacked += data
        if columns:
            write(f"panel_{name}.csv", columns, stacked)
    return out


def _coverage_all(folder: Path) -> dict:
    """The report's figures printed / read / unread (its coverage.csv, row all: clean/ledger.py)."""
    f = folder / "coverage.csv"
    row = next((r for r in _csv_rows(f)[1] if r["where"] == "all"), {}) if f.exists() else {}
    return {"figures_printed": row.get("printed", ""), "figures_read": row.get("read", ""),
            "figures_unread": row.get("unread", ""), "coverage_rate": row.get("coverage_rate", "")}


def test_csv_panel_byte_identical_to_the_previous_build():
    out = config.CLEAN / "panel"
    expected = _previous_csv_panel(config.CLEAN)
    assert set(expected) == {p.name for p in out.glob("*.csv")}
    for name, data in expected.items():
        assert (out / name).read_bytes() == data, name


# ------------------------------------------------------------------ Parquet = CSV, exactly
def _text(value, typ) -> str:
    """A Parquet value as the CSV panel writes it (decimal at scale 2, text with the guard)."""
    if value is None:
        return ""
    if pa.types.is_string(typ):
        return csv_encode(value)
    return str(value)


def test_parquet_round_trips_exactly_to_the_csv_panel():
    root = config.CLEAN / "panel" / "parquet"
    man = json.loads((root / "_manifest.json").read_text(encoding="utf-8"))
    assert set(man["tables"]) == set(TABLES)
    amount = pa.decimal128(18, 2)
    for table in TABLES:
        cols, rows = _csv_rows(config.CLEAN / "panel" / _csv_name(table))
        assert man["tables"][table]["columns"] == cols and man["tables"][table]["rows"] == len(rows)
        parts = sorted(root.glob(f"{table}/year=*/part-0.parquet"))
        assert [p.parent.name for p in parts] == ["year=2022", "year=2024"]
        got = []
        for p in parts:
            t = pq.read_table(p)
            assert "year" not in t.column_names and t.column_names == cols[1:]
            for c in t.column_names:
                if c.endswith("_yuan"):
                    assert t.schema.field(c).type == amount, (table, c)
            year = p.parent.name.removeprefix("year=")
            for rec in t.to_pylist():
                got.append({"year": year, **{c: (rec[c], t.schema.field(c).type) for c in t.column_names}})
        assert len(got) == len(rows), table
        amounts = 0
        for want, have in zip(rows, got):
            assert want["year"] == have.pop("year")
            for c, (v, typ) in have.items():
                if pa.types.is_floating(typ):   # rates and points: the CSV's decimal, as a double
                    assert (v is None and want[c] == "") or Decimal(repr(v)) == Decimal(want[c]), (table, c)
                else:
                    assert _text(v, typ) == want[c], (table, c, v, want[c])
                    amounts += pa.types.is_decimal(typ) and v is not None
        assert table in ("checks", "findings") or amounts > 0, table


# 公开01 收入支出决算总表 as the reports print it: data/raw/2022/nxgxt (元, text lines 130–133) and
# data/raw/2024/ptczj (万元, PDF page 6: 本年收入合计 2,946.25, 本年支出合计 2,940.05)
PRINTED_01 = {
    (2022, "nxgxt", "收入", "income_total"): Decimal("95032215.28"),
    (2022, "nxgxt", "支出", "expenditure_total"): Decimal("93404992.41"),
    (2022, "nxgxt", "收入", "carryover_begin"): Decimal("11022510.64"),
    (2022, "nxgxt", "支出", "carryover_end"): Decimal("12649733.51"),
    (2022, "nxgxt", "收入", "grand_total"): Decimal("106054725.92"),
    (2022, "nxgxt", "支出", "grand_total"): Decimal("106054725.92"),
    (2024, "ptczj", "收入", "income_total"): Decimal("29462500.00"),
    (2024, "ptczj", "支出", "expenditure_total"): Decimal("29400500.00"),
}


def test_the_parquet_panel_holds_the_printed_totals_of_the_reports():
    """One side of the Parquet = CSV comparison pinned to the documents: the panel's 公开01 totals
    are the figures the two reports print (so a wrong amount in both panels is caught too)."""
    li = h.load_panel("line_items", exact=True)
    li = li[(li.table == "公开01") & (li.column == "amount")]
    got = {(int(r.year), r.department, r.side, r.row_key): r.amount_yuan for r in li.itertuples()
           if (int(r.year), r.department, r.side, r.row_key) in PRINTED_01}
    assert got == PRINTED_01
    assert sorted(set(zip(li.year.astype(int), li.department))) == [(2022, "nxgxt"), (2024, "ptczj")]


def test_text_is_stored_unguarded_and_amounts_exact(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    li = pq.read_table(clean / "panel/parquet/line_items/year=2022/part-0.parquet")
    rows = {r["row_key"]: r for r in li.to_pylist()}
    assert rows["formula"]["row"] == "=HYPERLINK(\"x\"),1"            # the report's text itself
    assert rows["formula"]["amount_yuan"] == Decimal("12345678901234.56")
    raw = (clean / "panel/panel_line_items.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw                                        # the CSV keeps its guard
    assert h.load_panel("line_items", exact=True).set_index("row_key").loc["formula", "row"] == rows["formula"]["row"]


# ------------------------------------------------------------------ helpers.load_panel
@pytest.mark.parametrize("exact", [False, True])
def test_load_panel_equals_the_csv_panel_with_the_dtypes_of_load(exact):
    for table in TABLES:
        want = h.read_table(config.CLEAN / "panel" / _csv_name(table), table, exact)
        got = h.load_panel(table, exact=exact)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    li = h.load_panel("line_items")
    assert li.amount_yuan.dtype == "float64" and li.year.dtype == "Int64" and li.row_no.dtype == "Int64"
    assert isinstance(h.load_panel("line_items", exact=True).amount_yuan.iloc[0], Decimal)


def test_load_panel_filters_are_pushed_down_and_match_the_csv():
    full = h.read_table(config.CLEAN / "panel" / "panel_line_items.csv", "line_items")
    for years, depts in (([2024], None), (None, ["nxgxt"]), ([2022, 2024], ["ptczj"]), (["2022"], ["nxgxt"])):
        want = full
        if years:
            want = want[want.year.isin([int(y) for y in years])]
        if depts:
            want = want[want.department.isin(depts)]
        got = h.load_panel("line_items", years=years, departments=depts)
        assert len(got) == len(want) > 0
        pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_exact=True)
    none = h.load_panel("budget_outturn", years=[1999])
    assert len(none) == 0 and list(none.columns) == columns_of("budget_outturn")
    some = h.load_panel("line_items", years=[2022], columns=["department", "amount_yuan"])
    assert list(some.columns) == ["department", "amount_yuan"] and set(some.department) == {"nxgxt"}
    with pytest.raises(KeyError, match="no table 'nope'"):
        h.load_panel("nope")
    with pytest.raises(KeyError, match="no column"):
        h.load_panel("line_items", columns=["nope"])


def test_load_panel_lazy_is_a_duckdb_relation_over_the_same_rows():
    rel = h.load_panel("budget_outturn", years=[2022], lazy=True)
    assert rel.columns == columns_of("budget_outturn")
    bo = h.load_panel("budget_outturn", years=[2022], exact=True)
    total, n = rel.aggregate("sum(actual_yuan), count(*)").fetchall()[0]
    assert (total, n) == (sum(v for v in bo.actual_yuan if v is not None), len(bo))
    assert isinstance(total, Decimal)
    df = rel.df()
    assert df.actual_yuan.dtype == "float64" and len(df) == len(bo)


def test_panel_object_reads_the_parquet_and_equals_the_csv_panel():
    p = h.load_panel(years=[2024], exact=True)
    assert set(p.tables) == set(TABLES)
    want = h.read_table(config.CLEAN / "panel" / "panel_findings.csv", "findings", True)
    want = want[want.year == 2024].reset_index(drop=True)
    pd.testing.assert_frame_equal(p.findings, want, check_exact=True)
    assert p.label(2024, "ptczj").endswith("（2024）")


# ------------------------------------------------------------------ completion rate by class and year
def _report(clean: Path, year: int, dept: str, items: list[tuple], line_items: list[tuple] = ()) -> None:
    """A clean report folder written by the real writer: budget_outturn items (code, budget, actual)."""
    folder = clean / str(year) / dept
    bo = [{"year": year, "department": dept, "item_no": i, "code": code, "class_name": "", "kuan_name": "",
           "name": f"项目{i}", "initial_budget_yuan": None if b is None else Decimal(b), "adjusted_budget_yuan": None,
           "actual_yuan": Decimal(a), "actual_table_yuan": Decimal(a), "deviation_yuan": None,
           "completion_rate": None, "stated_completion_rate": None, "explanation": "说明", "reason_category": "",
           "source_line": 10 + i} for i, (code, b, a) in enumerate(items, start=1)]
    li = [{"year": year, "department": dept, "table": "公开01", "table_name": "收入支出决算总表", "side": side,
           "row_no": 1, "code": "", "level": "", "row": row, "row_key": key, "column": "amount",
           "column_label": "决算数", "amount_yuan": Decimal(v), "status": "reported", "source_line": 5}
          for side, key, row, v in line_items or [("收入", "income_total", "本年收入合计", "1.00")]]
    write_csv(pd.DataFrame(bo, columns=columns_of("budget_outturn"), dtype=object), folder / "budget_outturn.csv")
    write_csv(pd.DataFrame(li, columns=columns_of("line_items"), dtype=object), folder / "line_items.csv")


def _tiny_reports(tmp_path: Path, monkeypatch) -> Path:
    clean = tmp_path / "clean"
    monkeypatch.setattr(config, "CLEAN", clean)
    monkeypatch.setattr(config, "RAW", tmp_path / "raw")
    _report(clean, 2022, "a", [("2010101", "100.00", "90.00"), ("2010201", "50.00", "60.00"),
                               ("2050101", "200.00", "150.00"), ("2080101", None, "10.00")],
            [("收入", "income_total", "本年收入合计", "1000.00"),
             ("收入", "formula", "=HYPERLINK(\"x\"),1", "12345678901234.56")])
    _report(clean, 2022, "b", [("2010301", "50.00", "50.00")])
    _report(clean, 2023, "a", [("2010101", "0.00", "5.00"), ("2210201", "300.00", "330.00")])
    assert panel.build_panel(clean) == clean / "panel"
    return clean


def test_completion_by_class_on_a_hand_checked_set(tmp_path, monkeypatch):
    _tiny_reports(tmp_path, monkeypatch)
    r = h.completion_by_class(exact=True)
    got = {(int(x.year), x.class_code): (x.reports, x.items, x.initial_budget_yuan, x.actual_yuan, x.completion_rate)
           for x in r.itertuples()}
    assert got == {
        (2022, "201"): (2, 3, Decimal("200.00"), Decimal("200.00"), Decimal("1")),      # 90+60+50 / 100+50+50
        (2022, "205"): (1, 1, Decimal("200.00"), Decimal("150.00"), Decimal("0.75")),
        (2023, "201"): (1, 1, Decimal("0.00"), Decimal("5.00"), None),                  # zero budget: no rate
        (2023, "221"): (1, 1, Decimal("300.00"), Decimal("330.00"), Decimal("1.1")),
    }                                                                                   # 208: no budget, left out
    assert list(r.class_name) == ["一般公共服务支出", "教育支出", "一般公共服务支出", "住房保障支出"]
    f = h.completion_by_class()
    assert f.completion_rate.dtype == "float64" and f.completion_rate.tolist()[:2] == [1.0, 0.75]
    assert pd.isna(f.completion_rate.iloc[2])
    only = h.completion_by_class(years=[2022], departments=["b"])
    assert only[["class_code", "completion_rate"]].values.tolist() == [["201", 1.0]]


# ------------------------------------------------------------------ rebuilds: consistent and atomic
def test_rebuild_replaces_the_parquet_with_the_csvs_and_leaves_no_temporaries(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    (clean / "2023/a/line_items.csv").unlink()               # a report leaves the panel
    panel.build_panel(clean)
    assert sorted(p.name for p in (clean / "panel/parquet/line_items").iterdir()) == ["year=2022"]
    assert set(h.load_panel("reports").department) == {"a", "b"}
    assert panel.manifest()["reports"] == 2 == len(_csv_rows(clean / "panel/reports.csv")[1])
    assert not [p for p in (clean / "panel").iterdir() if p.name.startswith(".")]


def test_a_malformed_table_names_its_file_and_line_and_keeps_the_previous_panel(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    before = {p: p.read_bytes() for p in (clean / "panel").rglob("*") if p.is_file()}
    f = clean / "2022/b/budget_outturn.csv"
    f.write_text(f.read_text(encoding="utf-8-sig") + "2022,b,9,extra,field\n", encoding="utf-8-sig")
    with pytest.raises(panel.PanelError, match=r"2022/b/budget_outturn\.csv:3: 5 fields, the header has " + str(len(columns_of("budget_outturn")))):
        panel.build_panel(clean)
    after = {p: p.read_bytes() for p in (clean / "panel").rglob("*") if p.is_file()}
    assert after == before


def test_a_year_that_disagrees_with_its_folder_is_refused(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    f = clean / "2023/a/budget_outturn.csv"
    f.write_text(f.read_text(encoding="utf-8-sig").replace("\n2023,", "\n2021,", 1), encoding="utf-8-sig")
    with pytest.raises(panel.PanelError, match=r"2023/a/budget_outturn\.csv: year '2021' in a folder of 2023"):
        panel.build_panel(clean)


def test_a_report_in_another_csv_header_is_re_encoded(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    f = clean / "2022/b/budget_outturn.csv"
    cols, rows = _csv_rows(f)
    cols = cols[::-1]                                        # same columns, other order: slow path
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    f.write_text(buf.getvalue(), encoding="utf-8")            # and no BOM
    panel.build_panel(clean)
    bo = h.load_panel("budget_outturn", departments=["b"], exact=True)
    assert bo.actual_yuan.tolist() == [Decimal("50.00")] and list(bo.columns) == columns_of("budget_outturn")


# ------------------------------------------------------------------ the scale benchmark, small
def test_scale_benchmark_generator_and_build_small(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import panel_scale as ps
    from juesuan.clean.writer import csv_text, guard_text_frame
    clean = tmp_path / "clean"
    monkeypatch.setattr(config, "CLEAN", clean)
    monkeypatch.setattr(config, "RAW", tmp_path / "raw")
    gen = ps.generate(clean, 50)
    year, dept = ps.identity(7)
    tables, _ = ps.report_tables(7)
    for name, rows in tables.items():      # the generator writes exactly what the clean writer writes
        text = pd.DataFrame([{c: "" if r.get(c) is None else str(r[c]) for c in columns_of(name)} for r in rows],
                            columns=columns_of(name), dtype=object)
        assert (clean / str(year) / dept / f"{name}.csv").read_text(encoding="utf-8-sig") == \
            csv_text(guard_text_frame(text, name))
    panel.build_panel(clean)
    assert {int(p.name[5:]) for p in (clean / "panel/parquet/line_items").iterdir()} == set(range(2011, 2025))
    rows = {t: panel.manifest()["tables"][t]["rows"] for t in h.PANEL_TABLES}
    res = h.completion_by_class(exact=True)
    query = {"panel_rows": rows, "result": [[int(r.year), r.class_code, str(r.initial_budget_yuan), str(r.actual_yuan),
                                             None if r.completion_rate is None else str(r.completion_rate)]
                                            for r in res.itertuples()]}
    assert ps.verify(gen, query) == []
    assert gen["rows"]["line_items"] == 50 * 515 and len(res) > 0
    broken = dict(query, result=[[*query["result"][0][:3], "1.00", None]] + query["result"][1:])
    assert ps.verify(gen, broken)                              # the check can fail


def test_a_ragged_row_in_a_re_encoded_report_is_refused_too(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    f = clean / "2022/b/budget_outturn.csv"
    text = f.read_text(encoding="utf-8-sig")
    f.write_text(text.replace("year,department", "department,year", 1) + "2022,b\n", encoding="utf-8")
    with pytest.raises(panel.PanelError, match=r"2022/b/budget_outturn\.csv:3: 2 fields, the header has " + str(len(columns_of("budget_outturn")))):
        panel.build_panel(clean)


def test_a_table_no_report_has_leaves_the_panel(tmp_path, monkeypatch):
    clean = _tiny_reports(tmp_path, monkeypatch)
    assert set(panel.manifest()["tables"]) == {"line_items", "budget_outturn", "reports"}
    with pytest.raises(KeyError, match="no table 'projects'"):
        h.load_panel("projects")
    for f in clean.glob("*/*/budget_outturn.csv"):
        f.unlink()
    panel.build_panel(clean)
    assert not (clean / "panel/panel_budget_outturn.csv").exists()
    assert not (clean / "panel/parquet/budget_outturn").exists() and "budget_outturn" not in panel.manifest()["tables"]
    p = h.load_panel()       # a table no report has is there for a chapter to ask, empty, with its columns
    assert len(p.line_items) and len(p.reports)
    assert p.budget_outturn.empty and {"code", "initial_budget_yuan", "actual_yuan"} <= set(p.budget_outturn.columns)
    assert p.projects.empty and set(p.tables) == set(h.PANEL_TABLES)


def test_a_year_read_in_parts_gives_the_same_panel(tmp_path, monkeypatch):
    """A 1,000-report batch parses a year's CSVs a part at a time (CHUNK_BYTES): one report per
    part gives the same CSVs, the same Parquet rows and reports.csv as one part a year; a bad year
    in the second part of a year is still named by its file."""
    clean = _tiny_reports(tmp_path, monkeypatch)
    whole = {p.relative_to(clean / "panel/current"): p.read_bytes()
             for p in (clean / "panel/current").rglob("*.csv")}
    tables = {t: pq.read_table(clean / f"panel/parquet/{t}/year=2022/part-0.parquet").to_pylist()
              for t in ("line_items", "budget_outturn", "reports")}
    monkeypatch.setattr(panel, "CHUNK_BYTES", 1)
    panel.build_panel(clean)
    parts = {p.relative_to(clean / "panel/current"): p.read_bytes()
             for p in (clean / "panel/current").rglob("*.csv")}
    assert parts == whole
    f = pq.ParquetFile(clean / "panel/parquet/budget_outturn/year=2022/part-0.parquet")
    assert f.metadata.num_row_groups == 2                     # reports a and b: a part each
    for t, rows in tables.items():
        assert pq.read_table(clean / f"panel/parquet/{t}/year=2022/part-0.parquet").to_pylist() == rows, t
    b = clean / "2022/b/budget_outturn.csv"
    b.write_text(b.read_text(encoding="utf-8-sig").replace("\n2022,", "\n2021,", 1), encoding="utf-8-sig")
    with pytest.raises(panel.PanelError, match=r"2022/b/budget_outturn\.csv: year '2021' in a folder of 2022"):
        panel.build_panel(clean)
