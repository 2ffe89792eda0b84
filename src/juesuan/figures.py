"""Figures for the notebooks and reports.

Every function takes clean tables, returns a matplotlib Figure with a Chinese
title, units on the axes and a source note; amounts are drawn in 万元.  The tables may hold
exact ``Decimal`` values (``load(..., exact=True)``) or float64 (the default); values are
converted to float here, for drawing only.  Bands come from the method parameters ``m``
(:mod:`juesuan.method`; ``None``: the defaults).
"""
from __future__ import annotations

import matplotlib.pyplot as plt

from . import analysis
from . import method as _method
from .analysis import keep_rows as keep, num
from .plotting import fit_canvas, percent_formatter, place_labels, source_note, yuan_formatter

BAND_COLORS = {"low": "#d95f02", "mid": "#1b9e77", "high": "#7570b3", "none": "#999999"}
PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]


def _mm(m):
    return m if m is not None else _method.DEFAULT


def _band_colors(rates, m) -> list[str]:
    return [BAND_COLORS[_mm(m).band_kind(num(r))] for r in rates]


def _has(v) -> bool:
    return num(v) is not None


def _f(v) -> float:
    n = num(v)
    return float(n) if n is not None else float("nan")


def _wan(v) -> float:
    return _f(v) / 10000


def present(names, series) -> tuple[list[int], list[str]]:
    """Which categories a figure shows: the indexes of ``names`` that have a value in at least one
    of ``series`` (each a sequence of amounts aligned with ``names``; a stated zero is a value), and
    the names of the others — named in a note under the figure (:func:`absent_note`), never an
    empty place on the axis."""
    names = [analysis.clean_text(n) for n in names]
    shown = [i for i in range(len(names)) if any(_has(list(vals)[i]) for vals in series)]
    return shown, [n for i, n in enumerate(names) if i not in set(shown)]


def absent_note(names, why: str = "原文没有数值") -> str:
    """"图中未列出（原文没有数值）：A、B" for the categories a figure leaves out ("" when none)."""
    names = [n for n in names if n]
    if len(names) > 8:
        return f"图中未列出（{why}）：{'、'.join(names[:8])}等 {len(names)} 项。"
    return f"图中未列出（{why}）：{'、'.join(names)}。" if names else ""


def _grouped_bars(ax, names: list[str], series, unit_places: int = 0, values: bool = False) -> None:
    """Side-by-side vertical bars (one group per name, one bar per series) in 万元.  A stated zero is
    drawn as a "0" on the axis (a bar of height 0 would not be seen); a missing value draws nothing.
    ``values``: each bar's amount above it."""
    w = 0.8 / len(series)
    for i, (label, vals, color) in enumerate(series):
        xs = [x + (i - (len(series) - 1) / 2) * w for x in range(len(names))]
        ax.bar(xs, [_wan(v) for v in vals], width=w, label=label, color=color)
        for x, v in zip(xs, vals):
            n = num(v)
            if n is None:
                continue
            if n == 0 or values:
                ax.annotate(f"{_wan(v):,.{max(unit_places, 1) if n else 0}f}", (x, max(_wan(v), 0)),
                            xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=7,
                            color="#333333")
    ax.set_xticks(list(range(len(names))), names)
    ax.yaxis.set_major_formatter(yuan_formatter("万元", places=unit_places))
    ax.set_ylabel("金额（万元）")


def _signed(v: float, places: int = 1) -> str:
    """+12.3 / -4.5 / 0.0 (no "-0.0" or "+0.0" for an amount that rounds to zero)."""
    text = f"{v:+,.{places}f}"
    return text[1:] if text.lstrip("+-").strip("0.,") == "" else text


def _finish(fig, note: str, absent=(), why: str = "原文没有数值") -> plt.Figure:
    """Source note under the figure (and, on a line of its own, the categories ``absent`` from it:
    :func:`absent_note`), tight layout, the canvas cropped to what is drawn (a plain save then draws
    what a tight save would, once)."""
    extra = absent_note(absent, why)
    source_note(fig, note + ("\n" + extra if extra else ""))
    fig.tight_layout()
    fit_canvas(fig)
    # Nothing on screen needs this figure redrawn: a notebook's inline backend draws it afresh when it
    # saves it (print_figure).  Left stale, the interactive hook after the cell (Gcf.draw_all) would
    # draw it once more for nothing: a third of each chapter's drawing time.
    fig.stale = False
    return fig


def _src(d) -> str:
    return f"{d.name}{d.year}年度{analysis.doc_title(d)}"


def _short(name, n: int = 14) -> str:
    name = analysis.clean_text(name)       # a missing name is "", never "None" / "nan"
    return name if len(name) <= n else name[: n - 1] + "…"


def _item_label(code, name, n: int = 13) -> str:
    """"<code> <name>" of a budget item; the name alone when the item has no code."""
    code = analysis.clean_text(code).strip()
    return f"{code} {_short(name, n)}" if code else _short(name, n + 8)


