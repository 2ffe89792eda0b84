"""Text against tables, and the explanation's project list against the appendix.

The explanation section states amounts, shares, changes and rates; every one
that corresponds to a table cell is compared with it here (the explanation
parser already checked the text against itself).
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from ..extract.prose.explanation import gpb_class_code
from ..extract.tabular.tables import Table
from ..findings import CheckLog
from ..numbers import ratio

Z = Decimal(0)


def _v(tables, tid, key, column="amount", side=None):
    t = tables.get(tid)
    if t is None or not t.present:
        return None
    return t.value(key, column, side)


def _sum(*values):
    vals = [v for v in values if v is not None]
    return sum(vals, Z) if vals else None


def table_value_for(subject: str, measure: str, tables: dict[str, Table]):
    """The table cell a stated (subject, measure) corresponds to, or None."""
    if measure == "full_budget" and subject.startswith("sangong"):
        measure = "budget"        # 公开07's 预算数 is the 三公 全年预算 (its note says so)
    if measure not in ("actual", "budget", "share_base"):
        return None
    t03_total = tables.get("公开03").find("total") if tables.get("公开03") else None
    t05_total = tables.get("公开05").find("total") if tables.get("公开05") else None
    t07 = tables.get("公开07").find("sangong") if tables.get("公开07") else None
    if measure == "budget":
        if subject.startswith("sangong") and t07 is not None:
            part = subject.removeprefix("sangong").lstrip("_") or "total"
            return t07.values.get(f"budget_{part}")
        return None
    if measure == "share_base":
        return {"gpb_expenditure": _v(tables, "公开01", "expenditure_total", side="支出")}.get(subject)
    simple = {
        "total_income": lambda: _v(tables, "公开01", "grand_total", side="收入"),
        "total_expenditure": lambda: _v(tables, "公开01", "grand_total", side="支出"),
        "income": lambda: _v(tables, "公开01", "income_total", side="收入"),
        "income_fiscal": lambda: _sum(*(_v(tables, "公开01", k, side="收入")
                                        for k in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"))),
        "income_superior": lambda: _v(tables, "公开01", "superior", side="收入"),
        "income_business": lambda: _v(tables, "公开01", "business", side="收入"),
        "income_operating": lambda: _v(tables, "公开01", "operating", side="收入"),
        "income_affiliated": lambda: _v(tables, "公开01", "affiliated", side="收入"),
        "income_other": lambda: _v(tables, "公开01", "other", side="收入"),
        "expenditure": lambda: _v(tables, "公开01", "expenditure_total", side="支出"),
        "expenditure_basic": lambda: t03_total.values.get("basic") if t03_total else None,
        "expenditure_project": lambda: t03_total.values.get("project") if t03_total else None,
        "expenditure_upper": lambda: t03_total.values.get("upper") if t03_total else None,
        "expenditure_operating": lambda: t03_total.values.get("operating") if t03_total else None,
        "expenditure_subsidy": lambda: t03_total.values.get("subsidy") if t03_total else None,
        "fiscal_income_total": lambda: _v(tables, "公开04", "grand_total", side="收入"),
        "fiscal_expenditure_total": lambda: _v(tables, "公开04", "grand_total", "total", "支出"),
        "gpb_expenditure": lambda: _v(tables, "公开04", "expenditure_total", "gpb", "支出"),
        "gpb_budget": lambda: t05_total.values.get("total") if t05_total else None,
        "basic": lambda: _v(tables, "公开06", "total"),
        "basic_personnel": lambda: _v(tables, "公开06", "personnel_total"),
        "basic_public": lambda: _v(tables, "公开06", "public_total"),
    }
    if subject in simple:
        return simple[subject]()
    if subject.startswith("gpb_class:"):
        return _v(tables, "公开04", "class:" + subject.split(":")[1], "gpb", "支出")
    if subject.startswith("econ:"):
        code = subject.split(":")[1]
        t06 = tables.get("公开06")
        if t06 is None or not t06.present:
            return None
        row = t06.find(f"econ:{code}")
        return row.values.get("amount") if row else (Z if code in ("309", "311") else None)
    if subject.startswith("sangong") and t07 is not None:
        part = subject.removeprefix("sangong").lstrip("_") or "total"
        if part in ("reception_domestic", "reception_foreign"):
            return None
        return t07.values.get(f"actual_{part}")
    return None


SUBJECT_LABELS = {
    "total_income": "收入总计", "total_expenditure": "支出总计", "income": "收入合计",
    "income_fiscal": "财政拨款收入", "income_other": "其他收入", "expenditure": "支出合计",
    "expenditure_basic": "基本支出", "expenditure_project": "项目支出",
    "fiscal_income_total": "财政拨款收入总计", "fiscal_expenditure_total": "财政拨款支出总计",
    "gpb_expenditure": "一般公共预算财政拨款支出", "gpb_budget": "一般公共预算财政拨款支出（年初预算口径）",
    "basic": "基本支出", "basic_personnel": "人员经费", "basic_public": "公用经费",
    "sangong": "“三公”经费", "sangong_abroad": "因公出国（境）费", "sangong_vehicle": "公务用车购置及运行费",
    "sangong_vehicle_purchase": "公务用车购置费", "sangong_vehicle_operation": "公务用车运行维护费",
    "sangong_reception": "公务接待费", "admin_operating": "机关运行经费",
}


def _precision(tables: dict[str, Table], unit: str | None = None) -> Decimal:
    """Rounding unit for comparing with the tables: the coarser of the tables' and the text's."""
    p = max((t.precision for t in tables.values() if t is not None and t.present), default=Decimal("0.01"))
    return max(p, Decimal(100)) if unit == "万元" else p


def table_of(subject: str, measure: str) -> str | None:
    """The public table a stated (subject, measure) is compared with (None: no counterpart)."""
    if measure in ("budget", "full_budget"):
        return "公开07" if subject.startswith("sangong") else None
    if measure == "share_base":
        return "公开01" if subject == "gpb_expenditure" else None
    if measure != "actual":
        return None
    if subject in ("expenditure_basic", "expenditure_project", "expenditure_upper",
                   "expenditure_operating", "expenditure_subsidy"):
        return "公开03"
    if subject in ("total_income", "total_expenditure", "expenditure") or subject.startswith("income"):
        return "公开01"
    if subject.startswith(("fiscal_", "gpb_expenditure", "gpb_class:")):
        return "公开04"
    if subject == "gpb_budget":
        return "公开05"
    if subject.startswith(("basic", "econ:")):
        return "公开06"
    if subject.startswith("sangong") and not subject.startswith("sangong_reception_"):
        return "公开07"
    return None


def check_text_vs_tables(facts: list[dict], tables: dict[str, Table], log: CheckLog) -> int:
    """Compare every stated amount that has a table counterpart; returns how many.  A figure
    whose table is absent is recorded as skipped (the absence is one error of its own)."""
    n = 0
    for f in facts:
        tid = table_of(f["subject"], f["measure"])
        if tid is not None and (tables.get(tid) is None or not tables[tid].present):
            log.skip("text_vs_table", f"{tid} absent")
            continue
        expected = table_value_for(f["subject"], f["measure"], tables)
        if expected is None or f.get("value") is None:
            continue
        n += 1
        label = SUBJECT_LABELS.get(f["subject"], f["subject"])
        log.amounts("text_vs_table", expected, f["value"], line=f.get("line"), table="说明",
                    unit=_precision(tables, f.get("unit")), terms=2,
                    what=f"说明{f.get('section', '')} {label} ({f['measure']}) vs tables")
    return n


def _row_names(t: Table) -> dict[str, str]:
    return {r.code: norm_name(r.item) for r in t.details()}


def _by_amount(it: dict, t: Table, taken: set[str], tolerance: Decimal) -> list[str]:
    """7-digit codes of ``t`` under the 款 (or else the 类) the item names whose 本年支出合计 is
    the item's 支出决算 (within the rounding of the two)."""
    if it.get("actual") is None:
        return []
    names = _row_names(t)
    kuan = [c for c, n in names.items() if len(c) == 5 and n == norm_name(it.get("kuan_name"))]
    cls = gpb_class_code(it.get("class_name") or "")
    prefixes = kuan or ([cls] if cls else [])
    if not prefixes:
        return []
    out = []
    for r in t.details():
        if r.code and len(r.code) == 7 and r.code.startswith(tuple(prefixes)) and r.code not in taken:
            v = r.values.get("total")
            if v is not None and abs(v - it["actual"]) <= tolerance:
                out.append(r.code)
    return out


