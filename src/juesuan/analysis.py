"""Analysis on the clean tables: budget vs actual, PEFA-style outturn, structure, projects.

Functions take the tidy DataFrames (amounts as ``Decimal``) and return
DataFrames or small dicts; they never read files and never use float for sums.
"""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from .numbers import ratio

Z = Decimal(0)

# PEFA 2016, PI-1 (aggregate expenditure outturn) and PI-2 (composition variance).
# PI-1 bands: A within 95–105 %, B 90–110 %, C 85–115 %, otherwise D.
PI1_BANDS = [("A", Decimal("0.95"), Decimal("1.05")), ("B", Decimal("0.90"), Decimal("1.10")),
             ("C", Decimal("0.85"), Decimal("1.15"))]
# PI-2.1/2.2 bands: A < 5 %, B < 10 %, C < 15 %, otherwise D.
PI2_BANDS = [("A", Decimal("0.05")), ("B", Decimal("0.10")), ("C", Decimal("0.15"))]


def dsum(values) -> Decimal:
    return sum((v for v in values if isinstance(v, Decimal)), Z)


def pi1_band(rate: Decimal | None) -> str:
    if rate is None:
        return "—"
    for band, lo, hi in PI1_BANDS:
        if lo <= rate <= hi:
            return band
    return "D"


def pi2_band(variance: Decimal | None) -> str:
    if variance is None:
        return "—"
    for band, hi in PI2_BANDS:
        if variance < hi:
            return band
    return "D"


# ------------------------------------------------------------------ budget vs actual
def outturn(bo: pd.DataFrame) -> pd.DataFrame:
    """Budget-vs-actual items sorted by completion rate (no-budget items last)."""
    df = bo.copy()
    df["deviation_abs_yuan"] = [abs(v) if isinstance(v, Decimal) else None for v in df.deviation_yuan]
    df["_key"] = [float(r) if isinstance(r, Decimal) else float("inf") for r in df.completion_rate]
    return df.sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)


def band_summary(bo: pd.DataFrame) -> pd.DataFrame:
    order = ["<80%", "80–120%", ">120%", "无年初预算"]
    rows = []
    for band in order:
        part = bo[bo.band == band]
        rows.append({"band": band, "items": len(part),
                     "initial_budget_yuan": dsum(part.initial_budget_yuan),
                     "actual_yuan": dsum(part.actual_yuan)})
    return pd.DataFrame(rows)


