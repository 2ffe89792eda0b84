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
#   title: "\u62A5\u544A\u5BF9\u6BD4"
# ---

# %% [markdown]
# # 各部门、各年度报告对比（预算与决算）

# %% tags=["parameters", "remove-cell"]
years = []  # empty: every year in data/clean/panel
departments = []  # empty: every department
completion_bands = None  # 完成率区间 [低, 高]；None：juesuan.method 的默认值（80%、120%）
pi1_bands = None  # PEFA PI-1 区间；None：默认值
most = 40  # 逐份列举和逐份画出的报告数上限；更多时正文概括、图中画金额最大的几份，其余见表

# %% tags=["remove-cell"]
import helpers as h
import pandas as pd
from juesuan import analysis as an, figures as fg, linkview as lv, messages_zh as mz, method

h.setup()
p = h.load_panel(years=years, departments=departments, exact=True)  # exact Decimal amounts
m = method.from_params(completion_bands, pi1_bands)

# %%
r = p.reports
r = r.assign(kind_zh=lv.doc_kind_zh(r))  # 预算 or 决算 (doc_kind; absent: 决算)
if len(r) <= most:
    h.md(f"本章把 {len(r)} 份报告放在一起比较（数据来自 data/clean/panel/，金额均已换算为元）：" + "；".join(
        f"{x.department_name}{x.year}年度{x.kind_zh}（本年支出 {h.wan(x.expenditure_total_yuan)} 万元，"
        + (f"原文单位{x.source_unit}，" if pd.notna(x.source_unit) and x.source_unit else "")
        + f"错误 {x.errors} 条、警告 {x.warnings} 条）" for x in r.itertuples()) + "。")
else:
    h.md(an.panel_reports_text(r) + "各报告见下表。")
rt = h.table(r[["year", "department_name", "kind_zh", "source_format", "income_total_yuan", "expenditure_total_yuan",
                "grand_total_yuan", "line_items", "errors", "warnings"]],
             labels={"year": "年度", "department_name": "部门", "kind_zh": "预算/决算", "source_format": "来源",
                     "income_total_yuan": "本年收入合计（元）",
                     "expenditure_total_yuan": "本年支出合计（元）", "grand_total_yuan": "收入总计（元）",
                     "line_items": "金额单元格", "errors": "错误", "warnings": "警告"})
if len(r) <= most:
    display(rt)
else:
    h.details(rt, f"{len(r)} 份报告一览（点击展开）")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(r[["year", "department", "income_total_yuan", "expenditure_total_yuan", "line_items"]].to_string(index=False))

# %% [markdown]
# ## 支出结构

# %%
names = an.report_labels(r)
sh = an.panel_class_shares(p.line_items)
fig = fg.panel_structure(p, most=most)
if len(sh):
    top = sh.sort_values("share", ascending=False, kind="stable").drop_duplicates(["year", "department"])
    top = top.assign(report=[names[(y, d_)] for y, d_ in zip(top.year, top.department)],
                     kind=[("预算" if str(t).startswith("预算") else "决算") for t in top.table])
    n_b = int((top.kind == "预算").sum())
    h.md(f"{len(top)} 份报告有按功能分类的支出（决算 {len(top) - n_b} 份取公开03表，预算 {n_b} 份取预算03表，没有预算03表的取预算05表）；"
         + (f"另有 {len(r) - len(top)} 份报告没有可读取的功能分类支出，图中未列出。" if len(r) > len(top) else "")
         + "每份报告最大的一类：")
    h.details(h.table(top.sort_values(["kind", "year"])[["report", "table", "name", "amount_yuan", "share"]],
                      labels={"report": "报告", "table": "表", "name": "最大的类", "amount_yuan": "金额（元）",
                              "share": "占比"}), f"{len(top)} 份报告的最大支出类（点击展开）", open_=len(top) <= 12)
else:
    h.md("这些报告都没有可读取的按功能分类的支出。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(sh.groupby(["year", "department", "table"]).size().to_string())

# %% [markdown]
# ## 预算执行

# %%
po = an.panel_outturn(p.budget_outturn, m)
if not len(po):
    h.md("这些报告都没有预算执行明细（部门预算只有预算数，没有决算数和完成率），本节无可比较的内容。")
elif len(po) <= most:
    h.md("；".join(f"{p.label(x.year, x.department)}：{x['items']} 项，决算为年初预算的 {h.pct(x.rate)}（PI-1 区间 {x.pi1_band}）"
                  for _, x in po.iterrows()) + "。")
else:
    h.md(an.panel_outturn_text(po))
    h.details(h.table(po.assign(report=[p.label(y, d_) for y, d_ in zip(po.year, po.department)])[
        ["report", "items", "initial_budget_yuan", "actual_yuan", "rate", "pi1_band"]],
        labels={"report": "报告", "items": "项目数", "initial_budget_yuan": "年初预算（元）", "actual_yuan": "决算（元）",
                "rate": "决算/年初预算", "pi1_band": "PI-1 区间"}), f"{len(po)} 份决算的预算执行（点击展开）")
fig = fg.panel_completion(p, m, most=most)

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(po[["year", "department", "items", "rate", "pi1_band"]].to_string(index=False))

# %% [markdown]
# ## “三公”经费

# %%
sg = an.panel_sangong(p.sangong, p.line_items)
fig = fg.panel_sangong(p, most=most)
sg = sg.assign(report=[names[(y, d_)] for y, d_ in zip(sg.year, sg.department)])
h.md(f"{len(sg)} 份报告给出了“三公”经费（决算 {int((sg.kind == '决算').sum())} 份：预算数与决算数；"
     f"预算 {int((sg.kind == '预算').sum())} 份：预算07表的预算数）。"
     + (f"其余 {len(r) - len(sg)} 份报告没有可读取的“三公”经费合计，表中未列出。" if len(r) > len(sg) else ""))
if len(sg):
    st = h.table(sg[["report", "budget_yuan", "budget_text_yuan", "actual_yuan", "prior_yuan", "completion_rate",
                     "change_rate"]],
                 labels={"report": "报告", "budget_yuan": "预算数（表，元）", "budget_text_yuan": "预算数（说明，元）",
                         "actual_yuan": "决算数（元）", "prior_yuan": "上年决算（元）", "completion_rate": "完成率",
                         "change_rate": "较上年"})
    if len(sg) <= most:
        display(st)
    else:
        h.details(st, f"{len(sg)} 份报告的“三公”经费（点击展开）")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(sg[["year", "department", "kind", "budget_yuan", "actual_yuan"]].to_string(index=False))

# %% [markdown]
# ## 核对结果

# %%
c = p.checks
fails = an.checks_by_check(c, lambda y, d_: names.get((y, d_), p.label(y, d_)), mz.title)
if len(fails):
    n_rep = len({(y, d_) for y, d_, f in zip(c.year, c.department, c.failed) if an.num(f)})
    h.md(f"{n_rep} 份报告有未通过的核对，共 {len(fails)} 项核对、{int(fails.failed.sum())} 次。每行一项核对，列出未通过它的报告（及次数）：")
    display(h.table(fails, labels={"check": "核对", "reports": "报告数", "failed": "未通过次数", "which": "报告（次数）"}))
else:
    h.md("各报告的核对全部通过。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(fails[["reports", "failed"]].to_string(index=False))

# %% [markdown]
# ## 方法说明

# %%
h.md(m.note())
