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


# ====================================================================== budget item sentences
# The 财政拨款支出主要内容 of a 部门预算 / 单位预算 in the forms real reports print (read in data/raw):
#   quoted  1.“一般公共服务支出（类）财政事务（款）行政运行（项）”1,623.18万元，主要用于…   (2025/ptczj-yusuan p7;
#           with a space after the ordinal and 科目 after the quote: 2023–2025/wanli-yusuan p6)
#   codes   3、一般公共服务支出（201类）财政事务（06款）行政运行（01项）512.30万元。主要用于：…  (the 2026 budgets of
#           issue 23: unquoted, the codes in the brackets, the clause wrapping across lines)
#   dashes  1. “一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行”科目1,202.95万元，主要用于…  (2025/ptzfb-yusuan
#           and ptzfb-dw-yusuan p6; whole 万元 printed without decimals: 科目4,614万元)
#   code    4. “2010301”科目72.00万元 / 4. 2010301行政运行72.00万元 (a code alone, with or without its name)
#   class   1.“一般公共服务支出”科目12,789万元 (2025/shczj-yusuan p6: items at the level of the 类)
# and the clause after the heading (2023/2024 wanli-yusuan, 2024/ptsfy-yusuan; the 2026 budgets):
#   execution     2025年当年预算执行数为498.70万元，2026年预算安排512.30万元，比2025年预算执行数增加2.73%。
#   shang_exec    上年执行数为…万元，比上年执行数增长…%。
#   prior_budget  2025年预算数为…万元，比2025年预算减少…%。 / 上年预算…万元 (持平 when the same)
#   none          (2025 ptczj / ptswj / ptzfb: no prior-year figure)
BUDGET_FORMS = ("quoted", "codes", "dashes", "code", "class")
BUDGET_CLAUSES = ("execution", "shang_exec", "prior_budget", "none")
BUDGET_YEAR = 2026
# the 类/款/项 catalogue: tests/synth/generate.py's, and the 政府办公厅（室） 款 of 2025/ptzfb-yusuan (a name with
# brackets inside, and a 项 name 行政运行 that is also under 财政事务: only the 款 tells them apart)
BUDGET_FUNCTIONS = g.FUNCTIONS + [
    ("201", "一般公共服务支出", [("20103", "政府办公厅（室）及相关机构事务",
                                  [("2010301", "行政运行"), ("2010399", "其他政府办公厅（室）及相关机构事务支出")])])]


