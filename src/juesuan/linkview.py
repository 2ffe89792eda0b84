"""What the department chapter (notebooks/panel/02-department) calls: the linked documents of one
department — which are 预算 and which 决算, its series over the years, budget against actual by
function code, the comparisons between documents and their findings — as Chinese sentences,
display frames and figures.  Takes the link tables of :mod:`juesuan.clean.link` (loaded by
``helpers.load_links``, either dtype); amounts are drawn in 万元.
"""
from __future__ import annotations

from collections import Counter

import matplotlib.pyplot as plt
import pandas as pd

from .analysis import keep_rows as keep, num
from .numbers import fmt_pct, fmt_wan
from .plotting import fit_canvas, percent_formatter, source_note, yuan_formatter

KIND_COLORS = {"预算": "#7570b3", "决算": "#1b9e77"}
BASIS_ZH = {"all_funds": "全部资金：支出预算总表（预算03）对支出决算表（公开03）",
            "stated_execution": "一般公共预算：当年预算（预算05）对次年预算所说的执行数"}
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
NAMED = 20      # departments named in a sentence; more are in the table of departments


def department_table(links, keys=None) -> pd.DataFrame:
    """One row per department (``keys``; all by default, in :func:`departments` order): its name,
    its documents (预算 n 份、决算 m 份), years, the comparisons of its documents (with its units'
    too), how many disagree, and its findings."""
    keys = departments(links) if keys is None else list(keys)
    d, c, f = links.link_documents, links.link_comparisons, links.link_findings
    docs = {k: [] for k in keys}
    for k, y, kind in zip(d.dept_key, d.year, doc_kind_zh(d)):
        if k in docs:
            docs[k].append((int(y), kind))
    comp: dict = {}
    for k, a in zip(c.dept_key, c.agrees):
        n, bad = comp.get(k, (0, 0))
        comp[k] = (n + 1, bad + (a != "是"))
    found = Counter(f.dept_key)
    rows = []
    for k in keys:
        kinds = [kind for _, kind in docs[k]]
        years = sorted({y for y, _ in docs[k]})
        rows.append({"department_name": name(links, k),
                     "documents": "、".join(f"{z} {kinds.count(z)} 份" for z in ("预算", "决算") if kinds.count(z)),
                     "years": "、".join(str(y) for y in years), "compared": comp.get(k, (0, 0))[0],
                     "disagree": comp.get(k, (0, 0))[1], "findings": found.get(k, 0)})
    return pd.DataFrame(rows, columns=["department_name", "documents", "years", "compared", "disagree", "findings"])


def detailed(links, keys, most: int | None) -> tuple[list, list]:
    """(the departments a page shows in detail, the rest): all when there are at most ``most``
    (None: no bound); else ``most`` of them — those with findings first, the most findings first,
    then in the order of ``keys`` — so a batch of 500 departments gives a page a reader can open."""
    keys = list(keys)
    if most is None or len(keys) <= most:
        return keys, []
    found = Counter(links.link_findings.dept_key)
    order = sorted(range(len(keys)), key=lambda i: (-found.get(keys[i], 0), i))
    shown = {keys[i] for i in order[:most]}
    return [k for k in keys if k in shown], [k for k in keys if k not in shown]


def _f(v) -> float:
    n = num(v)
    return float(n) if n is not None else float("nan")


def doc_kind_zh(reports: pd.DataFrame) -> list[str]:
    """预算 or 决算 for each row of a reports table: its ``doc_kind_zh`` / ``doc_kind``; a table
    without them (older panels) asks each report's clean metadata; absent everywhere ⇒ 决算."""
    from .clean.link import KIND_ZH, doc_kind_of
    has = "doc_kind_zh" in reports.columns or "doc_kind" in reports.columns
    out = []
    for i in range(len(reports)):
        zh = reports["doc_kind_zh"].iloc[i] if "doc_kind_zh" in reports.columns else None
        kind = reports["doc_kind"].iloc[i] if "doc_kind" in reports.columns else None
        zh = zh if isinstance(zh, str) and zh in ("预算", "决算") else None
        if zh is None and kind not in KIND_ZH and not has and {"year", "department"} <= set(reports.columns):
            kind = doc_kind_of(reports["year"].iloc[i], reports["department"].iloc[i])
        out.append(zh or KIND_ZH.get(kind, "决算"))
    return out


