"""Source of the notebooks in notebooks/ (cells as text, so diffs stay readable).

    python tools/build_notebooks.py          # write notebooks/NN-*.ipynb without outputs
    make notebooks                           # ... then execute them for 2022 (outputs committed)

Notebooks are thin: they load, call ``juesuan`` (via ``helpers``), show and tell.
Prose with numbers is generated from the data of the year being run.
A cell whose first line is ``# NBVAL_CHECK_OUTPUT`` is compared by nbval (--nbval-lax);
such cells are tagged ``remove-cell`` so they do not appear in the shared HTML.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"

PARAMS = 'year = 2022\ndepartment = "nxgxt"'
SETUP = """import helpers as h
from juesuan import analysis as an, figures as fg

h.setup()
d = h.load(year, department)"""


def md(text):
    return ("md", text.strip("\n"), [])


def code(text, *tags):
    return ("code", text.strip("\n"), list(tags))


def check(text):
    """A key-figure cell compared by nbval; hidden from readers."""
    return ("code", "# NBVAL_CHECK_OUTPUT\n" + text.strip("\n"), ["remove-cell"])


def header(title):
    return [md(f"# {title}"), code(PARAMS, "parameters", "remove-cell"), code(SETUP, "remove-cell")]


NOTEBOOKS = {}

NOTEBOOKS["01-data-quality"] = ("数据质量", header("数据质量：解析与勾稽核对") + [
    code('''
li, f, c = d.line_items, d.findings, d.checks
sev = f.severity.value_counts()
h.md(f"""本章说明从《{d.name}{d.year}年度部门决算》原文中解析出了什么，以及对每一个数字所做的核对。

- 九张公开表共读取金额单元格 **{len(li)}** 个（其中由表内勾稽关系唯一确定而重建的 **{(li.status == 'reconstructed').sum()}** 个）；
- 说明部分的预算执行明细 **{len(d.budget_outturn)}** 项、陈述数字 **{len(d.stated_facts)}** 个；
- 项目支出绩效自评表 **{len(d.projects)}** 张，绩效指标 **{len(d.project_indicators)}** 行；
- 共 **{len(c)}** 类核对、**{c.run.sum()}** 次比对，其中 **{c.failed.sum()}** 次未通过；
  发现错误 **{sev.get('error', 0)}** 条、警告 **{sev.get('warning', 0)}** 条、说明 **{sev.get('info', 0)}** 条。

