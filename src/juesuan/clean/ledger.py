"""The ledger of a report's clean data: every printed figure read (a cell of the clean tables, a
stated fact) or in ``unread.csv`` with its page:line and why; ``coverage.csv`` counts them.

The figures and the accounting are :mod:`juesuan.validate.ledger`'s; this module gives it what
the clean data holds (each value with its ``source_line``) and shapes the two tables:

- ``unread``: one row per printed figure not read — file, page, line (``location`` as findings
  name it), the line's text, the figure as printed, where (table / text), kind (amount / rate), the
  table it belongs to, the reason code and its Chinese label (``data/ledger_reasons.csv``);
- ``coverage``: per (where, kind) and in all, printed / read / unread and the read share.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from ..validate.ledger import Ledger, account, printing_line, reasons

# the clean tables whose values are read from the page, with the columns that hold printed figures
TABLE_SOURCES = {
    "line_items": ("amount_yuan",),
    "project_funds": ("initial_budget_yuan", "annual_budget_yuan", "executed_yuan", "stated_execution_rate"),
    "project_indicators": ("target", "actual", "weight", "score"),
}
PROJECT_COLUMNS = {
    "projects": ("initial_budget_yuan", "annual_budget_yuan", "executed_yuan", "stated_execution_rate",
                 "exec_weight", "exec_score", "total_weight", "score"),
}
TEXT_SOURCES = {
    "stated_facts": ("value",),
    "budget_outturn": ("initial_budget_yuan", "adjusted_budget_yuan", "actual_yuan", "full_budget_yuan",
                       "stated_completion_rate"),
    "projects": ("initial_budget_yuan", "annual_budget_yuan", "executed_yuan", "stated_execution_rate"),
    "project_funds": ("initial_budget_yuan", "annual_budget_yuan", "executed_yuan", "stated_execution_rate"),
}
_LINE_RE = re.compile(r":(\d+)$")


def _values(frames: dict[str, pd.DataFrame], sources: dict[str, tuple]) -> list[tuple[int, Decimal]]:
    out = []
    for name, cols in sources.items():
        df = frames.get(name)
        if df is None or df.empty or "source_line" not in df.columns:
            continue
        for col in cols:
            if col not in df.columns:
                continue
            for n, v in zip(df["source_line"].tolist(), df[col].tolist()):
                if n is None or v is None or (isinstance(v, float) and v != v):
                    continue
                if isinstance(v, str):          # an indicator's target / actual as printed ("100%", "98")
                    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", v)
                    if not m:
                        continue
                    v = Decimal(m.group(1)) / (100 if m.group(2) else 1)
                try:
                    out.append((int(n), Decimal(str(v))))
                except (ArithmeticError, ValueError, TypeError):
                    continue
    return out


def _project_spans(frames: dict[str, pd.DataFrame], end: int) -> list:
    """A project's own figures (budget, executed, rate, weight, score of its 自评表) are read for
    its table: the lines from its source_line up to the next project's."""
    df = frames.get("projects")
    if df is None or df.empty:
        return []
    starts = [int(n) for n in df["source_line"].tolist() if n is not None]
    out = []
    for i, row in enumerate(df.to_dict("records")):
        if row.get("source_line") is None:
            continue
        a = int(row["source_line"])
        b = min([s for s in starts if s > a] or [end])
        for col in PROJECT_COLUMNS["projects"]:
            v = row.get(col)
            if v is not None and not (isinstance(v, float) and v != v):
                try:
                    out.append(((a, b), Decimal(str(v))))
                except (ArithmeticError, ValueError):
                    continue
    return out


def _unparsed_lines(rep) -> set[int]:
    out = set()
    for f in rep.log.findings:
        if f.check == "unparsed":
            m = _LINE_RE.search(f.location or "")
            if m:
                out.add(int(m.group(1)))
    return out


def _text_part(rep) -> tuple[int, int] | None:
    """[start, end) of the text the prose reader reads: a final account's explanation part (and
    its appendix of project tables); a budget's whole text (None)."""
    if rep.doc_kind == "budget":
        return None
    parts = rep.parts or {}
    start = parts.get("explanation")
    if not start:
        return (0, 0)
    ends = sorted(v for k, v in parts.items() if v and v > start and k not in ("explanation", "appendix"))
    return (start, ends[0] if ends else parts.get("end") or len(rep.doc.lines) + 1)


def report_ledger(rep, frames: dict[str, pd.DataFrame]) -> Ledger:
    ex = rep.explanation
    repeated = [p for p, _ in getattr(ex, "repeated_pages", [])] if ex is not None else []
    table_values = _values(frames, TABLE_SOURCES) + _project_spans(frames, len(rep.doc.lines) + 1)
    return account(rep.doc, rep.doc_kind, rep.tables, table_values, _values(frames, TEXT_SOURCES),
                   text_lines=_text_part(rep), repeated_pages=repeated, unparsed_lines=_unparsed_lines(rep))