def departments(links) -> list[str]:
    """Department keys: those with more than one document first, then by name."""
    d = links.link_documents
    if not len(d):
        return []
    n = d.groupby("dept_key", sort=False).size()
    return sorted(n.index, key=lambda k: (-int(n[k]), str(k)))


def _docs(links, key) -> pd.DataFrame:
    d = links.link_documents
    return keep(d, [k == key for k in d.dept_key]).sort_values(["year", "doc_kind_zh"])


def name(links, key) -> str:
    d = _docs(links, key)
    return str(d.department_name.iloc[0]) if len(d) else str(key)


def overview_text(links) -> str:
    """One sentence on all departments: how many, how many linked, documents of each kind."""
    d = links.link_documents
    if not len(d):
        return "data/clean 中还没有任何报告（先运行 make data），无从链接。"
    keys = departments(links)
    multi = [k for k in keys if (d.dept_key == k).sum() > 1]
    kinds = doc_kind_zh(d)
    text = (f"data/clean 中共有 {len(d)} 份文件（预算 {kinds.count('预算')} 份、决算 {kinds.count('决算')} 份），"
            f"按文件所写的部门名称归为 {len(keys)} 个部门；")
    if multi:
        listed = "、".join(name(links, k) for k in multi[:NAMED])
        text += (f"其中 {len(multi)} 个部门有两份以上文件，可以互相核对：" + listed
                 + ("等（见下表）。" if len(multi) > NAMED else "。"))
    else:
        text += "没有一个部门有两份以上文件：本章只能列出各部门的一份文件，并说明缺少什么。"
    return text


def documents_text(links, key) -> str:
    """Which documents the department has, which are 预算 and which 决算, and the link note."""
    d = _docs(links, key)
    kinds = doc_kind_zh(d)
    levels = (list(d.doc_level) if "doc_level" in d.columns else [""] * len(d))
    units = "单位" in levels        # a department with its unit's document: name the level of each
    parts = [f"{int(y)}年{(lv if units and lv in ('部门', '单位') else '')}{k}（文件夹 {dep}）"
             for y, k, lv, dep in zip(d.year, kinds, levels, d.department)]
    notes = list(dict.fromkeys(str(n) for n in d.note if isinstance(n, str) and n))
    return (f"**{name(links, key)}** 有 {len(d)} 份文件：" + "、".join(parts) + "。"
            + "".join(f"\n\n- {n}" for n in notes))


def series_table(links, key) -> pd.DataFrame:
    """The department's totals by year and document: 年度, 文件, 本年收入合计, 本年支出合计 (元)."""
    s = links.department_series
    s = keep(s, [k == key and m in ("income_total", "expenditure_total") for k, m in zip(s.dept_key, s.measure)])
    if not len(s):
        return pd.DataFrame(columns=["year", "doc_kind_zh", "income_total_yuan", "expenditure_total_yuan"])
    s = s.assign(doc_kind_zh=doc_kind_zh(s))
    wide = s.pivot_table(index=["year", "doc_kind_zh"], columns="measure", values="amount_yuan", aggfunc="first")
    wide = wide.reindex(columns=["income_total", "expenditure_total"])
    wide.columns = ["income_total_yuan", "expenditure_total_yuan"]
    return wide.reset_index()


def series_figure(links, key):
    """本年支出合计 by year, one bar per document (预算 / 决算), with the function classes stacked;
    None when there is nothing to draw."""
    s = links.department_series
    s = keep(s, [k == key and str(m).startswith("class:") for k, m in zip(s.dept_key, s.measure)])
    if not len(s) or not any(_f(v) > 0 for v in s.amount_yuan):
        return None
    s = s.assign(doc_kind_zh=doc_kind_zh(s))
    docs = sorted({(int(y), k) for y, k in zip(s.year, s.doc_kind_zh)})
    classes = list(dict.fromkeys(s.sort_values("amount_yuan", ascending=False).label))
    colors = plt.get_cmap("tab20").colors
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(docs) + 3), 4.2))
    bottoms = [0.0] * len(docs)
    for ci, c in enumerate(classes):
        vals = []
        for y, k in docs:
            part = s[(s.year == y) & (s.doc_kind_zh == k) & (s.label == c)]
            vals.append(_f(part.amount_yuan.iloc[0]) / 10000 if len(part) else 0.0)
        ax.bar(range(len(docs)), vals, bottom=bottoms, color=colors[ci % len(colors)], label=str(c)[:12], width=0.6)
        bottoms = [b + v for b, v in zip(bottoms, vals)]
    ax.grid(axis="x", visible=False)
    ax.set_xticks(range(len(docs)), [f"{y}年\n{k}" for y, k in docs])
    for i, (y, k) in enumerate(docs):
        ax.get_xticklabels()[i].set_color(KIND_COLORS.get(k, "#333333"))
    ax.yaxis.set_major_formatter(yuan_formatter("万元", places=0))
    ax.set_ylabel("本年支出（万元）")
    ax.set_title(f"{name(links, key)}：各年度预算与决算的支出（按功能分类·类）")
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    source_note(fig, "预算：支出预算总表（预算03）；决算：支出决算表（公开03）或收入支出决算总表（公开01）")
    fig.tight_layout()
    return fit_canvas(fig)


