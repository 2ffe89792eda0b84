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
#   title: "\u90E8\u95E8\uFF1A\u9884\u7B97\u4E0E\u51B3\u7B97"
# ---

# %% [markdown]
# # 各部门的预算与决算：同一部门的文件互相对照

# %% tags=["parameters", "remove-cell"]
years = []  # empty: every year in data/clean
departments = []  # empty: every department (a folder name such as ptczj, or the department's name)
most_departments = 30  # departments shown in detail; more: a table of all, and the detail of those with findings first

# %% tags=["remove-cell"]
import helpers as h
from juesuan import linkview as lv

h.setup()
L = h.load_links(exact=True)  # data/clean/panel/links/ (computed from data/clean when absent); exact Decimal
keys = [k for k in lv.departments(L)
        if not departments or k in departments
        or set(L.link_documents[L.link_documents.dept_key == k].department) & set(departments)]
if years:
    keys = [k for k in keys if set(L.link_documents[L.link_documents.dept_key == k].year) & set(years)]

# %%
h.md(lv.overview_text(L))
h.md("同一部门每年公开两份文件：年初的**部门预算**（预算）和次年的**部门决算**（决算）。本章按文件所写的部门名称把它们归到一起"
     "（文件夹名只作参考），对照同一笔钱在两份文件中的说法：决算所说的年初预算与当年预算；预算所说的上年预算、上年执行数"
     "与上年的文件；同一年度的支出预算与支出决算（按功能分类科目，全部资金）。部门的文件还与其所属单位同一年度的"
     "**单位预算**（单位决算）对照：部门只有一个单独编制预算的单位时，两者的数字应当相同；否则部门的数字不小于单位的数字。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(L.link_documents[["dept_key", "year", "department", "doc_kind", "group_documents"]].to_string(index=False))

# %%
shown, rest = lv.detailed(L, keys, most_departments)
if len(keys) > lv.NAMED:
    h.details(h.table(lv.department_table(L, keys),
                      labels={"department_name": "部门", "documents": "文件", "years": "年度",
                              "compared": "互相核对（处）", "disagree": "不一致（处）", "findings": "发现（条）"}),
              f"{len(keys)} 个部门一览（点击展开）")
if rest:
    h.md(f"部门较多（{len(keys)} 个），下面只逐个展开 {len(shown)} 个部门的详细对照（有发现的部门优先，发现多的在前）；"
         f"其余 {len(rest)} 个部门的文件数、核对数和发现数见上表。要看某个部门的详细对照，"
         "以参数 departments（部门名称或文件夹名）运行本章。")
for k in shown:
    h.md(f"## {lv.name(L, k)}")
    h.md(lv.documents_text(L, k))
    st = lv.series_table(L, k)
    if len(st):
        display(h.table(st, labels={"year": "年度", "doc_kind_zh": "文件", "income_total_yuan": "本年收入合计（元）",
                                    "expenditure_total_yuan": "本年支出合计（元）"}))
    lv.show(lv.series_figure(L, k))
    ut = lv.units_text(L, k)
    if ut:
        h.md("**部门与所属单位。** " + ut)
        unit_labels = {"label": "内容", "left_doc": "部门文件", "left_yuan": "部门（元）", "right_doc": "单位文件",
                       "right_yuan": "单位（元）", "difference_yuan": "差额（元）", "agrees": "符合"}
        uv = lv.units_view(L, k, totals_only=True)
        if len(uv):
            display(h.table(uv, labels=unit_labels))
        uv = lv.units_view(L, k)
        if len(uv):
            h.details(h.table(uv, labels=unit_labels), f"部门与单位逐项核对，含各功能科目（{len(uv)} 项）")
    h.md("**预算与实际。** " + lv.budget_actual_text(L, k))
    lv.show(lv.budget_actual_figure(L, k))
    ba = lv.budget_actual_view(L, k)
    if len(ba):
        h.details(h.table(ba, labels={"basis_zh": "口径", "year": "年度", "code": "科目编码", "name": "科目名称",
                                      "budget_yuan": "预算数（元）", "actual_yuan": "决算数/执行数（元）",
                                      "difference_yuan": "差额（元）", "completion_rate": "完成率", "note": "说明"}),
                  f"逐科目的预算与实际（{len(ba)} 行）")
    h.md("**两份文件互相核对。** " + lv.comparisons_text(L, k))
    cv = lv.comparisons_view(L, k)
    if len(cv):
        h.details(h.table(cv, labels={"label": "内容", "left_doc": "文件甲", "left_yuan": "文件甲（元）",
                                      "right_doc": "文件乙", "right_yuan": "文件乙（元）", "difference_yuan": "差额（元）",
                                      "agrees": "一致"}),
                  f"逐项核对（{len(cv)} 处）")
    fv = lv.findings_view(L, k)
    if len(fv):
        display(h.table(fv))

# %% [markdown]
# ## 方法说明

# %%
h.md("部门按文件封面和表头所写的名称归并（去掉空格、全角半角统一，并按 src/juesuan/data/department_names.csv 的规则："
     "例如“上海市普陀区人民政府万里街道办事处”与“上海市普陀区万里街道办事处”是同一部门）；文件没有写名称时，"
     "文件夹名（去掉 -yusuan）只在能唯一对应一个部门时采用。两份文件的数字之差不超过取整容差（以万元两位小数写出的一方"
     "按 0.01 万元的一半计）视为一致。决算的年初预算与同年预算不一致记为错误；后一年预算所说的上年预算不一致记为警告"
     "（可能按可比口径调整过）；上年执行数与决算不一致记为提示（执行数写在决算编成之前）。完成率 = 决算（或执行数）÷ 预算，"
     "以精确小数计算，四舍五入到百万分之一。部门与单位：单位文件按它所写的名称，与同一年度、同一类型的部门文件相连——"
     "部门文件在“机构设置”（或“单位构成”）中列出该单位，或单位就是部门本部（名称相同）；清单中注明“不单列预算”的单位"
     "不计为单独编制预算的单位。对照收支总计、本年收支合计、基本支出和项目支出、财政拨款收支总计、一般公共预算财政拨款支出、"
     "支出预算表（预算03）和一般公共预算支出表（预算05）的每一个功能科目、“三公”经费各项和机关运行经费；不符记为错误，"
     "并写明两份文件各自的页和行。所属部门的文件不在数据中的单位只作说明。")