def _split(doc, n: int) -> tuple[str, str, int]:
    """(file, page, line) of line ``n`` ("report-text.pdf:p3:12" → file, "3", 12)."""
    where = doc.where(n)
    parts = where.split(":")
    file = parts[0] if len(parts) == 3 else ""
    page = next((p[1:] for p in parts if re.fullmatch(r"p\d+", p)), "")
    return file, page, n


def unread_frame(rep, ledger: Ledger) -> list[dict]:
    labels = reasons()
    rows = []
    for f in ledger.unread:
        n = printing_line(rep.doc, f.line, f.printed)       # a wrapped row's cell: the line that prints it
        file, page, line = _split(rep.doc, n)
        rows.append({"file": file, "page": int(page) if page else None, "location": rep.doc.where(n),
                     "where": f.where, "kind": f.kind, "table": f.table, "printed": f.printed,
                     "text": rep.doc.line(n).replace("\t", " ").strip()[:200],
                     "reason": f.reason, "reason_zh": labels.get(f.reason, f.reason), "source_line": line})
    return rows


def coverage_rows(ledger: Ledger) -> list[dict]:
    counts = ledger.counts()
    rows = []
    for where in ("table", "text"):
        for kind in ("amount", "rate"):
            printed, read = counts.get((where, kind), (0, 0))
            rows.append({"where": where, "kind": kind, "printed": printed, "read": read, "unread": printed - read,
                         "coverage_rate": (Decimal(read) / Decimal(printed)).quantize(Decimal("0.0001"))
                         if printed else None})
    printed = sum(p for p, _ in counts.values())
    read = sum(r for _, r in counts.values())
    rows.append({"where": "all", "kind": "all", "printed": printed, "read": read, "unread": printed - read,
                 "coverage_rate": (Decimal(read) / Decimal(printed)).quantize(Decimal("0.0001")) if printed else None})
    return rows


# ------------------------------------------------------------------ for the chapters (Chinese)
COVERAGE_NOTE = Decimal("0.99")   # below this share of the printed figures read, the 要点 and the index say so
WHERE_ZH = {"table": "表格", "text": "文字", "all": "合计"}
KIND_ZH = {"amount": "金额", "rate": "比率", "all": "全部"}


def _rate(v) -> Decimal | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v == "":
        return None
    return Decimal(str(v))


def coverage_table(cov: pd.DataFrame) -> pd.DataFrame:
    """coverage.csv with Chinese labels, the read share as a percentage (— when nothing is printed)."""
    from ..numbers import fmt_pct
    rows = []
    for r in cov.to_dict("records"):
        rate = _rate(r.get("coverage_rate"))
        rows.append({"所在": WHERE_ZH.get(r["where"], r["where"]), "类别": KIND_ZH.get(r["kind"], r["kind"]),
                     "原文数字": int(r["printed"]), "已读取": int(r["read"]), "未读取": int(r["unread"]),
                     "读取率": fmt_pct(rate) if rate is not None else "—"})
    return pd.DataFrame(rows, columns=["所在", "类别", "原文数字", "已读取", "未读取", "读取率"])


def ledger_by_reason(unread: pd.DataFrame, show: int = 12) -> pd.DataFrame:
    """The ledger grouped by reason (most first): Chinese label, how many, in tables / in text,
    and the first ``show`` places (page:line and the figure as printed)."""
    rows = []
    if len(unread):
        for reason, g in sorted(unread.groupby("reason"), key=lambda x: -len(x[1])):
            places = [f"{loc}（{p}）" for loc, p in zip(g["location"].tolist()[:show], g["printed"].tolist()[:show])]
            rows.append({"原因": g["reason_zh"].iloc[0], "个数": len(g), "表格": int((g["where"] == "table").sum()),
                         "文字": int((g["where"] == "text").sum()),
                         "位置（页:行）": "、".join(places) + ("等" if len(g) > show else "")})
    return pd.DataFrame(rows, columns=["原因", "个数", "表格", "文字", "位置（页:行）"])


def coverage_note(cov: pd.DataFrame, threshold: Decimal = COVERAGE_NOTE) -> str | None:
    """One Chinese sentence for the 要点 when fewer than ``threshold`` of the printed figures were read
    (None otherwise, and when the report has no coverage.csv)."""
    from ..numbers import fmt_pct
    total = cov[cov["where"] == "all"] if len(cov) else cov
    if not len(total):
        return None
    t = total.iloc[0]
    rate = _rate(t["coverage_rate"])
    if rate is None or rate >= threshold:
        return None
    part = cov[cov["where"] != "all"].groupby("where")["unread"].sum().to_dict()
    return (f"原文印出的数字（金额与比率）{int(t['printed'])} 个，本套件读取 {int(t['read'])} 个（{fmt_pct(rate)}），"
            f"未读取 {int(t['unread'])} 个（表格 {int(part.get('table', 0))} 个、文字 {int(part.get('text', 0))} 个）："
            "未读取的数字不参与核对，逐条列于数据质量一章与 unread.csv（这是本套件的读取所限，不是原文的错误）。")