def budget_actual(links, key, basis: str | None = None) -> pd.DataFrame:
    ba = links.link_budget_actual
    return keep(ba, [k == key and (basis is None or b == basis) for k, b in zip(ba.dept_key, ba.basis)])


def budget_actual_text(links, key) -> str:
    """What the budget-against-actual link shows (or why there is none)."""
    out = []
    for basis, label in BASIS_ZH.items():
        ba = budget_actual(links, key, basis)
        if not len(ba):
            continue
        for y in sorted({int(v) for v in ba.year}):
            part = ba[ba.year == y]
            both = part[[num(b) is not None and num(a) is not None for b, a in zip(part.budget_yuan, part.actual_yuan)]]
            top = both[[len(str(c)) == (3 if basis == "all_funds" else 7) for c in both.code]]
            b = sum((num(v) for v in top.budget_yuan), start=num(0))
            a = sum((num(v) for v in top.actual_yuan), start=num(0))
            rate = (a / b) if b else None
            out.append(f"{y}年（{label}）：{len(part)} 个科目，"
                       + (f"按{'类' if basis == 'all_funds' else '项'}合计预算 {fmt_wan(b)} 万元、"
                          f"{'决算' if basis == 'all_funds' else '执行数'} {fmt_wan(a)} 万元，完成 {fmt_pct(rate)}"
                          if rate is not None else "没有两边都有金额的科目")
                       + f"；{part.budget_doc.iloc[0]} 对 {part.actual_doc.iloc[0]}。")
    if not out:
        return "没有同一年度的预算与决算（或次年预算所说的执行数）可以对照，无法计算预算完成情况。"
    return "\n\n".join(out)


def budget_actual_view(links, key) -> pd.DataFrame:
    """Display rows: 口径, 年度, 科目, 预算, 决算/执行数, 完成率, 说明 (类 rows for all funds, 项 otherwise)."""
    ba = links.link_budget_actual
    ba = keep(ba, [k == key for k in ba.dept_key])
    cols = ["basis_zh", "year", "code", "name", "budget_yuan", "actual_yuan", "difference_yuan", "completion_rate",
            "note"]
    if not len(ba):
        return pd.DataFrame(columns=cols)
    ba = ba.assign(basis_zh=["全部资金" if b == "all_funds" else "次年所说执行数" for b in ba.basis],
                   note=[n if isinstance(n, str) else "" for n in ba.note])
    return ba[cols].reset_index(drop=True)