def income_sources(d) -> plt.Figure:
    tid = "预算01" if analysis.is_budget(d) else "公开01"
    df = analysis.income_by_source(d.line_items, tid)
    if not len(df) or not any(_f(v) > 0 for v in df.amount_yuan):
        return None
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.barh(df.source, [_wan(v) for v in df.amount_yuan], color=PALETTE[: len(df)])
    for y, (v, s) in enumerate(zip(df.amount_yuan, df.share)):
        ax.text(_wan(v), y, f" {_wan(v):,.2f}（{_f(s) * 100:.2f}%）", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlabel("金额（万元）")
    ax.set_title(f"{d.year}年度本年收入{'预算' if tid.startswith('预算') else ''}构成（{tid}表）")
    ax.set_xlim(0, max(_wan(v) for v in df.amount_yuan) * 1.35 if len(df) else 1)
    return _finish(fig, _src(d) + f" {tid}表")


def expenditure_by_class(d) -> plt.Figure:
    li = d.line_items
    tid = "预算03" if analysis.is_budget(d) else "公开03"
    part = li[(li.table == tid) & (li.code.str.len() == 7)]
    rows = {}
    for code, col, amount in zip(part.code, part.column, part.amount_yuan):
        if col in ("basic", "project"):
            rows.setdefault(code[:3], {"basic": analysis.Z, "project": analysis.Z})[col] += num(amount) or analysis.Z
    by = analysis.expenditure_by_class(li, tid)
    if not len(by) or not any(_f(v) > 0 for v in by.amount_yuan):
        return None
    order = list(by.code)
    names = [_short(n.removesuffix("支出"), 12) for n in by.name]
    basic = [_wan(rows.get(c, {}).get("basic", 0)) for c in order]
    proj = [_wan(rows.get(c, {}).get("project", 0)) for c in order]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    ax.barh(names, basic, color=PALETTE[0], label="基本支出")
    ax.barh(names, proj, left=basic, color=PALETTE[1], label="项目支出")
    for y, (b, p, s) in enumerate(zip(basic, proj, by.share)):
        ax.text(b + p, y, f" {b + p:,.0f}（{_f(s) * 100:.1f}%）", va="center", fontsize=8.5)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlabel("金额（万元）")
    ax.set_xlim(0, max((b + p for b, p in zip(basic, proj)), default=1) * 1.3)
    ax.set_title(f"{d.year}年度支出{'预算' if tid.startswith('预算') else ''}按功能分类（类）：基本支出与项目支出（{tid}表）")
    ax.legend(loc="lower right", frameon=False)
    return _finish(fig, _src(d) + f" {tid}表")


def completion_rates(d, m=None) -> plt.Figure:
    m = _mm(m)
    low, high = (float(v) * 100 for v in m.completion_bands)
    df = analysis.outturn(d.budget_outturn, m)
    df = keep(df, [b != "none" and _has(r) for b, r in zip(df.basis, df.basis_rate)])
    if not len(df):
        return None
    full = list(df.basis == "full")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(df) + 1.4))
    labels = [_item_label(c, n) + ("（全年预算）" if f else "") for c, n, f in zip(df.code, df.name, full)]
    rates = [_f(r) * 100 for r in df.basis_rate]
    colors = [BAND_COLORS["none"] if f else c for f, c in zip(full, _band_colors(df.basis_rate, m))]
    ax.barh(labels, rates, color=colors)
    ax.axvline(100, color="#333333", lw=1, ls="--")
    ax.axvspan(low, high, color="#1b9e77", alpha=0.07)
    for y, r in enumerate(rates):
        ax.text(r, y, f" {r:.2f}%", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, max(rates + [high]) * 1.15)
    if all(full):
        ax.set_xlabel("完成全年预算的比例（决算数 ÷ 全年预算数；本报告没有年初预算）")
    else:
        ax.set_xlabel("完成年初预算的比例（决算数 ÷ 年初预算数）"
                      + ("；标“全年预算”的项目没有年初预算，按全年预算计" if any(full) else ""))
    ax.set_title(f"{d.year}年度一般公共预算财政拨款支出：各项目完成率（虚线为100%，阴影为{m.labels['mid']}）")
    kinds = [k for k in _method.BAND_KINDS if k != "none"]
    handles = [plt.Rectangle((0, 0), 1, 1, color=BAND_COLORS[k]) for k in kinds]
    names = [m.labels[k] for k in kinds]
    if any(full):
        handles.append(plt.Rectangle((0, 0), 1, 1, color=BAND_COLORS["none"]))
        names.append(_method.FULL_ONLY)
    ax.legend(handles, names, loc="upper right", frameon=True, fontsize=8)
    return _finish(fig, _src(d) + " 第三部分五(三)；公开05表")