def _wan(yuan: Decimal, style: str = "2") -> str:
    """元 → the 万元 figure as printed: two decimals with thousands separators (1,623.18), or, in the
    ptzfb style, whole 万元 without decimals (4,614)."""
    w = (yuan / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if style == "whole" and w == w.to_integral_value():
        return f"{int(w):,}"
    return f"{w:,.2f}"


@dataclass
class BudgetProse:
    lines: list[str]
    table05: object = None
    items: list[dict] = field(default_factory=list)    # no, code, value (元 as stated), prior, rate, direction, line
    mutable: list[tuple[int, str, str, str, int, str]] = field(default_factory=list)
    # (line, old, new, check, the line of the finding, severity)
    form: str = ""
    clause: str = ""


def _wrap(s: str, rng: random.Random, width: int) -> list[str]:
    """A paragraph broken into lines of ``width`` characters (a PDF's line breaks fall anywhere: inside a
    number, inside a heading)."""
    return [s[i:i + width] for i in range(0, len(s), width)]


def budget_items(seed: int, form: str, clause: str, width: int | None = None, page_break: bool = False,
                 year: int = BUDGET_YEAR) -> BudgetProse:
    """A budget's 编制说明 with its item list in one heading ``form`` and one ``clause`` form, the
    预算05 table of the same amounts, what each item states, and the figures that may be changed."""
    from juesuan.extract.tabular.tables import Row, Table
    rng = random.Random(seed * 31 + BUDGET_FORMS.index(form) * 7 + BUDGET_CLAUSES.index(clause))
    width = width or rng.choice([38, 46, 57, 200])
    style = "whole" if form == "dashes" and rng.random() < 0.5 else "2"
    # the rows: a few 项 per 款, amounts in 元 with cents
    amounts: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    for cls, cname, kuans in BUDGET_FUNCTIONS:
        names[cls] = cname
        for kuan, kname, xiangs in kuans:
            names[kuan] = kname
            for code, xname in xiangs:
                names[code] = xname
                if code not in amounts and rng.random() < 0.7:
                    amounts[code] = Decimal(rng.randint(10_000, 60_000_000)) + Decimal(rng.randint(0, 99)) / 100
                    if style == "whole" and rng.random() < 0.3:
                        amounts[code] = Decimal(rng.randint(1, 5000) * 10000)
    if not amounts:
        amounts["2010601"] = Decimal("5123000")
    for code in list(amounts):
        for lv in (3, 5):
            amounts[code[:lv]] = amounts.get(code[:lv], Decimal(0)) + amounts[code]
    t = Table("预算05", "一般公共预算支出功能分类预算表", columns={"": [("total", "合计")]}, unit="元", start=900)
    for i, code in enumerate(sorted(amounts)):
        t.rows.append(Row(901 + i, f"func:{code}", names[code], code, values={"total": amounts[code]}))
    level = 3 if form == "class" else 7
    listed = sorted(c for c in amounts if len(c) == level)
    p = BudgetProse(lines=[f"{year}年部门预算编制说明",
                           f"{year}年，上海市合成测试局收入预算{_wan(amounts_total(amounts))}万元，其中：财政拨款收入"
                           f"{_wan(amounts_total(amounts))}万元，比{year - 1}年预算增加12.34万元。",
                           "财政拨款支出主要内容如下："], table05=t, form=form, clause=clause)
    prior_name = {"execution": f"{year - 1}年当年预算执行数", "shang_exec": "上年执行数"}
    for no, code in enumerate(listed, 1):
        c, k, x = names[code[:3]], names.get(code[:5]), names.get(code)
        amount = amounts[code]
        stated = Decimal(_wan(amount, style).replace(",", "")) * 10000
        w = _wan(amount, style)
        q = rng.choice(["", " "])
        if form == "quoted":
            head = f"{no}.{q}“{c}（类）{k}（款）{x}（项）”{rng.choice(['', '科目'])}{w}万元"
        elif form == "codes":
            head = f"{no}、{c}（{code[:3]}类）{k}（{code[3:5]}款）{x}（{code[5:]}项）{w}万元"
        elif form == "dashes":
            head = f"{no}.{q}“{c}-{k}-{x}”科目{w}万元"
        elif form == "code":
            head = rng.choice([f"{no}.{q}“{code}”科目{w}万元", f"{no}、{code}{x}{w}万元"])
        else:
            head = f"{no}.“{c}”科目{w}万元"
        purpose = "主要用于：机构运行。" if form == "codes" else "，主要用于机构运行和业务工作。"
        text = head + purpose
        item = {"no": no, "code": code, "value": stated, "prior": None, "rate": None, "direction": None,
                "prior_measure": None}
        rate_str = dir_word = None
        if clause != "none":
            # the prior figure: 80 % to 125 % of this year's, sometimes the same (持平), sometimes 0 (no rate)
            kind = rng.random()
            if kind < 0.15:
                prior = stated
            else:
                prior = (stated * Decimal(rng.randint(80, 125)) / 100 / 100).quantize(Decimal(1)) * 100
                prior = max(prior, Decimal(100))
            pw = _wan(prior)
            if clause == "prior_budget":
                cue = rng.choice([f"{year - 1}年预算数为", "上年预算", "上年预算数为"])
                base = f"{year - 1}年预算" if cue.startswith(str(year - 1)) else "上年预算"
                item["prior_measure"] = "prior_budget"
            else:
                cue = prior_name[clause] + "为"
                base = f"{year - 1}年预算执行数" if clause == "execution" else "上年执行数"
                item["prior_measure"] = "prior_execution"
            restated = f"{year}年预算安排{w}万元，" if clause == "execution" else ""
            if prior == stated:
                change = f"比{base}持平"
                item["rate"], item["direction"] = Decimal(0), "flat"
            else:
                r = rate((stated - prior) / prior)
                up = r > 0
                dir_word = rng.choice(["增加", "增长"]) if up else rng.choice(["减少", "下降"])
                rate_str = f"{abs(r) * 100:.2f}%"
                change = f"比{base}{dir_word}{rate_str}"
                item["rate"], item["direction"] = r, dir_word
            item["prior"] = prior
            text += f"{cue}{pw}万元，{restated}{change}。主要原因是：业务调整。"
        parts = _wrap(text, rng, width)
        first = len(p.lines) + 1
        if page_break and no == 2 and len(parts) > 1:
            parts = parts[:1] + ["- 7 -"] + parts[1:]       # the page's footer inside the sentence
        p.lines += parts

        def line_of(s: str, start: int = 0) -> int:
            """The line of the character ``start`` of ``s`` in the item's text (where the figure starts)."""
            i = text.index(s, start)
            n, pos = first, 0
            for part in parts:
                if part == "- 7 -":
                    n += 1
                    continue
                if pos + len(part) > i:
                    return n
                pos += len(part)
                n += 1
            return n - 1

        item["line"] = line_of(w, len(str(no)))
        p.items.append(item)
        # the figures that may be changed, each with the one finding it must cause (its line: where it starts
        # in a line of its own; one in the middle of a wrapped figure is skipped)
        def whole(s):
            a = text.index(s)
            return line_of(s) == line_of(s[-1], a + len(s) - 1)
        if clause == "none" and whole(head):
            new = f"{Decimal(w.replace(',', '')) + 1:,.2f}"
            p.mutable.append((line_of(head), head, head.replace(w + "万元", new + "万元"), "budget_text_vs_table",
                              item["line"], "error"))
        if rate_str and whole(change):
            ln = line_of(rate_str, text.index(change))
            bumped = f"{abs(item['rate']) * 100 + Decimal('0.11'):.2f}%"
            p.mutable.append((ln, change, change.replace(rate_str, bumped), "budget_change_rate", ln, "warning"))
            other = {"增加": "减少", "增长": "下降", "减少": "增加", "下降": "增长"}[dir_word]
            ln2 = line_of(change)
            p.mutable.append((ln2, change, change.replace(dir_word, other), "budget_change_rate",
                              line_of(rate_str, text.index(change)), "error"))
        if clause == "execution" and whole(restated):
            ln = line_of(restated)
            new = f"{Decimal(w.replace(',', '')) + 2:,.2f}"
            p.mutable.append((ln, restated, restated.replace(w, new), "budget_text_internal",
                              line_of(restated[restated.index("安排") + 2:], text.index(restated)), "error"))
    p.lines += [f"{year}年“三公”经费预算数为12.00万元，比{year - 1}年预算减少1.00万元。其中：因公出国（境）费0万元；"
                "公务接待费12.00万元。"]
    return p


def amounts_total(amounts: dict) -> Decimal:
    return sum((v for c, v in amounts.items() if len(c) == 3), Decimal(0))


def mutate_budget(p: BudgetProse, k: int) -> tuple[list[str], int, str, str]:
    """The lines with the k-th changeable figure changed (it stands within one line): (lines, the line of
    the finding it must cause, its check, its severity)."""
    line, old, new, check, at, severity = p.mutable[k]
    lines = list(p.lines)
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return lines, at, check, severity
