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
#   title: "\u6570\u636E\u8D28\u91CF"
# ---

# %% [markdown]
# # 数据质量：解析与勾稽核对

# %% tags=["parameters", "remove-cell"]
year = 2022
department = "nxgxt"

# %% tags=["remove-cell"]
import helpers as h
from juesuan import analysis as an, figures as fg, messages_zh as mz

h.setup()
d = h.load(year, department, exact=True)  # exact Decimal amounts: the prose states sums to the fen

# %%
li, f, c = d.line_items, mz.add_message_zh(d.findings), d.checks
sev = f.severity.value_counts()
budget = an.is_budget(d)
h.md(f"""本章说明从《{d.name}{d.year}年度{an.doc_title(d)}》原文中解析出了什么，以及对每一个数字所做的核对。

- {'预算公开表' if budget else '九张公开表'}共读取金额单元格 **{len(li)}** 个（其中由表内勾稽关系唯一确定而重建的 **{(li.status == 'reconstructed').sum()}** 个）；
""" + (f"""- 说明部分的陈述数字 **{len(d.stated_facts)}** 个（预算报告没有预算执行明细和项目支出绩效自评表）；
""" if budget else f"""- 说明部分的预算执行明细 **{len(d.budget_outturn)}** 项、陈述数字 **{len(d.stated_facts)}** 个；
- 项目支出绩效自评表 **{len(d.projects)}** 张，绩效指标 **{len(d.project_indicators)}** 行；
""") + f"""- 共 **{len(c)}** 类核对、**{c.run.sum()}** 次比对，其中 **{c.failed.sum()}** 次未通过；
  发现错误 **{sev.get('error', 0)}** 条、警告 **{sev.get('warning', 0)}** 条、说明 **{sev.get('info', 0)}** 条。

严重程度：**错误** = 勾稽关系超出舍入误差不成立；**警告** = 舍入量级的差异，或所述比率/得分与重新计算不一致；
**说明** = 重建、声明为空的表等记录。原文中的不一致是需要报告的发现，本套件不作修改。""")
lacks = an.missing_parts(d)
if lacks:
    h.md("**本报告缺少的内容**：" + "".join(lacks))

# %% [markdown]
# ## 报告本身：从原文读取的部门、年度与单位

# %%
ident = an.identity_rows(h.load_metadata(year, department))
if len(ident):
    h.md("部门名称、年度、编制范围和金额单位均从原文（封面、各部分标题、“单位：”行）读取；"
         "若报告目录中另有 metadata.json，则与之逐项核对（不一致即为错误）。")
    display(h.table(ident, labels={"field": "项目", "document": "原文所述", "where": "出处（页:行）",
                                   "metadata_json": "metadata.json 所给"}))
else:
    h.md("本报告的清洗数据中没有记录从原文读取的部门、年度与单位（请重新运行 `make data`）。")

# %% [markdown]
# ## 原文数字的去向：已读取与未读取

# %%
from juesuan.clean.ledger import coverage_table, ledger_by_reason

cov_zh = coverage_table(d.coverage)
if len(cov_zh):
    total = cov_zh.iloc[-1]
    h.md(f"原文（表格单元格、句中的金额与比率）共印出数字 **{total['原文数字']}** 个：已读取 **{total['已读取']}** 个"
         f"（读取率 {total['读取率']}，即清洗数据中的一个单元格或一条陈述数字，位置相同、数值相同），"
         f"未读取 **{total['未读取']}** 个。未读取的数字逐条列在 `unread.csv`（页:行、原文、原因），不参与任何核对："
         "读不出是本套件的局限，不是原文的错误。页码、年份、日期、编号、科目编码和计数不算金额（规则见 `data/ledger_rules.csv`）。")
    display(h.table(cov_zh))
    groups = ledger_by_reason(d.unread)
    if len(groups):
        h.md("未读取的数字按原因分组（每组列出前几处的页:行和原文数字）：")
        display(h.table(groups))
else:
    h.md("本报告的清洗数据中没有数字读取台账（请重新运行 `make data`）。")

# %% [markdown]
# ## 各表读取的单元格

# %%
per_table = (li.groupby(["table", "table_name"]).agg(cells=("amount_yuan", "size"),
             reconstructed=("status", lambda s: int((s == "reconstructed").sum()))).reset_index())
if len(per_table):
    display(h.table(per_table, labels={"table": "表", "table_name": "表名", "cells": "金额单元格", "reconstructed": "重建"}))