def budget_vs_actual_amounts(d, m=None) -> plt.Figure:
    """Where the money moved: actual − initial budget per item, in 万元."""
    df = analysis.largest_deviations(d.budget_outturn, n=len(d.budget_outturn), m=m)
    df = keep(df, [abs(_f(v)) > 0 for v in df.movement_yuan])
    if not len(df):
        return None
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(df) + 1.4))
    labels = [_item_label(c, n) for c, n in zip(df.code, df.name)]
    vals = [_wan(v) for v in df.movement_yuan]
    ax.barh(labels, vals, color=[BAND_COLORS["none"] if b != "initial" else c
                                 for b, c in zip(df.basis, _band_colors(df.basis_rate, m))])
    ax.axvline(0, color="#333333", lw=0.8)
    for y, v in enumerate(vals):
        ax.text(v, y, f" {_signed(v)}" if v >= 0 else f"{_signed(v)} ", va="center",
                ha="left" if v >= 0 else "right", fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlabel("决算数 − 年初预算数（万元；没有年初预算的按全年预算计）" if "full" in set(df.basis)
                  else "决算数 − 年初预算数（万元）")
    lo, hi = min(vals + [0]), max(vals + [0])
    ax.set_xlim(lo * 1.5 - 10, hi * 1.25 + 10)
    ax.set_title(f"{d.year}年度预算与决算的差额（按金额排序，" + ("既无年初预算也无全年预算的项目按决算全额计）"
                 if "none" in set(df.basis) else "灰色为按全年预算计的项目）" if "full" in set(df.basis) else "按年初预算计）"))
    return _finish(fig, _src(d) + " 第三部分五(三)")


def rate_vs_amount(d, m=None) -> plt.Figure:
    m = _mm(m)
    low, high = (float(v) for v in m.completion_bands)
    df = analysis.with_basis(d.budget_outturn)
    df = keep(df, [_f(b) > 0 and _f(a) > 0 and k == "initial"
                   for b, a, k in zip(df.initial_budget_yuan, df.actual_yuan, df.basis)])
    if not len(df):
        return None
    fig, ax = plt.subplots(figsize=(7, 4.6))
    x = [_wan(v) for v in df.initial_budget_yuan]
    y = [_wan(v) for v in df.actual_yuan]
    ax.scatter(x, y, s=40, c=_band_colors(df.completion_rate, m), zorder=3)
    top = max(x + y) * 1.08
    ax.plot([0, top], [0, top], color="#333333", lw=1, ls="--", label="决算 = 预算")
    ax.fill_between([0, top], [0, top * low], [0, top * high], color="#1b9e77", alpha=0.07,
                    label=m.labels["mid"])
    ax.set_xscale("symlog", linthresh=100)
    ax.set_yscale("symlog", linthresh=100)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("年初预算数（万元，对数刻度）")
    ax.set_ylabel("决算数（万元，对数刻度）")
    ax.set_title(f"{d.year}年度完成率与金额：预算规模越大，偏离的金额越重要")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    _finish(fig, _src(d) + " 第三部分五(三)")
    # labels for the items outside the band, the largest deviations first; then the largest budgets
    keyed = sorted(range(len(x)), key=lambda i: (low <= _f(df.completion_rate.iloc[i]) <= high,
                                                 -abs(y[i] - x[i])))
    keyed = [i for i in keyed if not low <= _f(df.completion_rate.iloc[i]) <= high or x[i] > top * 0.3]
    place_labels(ax, [x[i] for i in keyed], [y[i] for i in keyed],
                 [f"{_short(df.name.iloc[i], 8)} {_f(df.completion_rate.iloc[i]) * 100:.0f}%" for i in keyed])
    return fig


def reason_categories(d) -> plt.Figure:
    bo = analysis.usable_outturn(d.budget_outturn)
    if not len(bo) or "reason_category" not in bo.columns:
        return None
    g = analysis.reason_groups(bo)
    if not len(g):
        return None
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(g) + 1.4))
    vals = [_wan(v) for v in g.movement_yuan]
    ax.barh([f"{c}（{n}项）" for c, n in zip(g.reason_category, g["items"])], vals,
            color=[PALETTE[i % len(PALETTE)] for i in range(len(g))])
    ax.axvline(0, color="#333333", lw=0.8)
    for y, v in enumerate(vals):
        ax.text(v, y, f" {_signed(v)}" if v >= 0 else f"{_signed(v)} ", va="center",
                ha="left" if v >= 0 else "right", fontsize=8.5)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlabel("决算数 − 年初预算数 合计（万元）")
    ax.set_title(f"{d.year}年度偏离原因（按报告所述原因归类）")
    lo, hi = min(vals + [0]), max(vals + [0])
    ax.set_xlim(lo * 1.6 - 10, hi * 1.3 + 10)
    return _finish(fig, _src(d) + " 第三部分五(三)")