def resolve_outturn_codes(items: list[dict], tables: dict[str, Table], log: CheckLog) -> None:
    """Items written as 类/款/项 names without codes get the 7-digit code of 公开05 (or 03): the row
    with the same 项 name under a 款 of the same name (an info finding records it); else, when the
    author names the 项 otherwise (行政事业单位养老支出（款）机关事业单位退休人员活动费支出（项） for
    2080599 其他行政事业单位养老支出), the one row of the named 款 (or 类) with the item's amount
    (code_source "match", one info finding naming both names).  No unique row: one warning, and
    the item is not compared with the tables (no comparison against nothing, no follow-on)."""
    lookup = [tid for tid in ("公开05", "公开03", "公开02")
              if tables.get(tid) is not None and tables[tid].present and tables[tid].details()]
    taken = {it["code"] for it in items if it.get("code")}
    for it in items:
        if it.get("code"):
            it.setdefault("code_source", "text")
            continue
        if not lookup:
            log.skip("outturn_code", "公开05/03/02 absent or without rows to look the code up in")
            continue
        found = None
        for tid in ("公开05", "公开03", "公开02"):
            t = tables.get(tid)
            if t is None or not t.present:
                continue
            names = _row_names(t)
            cands = [c for c, n in names.items() if len(c) == 7 and n == norm_name(it.get("xiang_name"))]
            if len(cands) > 1 and it.get("kuan_name"):
                cands = [c for c in cands if names.get(c[:5]) == norm_name(it["kuan_name"])]
            if len(cands) == 1:
                found = (cands[0], tid)
                break
        if found:
            it["code"], it["code_source"] = found[0], "name"
            taken.add(found[0])
            log.note("outturn_code", f"说明五(三) item {it['item_no']} {it.get('xiang_name')}: code {found[0]} "
                     f"taken from {found[1]} by its 类/款/项 names", line=it.get("line"), table="说明",
                     found=found[0])
            continue
        t5 = next((tables[tid] for tid in ("公开05", "公开03") if tid in lookup), None)
        tolerance = _precision(tables, it.get("unit")) / 2
        cands = _by_amount(it, t5, taken, tolerance) if t5 is not None else []
        if len(cands) == 1:
            code = cands[0]
            row = next(r for r in t5.details() if r.code == code)
            it.update(code=code, code_source="match", table_name=row.item)
            taken.add(code)
            log.note("outturn_code", f"说明五(三) item {it['item_no']}: the text names it “{it.get('kuan_name')}"
                     f"（款）{it.get('xiang_name')}（项）”, {t5.id} lists the same 款 and amount as {code} "
                     f"“{row.item}”; read as {code}", line=it.get("line"), table="说明",
                     expected=row.item, found=it.get("xiang_name"))
        else:
            it["code_source"] = ""
            why = (f"{len(cands)} rows of the named 款/类 have its amount" if cands
                   else "no row of the named 款/类 has its name or amount")
            log.add("outturn_code", "warning", f"说明五(三) item {it['item_no']} “{it.get('kuan_name')}（款）"
                    f"{it.get('xiang_name')}（项）”: no function code stated and none found in 公开05/03 ({why}); "
                    "the item is not compared with the tables", line=it.get("line"), table="说明")


