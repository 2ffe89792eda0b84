# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution,-ExecuteTime,-trusted
#     formats: ipynb,py:percent
#     notebook_metadata_filter: title,-papermill,-widgets
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (juesuan)
#     language: python
#     name: python3
#   title: "\u6536\u652F\u603B\u89C8"
# ---

# %% [markdown]
# # 收支总览

# %% tags=["parameters", "remove-cell"]
year = 2022
department = "nxgxt"

# %% tags=["remove-cell"]
import helpers as h
from juesuan import analysis as an, figures as fg

h.setup()
d = h.load(year, department, exact=True)  # exact Decimal amounts: the prose states sums to the fen

# %%
# NBVAL_CHECK_OUTPUT
budget = an.is_budget(d)
T1, T3, T4 = ("预算01", "预算03", "预算04") if budget else ("公开01", "公开03", "公开04")
inc = an.income_by_source(d.line_items, T1)
tot = an.year_totals(d.line_items, T1)
grand, total_in, total_out = tot["grand_total"], tot["income_total"], tot["expenditure_total"]
top = inc.sort_values("amount_yuan", ascending=False).iloc[0] if len(inc) else None
if budget:
    h.md((f"""{d.year}年度{d.name}部门预算：收入预算总计 **{h.wan(grand)} 万元**，其中本年收入预算 **{h.wan(total_in)} 万元**，
本年支出预算 **{h.wan(total_out)} 万元**。""" if an.has_table(d, T1) and grand is not None else an.table_note(d, T1)
          or "收支预算总表没有收入预算总计。")
         + (f"收入预算以{top.source}为主，占本年收入预算的 **{h.pct(top.share)}**。" if top is not None else "")
         + "预算报告只有预算数，没有决算数。")
else:
    h.md((f"""{d.year}年度{d.name}收入总计 **{h.wan(grand)} 万元**，其中本年收入合计 **{h.wan(total_in)} 万元**，
本年支出合计 **{h.wan(total_out)} 万元**。""" if an.has_table(d, "公开01") else an.table_note(d, "公开01"))
         + (f"收入以{top.source}为主，占本年收入的 **{h.pct(top.share)}**。" if top is not None else ""))

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print({"income_total": str(total_in), "expenditure_total": str(total_out), "grand_total": str(grand)})

# %% [markdown]
# ## 收入构成

# %%
fig = fg.income_sources(d)
if fig is None:
    h.md(an.table_note(d, T1) or "本报告没有可以分解的本年收入。")

# %%
if len(inc):
    display(h.table(inc, labels={"source": "收入来源", "amount_yuan": "金额（元）", "share": "占比"}))

# %% [markdown]
# ## 支出：按功能分类（类 → 款 → 项）

# %%
cls = an.expenditure_by_class(d.line_items, T3)
bp = an.basic_vs_project(d.line_items, T3)
if an.has_table(d, T3) and len(cls):
    h.md(f"""本年支出{'预算' if budget else ''}按功能分类共涉及 {len(cls)} 个类，最大的是**{cls.iloc[0]['name']}**（{h.wan(cls.iloc[0]['amount_yuan'])} 万元，
占 {h.pct(cls.iloc[0]['share'])}）。基本支出 {h.wan(bp['basic_yuan'])} 万元（{h.pct(bp['basic_share'])}），
项目支出 {h.wan(bp['project_yuan'])} 万元（{h.pct(bp['project_share'])}）。""")
    fig = fg.expenditure_by_class(d)
else:
    h.md(an.table_note(d, T3) or f"{an.table_titles().get(T3, T3)}没有按功能分类的科目行。")

# %%
t3 = d.line_items[(d.line_items.table == T3) & (d.line_items.code.fillna("") != "")]
if len(t3):
    wide = t3.pivot_table(index=["code", "level", "row"], columns="column", values="amount_yuan", aggfunc="first").reset_index()
    cols = [c for c in ["code", "level", "row", "total", "basic", "project"] if c in wide.columns]
    h.details(h.table(wide[cols], yuan_cols=["total", "basic", "project"],
              labels={"code": "科目编码", "level": "级次", "row": "科目名称", "total": "本年支出合计（元）",
                      "basic": "基本支出（元）", "project": "项目支出（元）"}),
              f"{an.table_titles().get(T3, T3)}（{T3}）全部 {len(wide)} 个科目（点击展开）", open_=len(wide) <= 12)