def economic_classes(d) -> plt.Figure:
    if analysis.is_budget(d):
        return _budget_economic_classes(d)
    be = d.basic_expenditure
    shown, absent = present(be.name, [be.initial_budget_yuan, be.actual_yuan, be.prior_yuan])
    be = be.iloc[shown]
    if not len(be) or not any(_f(v) > 0 for v in list(be.actual_yuan) + list(be.initial_budget_yuan)):
        return None
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    _grouped_bars(ax, [_short(n, 10) for n in be.name],
                  [("年初预算数", be.initial_budget_yuan, PALETTE[2]), ("决算数", be.actual_yuan, PALETTE[0]),
                   (f"{d.year - 1}年决算数", be.prior_yuan, "#bbbbbb")])
    ax.set_title(f"{d.year}年度一般公共预算财政拨款基本支出：按经济分类（公开06表与说明）")
    ax.legend(frameon=False, fontsize=8)
    return _finish(fig, _src(d) + " 公开06表；第三部分六", absent)


def _budget_economic_classes(d) -> plt.Figure:
    ec = analysis.econ_classes(d.line_items, "预算06")
    shown, absent = present(ec.name, [ec.amount_yuan])
    ec = ec.iloc[shown]
    if not len(ec) or not any(_f(v) > 0 for v in ec.amount_yuan):
        return None
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(ec) + 1.4))
    vals = [_wan(v) for v in ec.amount_yuan]
    ax.barh([f"{c} {_short(n, 12)}" for c, n in zip(ec.code, ec.name)], vals, color=PALETTE[2])
    for y, v in enumerate(vals):
        ax.text(v, y, f" {v:,.2f}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlabel("预算数（万元）")
    ax.set_xlim(0, max(vals) * 1.25)
    ax.set_title(f"{d.year}年度一般公共预算基本支出预算：按经济分类（预算06表）")
    return _finish(fig, _src(d) + " 预算06表", absent)


def personnel_public(d) -> plt.Figure:
    pp = analysis.personnel_public(d.line_items, "预算06" if analysis.is_budget(d) else "公开06")
    parts = [("人员经费", pp["personnel_yuan"]), ("公用经费", pp["public_yuan"])]
    sizes = [_f(v) for _, v in parts]
    if not all(v == v and v >= 0 for v in sizes) or sum(sizes) <= 0:
        return None
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.pie(sizes, labels=[f"{n}\n{_wan(v):,.2f}万元" for n, v in parts], autopct="%1.1f%%",
           colors=[PALETTE[0], PALETTE[1]], startangle=90, counterclock=False,
           wedgeprops={"width": 0.45})
    tid = "预算06" if analysis.is_budget(d) else "公开06"
    ax.set_title(f"{d.year}年度基本支出{'预算' if analysis.is_budget(d) else ''}：人员经费与公用经费")
    return _finish(fig, _src(d) + f" {tid}表")


def sangong(d) -> plt.Figure:
    sg = d.sangong
    sg = sg[sg.category.isin(["abroad", "vehicle_purchase", "vehicle_operation", "reception", "total"])]
    budget = [b if _f(b) > 0 else t for b, t in zip(sg.budget_yuan, sg.budget_text_yuan)]
    if not any(_f(v) > 0 for v in list(budget) + list(sg.actual_yuan) + list(sg.prior_yuan)):
        return None
    shown, absent = present(sg.label, [budget, sg.actual_yuan, sg.prior_yuan])
    sg, budget = sg.iloc[shown], [budget[i] for i in shown]
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    _grouped_bars(ax, [_short(n, 9) for n in sg.label],
                  [("预算数", budget, PALETTE[2]), ("决算数", sg.actual_yuan, PALETTE[0]),
                   (f"{d.year - 1}年决算数", sg.prior_yuan, "#bbbbbb")], unit_places=1)
    ax.set_title(f"{d.year}年度财政拨款“三公”经费：预算、决算与上年对比")
    ax.legend(frameon=True, fontsize=8, loc="best")
    return _finish(fig, _src(d) + " 公开07表；第三部分七", absent)


def projects_scatter(d) -> plt.Figure:
    pr = analysis.project_quadrants(d.projects)
    pr = keep(pr, [_has(r) and _has(s) for r, s in zip(pr.execution_rate, pr.score)])
    if not len(pr):
        return None
    colors = {"执行好·自评高": PALETTE[0], "执行低·自评高": PALETTE[1], "执行好·自评低": PALETTE[2],
              "执行低·自评低": PALETTE[3]}
    fig, ax = plt.subplots(figsize=(8, 5))
    x = [_f(r) * 100 for r in pr.execution_rate]
    y = [_f(s) for s in pr.score]
    size = [max(20, min(400, _wan(v) / 2)) for v in pr.annual_budget_yuan]
    ax.scatter(x, y, s=size, c=[colors[q] for q in pr.quadrant], alpha=0.75, edgecolor="white", zorder=3)
    ax.axvline(80, color="#333333", lw=0.8, ls="--")
    ax.axhline(90, color="#333333", lw=0.8, ls="--")
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("预算执行率（全年执行数 ÷ 全年预算数，重新计算）")
    ax.set_ylabel("自评得分（分）")
    ax.set_xlim(-5, max(x + [100]) + 8)
    ax.set_ylim(min(y + [90]) - 3, 101.5)
    ax.set_title(f"{d.year}年度项目支出绩效：执行率与自评得分（点的大小为全年预算数，编号见项目表）")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c) for c in colors.values()]
    ax.legend(handles, list(colors), loc="lower right", frameon=False, fontsize=8)
    _finish(fig, _src(d) + " 第五部分 项目支出绩效自评表（金额单位万元已换算）")
    order = sorted(range(len(x)), key=lambda i: (x[i], y[i]))     # low execution first
    skipped = place_labels(ax, [x[i] for i in order], [y[i] for i in order],
                           [analysis.clean_text(pr.project_no.iloc[i]) for i in order], marker_px=4)
    if skipped:
        nos = sorted((pr.project_no.iloc[order[i]] for i in skipped), key=analysis.natural_key)
        ax.text(0.01, 0.02, "点太密未标编号：" + "、".join(analysis.clean_text(n) for n in nos) + "（见项目一览）", fontsize=7,
                color="#666666", transform=ax.transAxes, ha="left", va="bottom")
    return fig


