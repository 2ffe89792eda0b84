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
#   title: "\u57FA\u672C\u652F\u51FA\u4E0E\u4E09\u516C\u7ECF\u8D39"
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
budget = an.is_budget(d)  # a 预算 report: budgets only (预算06, 预算07), no 决算
h.md("# " + an.heading(d, "04", "title"))
T6 = "预算06" if budget else "公开06"
be = d.basic_expenditure
pp = an.personnel_public(d.line_items, T6)
pers, pub, tot = pp["personnel_yuan"], pp["public_yuan"], pp["total_yuan"]
if an.has_table(d, T6) and tot is not None:
    h.md(f"""{d.year}年度一般公共预算{'' if budget else '财政拨款'}基本支出{'预算' if budget else ''} **{h.wan(tot)} 万元**"""
         + (f"""，其中人员经费 {h.wan(pers)} 万元（{h.pct(an.ratio(pers, tot))}），公用经费 {h.wan(pub)} 万元（{h.pct(an.ratio(pub, tot))}）"""
            if pers is not None and pub is not None else f"；{an.table_titles().get(T6, T6)}没有分列人员经费和公用经费")
         + ("（人员经费、公用经费为表中各类的合计）" if pp["source"] == "classes" else "") + "。")
else:
    h.md(an.table_note(d, T6) or f"{an.table_titles().get(T6, T6)}没有合计数。")

# %%
fig = fg.personnel_public(d)

# %%
h.md(an.section(d, "04", "econ"))
fig = fg.economic_classes(d)
if fig is None:
    h.md(an.table_note(d, T6) if budget and an.table_note(d, T6) else "报告没有给出基本支出各经济分类的金额。")
elif budget:
    ec = an.econ_classes(d.line_items, T6)
    pe = ec[[an.num(v) is not None and an.num(v) > 0 for v in ec.amount_yuan]].head(3)
    h.md("基本支出预算按经济分类，" + "、".join(f"{r.name} {h.wan(r.amount_yuan)} 万元（{h.pct(an.ratio(r.amount_yuan, tot))}）"
                                         for r in pe.itertuples()) + (" 居前。" if len(pe) > 1 else "。")
         + (f"人员经费与公用经费之比约为 {an.ratio(pers, pub) or 0:.1f} : 1。" if pers and pub else ""))

# %%
if budget:
    ec = an.econ_classes(d.line_items, T6)
    if len(ec):
        display(h.table(ec, labels={"code": "编码", "name": "经济分类", "amount_yuan": "预算数（元）"}))
elif len(be):
    display(h.table(be[["code", "name", "kind", "initial_budget_yuan", "actual_yuan", "budget_change_rate", "stated_budget_change_rate",
            "prior_yuan", "prior_change_rate", "stated_prior_change_rate"]],
        labels={"code": "编码", "name": "经济分类", "kind": "类别", "initial_budget_yuan": "年初预算（元）",
                "actual_yuan": "决算（元）", "budget_change_rate": "较预算（重算）", "stated_budget_change_rate": "较预算（原文）",
                "prior_yuan": "上年（元）", "prior_change_rate": "较上年（重算）", "stated_prior_change_rate": "较上年（原文）"}))

# %% tags=["remove-cell"]
# NBVAL_CHECK_OUTPUT
print(be[["code", "actual_yuan", "initial_budget_yuan", "prior_yuan"]].to_string(index=False))

# %%
# NBVAL_CHECK_OUTPUT
h.md(an.section(d, "04", "sangong"))
sg = d.sangong.set_index("category")
t = sg.loc["total"] if "total" in sg.index else None
has_sg = t is not None and (t.actual_yuan is not None or t.budget_yuan is not None or t.budget_text_yuan is not None)
bsg = an.budget_sangong(d) if budget else None


def sg_actual(key):
    return h.wan(sg.loc[key].actual_yuan) if key in sg.index else "—"