def largest_deviations(bo: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """Items whose actual moved furthest from the initial budget (in 元, either way).

    Items without an initial budget count with their whole actual (or adjusted budget).
    """
    df = bo.copy()
    dev = []
    for init, actual in zip(df.initial_budget_yuan, df.actual_yuan):
        a = actual if isinstance(actual, Decimal) else Z
        dev.append(a - (init if isinstance(init, Decimal) else Z))
    df["movement_yuan"] = dev
    df["_abs"] = [abs(v) for v in dev]
    return df.sort_values("_abs", ascending=False, kind="stable").drop(columns="_abs").head(n).reset_index(drop=True)


def reason_groups(bo: pd.DataFrame) -> pd.DataFrame:
    """Stated reasons grouped into categories, with the items under each."""
    rows = []
    for cat, part in bo.groupby("reason_category", sort=False):
        rows.append({"reason_category": cat, "items": len(part),
                     "names": "、".join(part.name.astype(str)),
                     "initial_budget_yuan": dsum(part.initial_budget_yuan),
                     "actual_yuan": dsum(part.actual_yuan),
                     "movement_yuan": dsum(part.actual_yuan) - dsum(part.initial_budget_yuan)})
    return pd.DataFrame(rows).sort_values("items", ascending=False, kind="stable").reset_index(drop=True)


def aggregate_outturn(bo: pd.DataFrame, stated_budget: Decimal | None = None,
                      stated_actual: Decimal | None = None) -> dict:
    """PI-1 style: total actual / total initial budget for one year."""
    budget = stated_budget if stated_budget is not None else dsum(bo.initial_budget_yuan)
    actual = stated_actual if stated_actual is not None else dsum(bo.actual_yuan)
    rate = ratio(actual, budget)
    return {"initial_budget_yuan": budget, "actual_yuan": actual, "rate": rate,
            "deviation_yuan": actual - budget, "pi1_band": pi1_band(rate)}


def composition_variance(budget, actual) -> dict:
    """PI-2 style composition variance.

    The budget of each line is scaled to the aggregate outturn
    (budget_i × Σactual / Σbudget); variance = Σ|actual_i − adjusted_i| / Σ adjusted_i.
    """
    budget = [b if isinstance(b, Decimal) else Z for b in budget]
    actual = [a if isinstance(a, Decimal) else Z for a in actual]
    tb, ta = sum(budget, Z), sum(actual, Z)
    if tb == 0:
        return {"variance": None, "pi2_band": "—", "lines": len(budget)}
    adjusted = [b * ta / tb for b in budget]
    var = sum((abs(a - adj) for a, adj in zip(actual, adjusted)), Z) / sum(adjusted, Z)
    var = ratio(var, Decimal(1))
    return {"variance": var, "pi2_band": pi2_band(var), "lines": len(budget),
            "budget_yuan": tb, "actual_yuan": ta}


# ------------------------------------------------------------------ structure
INCOME_KEYS = [("fiscal_gpb", "一般公共预算财政拨款"), ("fiscal_gov_fund", "政府性基金预算财政拨款"),
               ("fiscal_soe", "国有资本经营预算财政拨款"), ("superior", "上级补助收入"),
               ("business", "事业收入"), ("operating", "经营收入"),
               ("affiliated", "附属单位上缴收入"), ("other", "其他收入")]


def table_cells(li: pd.DataFrame, table: str, column: str | None = None) -> pd.DataFrame:
    part = li[li.table == table]
    if column is not None:
        part = part[part.column == column]
    return part


def income_by_source(li: pd.DataFrame) -> pd.DataFrame:
    part = table_cells(li, "公开01")
    part = part[part.side == "收入"]
    amounts = dict(zip(part.row_key, part.amount_yuan))
    total = amounts.get("income_total")
    rows = [{"source": label, "amount_yuan": amounts.get(key, Z), "share": ratio(amounts.get(key, Z), total)}
            for key, label in INCOME_KEYS if amounts.get(key)]
    return pd.DataFrame(rows, columns=["source", "amount_yuan", "share"])


def expenditure_by_class(li: pd.DataFrame, table: str = "公开03", column: str = "total") -> pd.DataFrame:
    """Σ of 项 rows per 类 (from 公开03 or 公开05) with shares."""
    from .extract.tables import class_names
    part = table_cells(li, table, column)
    part = part[part.code.str.len() > 0]
    if part.empty:
        return pd.DataFrame(columns=["code", "name", "amount_yuan", "share"])
    longest = part.code.str.len().max()
    part = part[part.code.str.len() == longest]
    sums: dict[str, Decimal] = {}
    for code, amount in zip(part.code, part.amount_yuan):
        sums[code[:3]] = sums.get(code[:3], Z) + amount
    total = sum(sums.values(), Z)
    rows = [{"code": c, "name": class_names().get(c, c), "amount_yuan": v, "share": ratio(v, total)}
            for c, v in sorted(sums.items(), key=lambda kv: -kv[1])]
    return pd.DataFrame(rows)


def basic_vs_project(li: pd.DataFrame) -> dict:
    part = table_cells(li, "公开03")
    tot = part[part.row_key == "total"]
    vals = dict(zip(tot.column, tot.amount_yuan))
    total = vals.get("total")
    return {"basic_yuan": vals.get("basic"), "project_yuan": vals.get("project"), "total_yuan": total,
            "basic_share": ratio(vals.get("basic"), total), "project_share": ratio(vals.get("project"), total)}


def cell(li: pd.DataFrame, table: str, row_key: str, column: str = "amount", side: str | None = None):
    part = li[(li.table == table) & (li.row_key == row_key) & (li.column == column)]
    if side is not None:
        part = part[part.side == side]
    return part.amount_yuan.iloc[0] if len(part) else None


# ------------------------------------------------------------------ projects
def project_quadrants(pr: pd.DataFrame, rate_threshold: Decimal = Decimal("0.8"),
                      score_threshold: Decimal = Decimal("90")) -> pd.DataFrame:
    """Each project's quadrant: execution rate vs self-score."""
    df = pr.copy()
    quad = []
    for rate, score in zip(df.execution_rate, df.score):
        if not isinstance(rate, Decimal) or not isinstance(score, Decimal):
            quad.append("—")
            continue
        hi_rate = rate >= rate_threshold
        hi_score = score >= score_threshold
        quad.append({(True, True): "执行好·自评高", (False, True): "执行低·自评高",
                     (True, False): "执行好·自评低", (False, False): "执行低·自评低"}[(hi_rate, hi_score)])
    df["quadrant"] = quad
    return df


def low_execution_high_score(pr: pd.DataFrame, **kw) -> pd.DataFrame:
    q = project_quadrants(pr, **kw)
    out = q[q.quadrant == "执行低·自评高"]
    return out.sort_values("execution_rate", kind="stable").reset_index(drop=True)


def rate_mismatches(pr: pd.DataFrame, threshold_pp: Decimal = Decimal("0.5")) -> pd.DataFrame:
    """Projects whose stated execution rate differs from the recomputed one by at least
    ``threshold_pp`` percentage points."""
    rows = []
    for _, p in pr.iterrows():
        r, s = p.execution_rate, p.stated_execution_rate
        if isinstance(r, Decimal) and isinstance(s, Decimal):
            diff = (s - r) * 100
            if abs(diff) >= threshold_pp:
                rows.append({"project_no": p.project_no, "project": p.project, "execution_rate": r,
                             "stated_execution_rate": s, "difference_pp": diff})
    return pd.DataFrame(rows, columns=["project_no", "project", "execution_rate",
                                       "stated_execution_rate", "difference_pp"])


# ------------------------------------------------------------------ findings
def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    order = {"error": 0, "warning": 1, "info": 2}
    df = findings.groupby(["severity", "check"]).size().reset_index(name="count")
    df["_o"] = df.severity.map(order)
    return df.sort_values(["_o", "count"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


def project_summary(pr: pd.DataFrame, rate_threshold: Decimal = Decimal("0.8"),
                    score_threshold: Decimal = Decimal("90")) -> dict:
    """Headline numbers of the project self-evaluations."""
    import statistics
    rates = [r for r in pr.execution_rate if isinstance(r, Decimal)]
    scores = [s for s in pr.score if isinstance(s, Decimal)]
    budget, executed = dsum(pr.annual_budget_yuan), dsum(pr.executed_yuan)
    low = low_execution_high_score(pr, rate_threshold=rate_threshold, score_threshold=score_threshold)
    return {"projects": len(pr), "annual_budget_yuan": budget, "executed_yuan": executed,
            "execution_rate": ratio(executed, budget),
            "median_score": statistics.median(scores) if scores else None,
            "min_score": min(scores, default=None), "max_score": max(scores, default=None),
            "below_rate": sum(1 for r in rates if r < rate_threshold),
            "low_execution_high_score": len(low)}


def change_word(current, prior, up: str = "增加", down: str = "减少", same: str = "持平") -> str:
    """增加 / 减少 / 持平 for two amounts ("—" when one is missing)."""
    if not isinstance(current, Decimal) or not isinstance(prior, Decimal):
        return "—"
    return up if current > prior else down if current < prior else same


def keep_rows(df: pd.DataFrame, mask) -> pd.DataFrame:
    """Rows where ``mask`` (a list of booleans) is true; safe on empty frames."""
    return df.loc[pd.Series(list(mask), index=df.index, dtype=bool)] if len(df) else df


# ------------------------------------------------------------------ several reports
def panel_class_shares(li: pd.DataFrame) -> pd.DataFrame:
    """Expenditure by function class (公开03, most detailed level) per report, with shares."""
    rows = []
    for (year, dept), part in li.groupby(["year", "department"], sort=True):
        by = expenditure_by_class(part.rename(columns={"measure": "column"}))
        for r in by.itertuples():
            rows.append({"year": year, "department": dept, "code": r.code, "name": r.name,
                         "amount_yuan": r.amount_yuan, "share": r.share})
    return pd.DataFrame(rows, columns=["year", "department", "code", "name", "amount_yuan", "share"])


def panel_outturn(bo: pd.DataFrame) -> pd.DataFrame:
    """Per report: items, Σ initial budget, Σ actual, aggregate rate, PI-1 band, counts per band."""
    rows = []
    for (year, dept), part in bo.groupby(["year", "department"], sort=True):
        agg = aggregate_outturn(part)
        row = {"year": year, "department": dept, "items": len(part), **agg}
        for band in ("<80%", "80–120%", ">120%", "无年初预算"):
            row[band] = int((part.band == band).sum())
        rows.append(row)
    return pd.DataFrame(rows)