def project_distributions(d) -> plt.Figure:
    pr = d.projects
    rates = [_f(r) * 100 for r in pr.execution_rate if _has(r)]
    scores = [_f(s) for s in pr.score if _has(s)]
    if not rates and not scores:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    axes[0].hist(rates, bins=[0, 20, 40, 60, 80, 90, 100, 110], color=PALETTE[0], edgecolor="white")
    axes[0].set_xlabel("预算执行率（%）")
    axes[0].set_ylabel("项目数（个）")
    axes[0].set_title("执行率分布")
    axes[1].hist(scores, bins=[80, 85, 90, 95, 98, 100.01], color=PALETTE[2], edgecolor="white")
    axes[1].set_xlabel("自评得分（分）")
    axes[1].set_title("自评得分分布")
    fig.suptitle(f"{d.year}年度{len(pr)}个项目的执行率与自评得分分布")
    return _finish(fig, _src(d) + " 第五部分")


def year_on_year(d) -> plt.Figure:
    py = analysis.prior_year_view(d.prior_year)
    py = keep(py, [_has(c) and _has(p) and _has(r) for c, p, r in zip(py.current_yuan, py.prior_yuan, py.change_rate)])
    if not len(py):
        return None
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(py) + 1.4))
    derived = [s != "原文" for s in py.source]
    labels = [_short(l, 16) + ("（推算）" if x else "") for l, x in zip(py.label, derived)]
    rates = [_f(r) * 100 for r in py.change_rate]
    ax.barh(labels, rates, color=[PALETTE[0] if r >= 0 else PALETTE[1] for r in rates])
    ax.axvline(0, color="#333333", lw=0.8)
    for y, (r, c, p) in enumerate(zip(rates, py.current_yuan, py.prior_yuan)):
        ax.text(r, y, f" {r:+.2f}%（{_wan(p):,.1f}→{_wan(c):,.1f}万元）" if r >= 0 else
                f"{r:+.2f}%（{_wan(p):,.1f}→{_wan(c):,.1f}万元） ", va="center",
                ha="left" if r >= 0 else "right", fontsize=7.5)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(percent_formatter())
    lo, hi = min(rates + [0]), max(rates + [0])
    ax.set_xlim(lo * 2.2 - 5, hi * 2.2 + 5)
    ax.set_xlabel(f"与{d.year - 1}年相比的变化（%）")
    ax.set_title(f"{d.year}年度与上年对比（上年数据取自说明部分"
                 + ("；标“推算”的上年数 = 本年数 − 所述增减额）" if any(derived) else "）"))
    return _finish(fig, _src(d) + " 第三部分")


