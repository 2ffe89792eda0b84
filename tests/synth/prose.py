"""Synthetic explanation sections (第三部分 …决算情况说明) in the sentence forms of the national
template and the variants real reports use — the prose twin of ``generate.py``.

``section(seed, variant)`` draws the amounts from the same ``generate.model(seed)`` as the tables
(公开05's 项 rows, its totals, the 公开01 grand total …), words them in one variant and returns a
:class:`Prose`: the lines of the section, the facts every sentence states (what a reader must read
back), the 公开05 table of the same seed (for the code lookup), and the lines of the figures that
may be changed one at a time (``mutate``) with the one finding each change must cause.

Variants (``VARIANTS``; any dict with these keys works):
``budget``  年初预算 | 全年预算 | 调整预算 — the budget the items state (全年/调整: both budgets);
``prior``   上年 | 上一年度 | 年度 (→ "2023年度") — how the prior year is named (与…相比 / 比… /
            较… / 同比, 增加 / 减少 / 持平 with 增长 / 上升 / 下降 / 降低 rates, chosen by the seed);
``unit``    万元 | 元;
``codes``   item headings with codes (208)(05)(01) or with （类）（款）（项);
``alias``   non-official 项 names (matched to 公开05 by 款 and amount);
``founded`` a unit founded in the year: 年初预算 0 for everything, the 全年预算 view;
``rates``   completion and change rates in the sentences, or none.
All amounts are whole hundreds of 元, so they print exactly in 万元; rates are rounded half-up.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from . import generate as g

VARIANTS = [
    {"name": "template", "budget": "年初预算", "prior": "上年", "unit": "万元", "codes": False,
     "alias": False, "founded": False, "rates": True},
    {"name": "full_budget_codes_yuan", "budget": "全年预算", "prior": "年度", "unit": "元", "codes": True,
     "alias": False, "founded": False, "rates": True},
    {"name": "adjusted_alias", "budget": "调整预算", "prior": "上一年度", "unit": "万元", "codes": False,
     "alias": True, "founded": False, "rates": True},
    {"name": "founded_in_year", "budget": "全年预算", "prior": "年度", "unit": "万元", "codes": False,
     "alias": False, "founded": True, "rates": True},
    {"name": "no_rates", "budget": "年初预算", "prior": "上一年度", "unit": "元", "codes": True,
     "alias": True, "founded": False, "rates": False},
]
YEAR = 2024
H = Decimal(100)      # the model's amounts are hundreds of 元


def money(h: int, unit: str) -> str:
    v = Decimal(h) * H
    return f"{v / 10000:.2f}万元" if unit == "万元" else f"{v:.2f}元"


def pct(x: Decimal) -> str:
    return f"{(x * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def rate(x: Decimal) -> Decimal:
    return (x * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) / 100


@dataclass
class Prose:
    lines: list[str]
    facts: list[tuple[str, str, Decimal]] = field(default_factory=list)   # (subject, measure, value)
    items: list[dict] = field(default_factory=list)                      # expected outturn items
    mutable: list[tuple[int, str, str, str]] = field(default_factory=list)  # (line, old, new, check)
    table05: object = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _table05(m: g.Model, rows05: dict):
    from juesuan.extract.tabular.tables import Row, Table
    t = Table("公开05", g.TITLES["公开05"], start=1000, end=1100)
    for i, (code, h) in enumerate(sorted(rows05.items())):
        t.rows.append(Row(line=1001 + i, key=f"func:{code}", item=m.names[code], code=code,
                          values={"total": Decimal(h) * H}))
    return t


stated_prior: list[int] = []      # the prior figure the last sentence stated (form "stated")


def _change_sentence(rng, subject_words: str, current: int, v: dict, prior_name: str, form=None):
    """(sentence, change h, rate or None): 与{prior}相比，X增加/减少/持平 … (form "bi": X比{prior}…;
    "bare": 比{prior}… after the figure)"""
    kind = rng.choice(["up", "down", "level"]) if current else "level"
    stated_prior[:] = []
    if kind == "level":
        return (f"与{prior_name}持平。" if form == "bare" else f"与{prior_name}相比，{subject_words}持平。"), 0, None
    change = rng.randint(1, max(1, current // 3))
    change = change if kind == "up" else -change
    prior = current - change
    r = Decimal(change) / Decimal(prior)
    word = "增加" if change > 0 else "减少"
    rword = rng.choice(["增长", "上升"]) if change > 0 else rng.choice(["下降", "降低"])
    form = form or rng.choice(["yu", "bi", "jiao", "tongbi", "stated"])
    head = {"yu": f"与{prior_name}相比，{subject_words}", "bi": f"{subject_words}比{prior_name}",
            "jiao": f"{subject_words}较{prior_name}", "tongbi": f"{subject_words}同比",
            "bare": f"比{prior_name}",
            # the older form that states the prior figure: 与上年收入总计 X 元相比，收入总计减少 Y 元
            "stated": f"与{prior_name}{subject_words}{money(prior, v['unit'])}相比，{subject_words}"}[form]
    stated_prior[:] = [prior] if form == "stated" else []
    s = f"{head}{word}{money(abs(change), v['unit'])}"
    if v["rates"]:
        s += f"，{rword}{pct(abs(r))}"
    return s + "。", change, (rate(r) if v["rates"] else None)


def section(seed: int, variant: dict, dept: str = "合成市示例局") -> Prose:
    m = g.model(seed)
    cells = g.sums(m)
    rng = random.Random(seed * 7919 + len(variant["name"]))
    u = variant["unit"]
    prior_name = f"{YEAR - 1}年度" if variant["prior"] == "年度" else variant["prior"]
    rows05 = {k[2][5:]: v for k, v in cells.items()        # 0 rows too: 公开05 prints them
              if k[0] == "公开05" and k[3] == "total" and k[2].startswith("func:")}
    p = Prose(lines=[f"第三部分 {dept}{YEAR}年度部门决算情况说明"], table05=_table05(m, rows05))

    def add(line: str) -> int:
        p.lines.append(line)
        return len(p.lines)

    # 一、收入支出决算总体情况
    add("一、收入支出决算总体情况说明")
    grand = cells[("公开01", "收入", "grand_total", "amount")]
    s, ch, r = _change_sentence(rng, "收入支出总计", grand, variant, prior_name)
    n = add(f"{dept}{YEAR}年度收入支出总计{money(grand, u)}。{s}主要原因：业务调整。")
    for subj in ("total_income", "total_expenditure"):
        p.facts += [(subj, "actual", Decimal(grand) * H), (subj, "change", Decimal(ch) * H)]
        p.facts += [(subj, "prior", Decimal(x) * H) for x in stated_prior]
        if r is not None:
            p.facts.append((subj, "change_rate", r))
    if r is not None:
        p.mutable.append((n, pct(abs(r)), pct(abs(r) + Decimal("0.0011")), "text_change_rate"))
    # 五、一般公共预算财政拨款支出
    add("五、一般公共预算财政拨款支出决算情况说明")
    add("（一）一般公共预算财政拨款支出决算总体情况")
    gpb = cells[("公开05", "", "total", "total")]
    s, ch, r = _change_sentence(rng, "一般公共预算财政拨款支出", gpb, variant, prior_name)
    n = add(f"一般公共预算财政拨款支出{money(gpb, u)}。{s}")
    p.facts += [("gpb_expenditure", "actual", Decimal(gpb) * H), ("gpb_expenditure", "change", Decimal(ch) * H)]
    p.facts += [("gpb_expenditure", "prior", Decimal(x) * H) for x in stated_prior]
    if r is not None:
        p.facts.append(("gpb_expenditure", "change_rate", r))
        p.mutable.append((n, pct(abs(r)), pct(abs(r) + Decimal("0.0011")), "text_change_rate"))
    add("（三）一般公共预算财政拨款支出决算具体情况")
    leaves = sorted(c for c in rows05 if len(c) == 7)
    full_view = variant["budget"] != "年初预算" or variant["founded"]
    items = []
    for code in leaves:
        actual = rows05[code]
        initial = 0 if variant["founded"] else max(1, actual + rng.randint(-actual // 5, actual // 5))
        full = (initial + rng.randint(0, max(1, actual // 4))) if not variant["founded"] else \
            max(actual, actual + rng.randint(-actual // 10, actual // 5))
        if rng.random() < 0.2:                     # spent as budgeted: 持平 / 基本持平
            full = actual
            initial = initial if variant["founded"] else actual
        if full == 0 or (not variant["founded"] and initial == 0):
            full = max(full, actual, 1)
            initial = initial if variant["founded"] else max(initial, 1)
        items.append((code, actual, initial, full))
    tot_a = sum(a for _, a, _, _ in items)
    tot_i = sum(i for _, _, i, _ in items)
    tot_f = sum(f for _, _, _, f in items)
    bw = "全年预算" if variant["founded"] else variant["budget"]
    if full_view:
        head = (f"一般公共预算财政拨款支出年初预算为{money(tot_i, u)}，{bw}为{money(tot_f, u)}，"
                f"支出决算为{money(tot_a, u)}")
        p.facts += [("gpb_budget", "budget", Decimal(tot_i) * H), ("gpb_budget", "full_budget", Decimal(tot_f) * H)]
        base, rm = tot_f, "full_completion_rate"
    else:
        head = f"一般公共预算财政拨款支出年初预算为{money(tot_i, u)}，支出决算为{money(tot_a, u)}"
        p.facts.append(("gpb_budget", "budget", Decimal(tot_i) * H))
        base, rm = tot_i, "completion_rate"
    p.facts.append(("gpb_budget", "actual", Decimal(tot_a) * H))
    if variant["rates"]:
        cr = rate(Decimal(tot_a) / Decimal(base))
        head += f"，完成{bw}的{pct(cr)}"
        p.facts.append(("gpb_budget", rm, cr))
    tword = "大于" if tot_a > base else "小于" if tot_a < base else None
    tnamed = f"{bw}数" if full_view and not variant["founded"] else "预算数"
    ttail = f"决算数{tword}{tnamed}的主要原因：业务量变化。" if tword else f"决算数与{tnamed}持平。"
    n = add(head + "。" + ttail + "其中：")
    if variant["rates"]:
        p.mutable.append((n, pct(cr), pct(cr + Decimal("0.0011")), "text_completion_rate"))
    if tword:
        other = "小于" if tword == "大于" else "大于"
        p.mutable.append((n, f"决算数{tword}{tnamed}", f"决算数{other}{tnamed}", "doc_direction_words"))
    for no, (code, actual, initial, full) in enumerate(items, 1):
        cls, kuan, xiang = m.names[code[:3]], m.names[code[:5]], m.names[code]
        alias = variant["alias"] and sum(1 for c in leaves if c[:5] == code[:5]
                                         and rows05[c] == actual) == 1
        name = f"{xiang}相关经费" if alias else xiang
        if code[:3] == "210" and variant["prior"] == "上一年度":
            cls = "医疗卫生与计划生育支出"          # the older name of the class
        if variant["codes"] and not alias:
            heading = f"{no}. {cls}（{code[:3]}）{kuan}（{code[3:5]}）{name}（{code[5:]}）。"
        else:
            heading = f"{no}、{cls}（类）{kuan}（款）{name}（项）。"
        budget = full if full_view else initial
        if full_view:
            body = f"年初预算为{money(initial, u)}，{bw}为{money(full, u)}，支出决算为{money(actual, u)}"
        else:
            body = f"年初预算为{money(initial, u)}，支出决算为{money(actual, u)}"
        rr = None
        if variant["rates"]:
            rr = rate(Decimal(actual) / Decimal(budget))
            body += f"，完成{bw}的{pct(rr)}"
        word = "大于" if actual > budget else "小于" if actual < budget else None
        named = f"{bw}数" if full_view and not variant["founded"] else "预算数"   # a bare 预算数 is 年初
        level = rng.choice(["持平", "基本持平"])      # both forms are in real reports
        tail = f"决算数{word}{named}的主要原因：业务量变化。" if word else f"决算数与{named}{level}。"
        n = add(f"{heading}{body}。{tail}")
        p.items.append({"code": code, "code_source": "match" if alias else ("text" if variant["codes"] else "name"),
                        "initial_budget": Decimal(initial) * H,
                        "full_budget": Decimal(full) * H if full_view else None,
                        "actual": Decimal(actual) * H, "stated_completion_rate": rr,
                        "stated_rate_basis": ("full" if full_view else "initial") if rr is not None else None,
                        "line": n})
        if rr is not None:
            p.mutable.append((n, pct(rr), pct(rr + Decimal("0.0011")), "text_completion_rate"))
        if word:
            other = "小于" if word == "大于" else "大于"
            p.mutable.append((n, f"决算数{word}{named}", f"决算数{other}{named}", "doc_direction_words"))
    # 十一(一) 机关运行经费
    add("十一、其他重要事项的情况说明")
    add("（一）机关运行经费支出情况")
    admin = sum(m.econ[c] for _, _, panel, its in g.ECONOMIC if panel == "公用经费" for c, _ in its)
    s, ch, r = _change_sentence(rng, "机关运行经费支出", admin, variant, prior_name, form="bare")
    n = add(f"机关运行经费支出{money(admin, u)}，{s}主要原因是日常运转。")
    p.facts += [("admin_operating", "actual", Decimal(admin) * H), ("admin_operating", "change", Decimal(ch) * H)]
    if r is not None:
        p.facts.append(("admin_operating", "change_rate", r))
        p.mutable.append((n, pct(abs(r)), pct(abs(r) + Decimal("0.0011")), "text_change_rate"))
    return p


def mutate(p: Prose, k: int) -> tuple[str, int, str]:
    """The section's text with the k-th changeable figure changed: (text, line, expected check)."""
    line, old, new, check = p.mutable[k]
    lines = list(p.lines)
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines) + "\n", line, check