def budget_actual_figure(links, key):
    """Completion rate by code (类 for all funds, 项 for stated execution); None if none."""
    ba = links.link_budget_actual
    ba = keep(ba, [k == key and num(r) is not None and (len(str(c)) == 3 if b == "all_funds" else True)
                   for k, r, c, b in zip(ba.dept_key, ba.completion_rate, ba.code, ba.basis)])
    if not len(ba):
        return None
    ba = ba.sort_values(["basis", "year", "code"])
    labels = [f"{int(y)} {str(n)[:10]}（{c}）" for y, n, c in zip(ba.year, ba.name, ba.code)]
    rates = [_f(r) * 100 for r in ba.completion_rate]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(ba) + 1.6))
    ax.barh(range(len(ba)), rates, color=["#1b9e77" if b == "all_funds" else "#7570b3" for b in ba.basis])
    ax.axvline(100, color="#666666", lw=0.8, ls="--")
    ax.set_yticks(range(len(ba)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("决算（或执行数）÷ 预算（%）")
    ax.set_title(f"{name(links, key)}：预算与实际（绿：全部资金·类；紫：次年所说执行数·项）")
    source_note(fig, "同一部门的预算与决算文件，本套件链接（link_budget_actual）")
    fig.tight_layout()
    return fit_canvas(fig)


UNIT_CHECKS = ("link_unit_equal", "link_unit_at_least")
RELATION_ZH = {"equal": "部门只有一个单独编制的单位：部门的数字应等于单位的数字",
               "at_least": "部门的数字包括其各单位：应不小于单位的数字"}


def _unit_rows(links, key) -> pd.DataFrame:
    """The link_units rows of a department: its units (dept_key) and, for a unit's own group, the unit
    itself (its department may not be in the data)."""
    u = getattr(links, "link_units", None)
    if u is None or not len(u):
        return pd.DataFrame()
    mine = set(_docs(links, key).department)
    return keep(u, [k == key or d in mine for k, d in zip(u.dept_key, u.unit_department)])


def units_text(links, key) -> str:
    """The department and the documents of its own units (单位预算 / 单位决算), one sentence a unit;
    '' when the department has no unit document."""
    u = _unit_rows(links, key)
    if not len(u):
        return ""
    out = []
    for r in u.itertuples():
        if not isinstance(r.department, str) or not r.department:
            out.append(str(r.note))
            continue
        n, bad = int(num(r.compared) or 0), int(num(r.disagree) or 0)
        stated = (f"部门文件的“机构设置”列出 {int(num(r.units_stated))} 个单位，其中单独编制{r.doc_kind_zh}的 "
                  f"{int(num(r.units_separate))} 个" if num(r.units_stated) is not None else "部门文件中没有读到所属单位的清单")
        where = f"（单位在清单中的位置：{r.unit_location}）" if isinstance(r.unit_location, str) and r.unit_location else ""
        out.append(f"{int(r.year)}年{r.doc_kind_zh}：单位文件 {r.unit_department}（{r.unit_name}）与部门文件 {r.department} "
                   f"相互核对。{stated}{where}，{RELATION_ZH.get(r.relation, '')}。共核对 {n} 项（收支总计、财政拨款、"
                   f"按功能分类的各科目、“三公”经费和机关运行经费），"
                   + ("全部一致。" if not bad else f"{bad} 项不符，逐条列在下面的核对发现中。"))
    return "\n\n".join(out)


def units_view(links, key, totals_only: bool = False) -> pd.DataFrame:
    """Display rows of the department-against-unit comparisons: 内容, 部门文件 and its amount, 单位文件 and
    its amount, 差额, 是否符合; ``totals_only``: without the function codes."""
    c = links.link_comparisons
    c = keep(c, [k == key and ch in UNIT_CHECKS and (not totals_only or ":func:" not in str(s))
                 for k, ch, s in zip(c.dept_key, c.check, c.subject)])
    cols = ["label", "left_doc", "left_yuan", "right_doc", "right_yuan", "difference_yuan", "agrees"]
    return c[cols].reset_index(drop=True) if len(c) else pd.DataFrame(columns=cols)


def comparisons_text(links, key) -> str:
    c = links.link_comparisons
    c = keep(c, [k == key and ch not in UNIT_CHECKS for k, ch in zip(c.dept_key, c.check)])
    if not len(c):
        return "两份文件之间没有可以互相核对的数字（需要同一年的预算与决算，或相邻年度的两份文件）。"
    ok = int((c.agrees == "是").sum())
    return (f"两份文件说同一笔钱的地方共 {len(c)} 处（年初预算、上年预算、上年执行数、“三公”经费预算），"
            f"其中 {ok} 处一致（允许万元取整的差额），{len(c) - ok} 处不一致。")


def findings_view(links, key) -> pd.DataFrame:
    f = links.link_findings
    f = keep(f, [k == key for k in f.dept_key])
    return pd.DataFrame({"严重程度": [SEVERITY_ZH.get(s, s) for s in f.severity], "年度": list(f.year),
                         "发现": list(f.message)})


def show(fig) -> None:
    """Show a figure inside a loop once (displayed, then closed so the cell does not show it again);
    nothing for None."""
    if fig is None:
        return
    from IPython.display import display
    display(fig)
    plt.close(fig)


def comparisons_view(links, key) -> pd.DataFrame:
    """Display rows of every comparison of two documents: 内容, 文件甲 and its amount, 文件乙 and its
    amount, 差额, 是否一致."""
    c = links.link_comparisons
    c = keep(c, [k == key and ch not in UNIT_CHECKS for k, ch in zip(c.dept_key, c.check)])
    cols = ["label", "left_doc", "left_yuan", "right_doc", "right_yuan", "difference_yuan", "agrees"]
    return c[cols].reset_index(drop=True) if len(c) else pd.DataFrame(columns=cols)