def budget_changes(d, sangong: bool = False, which: str = "all") -> plt.Figure:
    """A budget report: this year's budget against the prior year's (stated, or derived as budget −
    stated change: marked 推算), per subject of the explanation; ``sangong``: only 三公 and
    机关运行经费; ``which``: "totals" (收入, 支出, 财政拨款 …), "items" (the items of the fiscal
    appropriation, the twelve that moved most) or "all".  A subject with neither amount is named in
    the note under the figure; a stated zero is drawn as 0."""
    if sangong:
        ch = analysis.budget_sangong(d)
    elif which == "totals":
        ch = analysis.budget_totals(d.stated_facts, d.line_items)
    elif which == "items":
        ch = analysis.budget_items(d.stated_facts, d.line_items)
        moved = analysis.largest_changes(ch, n=12)
        ch = moved if len(moved) else ch.head(12)
    else:
        ch = analysis.budget_changes(d.stated_facts, d.line_items)
    if not len(ch):
        return None
    # a comparison needs both years: a subject without its prior budget is named under the figure
    both = [i for i, (b, p) in enumerate(zip(ch.budget_yuan, ch.prior_budget_yuan)) if _has(b) and _has(p)]
    absent = [analysis.clean_text(n) for i, n in enumerate(ch.label) if i not in set(both)]
    if not both:
        return None
    ch = ch.iloc[both]
    if len(ch) > 12:
        absent += [analysis.clean_text(n) for n in ch.label.iloc[12:]]
        ch = ch.head(12)
    names = [_short(l, 10) + ("（推算）" if s.startswith("推算") else "") for l, s in zip(ch.label, ch.prior_source)]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    _grouped_bars(ax, names, [(f"{d.year - 1}年预算数", ch.prior_budget_yuan, "#bbbbbb"),
                              (f"{d.year}年预算数", ch.budget_yuan, PALETTE[2])], unit_places=1 if sangong else 0,
                  values=len(ch) <= 8)
    ax.tick_params(axis="x", labelrotation=20)
    what = ("“三公”经费和机关运行经费预算" if sangong else "各项目预算" if which == "items" else "收支预算" if which == "totals"
            else "预算")
    ax.set_title(f"{d.year}年度{what}与上年预算对比（上年预算取自说明部分）")
    ax.legend(frameon=False, fontsize=8)
    return _finish(fig, _src(d) + " 说明部分", absent, "说明部分没有给出上年预算或比上年的增减")


def budget_execution(d) -> plt.Figure:
    """A budget report, item by item: the prior year's execution (上年预算执行数) against this year's
    budget, with the change rate recomputed and (where it differs) the stated one."""
    it = analysis.budget_items(d.stated_facts, d.line_items)
    it = keep(it, [_has(p) for p in it.prior_execution_yuan]) if len(it) else it
    if not len(it):
        return None
    it = it.head(15)
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(it) + 1.6))
    labels = [_item_label(c, l.split("（")[0], 12) for c, l in zip(it.code, it.label)]
    y = list(range(len(it)))
    h = 0.38
    ax.barh([v - h / 2 for v in y], [_wan(v) for v in it.prior_execution_yuan], height=h, color="#bbbbbb",
            label=f"{d.year - 1}年预算执行数")
    ax.barh([v + h / 2 for v in y], [_wan(v) for v in it.budget_yuan], height=h, color=PALETTE[2],
            label=f"{d.year}年预算数")
    for k, r in enumerate(it.itertuples()):
        top = max(_wan(r.budget_yuan) if _has(r.budget_yuan) else 0, _wan(r.prior_execution_yuan))
        text = f" {_f(r.rate_vs_execution) * 100:+.2f}%" if _has(r.rate_vs_execution) else ""
        if r.rate_check == "不符":
            text += f"（原文 {_f(r.stated_rate_vs_execution) * 100:+.2f}%）"
        ax.text(top, k, text, va="center", fontsize=7.5, color="#d62728" if r.rate_check == "不符" else "#333333")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元"))
    ax.set_xlabel("金额（万元）；右侧为本年预算比上年执行数的增减率（重算）")
    ax.set_xlim(0, max(max(_wan(v) for v in it.prior_execution_yuan),
                       max((_wan(v) for v in it.budget_yuan if _has(v)), default=0)) * 1.45 or 1)
    ax.set_title(f"{d.year}年度各项目预算与上年预算执行数（说明部分逐项所述）")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return _finish(fig, _src(d) + " 说明部分")


def findings_overview(d) -> plt.Figure:
    f = d.findings
    if not len(f):
        return None
    f = f.assign(table=f.table.fillna("").astype(str).replace("", "（全文）"))
    order = ["error", "warning", "info"]
    labels = {"error": "错误", "warning": "警告", "info": "说明"}
    counts = f.groupby(["table", "severity"]).size().unstack(fill_value=0)
    for s in order:
        if s not in counts.columns:
            counts[s] = 0
    counts = counts[order]
    counts = counts.loc[sorted(counts.index, key=analysis.natural_key)]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(counts) + 1.4))
    left = [0] * len(counts)
    colors = {"error": "#d62728", "warning": "#ff7f0e", "info": "#7f7f7f"}
    for s in order:
        ax.barh(list(counts.index), counts[s], left=left, color=colors[s], label=labels[s])
        left = [a + b for a, b in zip(left, counts[s])]
    ax.invert_yaxis()
    ax.set_xlabel("发现数（条）")
    ax.set_title(f"{d.year}年度数据质量：各表/部分的核对发现")
    ax.legend(frameon=False, fontsize=8)
    return _finish(fig, "本套件对" + _src(d) + "的勾稽核对")