# %%
# NBVAL_CHECK_OUTPUT
h.md(an.section(d, "02", "carryover"))
if budget:
    cb = an.first_cell(d.line_items, T1, "carryover", side="收入")       # 上年结转 (预算01)
    h.md((f"本年预算安排使用上年结转 {h.wan(cb)} 万元。" if an.num(cb) else "收支预算总表没有列出上年结转。")
         + "结转下年的数额在年度终了后才知道，由部门决算列出。")
else:
    cb = d.cell("公开01", "carryover_begin", side="收入")
    ce = d.cell("公开01", "carryover_end", side="支出")
    fcb = d.cell("公开04", "carryover_begin", side="收入")
    fce = d.cell("公开04", "carryover_end", "total", side="支出")
    h.md((f"年初结转和结余 {h.wan(cb)} 万元，年末结转和结余 {h.wan(ce)} 万元（{an.change_word(ce, cb)}）；"
          if cb is not None or ce is not None else an.table_note(d, "公开01") or "收入支出决算总表没有列出结转和结余。")
         + (f"其中财政拨款年初结转和结余 {h.wan(fcb)} 万元，年末 {h.wan(fce)} 万元。"
            if fcb is not None or fce is not None else an.table_note(d, "公开04") or "财政拨款收入支出决算总表没有列出结转和结余。"))

# %%
h.md(an.section(d, "02", "prior"))
if budget:
    ch = an.budget_totals(d.stated_facts, d.line_items)
    cmp_ = ch[ch.prior_budget_yuan.notna()] if len(ch) else ch
    fig = fg.budget_changes(d, which="totals")
    derived = int(cmp_.prior_source.str.startswith("推算").sum()) if len(cmp_) else 0
    h.md(("本年预算与上年预算的比较取自说明部分（“比上年预算增加/减少……”）："
          + "；".join(f"{r.label}预算 {h.wan(r.budget_yuan)} 万元" + an.vs_prior_budget(r.budget_yuan, r.prior_budget_yuan, r.change_yuan)
                     for r in cmp_.itertuples()) + "。"
          + (f"其中 {derived} 项的上年预算是由本年预算减去所述增减额推算的（标“推算”）。" if derived else "")
          + (f"说明部分另给出 {len(ch) - len(cmp_)} 项本年预算而没有与上年比较（见下表）。" if len(ch) > len(cmp_) else ""))
         if len(cmp_) else "说明部分没有给出收支总量与上年预算的比较（“比上年预算增加/减少……”）。"
         + (f"说明部分给出了 {len(ch)} 项本年预算（见下表）。" if len(ch) else ""))
    h.md("各项目与上年预算、上年预算执行数的逐项比较见下一章。")
    if len(ch):
        display(h.table(ch[["label", "budget_yuan", "prior_budget_yuan", "prior_source", "change_yuan", "change_rate"]],
                labels={"label": "项目", "budget_yuan": "本年预算（元）", "prior_budget_yuan": "上年预算（元）",
                        "prior_source": "上年预算来源", "change_yuan": "增减（元）", "change_rate": "增减率"}))
else:
    py = an.prior_year_view(d.prior_year)
    fig = fg.year_on_year(d) if len(py) else None
    if fig is None:
        h.md("报告说明部分没有给出可比的上年金额。")
    elif (py.source != "原文").any():
        h.md(f"其中 {(py.source != '原文').sum()} 项的上年数是由本年数减去说明部分所述的增减额推算的（标“推算”）。")

# %%
if not budget and len(py):
    display(h.table(py[["label", "prior_year", "prior_yuan", "source", "current_yuan", "change_yuan", "change_rate",
                        "stated_change_rate"]],
            labels={"label": "项目", "prior_year": "上年", "prior_yuan": "上年数（元）", "source": "上年数来源",
                    "current_yuan": "本年数（元）", "change_yuan": "增减（元）", "change_rate": "增减率（重算）",
                    "stated_change_rate": "增减率（原文）"}))
