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
#   title: "\u62A5\u544A"
# ---

# %% tags=["parameters", "remove-cell"]
year = 2022
department = "nxgxt"
completion_bands = None  # 完成率区间 [低, 高]，如 [0.9, 1.1]；None：juesuan.method 的默认值（80%、120%）
pi1_bands = None  # PEFA PI-1 区间，如 {"A": [0.95, 1.05], "B": [0.9, 1.1], "C": [0.85, 1.15]}；None：默认值
pi2_bands = None  # PEFA PI-2 区间，如 {"A": 0.05, "B": 0.1, "C": 0.15}；None：默认值

# %% tags=["remove-cell"]
import helpers as h
from juesuan import analysis as an, figures as fg, messages_zh as mz, method
from juesuan.clean.ledger import coverage_note

h.setup()
d = h.load(year, department, exact=True)  # exact Decimal amounts: the prose states sums to the fen
m = method.from_params(completion_bands, pi1_bands, pi2_bands)

# %%
# NBVAL_CHECK_OUTPUT
budget = an.is_budget(d)  # a 预算 report: budgets only; a 决算 report: budget against actual
T1, T3 = ("预算01", "预算03") if budget else ("公开01", "公开03")
bo = an.usable_outturn(d.budget_outturn) if not budget else d.budget_outturn.iloc[0:0]
agg = an.aggregate_outturn(bo, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"), m=m)
view = an.execution_view(bo, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"),
                         d.fact("gpb_budget", "full_budget"), m=m)
tot = an.year_totals(d.line_items, T1)
grand, total_in, total_out = tot["grand_total"], tot["income_total"], tot["expenditure_total"]
sev = d.findings.severity.value_counts()
scope = "，".join(x for x in (d.meta.get("scope", "") or "", f"{len(d.meta['units'])}个单位" if d.meta.get("units") else "") if x)
kind = an.doc_title(d)
note = coverage_note(d.coverage)        # only when fewer than 99% of the printed figures were read
read_note = f"\n- **读取范围**：{note}" if note else ""
h.md(f"# {d.name}{d.year}年度{kind}分析报告")
if budget:
    ch = an.budget_changes(d.stated_facts, d.line_items)
    main = ch[ch.subject.isin(["expenditure", "income", "fiscal_expenditure"])]
    h.md(f"""**{d.name}{d.year}年度{kind}{f'（{scope}）' if scope else ''}**

本报告由公开的{kind}报告自动生成：这是一份**预算**（年初安排的收支计划），不是决算；全部数字取自原文并经过核对
（表内合计、表间关系、文字与表格）。预算没有决算数，也就没有完成率：本报告说明预算的规模、结构和与上年预算的变化。

## 要点

- **收支预算规模**：""" + (f"收入预算总计 {h.wan(grand)} 万元；本年收入预算 {h.wan(total_in)} 万元，本年支出预算 {h.wan(total_out)} 万元。"
                          if an.has_table(d, T1) and grand is not None else an.table_note(d, T1) or "收支预算总表没有合计数。") + """
- **与上年预算相比**：""" + ("；".join(f"{r.label}预算{an.change_word(r.budget_yuan, r.prior_budget_yuan)}"
                                     + (f" {h.wan(abs(r.change_yuan))} 万元（{h.pct(abs(r.change_rate))}）" if an.num(r.change_yuan) else "")
                                     for r in main.itertuples() if r.prior_budget_yuan is not None) + "。"
                           if len(main) and main.prior_budget_yuan.notna().any() else "说明部分没有给出与上年预算的比较。") + """
- **逐项与上年执行相比**：""" + an.execution_summary(an.budget_items(d.stated_facts, d.line_items)) + f"""
- **数据质量**：核对发现原文错误 {sev.get('error', 0)} 条、警告 {sev.get('warning', 0)} 条（详见文末）。""" + read_note)
else:
    h.md(f"""**{d.name}{d.year}年度{kind}{f'（{scope}）' if scope else ''}**

本报告由公开的{kind}报告自动生成：全部数字取自原文并经过逐项核对（表内合计、表间关系、文字与表格、所述比率与重新计算）。

## 要点

- **收支规模**：""" + (f"收入总计 {h.wan(grand)} 万元；本年收入 {h.wan(total_in)} 万元，本年支出 {h.wan(total_out)} 万元。"
                       if an.has_table(d, "公开01") else an.table_note(d, "公开01")) + """
- **预算执行**：""" + (f"""一般公共预算财政拨款支出决算 {h.wan(view['actual_yuan'])} 万元，为{view['budget_label']} {h.wan(view['budget_yuan'])} 万元的
  **{h.pct(view['rate'])}**，{'超出' if view['deviation_yuan'] >= 0 else '低于'}{view['budget_label']} {h.wan(abs(view['deviation_yuan']))} 万元"""
                        + ("（本报告没有年初预算，按全年预算计）。" if view["basis"] == "full" else "。")
                        if view["rate"] is not None else "本报告没有可比较的年初预算（或全年预算）与决算。") + f"""
- **数据质量**：核对发现原文错误 {sev.get('error', 0)} 条、警告 {sev.get('warning', 0)} 条（详见文末）。""" + read_note)
lacks = an.missing_parts(d)
h.md("**本报告缺少的内容**：\n\n" + "\n".join(f"- {x}" for x in lacks) if lacks else
     "本报告的预算公开表齐全。" if budget else "本报告的九张公开表、预算执行明细、项目自评表和上年对比数字齐全。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
pension = bo[bo.code == "2080506"]
print({"aggregate_rate": str(agg["rate"]), "errors": int(sev.get("error", 0)), "warnings": int(sev.get("warning", 0)),
       "pension_rate": [h.pct(r) for r in pension.completion_rate], "pension_stated": [h.pct(r) for r in pension.stated_completion_rate]})

# %% [markdown]
# ## 收入与支出

# %%
# NBVAL_CHECK_OUTPUT
inc = an.income_by_source(d.line_items, T1)
cls = an.expenditure_by_class(d.line_items, T3)
inc = inc.sort_values("amount_yuan", ascending=False) if len(inc) else inc
y = "预算" if budget else ""
h.md((f"本年收入{y}中{inc.iloc[0].source}占 {h.pct(inc.iloc[0].share)}。" if len(inc) else an.table_note(d, T1))
     + (f"支出{y}按功能分类，" + "、".join(f"{r.name.removesuffix('支出')} {h.pct(r.share)}" for r in cls.head(3).itertuples())
        + (" 居前三位。" if len(cls) >= 3 else "。") if len(cls) else an.table_note(d, T3)))

# %%
fig = fg.income_sources(d)
fig = fg.expenditure_by_class(d)

# %%
h.md(an.section(d, "06", "outturn"))
if budget:
    it = an.budget_items(d.stated_facts, d.line_items)
    big = an.largest_changes(it, n=3)
    basis = "上年预算"
    if not len(big) and len(it):
        big, basis = an.largest_changes(it.assign(change_yuan=it.change_vs_execution_yuan), n=3), "上年预算执行数"
    h.md((f"说明部分逐项列出 {len(it)} 个项目的本年预算。" if len(it) else "说明部分没有逐项列出本年预算。")
         + (f"与{basis}相比变化最大的是" + "；".join(
             f"{an.item_ref(r.label.split('（')[0], r.code)}{'增加' if r.change_yuan > 0 else '减少'} {h.wan(abs(r.change_yuan))} 万元"
             for r in big.itertuples()) + "。" if len(big) else "")
         + an.execution_summary(it) + "逐项见“逐项对比上年”一章。")
    fig = fg.budget_changes(d, which="totals")
else:
    fig = fg.pefa_outturn(d, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"), m=m)
    h.md(f"总体执行率 {h.pct(agg['rate'])} 落在 PEFA PI-1 的 {agg['pi1_band']} 档区间（按年初预算计；单一年度，仅作参照，正式评分需三个年度）。"
         if agg["rate"] is not None else
         f"本报告没有年初预算，PEFA PI-1（按年初预算计）不适用；决算为全年预算的 {h.pct(view['rate'])}。"
         if view["basis"] == "full" else "本报告没有预算执行明细，无法与年初预算比较。")

# %%
# NBVAL_CHECK_OUTPUT
ob = an.outturn(bo, m)
over = ob[ob.band == m.labels["high"]].iloc[::-1]
under = ob[ob.band == m.labels["low"]]
low_pct, high_pct = (method.pct_label(v) for v in m.completion_bands)
top = over.iloc[0] if len(over) else None
h.md((f"完成率最高的是{an.item_ref(top['name'], top['code'])}：年初预算 {h.wan(top.initial_budget_yuan)} 万元，决算 {h.wan(top.actual_yuan)} 万元，"
      f"完成 **{h.pct(top.completion_rate)}**（{an.stated_rate_text(top.stated_completion_rate, top.stated_basis)}）"
      + (f"；原因：{top.explanation}。" if top.explanation else "。") if top is not None else "")
     + an.band_sentence(len(over), len(under), low_pct, high_pct, int((ob.basis == "initial").sum()) if len(ob) else 0)
     + an.full_sentence(bo))

# %%
fig = fg.completion_rates(d, m) if not budget else None

# %%
dev = an.largest_deviations(bo, n=5, m=m)
h.md("" if not len(dev) else "按金额计偏离最大的项目：\n\n" + "\n".join(
    f"{i}. {an.item_ref(r.name, r.code)}：{'多' if r.movement_yuan >= 0 else '少'}支 {h.wan(abs(r.movement_yuan))} 万元"
    + (f"（完成率 {h.pct(r.basis_rate)}）" if r.basis == "initial" and r.basis_rate is not None else
       f"（完成全年预算的 {h.pct(r.basis_rate)}）" if r.basis == "full" and r.basis_rate is not None else "（无年初预算）")
    + (f"——{r.explanation}" if r.explanation else "") for i, r in enumerate(dev.itertuples(), 1)))
fig = fg.budget_vs_actual_amounts(d, m) if len(bo) else None

# %%
rg = an.reason_groups(bo) if len(bo) else bo
h.md("" if not len(rg) else "报告所述原因归类：" + "；".join(f"{r.reason_category} {r['items']} 项（差额 {h.wan(r.movement_yuan)} 万元）"
                                  for _, r in rg.iterrows()) + "。")
fig = fg.reason_categories(d) if not budget else None

# %%
h.md(an.section(d, "06", "basic"))
fig = fg.economic_classes(d)
if fig is None:
    h.md(an.table_note(d, "预算06" if budget else "公开06") or "报告没有给出基本支出各经济分类的金额。")

# %%
sg = d.sangong.set_index("category")
t = sg.loc["total"] if "total" in sg.index else None
bsg = an.budget_sangong(d) if budget else None
if budget:
    h.md("；".join(f"{r.label}预算 {h.wan(r.budget_yuan)} 万元" + an.vs_prior_budget(r.budget_yuan, r.prior_budget_yuan, r.change_yuan)
                   for r in bsg.itertuples() if r.budget_yuan is not None) + "。"
         if len(bsg) else f"“三公”经费预算 {h.wan(an.sangong_table_total(d.line_items))} 万元（预算07表）。"
         if an.sangong_table_total(d.line_items) is not None else "说明部分没有给出“三公”经费预算。")
elif t is not None and t.actual_yuan is not None:
    h.md(f"“三公”经费决算 {h.wan(t.actual_yuan)} 万元，完成预算的 {h.pct(t.completion_rate)}"
         + (f"，较上年{an.change_word(t.actual_yuan, t.prior_yuan, '增长', '下降')} {h.pct(abs(t.change_rate))}。"
            if t.change_rate is not None else "。"))
else:
    h.md(an.table_note(d, "公开07") or "报告没有给出“三公”经费决算数。")
fig = fg.budget_changes(d, sangong=True) if budget else fg.sangong(d)

# %%
h.md(an.section(d, "06", "projects"))
pr = d.projects
low = an.low_execution_high_score(pr)
s = an.project_summary(pr)
if budget:
    bpj = an.budget_projects(d)
    h.md((f"本年项目支出预算 {h.wan(bpj['project_yuan'])} 万元，占支出预算的 {h.pct(bpj['project_share'])}" if bpj["project_yuan"] is not None
          else "支出预算总表没有项目支出合计")
         + (f"；实行绩效目标管理的项目预算资金 {h.wan(bpj['perf_funds_yuan'])} 万元。" if bpj["perf_funds_yuan"] is not None else "。")
         + ("本报告缺少：" + "；".join(bpj["missing"]) + "。" if bpj["missing"] else ""))
elif len(pr):
    h.md(f"{len(pr)} 个项目的自评得分在 {s['min_score']}–{s['max_score']} 分之间；执行率低于{an.PROJECT_RATE_THRESHOLD:.0%}而自评{an.PROJECT_SCORE_THRESHOLD}分以上的有 {len(low)} 个"
         + ("：" + "、".join(f"{r.project}（执行 {h.pct(r.execution_rate)}，{r.score} 分）" for r in low.itertuples()) if len(low) else "")
         + "。")
    fig = fg.projects_scatter(d)
else:
    h.md("本报告没有附项目支出绩效自评表。")

# %% [markdown]
# ## 数据质量说明

# %%
# NBVAL_CHECK_OUTPUT
f = mz.add_message_zh(d.findings)
err = f[f.severity == "error"]
rec = d.line_items[d.line_items.status == "reconstructed"]
shown = err.head(10)
h.md((f"原文中发现 **{len(err)}** 处超出舍入误差的不一致（错误）" + ("，前 10 处" if len(err) > 10 else "") + "：\n\n" + "\n".join(
    f"- {r.message_zh}（原文第 {r.location.rsplit(':', 1)[-1]} 行）" for r in shown.itertuples())
      if len(err) else "原文中没有发现超出舍入误差的不一致。")
     + f"""\n\n另有 {len(f[f.severity == 'warning'])} 条警告（舍入差异或所述比率与重算不一致）"""
     + (f"，{len(rec)} 个在提取中丢失、由表内勾稽关系唯一确定而重建的单元格" if len(rec) else "")
     + "。本报告如实列出这些不一致，不作修改；完整清单见“数据质量”一章。")

# %% [markdown]
# ## 方法说明

# %%
h.md(m.note() if not budget else "预算报告只有预算数：完成率区间与 PEFA 参照只用于决算报告。")