严重程度：**错误** = 勾稽关系超出舍入误差不成立；**警告** = 舍入量级的差异，或所述比率/得分与重新计算不一致；
**说明** = 重建、声明为空的表等记录。原文中的不一致是需要报告的发现，本套件不作修改。""")
'''),
    md("## 各表读取的单元格"),
    code('''
per_table = (li.groupby(["table", "table_name"]).agg(cells=("amount_yuan", "size"),
             reconstructed=("status", lambda s: int((s == "reconstructed").sum()))).reset_index())
h.table(per_table, labels={"table": "表", "table_name": "表名", "cells": "金额单元格", "reconstructed": "重建"})
'''),
    check('''
print(per_table[["table", "cells", "reconstructed"]].to_string(index=False))
print("findings:", f.severity.value_counts().sort_index().to_dict())
print("checks run/failed:", int(c.run.sum()), int(c.failed.sum()))
'''),
    md("## 核对一览"),
    code('''
fig = fg.findings_overview(d)
'''),
    code('''
h.table(c[["check", "description", "run", "passed", "failed"]].sort_values(["failed", "check"], ascending=[False, True]),
        labels={"check": "核对", "description": "内容", "run": "运行", "passed": "通过", "failed": "未通过"})
'''),
    md("## 错误与警告（原文不一致之处）"),
    code('''
issues = f[f.severity != "info"].merge(c[["check", "description"]], on="check", how="left")
issues["line"] = issues.location.str.rsplit(":", n=1).str[-1]
h.md(f"下表列出全部 {len(issues)} 条错误与警告，“行”为原文文本的行号，可据此回到原文核查。")
h.table(issues[["severity", "table", "description", "message", "expected", "found", "line"]],
        labels={"severity": "严重程度", "table": "表/部分", "description": "核对内容", "message": "发现",
                "expected": "应为", "found": "原文", "line": "行"})
'''),
    md("## 重建与其他说明"),
    code('''
notes = f[f.severity == "info"].copy()
notes["line"] = notes.location.str.rsplit(":", n=1).str[-1]
rec = li[li.status == "reconstructed"]
h.md("；".join(f"{r.table} {r.row} {r.column_label} 在提取中丢失，按表内勾稽关系唯一确定为 {h.yuan(r.amount_yuan)} 元"
              for r in rec.itertuples()) + "。" if len(rec) else "本报告没有需要重建的单元格。")
h.table(notes[["table", "check", "message", "line"]],
        labels={"table": "表/部分", "check": "类别", "message": "说明", "line": "行"})
'''),
])

NOTEBOOKS["02-overview"] = ("收支总览", header("收支总览") + [
    code('''
inc = an.income_by_source(d.line_items)
total_in = d.cell("公开01", "income_total", side="收入")
total_out = d.cell("公开01", "expenditure_total", side="支出")
grand = d.cell("公开01", "grand_total", side="收入")
top = inc.sort_values("amount_yuan", ascending=False).iloc[0]
h.md(f"""{d.year}年度{d.name}收入总计 **{h.wan(grand)} 万元**，其中本年收入合计 **{h.wan(total_in)} 万元**，
本年支出合计 **{h.wan(total_out)} 万元**。收入以{top.source}为主，占本年收入的 **{h.pct(top.share)}**。""")
'''),
    check('''
print({"income_total": str(total_in), "expenditure_total": str(total_out), "grand_total": str(grand)})
'''),
    md("## 收入构成"),
    code('''
fig = fg.income_sources(d)
'''),
    code('''
h.table(inc, labels={"source": "收入来源", "amount_yuan": "金额（元）", "share": "占比"})
'''),
    md("## 支出：按功能分类（类 → 款 → 项）"),
    code('''
cls = an.expenditure_by_class(d.line_items)
bp = an.basic_vs_project(d.line_items)
h.md(f"""本年支出按功能分类共涉及 {len(cls)} 个类，最大的是**{cls.iloc[0]['name']}**（{h.wan(cls.iloc[0]['amount_yuan'])} 万元，
占 {h.pct(cls.iloc[0]['share'])}）。基本支出 {h.wan(bp['basic_yuan'])} 万元（{h.pct(bp['basic_share'])}），
项目支出 {h.wan(bp['project_yuan'])} 万元（{h.pct(bp['project_share'])}）。""")
fig = fg.expenditure_by_class(d)
'''),
    code('''
t3 = d.line_items[(d.line_items.table == "公开03") & (d.line_items.code != "")]
wide = t3.pivot_table(index=["code", "level", "row"], columns="column", values="amount_yuan", aggfunc="first").reset_index()
h.table(wide[["code", "level", "row", "total", "basic", "project"]],
        yuan_cols=["total", "basic", "project"],
        labels={"code": "科目编码", "level": "级次", "row": "科目名称", "total": "本年支出合计（元）",
                "basic": "基本支出（元）", "project": "项目支出（元）"})
'''),
    md("## 结转结余"),
    code('''
cb = d.cell("公开01", "carryover_begin", side="收入")
ce = d.cell("公开01", "carryover_end", side="支出")
fcb = d.cell("公开04", "carryover_begin", side="收入")
fce = d.cell("公开04", "carryover_end", "total", side="支出")
h.md(f"""年初结转和结余 {h.wan(cb)} 万元，年末结转和结余 {h.wan(ce)} 万元（{an.change_word(ce, cb)}）；
其中财政拨款年初结转和结余 {h.wan(fcb)} 万元，年末 {h.wan(fce)} 万元。""")
'''),
    md("## 与上年对比（上年数字取自报告说明部分）"),
    code('''
py = d.prior_year
if len(py):
    fig = fg.year_on_year(d)
else:
    h.md("报告说明部分没有给出可比的上年金额。")
'''),
    code('''
if len(py):
    display(h.table(py[["label", "prior_year", "prior_yuan", "current_yuan", "change_yuan", "change_rate", "stated_change_rate"]],
            labels={"label": "项目", "prior_year": "上年", "prior_yuan": "上年数（元）", "current_yuan": "本年数（元）",
                    "change_yuan": "增减（元）", "change_rate": "增减率（重算）", "stated_change_rate": "增减率（原文）"}))
'''),
])

NOTEBOOKS["03-budget-vs-actual"] = ("预算与决算", header("预算与决算：一般公共预算财政拨款支出") + [
    code('''
bo = an.outturn(d.budget_outturn)
agg = an.aggregate_outturn(d.budget_outturn, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"))
stated = d.fact("gpb_budget", "completion_rate")
with_budget = bo[bo.initial_budget_yuan.notna()]
h.md(f"""{d.year}年度一般公共预算财政拨款支出年初预算 **{h.wan(agg['initial_budget_yuan'])} 万元**，决算
**{h.wan(agg['actual_yuan'])} 万元**，完成年初预算的 **{h.pct(agg['rate'])}**（报告所述 {h.pct(stated)}），
决算比年初预算{'多' if agg['deviation_yuan'] >= 0 else '少'} {h.wan(abs(agg['deviation_yuan']))} 万元。
说明部分逐项列出了 {len(bo)} 个功能分类项目，其中 {len(with_budget)} 项有年初预算，{len(bo) - len(with_budget)} 项没有。""")
'''),
    check('''
print(bo[["code", "completion_rate", "stated_completion_rate", "band"]].to_string(index=False))
print("aggregate:", agg["rate"], agg["pi1_band"])
'''),
    md("## 总体执行：PEFA PI-1 参照"),
    code('''
fig = fg.pefa_outturn(d, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"))
h.md(f"""按PEFA（2016）PI-1“总体支出执行”的区间，{d.year}年决算数为年初预算的 {h.pct(agg['rate'])}，落在
**{agg['pi1_band']}** 档对应的区间（A：95%–105%；B：90%–110%；C：85%–115%）。**注意：PEFA评分需要连续三个年度的数据，
这里只有一个年度，只能说明本年所处的区间，不能据此评分。**""")
'''),
    md("## 各项目完成率"),
    code('''
fig = fg.completion_rates(d)
'''),
    code('''
bands = an.band_summary(d.budget_outturn)
h.md("；".join(f"{r.band} 共 {r.items} 项（年初预算 {h.wan(r.initial_budget_yuan)} 万元，决算 {h.wan(r.actual_yuan)} 万元）"
              for r in bands.itertuples() if r.items) + "。")
h.table(bo[["code", "name", "initial_budget_yuan", "actual_yuan", "completion_rate", "stated_completion_rate", "band", "explanation"]],
        labels={"code": "科目编码", "name": "项目", "initial_budget_yuan": "年初预算（元）", "actual_yuan": "决算（元）",
                "completion_rate": "完成率（重算）", "stated_completion_rate": "完成率（原文）", "band": "区间",
                "explanation": "原文所述原因"})
'''),
    md("## 钱实际流向哪里：偏离的金额"),
    code('''
dev = an.largest_deviations(d.budget_outturn, n=5)
h.md("按金额看，偏离最大的五项是：" + "；".join(
    f"**{r.name}**（{r.code}）{'多' if r.movement_yuan >= 0 else '少'}支出 {h.wan(abs(r.movement_yuan))} 万元"
    + (f"，完成率 {h.pct(r.completion_rate)}" if r.completion_rate is not None else "，无年初预算")
    + (f"，原因：{r.explanation}" if r.explanation else "") for r in dev.itertuples()) + "。")
fig = fg.budget_vs_actual_amounts(d)
'''),
    code('''
fig = fg.rate_vs_amount(d)
'''),
    md("## 没有年初预算的项目"),
    code('''
nob = d.budget_outturn[d.budget_outturn.initial_budget_yuan.isna()]
h.md(f"共有 {len(nob)} 项没有年初预算，决算合计 {h.wan(an.dsum(nob.actual_yuan))} 万元：" + "；".join(
    f"{r.name}（{r.code}）决算 {h.yuan(r.actual_yuan)} 元" + (f"，年中追加预算 {h.yuan(r.adjusted_budget_yuan)} 元" if r.adjusted_budget_yuan else "")
    + (f"——{r.explanation}" if r.explanation else "") for r in nob.itertuples()) + "。")
'''),
    md("## 偏离原因归类"),
    code('''
rg = an.reason_groups(d.budget_outturn)
fig = fg.reason_categories(d)
h.table(rg, labels={"reason_category": "原因类别", "items": "项数", "names": "项目", "initial_budget_yuan": "年初预算（元）",
                    "actual_yuan": "决算（元）", "movement_yuan": "差额（元）"})
'''),
    md("## 结构偏离：PEFA PI-2 参照"),
    code('''
fn = an.composition_variance(d.budget_outturn.initial_budget_yuan, d.budget_outturn.actual_yuan)
be = d.basic_expenditure[d.basic_expenditure.initial_budget_yuan.notna()]
ec = an.composition_variance(be.initial_budget_yuan, be.actual_yuan)
h.md(f"""按PI-2的方法（各项年初预算按总体执行率调整后，与决算的绝对差之和除以调整后预算），
按功能分类（{fn['lines']} 项）的结构偏离为 **{h.pct(fn['variance'])}**（区间 {fn['pi2_band']}），"""
     + (f"基本支出按经济分类（{ec['lines']} 类）为 **{h.pct(ec['variance'])}**（区间 {ec['pi2_band']}）。"
        if ec["variance"] is not None else "报告未给出基本支出各经济分类的年初预算，无法计算经济分类的结构偏离。")
     + "PI-2 的区间为 A < 5%、B < 10%、C < 15%；同样，正式评分需要三个年度。")
'''),
    check('''
print("PI-2 function:", fn["variance"], fn["pi2_band"], "economic:", ec["variance"], ec["pi2_band"])
'''),
])

NOTEBOOKS["04-basic-sangong"] = ("基本支出与三公经费", header("基本支出、“三公”经费、机关运行经费、政府采购与资产") + [
    code('''
be = d.basic_expenditure
pers = d.cell("公开06", "personnel_total")
pub = d.cell("公开06", "public_total")
tot = d.cell("公开06", "total")
h.md(f"""{d.year}年度一般公共预算财政拨款基本支出 **{h.wan(tot)} 万元**，其中人员经费 {h.wan(pers)} 万元
（{h.pct(an.ratio(pers, tot))}），公用经费 {h.wan(pub)} 万元（{h.pct(an.ratio(pub, tot))}）。""")
fig = fg.personnel_public(d)
'''),
    md("## 按经济分类"),
    code('''
fig = fg.economic_classes(d)
'''),
    code('''
h.table(be[["code", "name", "kind", "initial_budget_yuan", "actual_yuan", "budget_change_rate", "stated_budget_change_rate",
            "prior_yuan", "prior_change_rate", "stated_prior_change_rate"]],
        labels={"code": "编码", "name": "经济分类", "kind": "类别", "initial_budget_yuan": "年初预算（元）",
                "actual_yuan": "决算（元）", "budget_change_rate": "较预算（重算）", "stated_budget_change_rate": "较预算（原文）",
                "prior_yuan": "上年（元）", "prior_change_rate": "较上年（重算）", "stated_prior_change_rate": "较上年（原文）"})
'''),
    check('''
print(be[["code", "actual_yuan", "initial_budget_yuan", "prior_yuan"]].to_string(index=False))
'''),
    md("## “三公”经费"),
    code('''
sg = d.sangong.set_index("category")
t = sg.loc["total"]
h.md(f"""“三公”经费财政拨款预算 {h.wan(t.budget_yuan)} 万元，决算 **{h.wan(t.actual_yuan)} 万元**，完成预算的
{h.pct(t.completion_rate)}；"""
     + (f"上年决算 {h.wan(t.prior_yuan)} 万元，本年{an.change_word(t.actual_yuan, t.prior_yuan)}（{h.pct(t.change_rate)}）。"
        if t.prior_yuan is not None else "报告未给出上年金额。")
     + f"""其中公务用车购置及运行费 {h.wan(sg.loc['vehicle'].actual_yuan)} 万元，