else:
    h.md(("预算公开表" if budget else "九张公开表") + "中没有读取到任何金额。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(per_table[["table", "cells", "reconstructed"]].to_string(index=False))
print("findings:", f.severity.value_counts().sort_index().to_dict())
print("checks run/failed:", int(c.run.sum()), int(c.failed.sum()))

# %% [markdown]
# ## 核对一览

# %%
fig = fg.findings_overview(d)

# %%
ct = c.assign(title=[mz.title(x) for x in c.check]).sort_values(["failed", "check"], ascending=[False, True])
failed = ct[ct.failed > 0]
h.md(f"共 {len(ct)} 类核对，其中 {len(failed)} 类有未通过的比对：" + "、".join(failed.title) + "。" if len(failed) else
     f"共 {len(ct)} 类核对，全部通过。")
h.details(h.table(ct[["title", "description", "run", "passed", "failed"]],
                  labels={"title": "核对", "description": "内容", "run": "运行", "passed": "通过", "failed": "未通过"}),
          f"全部 {len(ct)} 类核对一览（点击展开）")

# %% [markdown]
# ## 错误与警告（原文不一致之处）

# %%
issues = f[f.severity != "info"].copy()
issues["_o"] = issues.severity.map(mz.SEVERITY_ORDER)
issues = an.natural_sorted(issues, "table").sort_values("_o", kind="stable")
issues["line"] = issues.location.str.rsplit(":", n=1).str[-1]
h.md(f"共 {len(issues)} 条错误与警告，“行”为原文的行号（PDF 为页:行），可据此回到原文核查。" if len(issues) else
     "没有错误与警告。")
if len(issues):
    h.details(h.table(issues[["severity_zh", "table", "message_zh", "line"]],
                      labels={"severity_zh": "严重程度", "table": "表/部分", "message_zh": "发现", "line": "行"}),
              f"全部 {len(issues)} 条错误与警告（点击展开）", open_=len(issues) <= 15)

# %% [markdown]
# ## 重建与其他说明

# %%
notes = an.natural_sorted(f[f.severity == "info"], "table").copy()
notes["line"] = notes.location.str.rsplit(":", n=1).str[-1]
rec = li[li.status == "reconstructed"]
h.md("；".join(f"{r.table} {r.row} {r.column_label} 在提取中丢失，按表内勾稽关系唯一确定为 {h.yuan(r.amount_yuan)} 元"
              for r in rec.itertuples()) + "。" if len(rec) else "本报告没有需要重建的单元格。")
if len(notes):
    h.details(h.table(notes[["table", "check_title", "message_zh", "line"]],
                      labels={"table": "表/部分", "check_title": "类别", "message_zh": "说明", "line": "行"}),
              f"全部 {len(notes)} 条说明（点击展开）")

# %% [markdown]
# ## 审查清单

# %%
from juesuan import config
from juesuan.clean import checklist as cl

sheet = cl.read_json(config.clean_dir(year, department))
if sheet is None:
    h.md("本报告的清洗数据中没有审查清单（请重新运行 `make data`）。")
else:
    n = cl.counts(sheet)
    h.md(f"财政部门审查公开材料时，按公开模板逐项填写《公开情况检查表》。下表是本套件为本报告填写的检查表："
         f"共 **{len(sheet['rows'])}** 项，符合要求 **{n['是']}** 项、不符合 **{n['否']}** 项、"
         f"未核对 **{n['未核对']}** 项（本套件未能读到或无从核对的部分，须人工核对，不作“符合要求”）；"
         f"需要修改之处：错误 **{n['error']}** 条、警告 **{n['warning']}** 条、提示 **{n['info']}** 条。"
         f"可打印、签字的检查表见 `{config.rel(config.clean_dir(year, department))}/{cl.FILE_XLSX}`。")
    display(h.table(cl.status_frame(sheet)))

# %%
if sheet is not None:
    zh = {(r.check, r.location, r.message): r.message_zh for r in f.itertuples()}
    todo = cl.review_frame(sheet, zh)
    h.md("**需要修改之处**（错误 = 数字、勾稽关系、年度、部门或文种不可能正确；警告 = 措辞、旧科目名称、模板文字；"
         "提示 = 标点）。“页:行”可据此回到原文；“问题”写明错在哪里、数字应为多少。" if len(todo) else
         "**需要修改之处**：没有。")
    if len(todo):
        display(h.table(todo))

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print("checklist:", {k: v for k, v in cl.counts(sheet).items()} if sheet else None)