if budget:
    sv = an.budget_sangong_view(d)
    h.md(("“三公”经费和机关运行经费预算（说明部分）：" + "；".join(
        f"{r.label} {h.wan(r.budget_yuan)} 万元" + an.vs_prior_budget(r.budget_yuan, r.prior_budget_yuan, r.change_yuan)
        for r in bsg.itertuples() if r.budget_yuan is not None) + "。" if len(bsg) else
        f"“三公”经费预算 {h.wan(an.sangong_table_total(d.line_items))} 万元（预算07表；说明部分没有给出）。"
        if an.sangong_table_total(d.line_items) is not None else "说明部分和预算07表都没有给出“三公”经费预算。")
         + ("" if not len(sv) or sv.prior_budget_yuan.notna().any() else "说明部分没有给出“三公”经费的上年预算或比上年的增减，无法与上年比较。")
         + "".join(f"{r.label}的预算数，预算07表为 {h.yuan(r.table_yuan)} 元，说明部分为 {h.yuan(r.text_yuan)} 元，**不一致**。"
                   for r in sv.itertuples() if r.table_yuan is not None and r.text_yuan is not None
                   and an.num(r.table_yuan) != an.num(r.text_yuan)))
elif has_sg:
    h.md(((an.table_note(d, "公开07") + "以下金额取自说明部分。") if not an.has_table(d, "公开07") else "")
         + f"""“三公”经费财政拨款预算 {h.wan(t.budget_yuan if t.budget_yuan is not None else t.budget_text_yuan)} 万元，
决算 **{h.wan(t.actual_yuan)} 万元**，完成预算的 {h.pct(t.completion_rate)}；"""
         + (f"上年决算 {h.wan(t.prior_yuan)} 万元，本年{an.change_word(t.actual_yuan, t.prior_yuan)}（{h.pct(t.change_rate)}）。"
            if t.prior_yuan is not None else "报告未给出上年金额。")
         + f"""其中公务用车购置及运行费 {sg_actual('vehicle')} 万元，
公务接待费 {sg_actual('reception')} 万元，因公出国（境）费 {sg_actual('abroad')} 万元。""")
else:
    h.md(an.table_note(d, "公开07") or "报告没有给出“三公”经费的金额。")

# %%
fig = fg.budget_changes(d, sangong=True) if budget else fg.sangong(d)

# %%
if budget and len(sv):
    display(h.table(sv.drop(columns=["category"]),
                    labels={"label": "项目", "table_yuan": "预算数（预算07，元）", "text_yuan": "预算数（说明，元）",
                            "prior_budget_yuan": "上年预算（元）", "prior_source": "上年预算来源", "change_yuan": "增减（元）",
                            "change_rate": "增减率"}))
elif budget:
    h.md(an.table_note(d, "预算07") or "本报告没有“三公”经费预算表。")
elif has_sg:
    display(h.table(d.sangong.drop(columns=["year", "department", "category"]),
        labels={"label": "项目", "budget_yuan": "预算数（公开07，元）", "actual_yuan": "决算数（元）",
                "budget_text_yuan": "预算数（说明，元）", "prior_yuan": "上年决算（元）", "completion_rate": "完成率",
                "stated_completion_rate": "完成率（原文）", "change_rate": "较上年（重算）", "stated_change_rate": "较上年（原文）"}))

# %%
# NBVAL_CHECK_OUTPUT
mismatch = an.keep_rows(d.sangong, [b is not None and a is not None and an.num(a) != an.num(b)
                                     for a, b in zip(d.sangong.budget_yuan, d.sangong.budget_text_yuan)])
counts = {k: d.fact(k, "count") for k in ("vehicle_fleet", "vehicles_purchased", "reception_domestic_batches",
                                          "reception_domestic_persons", "abroad_groups")}
h.md((f"**不一致：** " + "；".join(f"{r.label}的预算数，公开07表为 {h.yuan(r.budget_yuan)} 元，说明部分为 {h.yuan(r.budget_text_yuan)} 元"
      for r in mismatch.itertuples()) + "。" if len(mismatch) else
      "公开07表与说明部分的预算数一致。" if an.has_table(d, "公开07") and has_sg else "")
     + "".join(f" {label} {counts[k]} {unit}；" for k, label, unit in (
         ("vehicle_fleet", "公务用车保有量", "辆"), ("vehicles_purchased", "当年购置公务用车", "辆"),
         ("reception_domestic_batches", "国内公务接待", "批次"), ("reception_domestic_persons", "国内公务接待", "人次"),
         ("abroad_groups", "因公出国（境）团组", "个")) if counts[k] is not None))

