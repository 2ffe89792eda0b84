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
#   title: "\u9879\u76EE\u7EE9\u6548"
# ---

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
budget = an.is_budget(d)  # a 预算 report: project budgets and performance targets, no execution or self-evaluation
h.md("# " + an.heading(d, "05", "title"))
EMPTY = "" if budget else "（无项目自评表）"
has = len(d.projects) > 0 and not budget
pr = an.project_quadrants(d.projects)
low = an.low_execution_high_score(d.projects)
mis = an.rate_mismatches(d.projects)
s = an.project_summary(d.projects)
perf = {k: d.fact(k, m) for k, m in (("perf_projects", "count"), ("perf_funds", "amount"), ("perf_self_eval", "count"))}
if has:
    h.md(f"""附件共有 {s['projects']} 张项目支出绩效自评表，全年预算合计 {h.wan(s['annual_budget_yuan'])} 万元，执行
{h.wan(s['executed_yuan'])} 万元（{h.pct(s['execution_rate'])}）。自评得分中位数 {s['median_score']} 分，
最低 {s['min_score']} 分；执行率（重新计算）低于{an.PROJECT_RATE_THRESHOLD:.0%}的 {s['below_rate']} 个，其中自评仍在{an.PROJECT_SCORE_THRESHOLD}分以上的
**{s['low_execution_high_score']}** 个。""")
elif budget:
    bpj = an.budget_projects(d)
    h.md((f"本年项目支出预算 **{h.wan(bpj['project_yuan'])} 万元**，占支出预算的 {h.pct(bpj['project_share'])}。"
          if bpj["project_yuan"] is not None else "")
         + (f"说明部分称实行绩效目标管理的项目预算资金 {h.wan(bpj['perf_funds_yuan'])} 万元"
            + (f"（为项目支出预算的 {h.pct(bpj['perf_share'])}）" if bpj["perf_share"] is not None else "") + "。"
            if bpj["perf_funds_yuan"] is not None else "")
         + ("**本报告缺少**：" + "；".join(bpj["missing"]) + "。" if bpj["missing"] else "")
         + "项目的执行率和绩效自评得分在年度终了后由部门决算报告。")
else:
    h.md("本报告没有附项目支出绩效自评表，无法逐项比较执行率与自评得分。"
         + (f"说明部分称开展绩效自评的项目 {perf['perf_projects']} 个" if perf["perf_projects"] is not None else "")
         + (f"，涉及资金 {h.wan(perf['perf_funds'])} 万元" if perf["perf_funds"] is not None else "") + "。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(pr[["project_no", "execution_rate", "stated_execution_rate", "score"]].to_string(index=False))

# %%
if has:
    fig = fg.projects_scatter(d)

# %%
h.md(an.section(d, "05", "lowhigh"))
if len(low):
    display(h.table(low[["project_no", "project", "annual_budget_yuan", "executed_yuan", "execution_rate", "score"]],
            labels={"project_no": "编号", "project": "项目", "annual_budget_yuan": "全年预算（元）", "executed_yuan": "执行（元）",
                    "execution_rate": "执行率", "score": "自评得分"}))
else:
    h.md(f"没有执行率低于{an.PROJECT_RATE_THRESHOLD:.0%}而自评{an.PROJECT_SCORE_THRESHOLD}分以上的项目。" if has else EMPTY)

# %%
if has:
    fig = fg.project_distributions(d)

# %%
# NBVAL_CHECK_OUTPUT
h.md(an.section(d, "05", "mismatch"))
h.md(f"有 {len(mis)} 个项目原文所填执行率与“全年执行数 ÷ 全年预算数”相差 {an.RATE_MISMATCH_PP} 个百分点以上：" + "；".join(
    f"{r.project}（原文 {h.pct(r.stated_execution_rate)}，重算 {h.pct(r.execution_rate)}）" for r in mis.itertuples()) + "。"
    if len(mis) else (f"所有项目原文执行率与重新计算一致（差异小于{an.RATE_MISMATCH_PP}个百分点）。" if has else EMPTY))

# %%
h.md(an.section(d, "05", "list"))
if budget:
    pi = an.project_items(d.line_items, "预算03")
    h.md(f"项目支出预算分布在 {len(pi)} 个功能分类项目中（预算03表），最大的是" + "、".join(
        f"{an.item_ref(r.name, r.code)} {h.wan(r.project_yuan)} 万元（{h.pct(r.share)}）" for r in pi.head(3).itertuples()) + "。"
         if len(pi) else an.table_note(d, "预算03") or "支出预算总表（预算03）没有按项目列出项目支出。")
    if len(pi):
        h.details(h.table(pi, labels={"code": "科目编码", "name": "项目", "project_yuan": "项目支出预算（元）", "share": "占比"}),
                  f"全部 {len(pi)} 个有项目支出的功能分类项目（点击展开）", open_=len(pi) <= 12)
    if len(bpj["projects"]):   # project budgets the data step read from the budget report
        display(h.table(bpj["projects"][["project", "unit", "initial_budget_yuan", "annual_budget_yuan"]],
                        labels={"project": "项目", "unit": "实施单位", "initial_budget_yuan": "年初预算（元）",
                                "annual_budget_yuan": "全年预算（元）"}))
elif has:
    h.details(h.table(pr[["project_no", "project", "unit", "initial_budget_yuan", "annual_budget_yuan", "executed_yuan", "execution_rate",
                "stated_execution_rate", "exec_score", "score", "quadrant"]],
            labels={"project_no": "编号", "project": "项目", "unit": "实施单位", "initial_budget_yuan": "年初预算（元）",
                    "annual_budget_yuan": "全年预算（元）", "executed_yuan": "全年执行（元）", "execution_rate": "执行率（重算）",
                    "stated_execution_rate": "执行率（原文）", "exec_score": "执行得分", "score": "自评得分", "quadrant": "分组"}),
              f"全部 {len(pr)} 个项目（点击展开）", open_=len(pr) <= 12)
else:
    h.md(EMPTY)

# %%
h.md(an.section(d, "05", "indicators"))
if budget:
    t10 = bpj["targets"]
    h.md(f"项目支出绩效目标表（预算10）列出 {len(t10)} 个金额：" if len(t10) else
         "本报告没有逐个项目的绩效目标（项目支出绩效目标表或绩效目标说明），无法列出项目的产出和效果目标。"
         + (f"说明部分只给出了实行绩效目标管理的项目预算资金总额（{h.wan(bpj['perf_funds_yuan'])} 万元）。"
            if bpj["perf_funds_yuan"] is not None else ""))
    if len(t10):
        display(h.table(t10, labels={"code": "编码", "row": "项目", "column": "列", "amount_yuan": "金额（元）"}))
ind = d.project_indicators if not budget else d.project_indicators.iloc[0:0]
lost = an.keep_rows(ind, [w is not None and sc is not None and sc < w for w, sc in zip(ind.weight, ind.score)])
if len(ind):
    h.md(f"共读取绩效指标 {len(ind)} 行，其中 {len(lost)} 行得分低于分值（扣分），涉及 {lost.project_no.nunique()} 个项目。扣分指标及所述原因：")
    h.details(h.table(lost[["project_no", "level2", "indicator", "target", "actual", "weight", "score", "deviation"]],
              labels={"project_no": "项目", "level2": "二级指标", "indicator": "三级指标", "target": "指标值", "actual": "完成值",
                      "weight": "分值", "score": "得分", "deviation": "偏差原因"}),
              f"全部 {len(lost)} 行扣分指标（点击展开）", open_=len(lost) <= 12)
elif not budget:
    h.md("（无绩效指标表）")