def pefa_outturn(d, stated_budget=None, stated_actual=None, m=None) -> plt.Figure:
    m = _mm(m)
    agg = analysis.aggregate_outturn(d.budget_outturn, stated_budget, stated_actual, m=m)
    if agg["rate"] is None:
        return None
    fig, ax = plt.subplots(figsize=(7, 2.2))
    rate = _f(agg["rate"]) * 100
    shades = ["#d9ead3", "#fff2cc", "#fce5cd", "#f4cccc"]
    bands = sorted(m.pi1_bands, key=lambda b: b[2] - b[1], reverse=True)  # widest first, narrowest on top
    left = min([70.0] + [float(lo) * 100 - 15 for _, lo, _ in bands] + [rate - 5])
    right = max([140.0] + [float(hi) * 100 + 25 for _, _, hi in bands] + [rate + 5])
    ax.axvspan(left, right, color=shades[-1])
    for i, (band, lo, hi) in enumerate(bands):
        ax.axvspan(float(lo) * 100, float(hi) * 100, color=shades[min(len(bands) - 1 - i, len(shades) - 2)])
    edges = [left] + sorted({float(v) * 100 for _, lo, hi in bands for v in (lo, hi)}) + [right]
    for lo, hi in zip(edges, edges[1:]):
        mid = (lo + hi) / 2
        if hi - lo >= (right - left) * 0.03:         # a label only where the band is wide enough
            ax.text(mid, 0.85, m.pi1_band(analysis.num(round(mid / 100, 6))), ha="center", fontsize=9,
                    transform=ax.get_xaxis_transform(), clip_on=True)
    ax.axvline(rate, color="#d62728", lw=2.5)
    ax.text(rate, 0.35, f" 本年 {rate:.2f}%", color="#d62728", transform=ax.get_xaxis_transform(), fontsize=9)
    ax.set_xlim(left, right)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("决算数 ÷ 年初预算数（一般公共预算财政拨款支出）")
    ax.set_title(f"{d.year}年度总体预算执行偏差与PEFA PI-1区间（单一年度，仅供参考）")
    return _finish(fig, _src(d) + " 第三部分五(三)")


# ------------------------------------------------------------------ several reports
PANEL_MOST = 40     # reports a panel figure draws one by one; more: the largest, the rest counted in the note


def _largest(weights: dict, most: int | None) -> tuple[set, str]:
    """The ``most`` keys of largest weight (all when there are no more; None: no bound) and the
    line the note under the figure gets for the rest ("" when none is left out): a figure of 1,000
    reports would be 50,000 pixels tall, near the 2^16 matplotlib can draw."""
    if most is None or len(weights) <= most:
        return set(weights), ""
    order = sorted(weights, key=lambda k: (-weights[k], k))
    return set(order[:most]), (f"报告较多（{len(weights)} 份），图中只画出金额最大的 {most} 份；"
                               f"其余 {len(weights) - most} 份的数字见表。")