def check_outturn_vs_tables(items: list[dict], tables: dict[str, Table], log: CheckLog) -> None:
    """Each budget-outturn item's 支出决算 vs 公开05; every 05 code is explained.  An item without a
    code (outturn_code said so) is compared with nothing, and the 公开05 rows it may stand for are
    not reported as unexplained."""
    t5 = tables.get("公开05")
    if t5 is None or not t5.present:
        for _ in items:
            log.skip("outturn_vs_05", "公开05 absent")
        return
    rows = {r.code: r for r in t5.details()}
    unplaced = [it for it in items if not it.get("code")]
    for it in items:
        if not it.get("code"):
            log.skip("outturn_vs_05", f"说明五(三) item {it['item_no']}: no function code (see outturn_code)")
            continue
        row = rows.get(it["code"])
        table_actual = row.values.get("total") if row else Z
        log.amounts("outturn_vs_05", table_actual, it.get("actual") if it.get("actual") is not None else Z,
                    line=it.get("line"), table="说明", unit=_precision(tables),
                    what=f"说明五(三) item {it['item_no']} {it['code']} 支出决算 vs 公开05")
    # a budget added during the year (本年追加…预算) is income of that function in 公开02
    t2 = tables.get("公开02")
    rows2 = {r.code: r for r in t2.details()} if t2 is not None and t2.present else {}
    for it in items:
        adj, row2 = it.get("adjusted_budget"), rows2.get(it.get("code"))
        if adj is None or row2 is None or row2.values.get("fiscal") is None:
            continue
        got = row2.values["fiscal"]
        log.record("outturn_adjusted_vs_02", got == adj, severity="warning", line=it.get("line"), table="说明",
                   message=f"说明五(三) item {it['item_no']} {it['code']}: budget added during the year "
                           f"{adj} 元, 公开02 财政拨款收入 of the code {got} 元", expected=got, found=adj)
    open_classes = {gpb_class_code(it.get("class_name") or "") for it in unplaced} - {None}
    listed = {it["code"] for it in items if it.get("code")}
    longest = max((len(c) for c in rows), default=0)
    for code, row in rows.items():
        if len(code) != longest:
            continue  # 类/款 subtotals are explained through their 项
        if code not in listed and (code[:3] in open_classes or (unplaced and not open_classes)):
            log.skip("outturn_covers_05", f"公开05 {code}: an item of the explanation could not be placed")
            continue
        log.record("outturn_covers_05", code in listed, severity="warning", line=row.line, table="公开05",
                   message=f"公开05 {code} {row.item} has no item in the explanation's budget-vs-actual list",
                   expected=code, found="")


