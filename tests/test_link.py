"""Linking the documents of one department (juesuan.clean.link) on inline synthetic clean folders.

The folders follow the clean-data contract: line_items (公开01–09 for final accounts, 预算01–09 for
budgets, row_key func:<code> …), stated_facts (measures budget / change_vs_prior_budget /
prior_execution), budget_outturn, metadata_inferred.json (department_name, doc_kind, unit).  The
figures are those of the real 上海市普陀区财政局 2024 final accounts and 2025 budget (cut down).
"""
from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from juesuan.clean import link  # noqa: E402

LI = ["year", "department", "table", "table_name", "side", "row_no", "code", "level", "row", "row_key", "column",
      "column_label", "amount_yuan", "status", "source_line"]
SF = ["year", "department", "section", "subject", "measure", "value", "places", "fact_year", "text", "source_line"]
BO = ["year", "department", "item_no", "code", "class_name", "kuan_name", "name", "initial_budget_yuan",
      "adjusted_budget_yuan", "actual_yuan", "actual_table_yuan", "deviation_yuan", "completion_rate",
      "stated_completion_rate", "explanation", "reason_category", "source_line"]


def _write(path: Path, cols, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def folder(root: Path, year: int, slug: str, name: str | None, kind: str | None, unit: str,
           items=(), facts=(), outturn=()) -> Path:
    """One clean folder. ``items``: (table, row_key, column, amount, line[, side, row name]);
    ``facts``: (subject, measure, value, text, line); ``outturn``: (code, name, initial, actual, line)."""
    f = root / str(year) / slug
    f.mkdir(parents=True)
    rows = []
    for it in items:
        table, key, col, amount, line, *rest = it
        side = rest[0] if rest else ""
        code = key.split(":", 1)[1] if key.startswith("func:") else ""
        rows.append({"year": year, "department": slug, "table": table, "side": side, "code": code,
                     "row": rest[1] if len(rest) > 1 else "", "row_key": key, "column": col,
                     "amount_yuan": amount, "status": "reported", "source_line": line})
    _write(f / "line_items.csv", LI, rows)
    _write(f / "stated_facts.csv", SF, [{"year": year, "department": slug, "subject": s, "measure": m, "value": v,
                                         "fact_year": year, "text": t, "source_line": ln}
                                        for s, m, v, t, ln in facts])
    _write(f / "budget_outturn.csv", BO, [{"year": year, "department": slug, "item_no": i + 1, "code": c, "name": n,
                                           "initial_budget_yuan": b, "actual_yuan": a, "source_line": ln}
                                          for i, (c, n, b, a, ln) in enumerate(outturn)])
    used = {"department": slug, "year": year, "unit": unit, "source_file": f"{slug}.pdf"}
    if name is not None:
        used["department_name"] = name
    if kind is not None:
        used.update(doc_kind=kind, doc_kind_zh=link.KIND_ZH[kind])
    (f / "metadata_inferred.json").write_text(json.dumps({"department": slug, "year": year, "used": used},
                                                         ensure_ascii=False), encoding="utf-8")
    return f


CZJ = "上海市普陀区财政局"


def final_2024(root, name=CZJ, slug="ptczj"):
    return folder(root, 2024, slug, name, None, "万元", items=[
        ("公开01", "income_total", "amount", "29462500.00", 115, "收入"),
        ("公开01", "expenditure_total", "amount", "29400500.00", 115, "支出"),
        ("公开03", "func:201", "total", "21066600.00", 150, "", "一般公共服务支出"),
        ("公开03", "func:2010601", "total", "15118900.00", 152, "", "行政运行"),
        ("公开03", "func:208", "total", "3267200.00", 156, "", "社会保障和就业支出"),
        ("公开03", "func:2080501", "total", "846500.00", 158, "", "行政单位离退休"),
        ("公开05", "func:2010601", "total", "15118900.00", 213, "", "行政运行"),
        ("公开05", "func:2080501", "total", "846500.00", 220, "", "行政单位离退休"),
        ("公开07", "sangong", "budget_total", "9500.00", 282),
        ("公开07", "sangong", "budget_reception", "9500.00", 282),
    ], facts=[
        ("gpb_budget", "budget", "16456000", "一般公共预算财政拨款支出年初预算为1645.60万元", 326),
        ("gpb_budget", "actual", "15965400", "支出决算为1596.54万元", 326),
    ], outturn=[
        ("2010601", "行政运行", "15600500.00", "15118900.00", 329),
        ("2080501", "行政单位离退休", "855500.00", "846500.00", 342),
    ])


def budget(root, year, slug="ptczj-yusuan", name=CZJ, gpb="16456000.00", items_2080501="855500.00",
           facts=(), kind="budget"):
    return folder(root, year, slug, name, kind, "元", items=[
        ("预算01", "grand_total", "amount", gpb, 20, "收入"),
        ("预算01", "grand_total", "amount", gpb, 20, "支出"),
        ("预算03", "total", "total", gpb, 60, "", "合计"),
        ("预算03", "func:201", "total", "20000000.00", 50, "", "一般公共服务支出"),
        ("预算03", "func:208", "total", "855500.00", 55, "", "社会保障和就业支出"),
        ("预算05", "total", "total", gpb, 90, "", "合计"),
        ("预算05", "func:2010601", "total", "15600500.00", 80, "", "行政运行"),
        ("预算05", "func:2080501", "total", items_2080501, 85, "", "行政单位离退休"),
        ("预算05", "func:2010699", "total", "12.34", 88, "", "其他财政事务支出"),   # a 元 table: not all whole 百元
        ("预算07", "sangong", "total", "9500.00", 120),
        ("预算07", "sangong", "reception", "9500.00", 120),
    ], facts=facts)


FACTS_2025 = [
    ("gpb_expenditure", "budget", "17000000", "一般公共预算拨款支出预算1,700.00万元", 7),
    ("gpb_expenditure", "change_vs_prior_budget", "544000", "比2024年预算增加54.40万元", 7),
    ("func:2010601", "prior_execution", "15118900", "2024年当年预算执行数为1511.89万元", 12),
]


def test_names_are_normalised_and_the_slug_is_a_hint(tmp_path):
    assert link.normalise_name("上海市普陀区人民政府万里街道办事处") == link.normalise_name("上海市普陀区万里街道办事处")
    assert link.normalise_name("上海市普陀区人民政府") == "上海市普陀区人民政府"   # not a street office: kept
    assert link.normalise_name(" 上海市普陀区 财政局 ") == CZJ
    assert link.slug_base("ptczj-yusuan") == "ptczj" and link.slug_base("yusuan") == "yusuan"
    folder(tmp_path, 2023, "wanli-yusuan", "上海市普陀区人民政府万里街道办事处", "budget", "元")
    folder(tmp_path, 2024, "wl2024", "上海市普陀区万里街道办事处", "budget", "元")
    final_2024(tmp_path)
    folder(tmp_path, 2025, "ptczj-yusuan", None, "budget", "元")        # states no name: its slug joins it
    folder(tmp_path, 2025, "other-yusuan", None, "budget", "元")        # no name, no named folder: alone
    folder(tmp_path, 2024, "ptczj2", "上海市普陀区审计局", None, "万元")   # another name: never merged
    groups = link.group(link.documents(tmp_path))
    assert {k: [(d.year, d.department) for d in v] for k, v in groups.items()} == {
        "上海市普陀区万里街道办事处": [(2023, "wanli-yusuan"), (2024, "wl2024")],
        CZJ: [(2024, "ptczj"), (2025, "ptczj-yusuan")],
        "other": [(2025, "other-yusuan")],
        "上海市普陀区审计局": [(2024, "ptczj2")],
    }
    kinds = {(d.year, d.department): d.kind for v in groups.values() for d in v}
    assert kinds[(2024, "ptczj")] == "final" and kinds[(2025, "ptczj-yusuan")] == "budget"


def test_doc_kind_absent_is_read_from_the_tables(tmp_path):
    budget(tmp_path, 2024, kind=None)
    final_2024(tmp_path)
    docs = {d.department: d.kind for d in link.documents(tmp_path)}
    assert docs == {"ptczj": "final", "ptczj-yusuan": "budget"}


def _three(tmp_path, **kw):
    final_2024(tmp_path)
    budget(tmp_path, 2024, **kw)
    budget(tmp_path, 2025, gpb="17000000.00", facts=FACTS_2025)
    return link.link_frames(tmp_path)


def test_consistent_documents_give_exact_links_and_no_findings(tmp_path):
    f = _three(tmp_path)
    assert f["link_findings"].empty
    c = f["link_comparisons"]
    # (a) the final accounts' 年初预算 against the 2024 budget: total, two items, 三公 total and reception
    a = c[c.check.isin(["link_initial_budget", "link_sangong_budget"])]
    assert sorted(a.subject) == ["func:2010601", "func:2080501", "gpb_expenditure", "sangong_reception",
                                 "sangong_total"]
    assert (a.agrees == "是").all()
    tot = a[a.subject == "gpb_expenditure"].iloc[0]
    assert tot.left_yuan == Decimal("16456000") and tot.right_yuan == Decimal("16456000.00")
    assert tot.tolerance_yuan == Decimal("50.00")   # 万元 text (100 元) against a 元 table (0.01 元), to the fen
    # (b) the 2025 budget's 2024 budget (1700.00 − 54.40 = 1645.60 万元) against both 2024 documents
    b = c[c.check == "link_prior_budget"]
    assert list(b.left_yuan) == [Decimal("16456000"), Decimal("16456000")]
    assert sorted(b.right_doc) == ["2024年决算（ptczj）", "2024年预算（ptczj-yusuan）"]
    e = c[c.check == "link_prior_execution"].iloc[0]
    assert (e.left_yuan, e.right_yuan, e.agrees) == (Decimal("15118900"), Decimal("15118900.00"), "是")
    # (c) budget against actual by function code, all funds (预算03 against 公开03)
    ba = f["link_budget_actual"]
    allf = ba[ba.basis == "all_funds"].set_index("code")
    assert allf.loc["201", "budget_yuan"] == Decimal("20000000.00")
    assert allf.loc["201", "actual_yuan"] == Decimal("21066600.00")
    assert allf.loc["201", "completion_rate"] == Decimal("1.05333")
    assert allf.loc["208", "completion_rate"] == Decimal("3.819053")   # 3267200 / 855500 = 3.8190531…, half-up
    assert allf.loc["2010601", "note"] == "预算中没有这一科目" and allf.loc["2010601", "completion_rate"] is None
    # the 2024 budget against the execution the 2025 budget states for it
    se = ba[ba.basis == "stated_execution"].iloc[0]
    assert (se.code, se.budget_yuan, se.actual_yuan, se.completion_rate) == \
        ("2010601", Decimal("15600500.00"), Decimal("15118900"), Decimal("0.969129"))
    # (d) the series: 2024 决算 and 预算, 2025 预算
    s = f["department_series"]
    tot = s[s.measure == "expenditure_total"].set_index(["year", "doc_kind_zh"]).amount_yuan
    assert tot.to_dict() == {(2024, "决算"): Decimal("29400500.00"), (2024, "预算"): Decimal("16456000.00"),
                             (2025, "预算"): Decimal("17000000.00")}
    assert set(s[s.measure.str.startswith("class:")].measure) == {"class:201", "class:208"}
    docs = f["link_documents"].set_index("department")
    assert docs.loc["ptczj", "note"].startswith("已与2024年预算（ptczj-yusuan）、2025年预算（ptczj-yusuan）链接")
    assert (docs.group_documents == 3).all()


def test_a_planted_disagreement_is_one_finding_naming_both_documents_and_lines(tmp_path):
    f = _three(tmp_path, items_2080501="865500.00")   # the 2024 budget's 行政单位离退休: 86.55 万元, not 85.55
    fi = f["link_findings"]
    assert len(fi) == 1
    x = fi.iloc[0]
    assert (x.check, x.severity, x.year) == ("link_initial_budget", "error", 2024)
    assert x.location == "data/raw/2024/ptczj/ptczj.pdf:342 ↔ data/raw/2024/ptczj-yusuan/ptczj-yusuan.pdf:85"
    assert x.documents == "2024年决算（ptczj） ↔ 2024年预算（ptczj-yusuan）"
    assert "“行政单位离退休”（2080501）" in x.message and "相差 -1.00 万元" in x.message
    assert (x.found, x.expected) == ("855500.00", "865500.00")


def test_a_difference_within_wan_rounding_is_no_finding(tmp_path):
    f = _three(tmp_path, items_2080501="855549.99")   # 85.55 万元 stated in the text rounds 855,549.99 元
    assert f["link_findings"].empty
    f2 = link.link_frames(tmp_path)
    assert f2["link_comparisons"].set_index("subject").loc["func:2080501", "agrees"] == "是"


def test_the_prior_budget_and_execution_findings(tmp_path):
    # the 2025 budget says 比2024年预算增加 64.40 万元: its 2024 budget (1635.60) is neither 2024 document's
    facts = [FACTS_2025[0], ("gpb_expenditure", "change_vs_prior_budget", "644000", "比2024年预算增加64.40万元", 7),
             ("func:2010601", "prior_execution", "15000000", "2024年当年预算执行数为1500.00万元", 12)]
    final_2024(tmp_path)
    budget(tmp_path, 2024)
    budget(tmp_path, 2025, gpb="17000000.00", facts=facts)
    fi = link.link_frames(tmp_path)["link_findings"]
    assert sorted(zip(fi.check, fi.severity)) == [("link_prior_budget", "warning"), ("link_prior_budget", "warning"),
                                                  ("link_prior_execution", "info")]
    assert all("2025年预算（ptczj-yusuan）" in m for m in fi.message)


def test_a_department_with_one_document_has_no_findings_and_a_clear_note(tmp_path):
    final_2024(tmp_path)
    f = link.link_frames(tmp_path)
    assert f["link_findings"].empty and f["link_comparisons"].empty and f["link_budget_actual"].empty
    note = f["link_documents"].note.iloc[0]
    assert note == ("该部门只有这一份文件：2024年决算（ptczj），无法与其他文件核对；缺少2024年预算（核对年初预算、预算与决算）、"
                    "2025年预算（它说明2024年的预算和执行数）。")
    assert len(f["department_series"]) == 4


def test_build_links_writes_the_tables_with_dictionary_columns(tmp_path):
    _three(tmp_path, items_2080501="865500.00")
    paths = link.build_links(tmp_path)
    assert [p.name for p in paths] == [f"{t}.csv" for t in link.TABLES]
    from juesuan.dictionary import dictionary
    d = dictionary()
    for p in paths:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            head = next(csv.reader(fh))
        known = set(d[d.table.isin([p.stem, "*"])].column)
        assert set(head) <= known, (p.name, set(head) - known)
    rows = list(csv.DictReader(open(paths[-1], encoding="utf-8-sig", newline="")))
    assert len(rows) == 1 and rows[0]["severity"] == "error"
    pkg = json.loads((tmp_path / "panel" / "links" / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in pkg["resources"]] == [p.name for p in paths]


def test_a_bad_amount_names_the_file_and_line(tmp_path):
    f = final_2024(tmp_path)
    text = (f / "budget_outturn.csv").read_text(encoding="utf-8-sig").replace("855500.00", "85万")
    (f / "budget_outturn.csv").write_text(text, encoding="utf-8-sig")
    with pytest.raises(link.LinkError, match=r"2024/ptczj/budget_outturn.csv:3: column initial_budget_yuan"):
        link.link_frames(tmp_path)


def test_the_rounding_unit_is_read_from_the_sentence():
    q = link._text_quantum
    assert q("年初预算为2993.92万元", Decimal("29939200")) == Decimal("100")
    assert q("公务用车购置费25万元", Decimal("250000")) == Decimal("100")      # a whole 万元 is written 25, meant 25.00
    assert q("因公出国（境）费0万元", Decimal("0")) == Decimal("0.01")         # zero is exact
    assert q("一般公共预算拨款支出预算3,121.42万元", Decimal("31214200")) == Decimal("100")
    assert q("机关运行经费预算为2294300.50元", Decimal("2294300.50")) == Decimal("0.01")
    assert q("三公经费0.9500万元", Decimal("9500")) == Decimal("1")


def test_the_real_2024_budget_of_the_finance_bureau_as_its_two_documents_state_it(tmp_path):
    """上海市普陀区财政局: the 2024 final accounts (p21) state 年初预算 2993.92 万元; the 2025 budget (p7)
    states 3,121.42 万元, 比2024年预算增加107.62万元 — a 2024 budget of 3013.80 万元.  Read in both PDFs:
    the documents disagree by 19.88 万元 (a warning: the later report may restate the prior year)."""
    folder(tmp_path, 2024, "ptczj", CZJ, "final", "万元", facts=[
        ("gpb_budget", "budget", "29939200", "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元", 326)])
    folder(tmp_path, 2025, "ptczj-yusuan", CZJ, "budget", "元", facts=[
        ("gpb_expenditure", "budget", "31214200", "一般公共预算拨款支出预算3,121.42万元", 71),
        ("gpb_expenditure", "change_vs_prior_budget", "1076200", "比2024年预算增加107.62万元", 71),
        ("gpb_expenditure", "prior_budget", "30138000", "一般公共预算拨款支出预算3,121.42万元；比2024年预算增加107.62万元", 71),
        ("sangong_total", "budget", "9500", "“三公”经费预算数为0.95万元", 289),
        ("sangong_total", "change_vs_prior_budget", "0", "与2024年预算持平", 289),
        ("sangong_total", "prior_budget", "9500", "“三公”经费预算数为0.95万元；与2024年预算持平", 289)])
    (tmp_path / "2024" / "ptczj" / "line_items.csv").write_text(
        (tmp_path / "2024" / "ptczj" / "line_items.csv").read_text(encoding="utf-8-sig")
        + "2024,ptczj,公开07,,,,,,三公经费,sangong,budget_total,预算数·合计,9500.00,reported,282\n",
        encoding="utf-8-sig")
    f = link.link_frames(tmp_path)
    c = f["link_comparisons"].set_index("subject")
    assert c.loc["sangong_total", "agrees"] == "是"
    assert c.loc["gpb_expenditure", "difference_yuan"] == Decimal("198800")
    assert c.loc["gpb_expenditure", "tolerance_yuan"] == Decimal("150.00")   # derived (two 万元 figures) vs one
    fi = f["link_findings"]
    assert list(zip(fi.check, fi.severity)) == [("link_prior_budget", "warning")]
    assert "3,013.80 万元" in fi.message[0] and "2,993.92 万元" in fi.message[0] and "相差 19.88 万元" in fi.message[0]


def test_load_links_computes_when_absent_then_reads_the_files(tmp_path, monkeypatch):
    import helpers as h
    from juesuan import config
    _three(tmp_path, items_2080501="865500.00")
    monkeypatch.setattr(config, "CLEAN", tmp_path)
    computed = h.load_links()                         # no links folder: computed, nothing written
    assert not (tmp_path / "panel" / "links").exists()
    assert str(computed.link_budget_actual.completion_rate.dtype) == "float64"
    link.build_links(tmp_path)
    read = h.load_links(exact=True)
    assert read.link_findings.severity.tolist() == ["error"]
    assert read.link_comparisons.left_yuan.map(type).eq(Decimal).all()
    assert computed.link_comparisons.agrees.tolist() == read.link_comparisons.agrees.tolist()


def test_the_chapter_functions_say_which_is_budget_and_which_final(tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import pandas as pd

    import helpers as h
    from juesuan import config, linkview as lv
    h.setup()   # the Chinese font
    _three(tmp_path, items_2080501="865500.00")
    folder(tmp_path, 2022, "nxgxt", "宁夏回族自治区工业和信息化厅", None, "元", items=[
        ("公开01", "expenditure_total", "amount", "93404992.41", 130, "支出")])
    monkeypatch.setattr(config, "CLEAN", tmp_path)
    L = h.load_links()
    assert lv.departments(L) == [CZJ, "宁夏回族自治区工业和信息化厅"]
    assert lv.documents_text(L, CZJ).startswith(
        "**上海市普陀区财政局** 有 3 份文件：2024年决算（文件夹 ptczj）、2024年预算（文件夹 ptczj-yusuan）、"
        "2025年预算（文件夹 ptczj-yusuan）。")
    assert "只有这一份文件" in lv.documents_text(L, "宁夏回族自治区工业和信息化厅")
    assert lv.budget_actual_text(L, "宁夏回族自治区工业和信息化厅").startswith("没有同一年度的预算与决算")
    text = lv.budget_actual_text(L, CZJ)
    assert "2024年（全部资金" in text and "完成 116.68%" in text      # (2106.66 + 326.72) / (2000 + 85.55) = 1.16677…
    assert lv.comparisons_text(L, CZJ).endswith("其中 7 处一致（允许万元取整的差额），1 处不一致。")
    assert lv.findings_view(L, CZJ)["严重程度"].tolist() == ["错误"]
    cv = lv.comparisons_view(L, CZJ)
    assert len(cv) == 8 and cv.agrees.tolist().count("否") == 1
    assert lv.comparisons_view(L, "宁夏回族自治区工业和信息化厅").empty
    figs = [lv.series_figure(L, CZJ), lv.budget_actual_figure(L, CZJ)]
    assert all(f is not None and f.axes for f in figs)
    assert [t.get_text() for t in figs[0].axes[0].get_xticklabels()] == ["2024年\n决算", "2024年\n预算", "2025年\n预算"]
    import matplotlib.pyplot as plt
    for f in figs:
        plt.close(f)
    assert lv.doc_kind_zh(pd.DataFrame({"year": [2024, 2025]})) == ["决算", "决算"]
    assert lv.doc_kind_zh(pd.DataFrame({"doc_kind": ["budget", None]})) == ["预算", "决算"]
    # an older panel's reports table without the kind: each report's clean metadata says it
    older = pd.DataFrame({"year": [2024, 2024, 2025, 2022], "department": ["ptczj", "ptczj-yusuan", "ptczj-yusuan", "x"]})
    assert lv.doc_kind_zh(older) == ["决算", "预算", "预算", "决算"]
    assert lv.overview_text(L).startswith("data/clean 中共有 4 份文件（预算 2 份、决算 2 份），按文件所写的部门名称归为 2 个部门")


def test_no_reports_and_two_documents_of_one_year_and_kind(tmp_path, monkeypatch):
    f = link.link_frames(tmp_path)                    # an empty clean root: empty tables, no error
    assert all(df.empty for df in f.values()) and link.build_links(tmp_path) == []
    final_2024(tmp_path)
    final_2024(tmp_path, slug="ptczj-copy")
    notes = link.link_frames(tmp_path)["link_documents"].set_index("department").note
    assert "同一年度另有决算：2024年决算（ptczj-copy），链接只用2024年决算（ptczj）" in notes["ptczj"]
    assert link.link_frames(tmp_path)["link_findings"].empty


def test_make_data_writes_the_links_after_the_panel(tmp_path, monkeypatch, capsys):
    import shutil

    from juesuan import config
    from juesuan.clean import run_data
    raw, clean = tmp_path / "raw", tmp_path / "clean"
    shutil.copytree(ROOT / "data" / "raw" / "2022" / "nxgxt", raw / "2022" / "nxgxt")
    monkeypatch.setattr(config, "RAW", raw)
    monkeypatch.setattr(config, "CLEAN", clean)
    results = run_data()
    assert [r["ok"] for r in results] == [True]
    assert "links/: each department's budgets and final accounts linked" in capsys.readouterr().out
    assert (clean / "panel" / "links").is_symlink()      # published with the panel's generation
    assert (clean / "panel" / "current" / "links" / "link_documents.csv").is_file()
    rows = list(csv.DictReader(open(clean / "panel" / "links" / "link_documents.csv", encoding="utf-8-sig")))
    assert [(r["department"], r["doc_kind_zh"], r["group_documents"]) for r in rows] == [("nxgxt", "决算", "1")]
    assert rows[0]["note"].startswith("该部门只有这一份文件：2022年决算（nxgxt）")


def test_an_item_whose_code_was_inferred_from_its_name_is_a_warning_not_an_error(tmp_path):
    final_2024(tmp_path)
    bo = tmp_path / "2024" / "ptczj" / "budget_outturn.csv"
    with open(bo, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["code_source"] = "name" if r["code"] == "2080501" else "text"
    _write(bo, BO + ["code_source"], rows)
    budget(tmp_path, 2024, items_2080501="865500.00")
    fi = link.link_frames(tmp_path)["link_findings"]
    assert list(zip(fi.check, fi.severity)) == [("link_initial_budget", "warning")]
    assert "按名称推断" in fi.message[0]


def test_the_linking_holds_the_rows_of_one_department_at_a_time(tmp_path, monkeypatch):
    """A batch of 1,000 reports: the rows of every document at once took the driver past 600 MB at
    500 reports.  A document's rows are read when first used and let go after its department."""
    for k in range(3):
        name = f"上海市普陀区测试{k}局"
        final_2024(tmp_path, name=name, slug=f"d{k}")
        budget(tmp_path, 2025, slug=f"d{k}-yusuan", name=name, gpb="17000000.00", facts=FACTS_2025)
    docs = link.documents(tmp_path)
    assert all(d._rows is None for d in docs)               # names and kinds only
    d = docs[0]
    rows = list(d.items)
    assert rows and d._rows is not None
    d.release()
    assert d._rows is None and d.items == rows              # read again, the same
    held, most = set(), [0]
    load = link._doc_rows

    def counting(folder):
        held.add(folder)
        most[0] = max(most[0], len(held))
        return load(folder)

    release = link.Doc.release

    def releasing(self):
        held.discard(self.folder)
        release(self)

    monkeypatch.setattr(link, "_doc_rows", counting)
    monkeypatch.setattr(link.Doc, "release", releasing)
    frames = link.link_frames(tmp_path)
    assert len(frames["link_documents"]) == 6 and set(frames["link_documents"].group_documents) == {2}
    assert most[0] == 2 and not held                         # one department's two documents, then none