公务接待费 {h.wan(sg.loc['reception'].actual_yuan)} 万元，因公出国（境）费 {h.wan(sg.loc['abroad'].actual_yuan)} 万元。""")
fig = fg.sangong(d)
'''),
    code('''
h.table(d.sangong.drop(columns=["year", "department", "category"]),
        labels={"label": "项目", "budget_yuan": "预算数（公开07，元）", "actual_yuan": "决算数（元）",
                "budget_text_yuan": "预算数（说明，元）", "prior_yuan": "上年决算（元）", "completion_rate": "完成率",
                "stated_completion_rate": "完成率（原文）", "change_rate": "较上年（重算）", "stated_change_rate": "较上年（原文）"})
'''),
    code('''
mismatch = d.sangong[(d.sangong.budget_text_yuan.notna()) & (d.sangong.budget_yuan != d.sangong.budget_text_yuan)]
counts = {k: d.fact(k, "count") for k in ("vehicle_fleet", "vehicles_purchased", "reception_domestic_batches",
                                          "reception_domestic_persons", "abroad_groups")}
h.md((f"**不一致：** " + "；".join(f"{r.label}的预算数，公开07表为 {h.yuan(r.budget_yuan)} 元，说明部分为 {h.yuan(r.budget_text_yuan)} 元"
      for r in mismatch.itertuples()) + "。" if len(mismatch) else "公开07表与说明部分的预算数一致。")
     + "".join(f" {label} {counts[k]} {unit}；" for k, label, unit in (
         ("vehicle_fleet", "公务用车保有量", "辆"), ("vehicles_purchased", "当年购置公务用车", "辆"),
         ("reception_domestic_batches", "国内公务接待", "批次"), ("reception_domestic_persons", "国内公务接待", "人次"),
         ("abroad_groups", "因公出国（境）团组", "个")) if counts[k] is not None))
'''),
    md("## 机关运行经费"),
    code('''
ao, ao_prior = d.fact("admin_operating"), d.fact("admin_operating", "prior")
h.md(f"机关运行经费 {h.wan(ao)} 万元" + (f"，上年 {h.wan(ao_prior)} 万元，变化 {h.pct(an.ratio(ao - ao_prior, ao_prior))}。"
     if ao_prior else "。") if ao is not None else "报告未说明机关运行经费。")
'''),
    md("## 政府采购与国有资产"),
    code('''
pc = {r.category: r.amount_yuan for r in d.procurement.itertuples()}
h.md(f"""政府采购支出总额 {h.wan(pc.get('total'))} 万元（货物 {h.wan(pc.get('goods'))} 万元、
工程 {h.wan(pc.get('works'))} 万元、服务 {h.wan(pc.get('services'))} 万元）"""
     + (f"，授予中小企业合同 {h.wan(pc['sme'])} 万元，占 {h.pct(an.ratio(pc['sme'], pc.get('total')))}。" if pc.get('sme') is not None else "。")
     if pc.get("total") is not None else "报告未说明政府采购情况。")
h.table(d.procurement.drop(columns=["year", "department"]), pct=["stated_share"],
        labels={"category": "类别", "label": "项目", "amount_yuan": "金额（元）", "stated_share": "占比（原文）", "source_line": "行"})
'''),
    code('''
h.table(d.assets.drop(columns=["year", "department"]), labels={"item": "资产", "value": "数量", "unit": "单位", "source_line": "行"})
'''),
])

NOTEBOOKS["05-project-performance"] = ("项目绩效", header("项目支出绩效：执行率与自评得分") + [
    code('''
has = len(d.projects) > 0
pr = an.project_quadrants(d.projects)
low = an.low_execution_high_score(d.projects)
mis = an.rate_mismatches(d.projects)
s = an.project_summary(d.projects)
perf = {k: d.fact(k, m) for k, m in (("perf_projects", "count"), ("perf_funds", "amount"), ("perf_self_eval", "count"))}
if has:
    h.md(f"""附件共有 {s['projects']} 张项目支出绩效自评表，全年预算合计 {h.wan(s['annual_budget_yuan'])} 万元，执行
{h.wan(s['executed_yuan'])} 万元（{h.pct(s['execution_rate'])}）。自评得分中位数 {s['median_score']} 分，
最低 {s['min_score']} 分；执行率（重新计算）低于80%的 {s['below_rate']} 个，其中自评仍在90分以上的
**{s['low_execution_high_score']}** 个。""")
else:
    h.md("本报告没有附项目支出绩效自评表，无法逐项比较执行率与自评得分。"
         + (f"说明部分称开展绩效自评的项目 {perf['perf_projects']} 个" if perf["perf_projects"] is not None else "")
         + (f"，涉及资金 {h.wan(perf['perf_funds'])} 万元" if perf["perf_funds"] is not None else "") + "。")
'''),
    check('''
print(pr[["project_no", "execution_rate", "stated_execution_rate", "score"]].to_string(index=False))
'''),
    code('''
if has:
    fig = fg.projects_scatter(d)
'''),
    md("## 执行率低而自评得分高的项目"),
    code('''
if len(low):
    display(h.table(low[["project_no", "project", "annual_budget_yuan", "executed_yuan", "execution_rate", "score"]],
            labels={"project_no": "编号", "project": "项目", "annual_budget_yuan": "全年预算（元）", "executed_yuan": "执行（元）",
                    "execution_rate": "执行率", "score": "自评得分"}))
else:
    h.md("没有执行率低于80%而自评90分以上的项目。" if has else "（无项目自评表）")
'''),
    code('''
if has:
    fig = fg.project_distributions(d)
'''),
    md("## 原文执行率与重新计算的执行率"),
    code('''
h.md(f"有 {len(mis)} 个项目原文所填执行率与“全年执行数 ÷ 全年预算数”相差 0.5 个百分点以上：" + "；".join(
    f"{r.project}（原文 {h.pct(r.stated_execution_rate)}，重算 {h.pct(r.execution_rate)}）" for r in mis.itertuples()) + "。"
    if len(mis) else ("所有项目原文执行率与重新计算一致（差异小于0.5个百分点）。" if has else "（无项目自评表）"))
'''),
    md("## 项目一览"),
    code('''
if has:
    display(h.table(pr[["project_no", "project", "unit", "initial_budget_yuan", "annual_budget_yuan", "executed_yuan", "execution_rate",
                "stated_execution_rate", "exec_score", "score", "quadrant"]],
            labels={"project_no": "编号", "project": "项目", "unit": "实施单位", "initial_budget_yuan": "年初预算（元）",
                    "annual_budget_yuan": "全年预算（元）", "executed_yuan": "全年执行（元）", "execution_rate": "执行率（重算）",
                    "stated_execution_rate": "执行率（原文）", "exec_score": "执行得分", "score": "自评得分", "quadrant": "分组"}))
'''),
    md("## 绩效指标"),
    code('''
ind = d.project_indicators
lost = an.keep_rows(ind, [w is not None and sc is not None and sc < w for w, sc in zip(ind.weight, ind.score)])
if len(ind):
    h.md(f"共读取绩效指标 {len(ind)} 行，其中 {len(lost)} 行得分低于分值（扣分），涉及 {lost.project_no.nunique()} 个项目。扣分指标及所述原因：")
    display(h.table(lost[["project_no", "level2", "indicator", "target", "actual", "weight", "score", "deviation"]],
            labels={"project_no": "项目", "level2": "二级指标", "indicator": "三级指标", "target": "指标值", "actual": "完成值",
                    "weight": "分值", "score": "得分", "deviation": "偏差原因"}))
else:
    h.md("（无绩效指标表）")
'''),
])

NOTEBOOKS["06-report"] = ("报告", header("部门决算分析报告") + [
    code('''
bo = d.budget_outturn
agg = an.aggregate_outturn(bo, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"))
grand = d.cell("公开01", "grand_total", side="收入")
total_in = d.cell("公开01", "income_total", side="收入")
total_out = d.cell("公开01", "expenditure_total", side="支出")
sev = d.findings.severity.value_counts()
h.md(f"""**{d.name}{d.year}年度部门决算（{d.meta.get('scope', '')}{('，' + str(len(d.meta.get('units', []))) + '个单位') if d.meta.get('units') else ''}）**

