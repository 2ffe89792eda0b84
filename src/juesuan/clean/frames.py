"""Tidy tables (pandas DataFrames) from a parsed and validated report.

Amount columns end in ``_yuan`` and hold ``Decimal`` values (exact); rates are
``Decimal`` fractions.  Conversion to strings happens only when writing.  The tables keep the
facts: a band a rate falls in is a method choice (:mod:`juesuan.method`), computed in analysis.
The data dictionary (``data/dictionary.csv``: table, column, label, type, unit, description)
names every column; ``helpers.load`` derives the pandas dtypes from its type and unit.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..dictionary import check_descriptions, columns_of, dictionary  # noqa: F401 - re-exported
from ..extract.prose.explanation import categorize_reason
from ..extract.tabular.tables import class_names
from ..numbers import ratio
from .pipeline import Report

Z = Decimal(0)

SANGONG = [("total", "“三公”经费合计", "sangong"), ("abroad", "因公出国（境）费", "sangong_abroad"),
           ("vehicle", "公务用车购置及运行费", "sangong_vehicle"),
           ("vehicle_purchase", "公务用车购置费", "sangong_vehicle_purchase"),
           ("vehicle_operation", "公务用车运行维护费", "sangong_vehicle_operation"),
           ("reception", "公务接待费", "sangong_reception")]


def _frame(rep: Report, name: str, rows: list[dict]) -> pd.DataFrame:
    cols = columns_of(name)
    for r in rows:
        r.setdefault("year", rep.year)
        r.setdefault("department", rep.department)
    df = pd.DataFrame(rows, columns=cols, dtype=object)  # object: keep Decimal and int exact
    extra = set().union(*(r.keys() for r in rows)) - set(cols) if rows else set()
    if extra:
        raise KeyError(f"{name}: columns not in the data dictionary: {sorted(extra)}")
    return df


# ------------------------------------------------------------------ tables
def line_items(rep: Report) -> pd.DataFrame:
    rows = []
    for t in rep.tables.values():
        for r in t.rows:
            cols = dict(t.columns.get(r.side, t.columns.get("", [])))
            for col, value in r.values.items():
                if value is None:
                    continue
                rows.append({"table": t.id, "table_name": t.title, "side": r.side,
                             "row_no": r.row_no, "code": r.code or "", "level": r.level,
                             "row": r.item, "row_key": r.key, "column": col,
                             "column_label": cols.get(col, col), "amount_yuan": value,
                             "status": r.status.get(col, "reported"), "source_line": r.line})
    return _frame(rep, "line_items", rows)


def budget_outturn(rep: Report) -> pd.DataFrame:
    ex = rep.explanation
    t5 = rep.tables.get("公开05")
    by_code = {r.code: r for r in t5.details()} if t5 is not None and t5.present else {}
    rows = []
    for it in (ex.budget_outturn if ex else []):
        actual = it.get("actual")
        init = it.get("initial_budget")
        rate = ratio(actual, init)
        full = it.get("full_budget")
        row05 = by_code.get(it["code"])
        rows.append({
            "item_no": it["item_no"], "code": it["code"], "class_name": it.get("class_name"),
            "kuan_name": it.get("kuan_name"), "name": it.get("xiang_name"),
            "initial_budget_yuan": init, "adjusted_budget_yuan": it.get("adjusted_budget"),
            "actual_yuan": actual,
            "actual_table_yuan": row05.values.get("total") if row05 else (Z if it["code"] else None),
            "deviation_yuan": (actual or Z) - init if init is not None else None,
            "completion_rate": rate, "stated_completion_rate": it.get("stated_completion_rate"),
            "full_budget_yuan": full, "full_completion_rate": ratio(actual, full),
            "stated_rate_basis": it.get("stated_rate_basis") or "",
            "code_source": it.get("code_source") or "", "table_name": it.get("table_name") or "",
            "explanation": it.get("explanation"),
            "reason_category": categorize_reason(it.get("explanation") or it.get("note") or ""),
            "source_line": it.get("line")})
    return _frame(rep, "budget_outturn", rows)


def projects(rep: Report) -> pd.DataFrame:
    pr = rep.projects
    scores = {}
    if rep.explanation is not None:
        scores = {s["no"]: s.get("score") for s in rep.explanation.project_scores}
    rows = []
    for p in (pr.projects if pr else []):
        rows.append({
            "project_no": p["project_no"], "project": p["project"],
            "department_in_charge": p.get("department"), "unit": p.get("unit"),
            "layout": p.get("layout"), "initial_budget_yuan": p.get("initial_budget"),
            "annual_budget_yuan": p.get("annual_budget"), "executed_yuan": p.get("executed"),
            "execution_rate": p.get("execution_rate"), "stated_execution_rate": p.get("stated_execution_rate"),
            "exec_weight": p.get("exec_weight"), "exec_score": p.get("exec_score"),
            "total_weight": p.get("total_weight"), "score": p.get("score"),
            "stated_list_score": scores.get(p["project_no"]), "source_line": p.get("line")})
    return _frame(rep, "projects", rows)


def project_funds(rep: Report) -> pd.DataFrame:
    rows = []
    for f in (rep.projects.funds if rep.projects else []):
        rows.append({"project_no": f["project_no"], "source": f["source"],
                     "initial_budget_yuan": f.get("initial_budget"),
                     "annual_budget_yuan": f.get("annual_budget"), "executed_yuan": f.get("executed"),
                     "stated_execution_rate": f.get("stated_execution_rate"), "source_line": f.get("line")})
    return _frame(rep, "project_funds", rows)


def project_indicators(rep: Report) -> pd.DataFrame:
    rows = []
    for i in (rep.projects.indicators if rep.projects else []):
        rows.append({"project_no": i["project_no"], "level1": i.get("level1"), "level2": i.get("level2"),
                     "indicator": i.get("indicator"), "target": i.get("target"), "actual": i.get("actual"),
                     "weight": i.get("weight"), "score": i.get("score"), "deviation": i.get("deviation"),
                     "source_line": i.get("line")})
    return _frame(rep, "project_indicators", rows)


def findings(rep: Report) -> pd.DataFrame:
    return _frame(rep, "findings", rep.log.finding_rows())


def checks(rep: Report) -> pd.DataFrame:
    desc = check_descriptions()
    rows = [dict(r, description=desc.get(r["check"], "")) for r in rep.log.summary_rows()]
    return _frame(rep, "checks", rows)


def stated_facts(rep: Report) -> pd.DataFrame:
    rows = []
    for f in (rep.explanation.facts if rep.explanation else []):
        rows.append({"section": f.get("section"), "subject": f["subject"], "measure": f["measure"],
                     "value": f.get("value"), "places": f.get("places"), "fact_year": f.get("year"),
                     "text": f.get("text"), "source_line": f.get("line")})
    return _frame(rep, "stated_facts", rows)


def _facts_by_subject(rep: Report) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for f in (rep.explanation.facts if rep.explanation else []):
        out.setdefault(f["subject"], {}).setdefault(f["measure"], f)
    return out


def prior_year(rep: Report) -> pd.DataFrame:
    """Figures of the prior year: stated (与上年 X 元相比), or derived from a stated change and the
    current figure of the same section (比2023年度减少 Y: prior = current − change; derived=True)."""
    from ..validate.crosscheck import SUBJECT_LABELS
    fs = _facts_by_subject(rep)
    by_section: dict[tuple[str, str], dict[str, dict]] = {}
    for f in (rep.explanation.facts if rep.explanation else []):
        by_section.setdefault((f["section"], f["subject"]), {}).setdefault(f["measure"], f)
    rows = []
    for subject, m in fs.items():
        label = SUBJECT_LABELS.get(subject, _econ_label(subject))
        stated_change = m.get("change", {}).get("value")
        if "prior" in m:
            prior = m["prior"]["value"]
            current = m["actual"]["value"] if "actual" in m else None
            change = current - prior if current is not None else None
            rows.append({"subject": subject, "label": label,
                         "prior_year": m["prior"].get("year") or rep.year - 1, "prior_yuan": prior,
                         "current_yuan": current, "change_yuan": change,
                         "change_rate": ratio(change, prior),
                         "stated_change_rate": m.get("change_rate", {}).get("value"),
                         "derived": 0, "stated_change_yuan": stated_change,
                         "source_line": m["prior"].get("line")})
            continue
        # no stated prior figure: the first section that states the change and the current figure
        for (_, subj), sm in by_section.items():
            if subj != subject or "change" not in sm or "actual" not in sm:
                continue
            current, change = sm["actual"]["value"], sm["change"]["value"]
            prior = current - change
            rows.append({"subject": subject, "label": label, "prior_year": rep.year - 1,
                         "prior_yuan": prior, "current_yuan": current, "change_yuan": change,
                         "change_rate": ratio(change, prior),
                         "stated_change_rate": sm.get("change_rate", {}).get("value"),
                         "derived": 1, "stated_change_yuan": change,
                         "source_line": sm["change"].get("line")})
            break
    return _frame(rep, "prior_year", rows)


def _econ_label(subject: str) -> str:
    labels = {"301": "工资福利支出", "302": "商品和服务支出", "303": "对个人和家庭的补助",
              "307": "债务利息及费用支出", "309": "资本性支出（基本建设）", "310": "资本性支出",
              "311": "对企业补助（基本建设）", "312": "对企业补助", "399": "其他支出"}
    if subject.startswith("econ:"):
        return labels.get(subject[5:], subject)
    if subject.startswith("gpb_class:"):
        return class_names().get(subject[10:], subject)
    return subject


def sangong(rep: Report) -> pd.DataFrame:
    t07 = rep.tables.get("公开07")
    row = t07.find("sangong") if t07 is not None and t07.present else None
    fs = _facts_by_subject(rep)
    rows = []
    for part, label, subject in SANGONG:
        m = fs.get(subject, {})
        budget = row.values.get(f"budget_{part}") if row else None
        actual = row.values.get(f"actual_{part}") if row else None
        budget_text = m.get("budget", m.get("full_budget", {})).get("value")
        prior = m.get("prior", {}).get("value")
        base = budget_text if (budget in (None, Z) and budget_text) else budget
        rows.append({"category": part, "label": label, "budget_yuan": budget, "actual_yuan": actual,
                     "budget_text_yuan": budget_text, "prior_yuan": prior,
                     "completion_rate": ratio(actual, base),
                     "stated_completion_rate": m.get("completion_rate", {}).get("value"),
                     "change_rate": ratio(actual - prior, prior) if actual is not None and prior else None,
                     "stated_change_rate": m.get("change_rate", {}).get("value")})
    return _frame(rep, "sangong", rows)


def basic_expenditure(rep: Report) -> pd.DataFrame:
    t06 = rep.tables.get("公开06")
    fs = _facts_by_subject(rep)
    rows = []
    for r in (t06.rows if t06 is not None and t06.present else []):
        if not r.code or len(r.code) != 3:
            continue
        m = fs.get(f"econ:{r.code}", {})
        actual = r.values.get("amount")
        budget = m.get("budget", {}).get("value")
        prior = m.get("prior", {}).get("value")
        rows.append({"code": r.code, "name": r.item, "kind": r.side, "actual_yuan": actual,
                     "initial_budget_yuan": budget, "prior_yuan": prior,
                     "budget_change_rate": ratio(actual - budget, budget) if budget else None,
                     "stated_budget_change_rate": m.get("change_rate_vs_budget", {}).get("value"),
                     "prior_change_rate": ratio(actual - prior, prior) if prior else None,
                     "stated_prior_change_rate": m.get("change_rate", {}).get("value"),
                     "explanation": _reason_text(m)})
    return _frame(rep, "basic_expenditure", rows)


def _reason_text(m: dict) -> str | None:
    for key in ("reason", "change_vs_budget", "actual"):
        f = m.get(key)
        if f and f.get("reason"):
            return f["reason"]
    return None


PROCUREMENT = [("total", "政府采购支出总额", "procurement"), ("goods", "货物", "procurement_goods"),
               ("works", "工程", "procurement_works"), ("services", "服务", "procurement_services"),
               ("sme", "授予中小企业合同金额", "procurement_sme"),
               ("small_micro", "授予小微企业合同金额", "procurement_small_micro"),
               ("goods_sme", "货物采购授予中小企业", "procurement_goods_sme"),
               ("works_sme", "工程采购授予中小企业", "procurement_works_sme"),
               ("services_sme", "服务采购授予中小企业", "procurement_services_sme")]


def procurement(rep: Report) -> pd.DataFrame:
    fs = _facts_by_subject(rep)
    rows = []
    for cat, label, subject in PROCUREMENT:
        m = fs.get(subject)
        if not m:
            continue
        any_fact = next(iter(m.values()))
        rows.append({"category": cat, "label": label, "amount_yuan": m.get("actual", {}).get("value"),
                     "stated_share": m.get("share", {}).get("value"), "source_line": any_fact.get("line")})
    return _frame(rep, "procurement", rows)


def assets(rep: Report) -> pd.DataFrame:
    rows = []
    for f in (rep.explanation.facts if rep.explanation else []):
        s = f["subject"]
        if s == "floor_area":
            rows.append({"item": "房屋面积", "value": f["value"], "unit": "平方米", "source_line": f["line"]})
        elif s == "vehicles" or s.startswith("vehicles:"):
            rows.append({"item": "车辆" if s == "vehicles" else s.split(":", 1)[1], "value": f["value"],
                         "unit": "辆", "source_line": f["line"]})
        elif s == "equipment_over_1m":
            rows.append({"item": "单价100万元以上专用设备", "value": f["value"], "unit": "台（套）",
                         "source_line": f["line"]})
    return _frame(rep, "assets", rows)


BUILDERS = {
    "line_items": line_items, "budget_outturn": budget_outturn, "projects": projects,
    "project_funds": project_funds, "project_indicators": project_indicators,
    "sangong": sangong, "basic_expenditure": basic_expenditure, "prior_year": prior_year,
    "procurement": procurement, "assets": assets, "stated_facts": stated_facts,
    "findings": findings, "checks": checks,
}


def build_frames(rep: Report) -> dict[str, pd.DataFrame]:
    frames = {name: fn(rep) for name, fn in BUILDERS.items()}
    frames.update(ledger_frames(rep, frames))      # what was printed and not read (clean/ledger.py)
    return frames


LEDGER_TABLES = ("unread", "coverage")      # built after the others, from them (ledger_frames)


def ledger_frames(rep: Report, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``unread`` (the ledger: each printed figure not read, with its page:line and why) and
    ``coverage`` (printed / read / unread per table and text, amounts and rates)."""
    from .ledger import coverage_rows, report_ledger, unread_frame
    ledger = report_ledger(rep, frames)
    return {"unread": _frame(rep, "unread", unread_frame(rep, ledger)),
            "coverage": _frame(rep, "coverage", coverage_rows(ledger))}