def norm_name(name: str) -> str:
    s = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"[\s“”\"'()（）]", "", s)


def check_project_list(scores: list[dict], projects: list[dict], log: CheckLog) -> None:
    """The explanation's list of project self-scores vs the appendix tables (by order)."""
    log.equal("text_project_count", len(scores), len(projects), severity="error", table="说明",
              line=scores[0]["line"] if scores else None,
              what="projects listed in the explanation vs self-evaluation tables in the appendix")
    for s, p in zip(scores, projects):
        if norm_name(s["project"]) != norm_name(p["project"]):
            log.record("text_project_names", False, severity="warning", line=s["line"], table="说明",
                       message=f"project {s['no']}: listed as “{s['project']}”, table titled “{p['project']}”",
                       expected=p["project"], found=s["project"])
        else:
            log.record("text_project_names", True, severity="info", message="")
        ok = s.get("score") is not None and p.get("score") is not None and s["score"] == p["score"]
        log.record("text_project_scores", ok, severity="error", line=s["line"], table="说明",
                   message=f"project {s['no']} {s['project']}: listed score {s.get('score')}, "
                           f"table total {p.get('score')}", expected=p.get("score"), found=s.get("score"))


def check_perf_summary(facts: list[dict], projects: list[dict], funds: list[dict], log: CheckLog) -> None:
    """十(四): project count, carry-over and notice projects, funds involved."""
    def fact(subject, measure):
        for f in facts:
            if f["subject"] == subject and f["measure"] == measure:
                return f
        return None

    f = fact("perf_projects", "count")
    if f:
        log.equal("text_perf_summary", len(projects), int(f["value"]), severity="error", line=f["line"],
                  table="说明", what="绩效自评项目个数 vs appendix tables")
    total = _sum(*(p.get("annual_budget") for p in projects))
    f = fact("perf_funds", "amount")
    if f and total is not None:
        log.amounts("text_perf_summary", total, f["value"], line=f["line"], table="说明",
                    terms=len(projects), unit=Decimal(100),
                    what="绩效自评涉及资金 vs Σ 全年预算数 of the appendix tables")
    carry = [x for x in funds if x.get("source") == "上年结转资金" and x.get("annual_budget")]
    f = fact("perf_carryover", "count")
    if f:
        log.equal("text_perf_summary", len(carry), int(f["value"]), severity="warning", line=f["line"],
                  table="说明", what="上年结转项目个数 vs tables with 上年结转资金")
    f = fact("perf_carryover", "amount")
    if f:
        log.amounts("text_perf_summary", _sum(*(x["annual_budget"] for x in carry)) or Z, f["value"],
                    line=f["line"], table="说明", terms=max(len(carry), 1), unit=Decimal(100),
                    what="上年结转项目资金 vs Σ 上年结转资金 of the appendix tables")
    transfer = [p for p in projects if p.get("layout") == "transfer"]
    f = fact("perf_notice", "amount")
    if f and transfer:
        log.amounts("text_perf_summary", _sum(*(p.get("annual_budget") for p in transfer)), f["value"],
                    line=f["line"], table="说明", terms=len(transfer), unit=Decimal(100),
                    what="随同部门预算告知事项项目资金 vs Σ transfer-layout tables")


def check_counts(facts: list[dict], log: CheckLog) -> None:
    """Vehicle fleet in 三公 vs the assets paragraph."""
    fleet = next((f for f in facts if f["subject"] == "vehicle_fleet"), None)
    total = next((f for f in facts if f["subject"] == "vehicles" and f["measure"] == "count"), None)
    if fleet and total:
        log.equal("text_vehicle_counts", fleet["value"], total["value"], severity="warning",
                  line=total["line"], table="说明", what="公务用车保有量 (三公) vs 车辆 (国有资产)")


def completion(actual, budget):
    return ratio(actual, budget)
