"""A small synthetic 部门预算 clean folder (the data contract of issue 19), written in code.

    from budgetkit import write_budget_clean, load_from
    folder = write_budget_clean(tmp_path / "clean")          # <root>/2025/synthbudget/
    d = load_from(folder)                                     # a helpers.Dataset, without config roots

The tables follow the contract: metadata_inferred.json with ``doc_kind`` "budget", line_items with the
tables 预算01–预算07 by national role (row keys as for final accounts), stated_facts with the
measures ``budget``, ``change_vs_prior_budget``, ``prior_budget``, ``prior_execution``; the columns are
those of src/juesuan/data/dictionary.csv.  Amounts hold the budget form's identities (支出总表 =
基本 + 项目, 收支 balance, 基本支出 table = the 基本 column).
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

YEAR, DEPT, NAME = 2025, "synthbudget", "合成测试局"

LI_COLS = ["year", "department", "table", "table_name", "side", "row_no", "code", "level", "row", "row_key",
           "column", "column_label", "amount_yuan", "status", "source_line"]
FACT_COLS = ["year", "department", "section", "subject", "measure", "value", "places", "fact_year", "text",
             "source_line"]
FINDING_COLS = ["year", "department", "check", "severity", "message", "expected", "found", "location", "table"]
CHECK_COLS = ["year", "department", "check", "description", "run", "passed", "failed", "skipped", "skip_reason"]

# (code, level, name, basic, project) — 项 rows of 预算03 / 预算05
FUNC_ROWS = [("2013301", "项", "行政运行", 4_000_000, 0), ("2013302", "项", "一般行政管理事务", 0, 2_000_000),
             ("2080505", "项", "机关事业单位基本养老保险缴费支出", 700_000, 0),
             ("2080899", "项", "其他优抚支出", 0, 2_000_000)]
CLASSES = {"201": "一般公共服务支出", "208": "社会保障和就业支出"}
ECON = [("301", "工资福利支出", "人员经费", 3_800_000), ("302", "商品和服务支出", "公用经费", 700_000),
        ("303", "对个人和家庭的补助", "人员经费", 200_000)]
FACTS = [("一", "income", "budget", 8_500_000, "收入预算850.00万元"),
         ("一", "income", "change_vs_prior_budget", 500_000, "比上年预算增加50.00万元"),
         ("一", "expenditure", "budget", 8_700_000, "支出预算870.00万元"),
         ("一", "expenditure", "change_vs_prior_budget", -300_000, "比上年预算减少30.00万元"),
         ("二", "fiscal_expenditure", "budget", 8_000_000, "财政拨款支出预算800.00万元"),
         ("二", "fiscal_expenditure", "prior_budget", 7_600_000, "上年财政拨款支出预算760.00万元"),
         ("三", "func:2013301", "budget", 4_000_000, "行政运行400.00万元"),
         ("三", "func:2013301", "prior_execution", 3_900_000, "2024年当年预算执行数为390.00万元"),
         ("四", "sangong_total", "budget", 150_000, "“三公”经费预算15.00万元"),
         ("四", "sangong_total", "change_vs_prior_budget", -10_000, "比上年预算减少1.00万元"),
         ("四", "sangong_reception", "budget", 30_000, "公务接待费3.00万元"),
         ("四", "sangong_reception", "change_vs_prior_budget", 0, "与上年预算持平"),
         ("五", "operating_costs", "budget", 600_000, "机关运行经费预算60.00万元"),
         ("五", "operating_costs", "change_vs_prior_budget", 20_000, "比上年预算增加2.00万元")]


def _yuan(v) -> str:
    return f"{v}.00"


def line_items(year: int = YEAR, dept: str = DEPT) -> list[dict]:
    rows = []
    line = [100]

    def add(table, title, row, key, amount, column="amount", label="预算数", side="", code="", level=""):
        line[0] += 1
        rows.append({"year": year, "department": dept, "table": table, "table_name": title, "side": side,
                     "row_no": "", "code": code, "level": level, "row": row, "row_key": key, "column": column,
                     "column_label": label, "amount_yuan": _yuan(amount), "status": "reported",
                     "source_line": line[0]})

    t1 = "收支预算总表"
    add("预算01", t1, "一般公共预算拨款收入", "fiscal_gpb", 8_000_000, side="收入")
    add("预算01", t1, "事业收入", "business", 500_000, side="收入")
    add("预算01", t1, "收入合计", "income_total", 8_500_000, side="收入")
    add("预算01", t1, "上年结转", "carryover", 200_000, side="收入")
    add("预算01", t1, "收入总计", "grand_total", 8_700_000, side="收入")
    for c, n in CLASSES.items():
        amount = sum(b + p for code, _, _, b, p in FUNC_ROWS if code.startswith(c))
        add("预算01", t1, n, f"class:{c}", amount, side="支出", code=c, level="类")
    add("预算01", t1, "本年支出合计", "expenditure_total", 8_700_000, "total", "合计", side="支出")
    add("预算01", t1, "支出总计", "grand_total", 8_700_000, "total", "合计", side="支出")
    for table, title in (("预算03", "支出预算总表"), ("预算05", "一般公共预算支出功能分类预算表")):
        for code, level, name, basic, project in FUNC_ROWS:
            for column, label, amount in (("total", "合计", basic + project), ("basic", "基本支出", basic),
                                          ("project", "项目支出", project)):
                add(table, title, name, f"func:{code}", amount, column, label, code=code, level=level)
        for column, label, amount in (("total", "合计", 8_700_000), ("basic", "基本支出", 4_700_000),
                                      ("project", "项目支出", 4_000_000)):
            add(table, title, "合计", "total", amount, column, label)
    t6 = "一般公共预算基本支出经济分类预算表"
    for code, name, side, amount in ECON:
        add("预算06", t6, name, f"econ:{code}", amount, "total", "合计", side=side, code=code, level="类")
    add("预算06", t6, "人员经费合计", "personnel_total", 4_000_000, "total", "合计")
    add("预算06", t6, "公用经费合计", "public_total", 700_000, "total", "合计")
    add("预算06", t6, "合计", "total", 4_700_000, "total", "合计")
    t7 = "“三公”经费和机关运行经费预算表"
    for column, label, amount in (("total", "“三公”经费合计", 150_000), ("abroad", "因公出国（境）费", 20_000),
                                  ("vehicle", "公务用车购置及运行费", 100_000), ("reception", "公务接待费", 30_000),
                                  ("operating_costs", "机关运行经费", 600_000)):
        add("预算07", t7, "预算数", "total", amount, column, label)
    return rows


def facts(year: int = YEAR, dept: str = DEPT) -> list[dict]:
    return [{"year": year, "department": dept, "section": s, "subject": subj, "measure": m, "value": v,
             "places": "", "fact_year": year - 1 if m in ("prior_budget", "prior_execution") else year,
             "text": t, "source_line": 20 + i} for i, (s, subj, m, v, t) in enumerate(FACTS)]


def _write(path: Path, cols: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


def write_budget_clean(clean_root: Path, year: int = YEAR, dept: str = DEPT, name: str = NAME) -> Path:
    """<clean_root>/<year>/<dept>/ with line_items, stated_facts, findings, checks and
    metadata_inferred.json of a budget report (other tables absent, as a loader must allow)."""
    folder = Path(clean_root) / str(year) / dept
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "line_items.csv", LI_COLS, line_items(year, dept))
    _write(folder / "stated_facts.csv", FACT_COLS, facts(year, dept))
    _write(folder / "findings.csv", FINDING_COLS, [
        {"year": year, "department": dept, "check": "table_declared_empty", "severity": "info",
         "message": "预算08 政府性基金预算支出表 is declared empty (无)", "expected": "", "found": "",
         "location": f"data/raw/{year}/{dept}-yusuan/budget.pdf:p9:300", "table": "预算08"}])
    _write(folder / "checks.csv", CHECK_COLS, [
        {"year": year, "department": dept, "check": "sum_to_total", "description": "各行之和 = 合计",
         "run": 12, "passed": 12, "failed": 0, "skipped": 0, "skip_reason": ""}])
    doc = {"department_name": name, "year": year, "scope": None, "unit": "万元", "doc_kind": "budget",
           "doc_kind_zh": "预算", "doc_level": "部门", "sources": {}}
    meta = {"department": dept, "year": year, "doc_kind": "budget", "doc_kind_zh": "预算", "doc_level": "部门",
            "document": doc, "metadata_json": None,
            "used": {"department_name": name, "year": year, "doc_kind": "budget", "doc_kind_zh": "预算",
                     "doc_level": "部门"}}
    (folder / "metadata_inferred.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def load_from(folder: Path, exact: bool = True):
    """A helpers.Dataset read from ``folder`` (whatever JUESUAN_CLEAN_ROOT says): the tables through
    helpers.read_table, absent ones empty, the metadata's document kind in ``meta``."""
    import helpers as h
    from juesuan.clean.frames import BUILDERS

    folder = Path(folder)
    meta = dict(json.loads((folder / "metadata_inferred.json").read_text(encoding="utf-8")).get("used") or {})
    meta.update({k: v for k, v in h._doc_kind(folder).items() if not meta.get(k)})
    tables = {n: h.read_table(folder / f"{n}.csv", n, exact) if (folder / f"{n}.csv").exists()
              else h._empty_table(n, exact) for n in BUILDERS}
    return h.Dataset(int(folder.parent.name), folder.name, folder, meta, tables)