def panel_structure(p, top: int = 7, most: int | None = PANEL_MOST) -> plt.Figure:
    """Each report's expenditure by function class as one 100% bar (a final account's 公开03, a
    budget's 预算03 or 预算05, named on its label): the ``top`` largest classes over all reports in
    colour, the rest as 其他; one bar per report — the ``most`` largest by expenditure when there
    are more, the rest counted in the note —, so any number of reports stays readable."""
    sh = analysis.panel_class_shares(p.line_items)
    if not len(sh):
        return None
    weights: dict = {}
    for y, d, v in zip(sh.year, sh.department, sh.amount_yuan):
        weights[(y, d)] = weights.get((y, d), 0.0) + _f(v)
    kept, left_out = _largest(weights, most)
    sh = sh[[(y, d) in kept for y, d in zip(sh.year, sh.department)]]
    reports = sorted(kept)
    totals: dict = {}
    for name, share in zip(sh.name, sh.share):
        totals[name] = totals.get(name, 0.0) + _f(share)
    classes = sorted(totals, key=lambda c: -totals[c])[:top]
    fig, ax = plt.subplots(figsize=(8.5, 0.38 * len(reports) + 2.0))
    tables = {}
    for i, (y, d) in enumerate(reports):
        part = sh[(sh.year == y) & (sh.department == d)]
        tables[(y, d)] = part.table.iloc[0]
        shares = dict(zip(part.name, (_f(v) * 100 for v in part.share)))
        left = 0.0
        for k, c in enumerate(classes + ["其他"]):
            v = shares.get(c, 0.0) if c != "其他" else sum(v for n, v in shares.items() if n not in classes)
            if v > 0:
                ax.barh(i, v, left=left, color=PALETTE[k % len(PALETTE)] if c != "其他" else "#dddddd",
                        label=_short(c.removesuffix("支出"), 10) if i == 0 or c not in ax.get_legend_handles_labels()[1] else None)
                if v >= 8:
                    ax.text(left + v / 2, i, f"{v:.0f}%", ha="center", va="center", fontsize=7, color="white"
                            if c != "其他" else "#333333")
                left += v
    names = analysis.report_labels(p.reports)
    ax.set_yticks(range(len(reports)), [f"{names.get((y, d), p.label(y, d))} {tables[(y, d)]}" for y, d in reports],
                  fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("占本年支出（预算）合计的比例（%）")
    ax.set_title("各报告支出结构：按功能分类（类）的占比（决算公开03表；预算03或预算05表）")
    handles, labels = ax.get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    ax.legend(list(seen.values()), list(seen), frameon=False, fontsize=7.5, ncol=4, loc="upper center",
              bbox_to_anchor=(0.5, -0.1 - 0.4 / max(1, len(reports))))
    return _finish(fig, "各报告 公开03表（决算）、预算03或预算05表（预算）；本套件汇总" + ("\n" + left_out if left_out else ""))


def panel_completion(p, m=None, most: int | None = PANEL_MOST) -> plt.Figure:
    """Each report's items as dots at their completion rates (one row a report; the ``most`` with
    the largest 年初预算 when there are more, the rest counted in the note)."""
    m = _mm(m)
    bo = p.budget_outturn
    bo = keep(bo, [_has(r) for r in bo.completion_rate])
    weights: dict = {}
    for y, d, v in zip(bo.year, bo.department, bo.initial_budget_yuan):
        weights[(y, d)] = weights.get((y, d), 0.0) + (_f(v) if _has(v) else 0.0)
    kept, left_out = _largest(weights, most)
    reports = sorted(kept)
    fig, ax = plt.subplots(figsize=(8, 0.9 * len(reports) + 1.6))
    for i, (y, d) in enumerate(reports):
        part = bo[(bo.year == y) & (bo.department == d)]
        xs = [_f(r) * 100 for r in part.completion_rate]
        ax.scatter(xs, [i] * len(xs), s=[max(15, min(300, _wan(v) / 3)) for v in part.initial_budget_yuan],
                   alpha=0.6, color=PALETTE[i % len(PALETTE)], edgecolor="white")
    ax.axvline(100, color="#333333", lw=1, ls="--")
    ax.axvspan(*(float(v) * 100 for v in m.completion_bands), color="#1b9e77", alpha=0.07)
    ax.set_yticks(range(len(reports)), [p.label(y, d) for y, d in reports])
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("完成年初预算的比例（点的大小为年初预算数）")
    ax.set_title("各报告的项目完成率分布（一般公共预算财政拨款支出）")
    ax.set_ylim(-0.6, len(reports) - 0.4)
    return _finish(fig, "各部门决算 说明部分五(三)；本套件汇总" + ("\n" + left_out if left_out else ""))


def panel_sangong(p, most: int | None = PANEL_MOST) -> plt.Figure:
    """The 三公 total of every report that states one: a final account's budget and actual, a
    budget's budget (预算07); a report without one is named in the note under the figure (the
    ``most`` largest budgets when more reports state one, the rest counted in the note)."""
    v = analysis.panel_sangong(p.sangong, p.line_items)
    everyone = sorted({(y, d) for y, d in zip(p.reports.year, p.reports.department)}) if len(p.reports) else []
    have = {(y, d) for y, d in zip(v.year, v.department)}
    names = analysis.report_labels(p.reports)
    absent = [names.get((y, d), p.label(y, d)) for y, d in everyone if (y, d) not in have]
    if not len(v):
        return None
    weights = {(y, d): max(_f(b) if _has(b) else 0.0, _f(t) if _has(t) else 0.0)
               for y, d, b, t in zip(v.year, v.department, v.budget_yuan, v.budget_text_yuan)}
    kept, left_out = _largest(weights, most)
    v = v[[(y, d) in kept for y, d in zip(v.year, v.department)]]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(v) + 1.8))
    w = 0.38
    for i, r in enumerate(v.itertuples()):
        budget = r.budget_yuan if _f(r.budget_yuan) > 0 else r.budget_text_yuan
        ax.barh(i - w / 2, _wan(budget), height=w, color=PALETTE[2], label="预算数" if i == 0 else None)
        if r.kind == "决算":
            ax.barh(i + w / 2, _wan(r.actual_yuan), height=w, color=PALETTE[0],
                    label="决算数" if "决算数" not in ax.get_legend_handles_labels()[1] else None)
        for off, val in ((-w / 2, budget), (w / 2, r.actual_yuan if r.kind == "决算" else None)):
            if _has(val):
                ax.text(_wan(val), i + off, f" {_wan(val):,.2f}", va="center", fontsize=7)
    ax.set_yticks(range(len(v)), [names.get((y, d), p.label(y, d)) for y, d in zip(v.year, v.department)], fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(yuan_formatter("万元", places=1))
    ax.set_xlim(0, max([_wan(x) for x in list(v.budget_yuan) + list(v.budget_text_yuan) + list(v.actual_yuan)
                        if _has(x)] + [0]) * 1.25 or 1)
    ax.set_xlabel("金额（万元）")
    ax.set_title("各报告财政拨款“三公”经费：预算与决算")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return _finish(fig, "决算 公开07表与说明部分；预算 预算07表；本套件汇总" + ("\n" + left_out if left_out else ""), absent)
