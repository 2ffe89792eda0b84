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
#   title: "\u9884\u7B97\u4E0E\u51B3\u7B97"
# ---

# %% tags=["parameters", "remove-cell"]
year = 2022
department = "nxgxt"
completion_bands = None  # 完成率区间 [低, 高]，如 [0.9, 1.1]；None：juesuan.method 的默认值（80%、120%）
pi1_bands = None  # PEFA PI-1 区间，如 {"A": [0.95, 1.05], "B": [0.9, 1.1], "C": [0.85, 1.15]}；None：默认值
pi2_bands = None  # PEFA PI-2 区间，如 {"A": 0.05, "B": 0.1, "C": 0.15}；None：默认值

# %% tags=["remove-cell"]
import helpers as h
from juesuan import analysis as an, figures as fg, method

h.setup()
d = h.load(year, department, exact=True)  # exact Decimal amounts: the prose states sums to the fen
m = method.from_params(completion_bands, pi1_bands, pi2_bands)

# %%
# NBVAL_CHECK_OUTPUT
budget = an.is_budget(d)  # a 预算 report: its items against the prior year's budget and execution
h.md("# " + an.heading(d, "03", "title"))
bo = an.outturn(an.usable_outturn(d.budget_outturn), m)
has = len(bo) > 0 and not budget
NONE = "（本报告没有预算执行明细，本节从略。）"
agg = an.aggregate_outturn(bo, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"), m=m)
view = an.execution_view(bo, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"),
                         d.fact("gpb_budget", "full_budget"), m=m)
stated = d.fact("gpb_budget", "completion_rate")
parts = [f"{n} 项{what}" for n, what in ((view["initial_items"], "有年初预算"),
                                          (view["full_items"], "只有全年预算（调整后预算），按全年预算计"),
                                          (view["none_items"], "既没有年初预算也没有全年预算")) if n]
it = an.budget_items(d.stated_facts, d.line_items) if budget else None
if budget:
    n_prior = int(sum(v is not None for v in it.prior_budget_yuan)) if len(it) else 0
    n_exec = int(sum(v is not None for v in it.prior_execution_yuan)) if len(it) else 0
    n_rate = int(sum(v is not None for v in it.stated_rate_vs_execution)) if len(it) else 0
    h.md((f"说明部分逐项列出了 {len(it)} 个功能分类项目的本年预算（合计 {h.wan(an.dsum(it.budget_yuan))} 万元）："
          f"其中 {n_prior} 项给出了上年预算（或由所述增减额推算），{n_exec} 项给出了上年预算执行数，"
          f"{n_rate} 项给出了与上年预算执行数相比的增减率。" + an.missing_columns(it)
          if len(it) else "说明部分没有逐项列出本年预算（“1.‘××支出（类）××（款）××（项）’××万元”），"
          "无法逐项与上年预算或上年预算执行数比较。")
         + "总量与上年预算的比较见“收支总览”一章。")
else:
    h.md(an.execution_sentence(view, d.year, stated=stated if view["basis"] == "initial" else None)
         + (f"说明部分逐项列出了 {len(bo)} 个功能分类项目，其中 " + "，".join(parts) + "。" if has else
            "本报告没有预算执行明细：说明部分未逐项列出一般公共预算财政拨款支出的年初预算与决算，本章各节从略。"))

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(bo[["code", "completion_rate", "stated_completion_rate", "band"]].to_string(index=False, na_rep=""))
print("aggregate:", agg["rate"], agg["pi1_band"])

# %%
h.md(an.section(d, "03", "items"))
if budget and len(it):
    pr = it[it.prior_budget_yuan.notna()]
    h.md((f"{len(pr)} 项可与上年预算比较：" + "，".join(
        f"{n} 项{w}" for n, w in ((int(sum(1 for v in pr.change_yuan if v is not None and v > 0)), "增加"),
                                 (int(sum(1 for v in pr.change_yuan if v is not None and v < 0)), "减少"),
                                 (int(sum(1 for v in pr.change_yuan if v == 0)), "持平")) if n) + "。"
          if len(pr) else "说明部分没有逐项给出上年预算，也没有逐项所述的比上年预算增减额：无法逐项比较本年预算与上年预算"
          + ("（与上年预算执行数的比较见下节）。" if it.prior_execution_yuan.notna().any() else "。")))
    fig = fg.budget_changes(d, which="items") if len(pr) else None
    shown = [c for c in ["code", "label", "budget_yuan", "prior_budget_yuan", "prior_source", "change_yuan", "change_rate"]
             if c in ("code", "label", "budget_yuan") or any(an.clean_text(v) for v in it[c])]
    h.details(h.table(it[shown],
              labels={"code": "科目编码", "label": "项目", "budget_yuan": "本年预算（元）", "prior_budget_yuan": "上年预算（元）",
                      "prior_source": "上年预算来源", "change_yuan": "增减（元）", "change_rate": "增减率"}),
              f"全部 {len(it)} 个项目的本年预算与上年预算（点击展开）", open_=len(it) <= 12)
elif budget:
    h.md("说明部分没有逐项列出本年预算，本节没有可比较的内容。")

# %%
h.md(an.section(d, "03", "execution"))
if budget:
    ex = it[it.prior_execution_yuan.notna()] if len(it) else it
    bad = ex[ex.rate_check == "不符"] if len(ex) else ex
    zero = ex[[an.num(v) == 0 for v in ex.prior_execution_yuan]] if len(ex) else ex
    h.md((f"{len(ex)} 项给出了上年预算执行数（合计 {h.wan(an.dsum(ex.prior_execution_yuan))} 万元，这些项目本年预算合计 "
          f"{h.wan(an.dsum(ex.budget_yuan))} 万元）。"
          + (f"按“（本年预算 − 上年预算执行数）÷ 上年预算执行数”重算原文所述的增减率：{int((ex.rate_check == '相符').sum())} 项相符，"
             f"**{len(bad)}** 项不符" + ("：" + "；".join(
                 f"{r.label}原文 {h.pct(r.stated_rate_vs_execution)}，重算 {h.pct(r.rate_vs_execution)}" for r in bad.itertuples())
                 if len(bad) else "") + "。" if ex.stated_rate_vs_execution.notna().any() else
             "说明部分没有给出与上年预算执行数相比的增减率，只能重算。")
          + (f"{len(zero)} 项上年预算执行数为 0，增减率无法计算。" if len(zero) else "")
          if len(ex) else "说明部分没有逐项给出上年预算执行数（“××年当年预算执行数为××万元”），无法与上年执行比较。"))
    fig = fg.budget_execution(d) if len(ex) else None
    if len(ex):
        h.details(h.table(ex[["code", "label", "budget_yuan", "prior_execution_yuan", "change_vs_execution_yuan",
                              "rate_vs_execution", "stated_rate_vs_execution", "rate_check"]],
                  labels={"code": "科目编码", "label": "项目", "budget_yuan": "本年预算（元）",
                          "prior_execution_yuan": "上年预算执行数（元）", "change_vs_execution_yuan": "增减（元）",
                          "rate_vs_execution": "增减率（重算）", "stated_rate_vs_execution": "增减率（原文）",
                          "rate_check": "核对"}),
                  f"全部 {len(ex)} 项与上年预算执行数的比较（点击展开）", open_=len(ex) <= 12)

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print("items:", len(it) if budget else 0, "mismatched rates:", int((it.rate_check == "不符").sum()) if budget and len(it) else 0)

# %%
h.md(an.section(d, "03", "largest"))
if budget:
    big = an.largest_changes(it, n=5) if len(it) else it
    basis = "上年预算"
    if not len(big) and len(it):      # no prior budget item by item: the change against the prior execution
        big = an.largest_changes(it.assign(change_yuan=it.change_vs_execution_yuan), n=5)
        basis = "上年预算执行数"
    h.md(f"与{basis}相比，变化最大的{'五' if len(big) == 5 else len(big)}项：" + "；".join(
        f"{an.item_ref(r.label.split('（')[0], r.code)}{'增加' if r.change_yuan > 0 else '减少'} {h.wan(abs(r.change_yuan))} 万元"
        f"（本年预算 {h.wan(r.budget_yuan)} 万元）" for r in big.itertuples()) + "。"
         if len(big) else "没有可以比较的项目。")

# %%
h.md(an.section(d, "03", "pi1"))
fig = fg.pefa_outturn(d, d.fact("gpb_budget", "budget"), d.fact("gpb_budget", "actual"), m=m) if not budget else None
h.md("" if budget else f"""按PEFA（2016）PI-1“总体支出执行”的区间（按年初预算计），{d.year}年决算数为年初预算的 {h.pct(agg['rate'])}，落在
**{agg['pi1_band']}** 档对应的区间（{m.pi1_text()}）。**注意：PEFA评分需要连续三个年度的数据，
这里只有一个年度，只能说明本年所处的区间，不能据此评分。**""" if agg["rate"] is not None else
     f"PEFA PI-1 按年初预算计，本报告没有年初预算，不适用；按全年预算计，决算为全年预算的 {h.pct(view['rate'])}。"
     if view["basis"] == "full" else "没有年初预算与决算的合计数，无法计算总体执行率。")

# %%
h.md(an.section(d, "03", "rates"))
fig = fg.completion_rates(d, m) if not budget else None
if fig is None and not budget:
    h.md(NONE if not has else "预算执行明细各项都没有年初预算或全年预算，无法计算完成率。")

# %%
bands = an.band_summary(bo, m)
if has:
    h.md("；".join(f"{r.band} 共 {r.items} 项（" + ("" if r.band == method.NO_BUDGET else
                  f"{'全年预算' if r.band == method.FULL_ONLY else '年初预算'} {h.wan(r.initial_budget_yuan)} 万元，")
                  + f"决算 {h.wan(r.actual_yuan)} 万元）" for r in bands.itertuples() if r.items) + "。")
    optional = ("full_budget_yuan", "full_completion_rate", "stated_basis", "table_name")   # only when given
    cols = [c for c in ["code", "name", "table_name", "initial_budget_yuan", "full_budget_yuan", "actual_yuan",
                        "completion_rate", "full_completion_rate", "stated_completion_rate", "stated_basis", "band",
                        "explanation"]
            if c in bo.columns and (c not in optional or any(an.clean_text(v) for v in bo[c]))
            and (c != "completion_rate" or view["initial_items"])]
    display(h.table(bo[cols],
        labels={"code": "科目编码", "name": "项目", "table_name": "公开05表中的名称", "stated_basis": "原文完成率所指预算",
                "initial_budget_yuan": "年初预算（元）", "full_budget_yuan": "全年预算（元）",
                "actual_yuan": "决算（元）", "completion_rate": "完成年初预算（重算）",
                "full_completion_rate": "完成全年预算（重算）", "stated_completion_rate": "完成率（原文）", "band": "区间",
                "explanation": "原文所述原因"}))

# %%
h.md(an.section(d, "03", "movement"))
dev = an.largest_deviations(bo, n=5, m=m)
h.md("" if budget else NONE if not has else f"按金额看，偏离最大的{'五' if len(dev) == 5 else len(dev)}项是：" + "；".join(
    f"{an.item_ref(r.name, r.code)}{'多' if r.movement_yuan >= 0 else '少'}支出 {h.wan(abs(r.movement_yuan))} 万元"
    + (f"，完成率 {h.pct(r.basis_rate)}" if r.basis == "initial" and r.basis_rate is not None else
       f"，完成全年预算的 {h.pct(r.basis_rate)}" if r.basis == "full" and r.basis_rate is not None else "，无年初预算")
    + (f"，原因：{r.explanation}" if r.explanation else "") for r in dev.itertuples()) + "。")
fig = fg.budget_vs_actual_amounts(d, m) if has else None

# %%
fig = fg.rate_vs_amount(d, m) if has else None

# %%
# NBVAL_CHECK_OUTPUT
h.md(an.section(d, "03", "nobudget"))
nob = bo[bo.basis != "initial"] if len(bo) else bo
h.md("" if budget else NONE if not has else "每一项都有年初预算。" if not len(nob) else f"共有 {len(nob)} 项没有年初预算，决算合计 {h.wan(an.dsum(nob.actual_yuan))} 万元：" + "；".join(
    an.item_ref(r.name, r.code, bold=False) + (f"全年预算 {h.yuan(r.basis_budget_yuan)} 元，" if r.basis == "full" else "")
    + f"决算 {h.yuan(r.actual_yuan)} 元" + (f"，完成全年预算的 {h.pct(r.basis_rate)}" if r.basis == "full" else "")
    + (f"，年中追加预算 {h.yuan(r.adjusted_budget_yuan)} 元" if an.num(r.adjusted_budget_yuan) else "")
    + (f"——{r.explanation}" if r.explanation else "") for r in nob.itertuples()) + "。")

# %%
h.md(an.section(d, "03", "reasons"))
rg = an.reason_groups(bo) if has else None
fig = fg.reason_categories(d) if not budget else None
if (rg is None or not len(rg)) and not budget:
    h.md(NONE if not has else "报告没有说明偏离原因。")
elif rg is not None and len(rg):
    display(h.table(rg, labels={"reason_category": "原因类别", "items": "项数", "names": "项目", "initial_budget_yuan": "预算（元）",
                    "actual_yuan": "决算（元）", "movement_yuan": "差额（元）"}))

# %%
# NBVAL_CHECK_OUTPUT
h.md(an.section(d, "03", "pi2"))
fn = an.composition_variance(bo.initial_budget_yuan, bo.actual_yuan, m)
be = d.basic_expenditure[d.basic_expenditure.initial_budget_yuan.notna()]
ec = an.composition_variance(be.initial_budget_yuan, be.actual_yuan, m)
h.md("" if budget else "按PI-2的方法（各项年初预算按总体执行率调整后，与决算的绝对差之和除以调整后预算），"
     + (f"按功能分类（{fn['lines']} 项）的结构偏离为 **{h.pct(fn['variance'])}**（区间 {fn['pi2_band']}），"
        if fn["variance"] is not None else "没有各功能分类项目的年初预算，无法计算按功能分类的结构偏离；")
     + (f"基本支出按经济分类（{ec['lines']} 类）为 **{h.pct(ec['variance'])}**（区间 {ec['pi2_band']}）。"
        if ec["variance"] is not None else "报告未给出基本支出各经济分类的年初预算，无法计算经济分类的结构偏离。")
     + f"PI-2 的区间为 {m.pi2_text()}；同样，正式评分需要三个年度。")

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print("PI-2 function:", fn["variance"], fn["pi2_band"], "economic:", ec["variance"], ec["pi2_band"])

# %% [markdown]
# ## 方法说明

# %%
h.md(m.note() if not budget else "上年预算取自说明部分：原文所述，或由本年预算减去所述增减额推算（标“推算”）。"
     "与上年预算执行数相比的增减率按“（本年预算 − 上年预算执行数）÷ 上年预算执行数”重算，与原文按其所列位数四舍五入后比较"
     "（相差不超过原文末位的一半为相符）。预算报告没有决算数：完成率与 PEFA 区间只用于决算报告。")