# %%
# NBVAL_CHECK_OUTPUT
h.md(an.section(d, "04", "operating"))
ao, ao_prior = d.fact("admin_operating"), d.fact("admin_operating", "prior")
if budget:
    ob = bsg[bsg.subject.isin(["operating_costs", "admin_operating"])]
    ob = ob.iloc[0] if len(ob) else None
    h.md(f"机关运行经费预算 {h.wan(ob.budget_yuan)} 万元" + (
        f"，上年预算 {h.wan(ob.prior_budget_yuan)} 万元{'（推算）' if ob.prior_source.startswith('推算') else ''}，"
        f"{an.change_word(ob.budget_yuan, ob.prior_budget_yuan)} {h.pct(abs(ob.change_rate))}。"
        if ob.change_rate is not None else "；说明部分没有给出上年预算或比上年的增减。") if ob is not None and ob.budget_yuan is not None else
         f"机关运行经费预算 {h.wan(sv.set_index('category').table_yuan.get('operating_costs'))} 万元（预算07表；说明部分没有给出）。"
         if len(sv) and "operating_costs" in set(sv.category) else "说明部分和预算07表都没有给出机关运行经费预算。")
else:
    h.md(f"机关运行经费 {h.wan(ao)} 万元" + (f"，上年 {h.wan(ao_prior)} 万元，{an.change_word(ao, ao_prior)} {h.pct(abs(an.ratio(ao - ao_prior, ao_prior)))}。"
         if ao_prior else "。") if ao is not None else "报告未说明机关运行经费。")

# %%
h.md(an.section(d, "04", "procurement"))
pc = {r.category: r.amount_yuan for r in d.procurement.itertuples()}
pb = an.procurement_budget(d) if budget else None
if budget:
    tot_pb = pb.set_index("subject").budget_yuan.get("procurement") if len(pb) else None
    h.md((f"政府采购预算 **{h.wan(tot_pb)} 万元**" if tot_pb is not None else "说明部分没有给出政府采购预算总额")
         + ("（" + "、".join(f"{r.label.removeprefix('政府采购').removesuffix('预算')} {h.wan(r.budget_yuan)} 万元"
                             + (f"，占 {h.pct(r.share)}" if r.share is not None else "")
                             for r in pb.itertuples() if r.subject != "procurement") + "）" if len(pb) > (tot_pb is not None) else "")
         + "。" if len(pb) else "说明部分没有给出政府采购预算（“政府采购预算××万元，其中货物……”）。")
    if len(pb):
        display(h.table(pb[["label", "budget_yuan", "share", "source_line"]],
                        labels={"label": "项目", "budget_yuan": "预算（元）", "share": "占比（重算）", "source_line": "行"}))
else:
    h.md(f"""政府采购支出总额 {h.wan(pc.get('total'))} 万元（货物 {h.wan(pc.get('goods'))} 万元、
工程 {h.wan(pc.get('works'))} 万元、服务 {h.wan(pc.get('services'))} 万元）"""
     + (f"，授予中小企业合同 {h.wan(pc['sme'])} 万元，占 {h.pct(an.ratio(pc['sme'], pc.get('total')))}。" if pc.get('sme') is not None else "。")
     if pc.get("total") is not None else "报告未说明政府采购情况。")
if len(d.procurement) and not budget:
    display(h.table(d.procurement.drop(columns=["year", "department", "category"]), pct=["stated_share"],
        labels={"category": "类别", "label": "项目", "amount_yuan": "金额（元）", "stated_share": "占比（原文）", "source_line": "行"}))

# %%
if len(d.assets):
    display(h.table(d.assets.drop(columns=["year", "department"]), labels={"item": "资产", "value": "数量", "unit": "单位", "source_line": "行"}))
elif not budget:
    h.md("报告没有说明国有资产占有使用情况。")