本报告由公开的部门决算报告自动生成：全部数字取自原文并经过逐项核对（表内合计、表间关系、文字与表格、所述比率与重新计算）。

## 要点

- **收支规模**：收入总计 {h.wan(grand)} 万元；本年收入 {h.wan(total_in)} 万元，本年支出 {h.wan(total_out)} 万元。
- **预算执行**：一般公共预算财政拨款支出决算 {h.wan(agg['actual_yuan'])} 万元，为年初预算 {h.wan(agg['initial_budget_yuan'])} 万元的
  **{h.pct(agg['rate'])}**，{'超出' if agg['deviation_yuan'] >= 0 else '低于'}年初预算 {h.wan(abs(agg['deviation_yuan']))} 万元。
- **数据质量**：核对发现原文错误 {sev.get('error', 0)} 条、警告 {sev.get('warning', 0)} 条（详见文末）。""")
'''),
    check('''
pension = bo[bo.code == "2080506"]
print({"aggregate_rate": str(agg["rate"]), "errors": int(sev.get("error", 0)), "warnings": int(sev.get("warning", 0)),
       "pension_rate": [h.pct(r) for r in pension.completion_rate], "pension_stated": [h.pct(r) for r in pension.stated_completion_rate]})
'''),
    md("## 收入与支出"),
    code('''
inc = an.income_by_source(d.line_items)
cls = an.expenditure_by_class(d.line_items)
h.md(f"本年收入中{inc.iloc[0].source}占 {h.pct(inc.iloc[0].share)}。支出按功能分类，" + "、".join(
    f"{r.name.removesuffix('支出')} {h.pct(r.share)}" for r in cls.head(3).itertuples()) + " 居前三位。")
fig = fg.income_sources(d)
'''),
    code('''
fig = fg.expenditure_by_class(d)
'''),
    md("## 预算与决算：主要偏离及其原因"),
    code('''
fig = fg.pefa_outturn(d, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"))
h.md(f"总体执行率 {h.pct(agg['rate'])} 落在 PEFA PI-1 的 {agg['pi1_band']} 档区间（单一年度，仅作参照，正式评分需三个年度）。")
'''),
    code('''
over = an.outturn(bo[bo.band == ">120%"]).iloc[::-1]
under = bo[bo.band == "<80%"]
top = over.iloc[0] if len(over) else None
h.md((f"完成率最高的是**{top['name']}**：年初预算 {h.yuan(top.initial_budget_yuan)} 元，决算 {h.yuan(top.actual_yuan)} 元，"
      f"完成 **{h.pct(top.completion_rate)}**（原文 {h.pct(top.stated_completion_rate)}）；原因：{top.explanation}。" if top is not None else "")
     + f" 共 {len(over)} 项超过年初预算的120%，{len(under)} 项低于80%。")
fig = fg.completion_rates(d)
'''),
    code('''
dev = an.largest_deviations(bo, n=5)
h.md("按金额计偏离最大的项目：\\n\\n" + "\\n".join(
    f"{i}. **{r.name}**（{r.code}）：{'多' if r.movement_yuan >= 0 else '少'}支 {h.wan(abs(r.movement_yuan))} 万元"
    + (f"（完成率 {h.pct(r.completion_rate)}）" if r.completion_rate is not None else "（无年初预算）")
    + (f"——{r.explanation}" if r.explanation else "") for i, r in enumerate(dev.itertuples(), 1)))
fig = fg.budget_vs_actual_amounts(d)
'''),
    code('''
rg = an.reason_groups(bo)
h.md("报告所述原因归类：" + "；".join(f"{r.reason_category} {r['items']} 项（差额 {h.wan(r.movement_yuan)} 万元）"
                                  for _, r in rg.iterrows()) + "。")
fig = fg.reason_categories(d)
'''),
    md("## 基本支出与“三公”经费"),
    code('''
fig = fg.economic_classes(d)
'''),
    code('''
t = d.sangong.set_index("category").loc["total"]
h.md(f"“三公”经费决算 {h.wan(t.actual_yuan)} 万元，完成预算的 {h.pct(t.completion_rate)}"
     + (f"，较上年变化 {h.pct(t.change_rate)}。" if t.change_rate is not None else "。"))
fig = fg.sangong(d)
'''),
    md("## 项目绩效"),
    code('''
pr = d.projects
low = an.low_execution_high_score(pr)
s = an.project_summary(pr)
if len(pr):
    h.md(f"{len(pr)} 个项目的自评得分在 {s['min_score']}–{s['max_score']} 分之间；执行率低于80%而自评90分以上的有 {len(low)} 个"
         + ("：" + "、".join(f"{r.project}（执行 {h.pct(r.execution_rate)}，{r.score} 分）" for r in low.itertuples()) if len(low) else "")
         + "。")
    fig = fg.projects_scatter(d)
else:
    h.md("本报告没有附项目支出绩效自评表。")
'''),
    md("## 数据质量说明"),
    code('''
f = d.findings
err = f[f.severity == "error"]
rec = d.line_items[d.line_items.status == "reconstructed"]
desc = dict(zip(d.checks.check, d.checks.description))
h.md(f"""原文中发现 **{len(err)}** 处超出舍入误差的不一致（错误）：\\n\\n""" + "\\n".join(
    f"- **{r.table}**：{desc.get(r.check, r.check)}——应为 {r.expected}，原文为 {r.found}（原文第 {r.location.rsplit(':', 1)[-1]} 行）"
    for r in err.itertuples())
    + f"""\\n\\n另有 {len(f[f.severity == 'warning'])} 条警告（舍入差异或所述比率与重算不一致），{len(rec)} 个在提取中丢失、
由表内勾稽关系唯一确定而重建的单元格。本报告如实列出这些不一致，不作修改；完整清单见“数据质量”一章。""")
'''),
])


PANEL_PARAMS = "years = []  # empty: every year in data/clean/panel\ndepartments = []  # empty: every department"
PANEL_SETUP = """import helpers as h
from juesuan import analysis as an, figures as fg

h.setup()
p = h.load_panel(years, departments)"""

PANEL_NOTEBOOKS = {}
PANEL_NOTEBOOKS["01-compare-reports"] = ("报告对比", [
    md("# 各部门、各年度决算对比"),
    code(PANEL_PARAMS, "parameters", "remove-cell"),
    code(PANEL_SETUP, "remove-cell"),
    code('''
r = p.reports
h.md(f"本章把 {len(r)} 份报告放在一起比较（数据来自 data/clean/panel/，金额均已换算为元）：" + "；".join(
    f"{x.department_name}{x.year}年度（本年支出 {h.wan(x.expenditure_total_yuan)} 万元，原文单位{x.source_unit}，"
    f"错误 {x.errors} 条、警告 {x.warnings} 条）" for x in r.itertuples()) + "。")
h.table(r[["year", "department_name", "source_format", "income_total_yuan", "expenditure_total_yuan", "grand_total_yuan",
           "line_items", "errors", "warnings"]],
        labels={"year": "年度", "department_name": "部门", "source_format": "来源", "income_total_yuan": "本年收入合计（元）",
                "expenditure_total_yuan": "本年支出合计（元）", "grand_total_yuan": "收入总计（元）",
                "line_items": "金额单元格", "errors": "错误", "warnings": "警告"})
'''),
    check('''
print(r[["year", "department", "income_total_yuan", "expenditure_total_yuan", "line_items"]].to_string(index=False))
'''),
    md("## 支出结构"),
    code('''
sh = an.panel_class_shares(p.line_items)
fig = fg.panel_structure(p)
'''),
    md("## 预算执行"),
    code('''
po = an.panel_outturn(p.budget_outturn)
h.md("；".join(f"{p.label(x.year, x.department)}：{x['items']} 项，决算为年初预算的 {h.pct(x.rate)}（PI-1 区间 {x.pi1_band}）"
              for _, x in po.iterrows()) + "。")
fig = fg.panel_completion(p)
'''),
    check('''
print(po[["year", "department", "items", "rate", "pi1_band"]].to_string(index=False))
'''),
    md("## “三公”经费"),
    code('''
fig = fg.panel_sangong(p)
sg = p.sangong[p.sangong.category == "total"]
h.table(sg[["year", "department", "budget_yuan", "budget_text_yuan", "actual_yuan", "prior_yuan", "completion_rate", "change_rate"]],
        labels={"year": "年度", "department": "部门", "budget_yuan": "预算数（表）", "budget_text_yuan": "预算数（说明）",
                "actual_yuan": "决算数", "prior_yuan": "上年决算", "completion_rate": "完成率", "change_rate": "较上年"})
'''),
    md("## 核对结果"),
    code('''
c = p.checks
fails = c[c.failed > 0].pivot_table(index="check", columns="department", values="failed", aggfunc="sum", fill_value=0)
h.md("各报告未通过的核对（次数）：")
fails
'''),
])


def build() -> list[Path]:
    NB_DIR.mkdir(exist_ok=True)
    (NB_DIR / "panel").mkdir(exist_ok=True)
    written = []
    books = [(NB_DIR / f"{n}.ipynb", t, c) for n, (t, c) in NOTEBOOKS.items()]
    books += [(NB_DIR / "panel" / f"{n}.ipynb", t, c) for n, (t, c) in PANEL_NOTEBOOKS.items()]
    for path, title, cells in books:
        nb = new_notebook()
        nb.metadata = {
            "kernelspec": {"display_name": "Python 3 (juesuan)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "title": title,
        }
        for kind, src, tags in cells:
            cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
            if tags:
                cell.metadata["tags"] = tags
            nb.cells.append(cell)
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(ROOT))
    sys.exit(0)
