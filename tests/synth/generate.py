"""Synthetic final-accounts PDFs in the layouts of the national format (the parsers' test bed).

``model(seed)`` draws consistent amounts (every identity the checks enforce holds: rows sum to
合计, 类 = Σ款 = Σ项, 基本 + 项目 = 合计, 公开01 vs 02/03/04, 04 vs 05, 05 基本 = 06, 06 classes =
Σ items, 人员/公用经费, 三公 合计 = 出国 + 车 + 接待 …).  ``render(layout, model, folder)`` draws
the report with reportlab in one layout of ``layouts.csv`` (one row per variant) and writes a
metadata.json beside it; it returns the known amount cells, keyed like the parsed tables:
(table, side, row key, column) → Decimal 元.

All amounts are whole hundreds of 元, so any table prints them exactly in 万元 or in 元.
"""
from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).parent
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

FUNCTIONS = [  # 类 → 款 → 项
    ("201", "一般公共服务支出", [("20106", "财政事务", [("2010601", "行政运行"), ("2010602", "一般行政管理事务"),
                                                      ("2010699", "其他财政事务支出")])]),
    ("205", "教育支出", [("20502", "普通教育", [("2050205", "高等教育")]),
                         ("20508", "进修及培训", [("2050803", "培训支出")])]),
    ("207", "文化旅游体育与传媒支出", [("20799", "其他文化旅游体育与传媒支出",
                                        [("2079999", "其他文化旅游体育与传媒支出")])]),
    ("208", "社会保障和就业支出", [("20805", "行政事业单位养老支出",
                                    [("2080501", "行政单位离退休"), ("2080505", "机关事业单位基本养老保险缴费支出"),
                                     ("2080506", "机关事业单位职业年金缴费支出")])]),
    ("210", "卫生健康支出", [("21011", "行政事业单位医疗", [("2101101", "行政单位医疗")])]),
    ("221", "住房保障支出", [("22102", "住房改革支出", [("2210201", "住房公积金"), ("2210203", "购房补贴")])]),
]
ECONOMIC = [  # class, name, panel, items
    ("301", "工资福利支出", "人员经费", [("30101", "基本工资"), ("30102", "津贴补贴"), ("30103", "奖金"),
                                        ("30108", "机关事业单位基本养老保险缴费"), ("30112", "其他社会保障缴费")]),
    ("303", "对个人和家庭的补助", "人员经费", [("30302", "退休费"), ("30399", "其他对个人和家庭的补助")]),
    ("302", "商品和服务支出", "公用经费", [("30201", "办公费"), ("30205", "水费"), ("30211", "差旅费"),
                                          ("30231", "公务用车运行维护费"), ("30299", "其他商品和服务支出")]),
    ("310", "资本性支出", "公用经费", [("31002", "办公设备购置"), ("31007", "信息网络及软件购置更新")]),
]
CN = "一二三四五六七八九十"
INCOME_SOURCES = [("fiscal_gpb", "一般公共预算财政拨款收入"), ("fiscal_gov_fund", "政府性基金预算财政拨款收入"),
                  ("fiscal_soe", "国有资本经营预算财政拨款收入"), ("superior", "上级补助收入"),
                  ("business", "事业收入"), ("operating", "经营收入"), ("affiliated", "附属单位上缴收入"),
                  ("other", "其他收入")]
COLS02 = [("total", "本年收入合计"), ("fiscal", "财政拨款收入"), ("superior", "上级补助收入"), ("business", "事业收入"),
          ("operating", "经营收入"), ("affiliated", "附属单位上缴收入"), ("other", "其他收入")]
COLS03 = [("total", "本年支出合计"), ("basic", "基本支出"), ("project", "项目支出"), ("upper", "上缴上级支出"),
          ("operating", "经营支出"), ("subsidy", "对附属单位补助支出")]
COLS05 = [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")]
SANGONG = [("total", "合计"), ("abroad", "因公出国（境）费"), ("vehicle", "小计"),
           ("vehicle_purchase", "公务用车购置费"), ("vehicle_operation", "公务用车运行维护费"), ("reception", "公务接待费")]
TITLES = {"公开01": "收入支出决算总表", "公开02": "收入决算表", "公开03": "支出决算表", "公开04": "财政拨款收入支出决算总表",
          "公开05": "一般公共预算财政拨款支出决算表", "公开06": "一般公共预算财政拨款基本支出决算表",
          "公开07": "财政拨款“三公”经费支出决算表", "公开08": "政府性基金预算财政拨款收入支出决算表",
          "公开09": "国有资本经营预算财政拨款收入支出决算表"}


def layouts(kind: str = "final") -> list[dict]:
    """The layouts of one kind of report (``final`` 决算, ``budget`` 预算) in layouts.csv."""
    with open(HERE / "layouts.csv", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if (r.get("kind") or "final") == kind]


def class_names() -> list[tuple[str, str]]:
    with open(HERE.parents[1] / "src/juesuan/data/function_classes.csv", encoding="utf-8") as fh:
        return [(r["code"], r["name"]) for r in csv.DictReader(fh) if r["code"] <= "224" or r["code"] in ("229", "234")]


# ----------------------------------------------------------------------------- amounts
@dataclass
class Model:
    """Amounts in hundreds of 元 (int), by table."""

    items: dict = field(default_factory=dict)      # 项 code → {col: h} for 02 (inc_*) / 03 / 05 (gpb_*)
    names: dict = field(default_factory=dict)      # code → name
    t01: dict = field(default_factory=dict)
    t04: dict = field(default_factory=dict)
    econ: dict = field(default_factory=dict)       # econ code → h
    sangong: dict = field(default_factory=dict)


def _split_basic_by_economic_class(m, rng) -> None:
    """The items' 一般公共预算 基本支出 spread over the economic classes (公开06 / 预算06), with names."""
    gpb_basic = sum(it["gpb_basic"] for it in m.items.values())
    econ_items = [code for _, _, _, items in ECONOMIC for code, _ in items]
    for code, h in zip(econ_items, _split(rng, gpb_basic, len(econ_items))):
        m.econ[code] = h
    for code, name in [(c, n) for *_, items in ECONOMIC for c, n in items] + [(c, n) for c, n, _, _ in ECONOMIC]:
        m.names[code] = name


def _split(rng: random.Random, total: int, n: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(n - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


def model(seed: int) -> Model:
    rng = random.Random(seed)
    m = Model()
    for cls, cname, kuans in FUNCTIONS:
        m.names[cls] = cname
        for kuan, kname, xiangs in kuans:
            m.names[kuan] = kname
            for code, name in xiangs:
                m.names[code] = name
                z = lambda hi: 0 if rng.random() < 0.25 else rng.randint(1, hi)  # noqa: E731
                it = {"gpb_basic": z(90000), "gpb_project": z(60000), "other_basic": z(8000),
                      "other_project": z(8000), "operating": z(3000) if rng.random() < 0.2 else 0}
                it.update({"superior": z(2000), "business": z(9000), "inc_operating": it["operating"],
                           "affiliated": 0, "other": z(1500)})
                spend = it["gpb_basic"] + it["gpb_project"]
                it["fiscal"] = max(0, spend + rng.randint(-spend // 10 - 1, 3000))
                m.items[code] = it
    _split_basic_by_economic_class(m, rng)
    for kind in ("budget", "actual"):
        s = {p: (0 if rng.random() < 0.3 else rng.randint(1, 800)) for p in ("abroad", "vehicle_purchase",
                                                                            "vehicle_operation", "reception")}
        s["vehicle"] = s["vehicle_purchase"] + s["vehicle_operation"]
        s["total"] = s["abroad"] + s["vehicle"] + s["reception"]
        m.sangong.update({f"{kind}_{p}": v for p, v in s.items()})
    m.t01 = {"use_nonfiscal_balance": rng.randint(0, 3000), "balance_distribution": rng.randint(0, 2000)}
    # carry-overs: a random amount above what keeps the year-end balances non-negative (sums())
    m.t01["carryover_begin"] = rng.randint(0, 30000)
    m.t04 = {"carryover_begin_gpb": rng.randint(0, 20000)}
    return m


def sums(m: Model) -> dict:
    """Every cell of the nine tables from the model: {(table, side, key, col): h}."""
    cells: dict = {}
    rows02, rows03, rows05 = {}, {}, {}
    for code, it in m.items.items():
        r02 = {"fiscal": it["fiscal"], "superior": it["superior"], "business": it["business"],
               "operating": it["inc_operating"], "affiliated": it["affiliated"], "other": it["other"]}
        r03 = {"basic": it["gpb_basic"] + it["other_basic"], "project": it["gpb_project"] + it["other_project"],
               "upper": 0, "operating": it["operating"], "subsidy": 0}
        r05 = {"basic": it["gpb_basic"], "project": it["gpb_project"]}
        for rows, r in ((rows02, r02), (rows03, r03), (rows05, r05)):
            r["total"] = sum(r.values())
            for pre in (code[:3], code[:5], code):
                acc = rows.setdefault(pre, {})
                for k, v in r.items():
                    acc[k] = acc.get(k, 0) + v
    for tid, rows in (("公开02", rows02), ("公开03", rows03), ("公开05", rows05)):
        total: dict = {}
        for code, r in rows.items():
            for k, v in r.items():
                cells[(tid, "", f"func:{code}", k)] = v
                if len(code) == 3:
                    total[k] = total.get(k, 0) + v
        for k, v in total.items():
            cells[(tid, "", "total", k)] = v
    t02 = {k: cells[("公开02", "", "total", k)] for k, _ in COLS02}
    inc = {"fiscal_gpb": t02["fiscal"], "fiscal_gov_fund": 0, "fiscal_soe": 0, "superior": t02["superior"],
           "business": t02["business"], "operating": t02["operating"], "affiliated": t02["affiliated"],
           "other": t02["other"]}
    inc["income_total"] = sum(inc.values())
    inc["use_nonfiscal_balance"] = m.t01["use_nonfiscal_balance"]
    exp_total = cells[("公开03", "", "total", "total")]
    need = exp_total + m.t01["balance_distribution"] - inc["income_total"] - inc["use_nonfiscal_balance"]
    inc["carryover_begin"] = m.t01["carryover_begin"] + max(0, need)
    inc["grand_total"] = inc["income_total"] + inc["use_nonfiscal_balance"] + inc["carryover_begin"]
    exp_total = cells[("公开03", "", "total", "total")]
    exp = {"expenditure_total": exp_total, "balance_distribution": m.t01["balance_distribution"]}
    exp["carryover_end"] = inc["grand_total"] - exp_total - exp["balance_distribution"]
    assert exp["carryover_end"] >= 0, "model: negative carry-over"
    exp["grand_total"] = inc["grand_total"]
    for k, v in inc.items():
        cells[("公开01", "收入", k, "amount")] = v
    for k, v in exp.items():
        cells[("公开01", "支出", k, "amount")] = v
    for cls in (c for c in rows03 if len(c) == 3):
        cells[("公开01", "支出", f"class:{cls}", "amount")] = rows03[cls]["total"]
    # 公开04
    gpb_spend = cells[("公开05", "", "total", "total")]
    i4 = {"fiscal_gpb": inc["fiscal_gpb"], "fiscal_gov_fund": 0, "fiscal_soe": 0}
    i4["income_total"] = sum(i4.values())
    parts = {"carryover_begin_gpb": m.t04["carryover_begin_gpb"] + max(0, gpb_spend - i4["income_total"]),
             "carryover_begin_gov_fund": 0,
             "carryover_begin_soe": 0}
    i4.update(parts)
    i4["carryover_begin"] = sum(parts.values())
    i4["grand_total"] = i4["income_total"] + i4["carryover_begin"]
    for k, v in i4.items():
        cells[("公开04", "收入", k, "amount")] = v
    end_gpb = i4["grand_total"] - gpb_spend
    assert end_gpb >= 0, "model: negative fiscal carry-over"
    for key, gpb in (("expenditure_total", gpb_spend), ("carryover_end", end_gpb), ("grand_total", i4["grand_total"])):
        for col, v in (("total", gpb), ("gpb", gpb), ("gov_fund", 0), ("soe", 0)):
            cells[("公开04", "支出", key, col)] = v
    for cls in (c for c in rows05 if len(c) == 3):
        for col, v in (("total", rows05[cls]["total"]), ("gpb", rows05[cls]["total"]), ("gov_fund", 0), ("soe", 0)):
            cells[("公开04", "支出", f"class:{cls}", col)] = v
    # 公开06
    pers = pub = 0
    for cls, _, panel, items in ECONOMIC:
        v = sum(m.econ[c] for c, _ in items)
        cells[("公开06", "", f"econ:{cls}", "amount")] = v
        for c, _ in items:
            cells[("公开06", "", f"econ:{c}", "amount")] = m.econ[c]
        if panel == "人员经费":
            pers += v
        else:
            pub += v
    cells[("公开06", "", "personnel_total", "amount")] = pers
    cells[("公开06", "", "public_total", "amount")] = pub
    assert pers + pub == cells[("公开05", "", "total", "basic")]
    for k, v in m.sangong.items():
        cells[("公开07", "", "sangong", k)] = v
    return cells


# ----------------------------------------------------------------------------- drawing
PAGE = landscape(A4)
FS = 7.5            # font size in tables
ROW = 15            # row height
LEFT, TOP, BOTTOM = 40, 40, 40


class Doc:
    def __init__(self, path: Path, layout: dict):
        self.c = canvas.Canvas(str(path), pagesize=PAGE)
        self.layout = layout
        self.y = PAGE[1] - TOP

    def new_page(self):
        self.c.showPage()
        self.y = PAGE[1] - TOP

    def text(self, s: str, size: float = 10, x: float = LEFT, center: bool = False, gap: float = 6):
        if self.y - size - gap < BOTTOM:
            self.new_page()
        self.c.setFont(FONT, size)
        self.y -= size + gap
        if center:
            self.c.drawCentredString(PAGE[0] / 2, self.y, s)
        else:
            self.c.drawString(x, self.y, s)

    def save(self):
        self.c.showPage()
        self.c.save()


def wrap(s: str, width: float, size: float = FS) -> list[str]:
    per = max(1, int((width - 4) // size))
    return [s[i:i + per] for i in range(0, len(s), per)] or [""]


def draw_table(d: Doc, widths, header, rows, aligns, ruled: bool, page_rows: int, repeat_header: bool,
               middle: bool = False):
    """header: (text, row, col, rowspan, colspan); rows: lists of cell strings (a list value = wrapped
    lines).  Ruled: every cell boxed; plain: text only.  ``middle``: a cell with fewer lines than
    its row is centred vertically (else top-aligned)."""
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + w)
    nhead = max(r + rs for _, r, _, rs, _ in header)

    def draw_header():
        top = d.y
        for text, r, c, rs, cs in header:
            x0, x1 = xs[c], xs[c + cs]
            y1, y0 = top - r * ROW, top - (r + rs) * ROW
            if ruled:
                d.c.rect(x0, y0, x1 - x0, y1 - y0)
            lines = wrap(text, x1 - x0)
            h = len(lines) * (FS + 1)
            # ruled: centred in the cell; plain: on the header's lowest line (under its cell span)
            y = (y0 + y1) / 2 + h / 2 - FS if ruled else y0 + 4 + h - FS - 1
            d.c.setFont(FONT, FS)
            for ln in lines:
                d.c.drawCentredString((x0 + x1) / 2, y + 1, ln)
                y -= FS + 1
        d.y = top - nhead * ROW

    draw_header()
    n_on_page = 0
    for cells in rows:
        height = ROW * max(len(c) if isinstance(c, list) else 1 for c in cells)
        if d.y - height < BOTTOM or (page_rows and n_on_page >= page_rows):
            d.new_page()
            n_on_page = 0
            if repeat_header:
                draw_header()
        top = d.y
        for j, cell in enumerate(cells):
            x0, x1 = xs[j], xs[j + 1]
            if ruled:
                d.c.rect(x0, top - height, x1 - x0, height)
            d.c.setFont(FONT, FS)
            lines = cell if isinstance(cell, list) else [cell]
            offset = (height - ROW * len(lines)) / 2 if middle else 0
            for k, ln in enumerate(lines):
                y = top - offset - ROW * k - ROW + 4.5
                if aligns[j] == "r":
                    d.c.drawRightString(x1 - 3, y, ln)
                else:
                    d.c.drawString(x0 + 3, y, ln)
        d.y = top - height
        n_on_page += 1


# ----------------------------------------------------------------------------- the report
def fmt(h: int, unit: str, zero_style: str) -> str:
    if h == 0:
        return "" if zero_style == "blank" else "0.00"
    if unit == "万元":
        s = f"{abs(h) // 100:,}.{abs(h) % 100:02d}"
    else:
        s = f"{abs(h) * 100:,}.00"
    return ("-" if h < 0 else "") + s


def render(layout: dict, m: Model, folder: Path, mutate: tuple | None = None, dept: str = "synth",
           explanation: list[str] | None = None, name: str = "上海市合成测试局") -> dict:
    """Draw the report; return the known cells {(table, side, key, col): Decimal 元} and the PDF path.

    ``mutate`` = (table, side, key, col, delta_h): that one printed amount is changed by delta_h
    hundreds of 元 (the known cells keep the consistent value)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cells = sums(m)
    printed = dict(cells)
    if mutate:
        printed[mutate[:4]] = printed[mutate[:4]] + mutate[4]
    ruled = layout["ruled"] == "1"
    zs = layout["zero_style"]
    wrap_names = layout["wrap_names"] == "1"
    page_rows = int(layout["page_rows"] or 0)
    repeat = layout["repeat_header_on_continuation"] == "1"
    lanci = layout["lanci_row"] == "1"
    middle = layout["name_valign"] == "middle"
    pdf = folder / f"{dept}.pdf"
    d = Doc(pdf, layout)
    units = {}
    for i, tid in enumerate(TITLES):
        units[tid] = layout["unit"] if layout["unit"] != "mixed" else ("万元" if i % 2 == 0 else "元")

    def amt(tid, side, key, col):
        return fmt(printed.get((tid, side, key, col), 0), units[tid], zs)

    d.text(name, 22, center=True, gap=120)
    d.text("2024年度部门决算", 22, center=True)
    if layout["contents_page"] == "1":
        d.new_page()
        d.text("目 录", 16, center=True)
        d.text(f"第一部分 {name}概况")
        d.text(f"第二部分 {name}2024年度部门决算表")
        for i, t in enumerate(TITLES.values()):
            d.text(f"{CN[i]}、{t}", 9, x=LEFT + 20)
        d.text(f"第三部分 {name}2024年度部门决算情况说明")
        d.text("第四部分 名词解释")
    d.new_page()
    d.text(f"第一部分 {name}概况", 14)
    d.text("一、主要职能")
    d.text("负责本市合成测试工作（本文件由测试生成器生成）。", 9)
    if layout["unit_list"] == "1":
        d.text("二、部门决算单位构成")
        d.text(f"纳入{name}2024年度部门决算编制范围的单位包括：", 9)
        draw_table(d, [40, 240, 120], [("序号", 0, 0, 1, 1), ("单位名称", 0, 1, 1, 1), ("备注", 0, 2, 1, 1)],
                   [["1", f"{name}（本级）", ""], ["2", "上海市合成测试中心", ""]], "lll", ruled, 0, True)
    d.new_page()
    d.text(f"第二部分 {name}2024年度部门决算表", 14)

    def title(tid):
        if d.y < 200:
            d.new_page()
        d.text(TITLES[tid], 12, center=True, gap=10)
        d.text(f"单位：{units[tid]}", 8, x=PAGE[0] - 120)
        d.y -= 6

    def lanci_row(n_label, n):
        lead = ["栏次"] + [""] * (n_label - 1) if n_label else []
        return [lead + [str(i) for i in range(1, n + 1)]] if lanci else []

    def label(text, width):
        return wrap(text, width) if wrap_names and len(text) * FS > width - 6 else text

    # 公开01 -----------------------------------------------------------------
    classes = class_names() if layout["all_classes"] == "1" else [
        (c, n) for c, n in class_names() if any(c == f[0] for f in FUNCTIONS)]
    for tid in ("公开01", "公开04"):
        title(tid)
        if tid == "公开01":
            inc = [(k, f"{CN[i]}、{lab}") for i, (k, lab) in enumerate(INCOME_SOURCES)]
            bottom = [(("income_total", "本年收入合计"), ("expenditure_total", "本年支出合计")),
                      (("use_nonfiscal_balance", "使用非财政拨款结余"), ("balance_distribution", "结余分配")),
                      (("carryover_begin", "年初结转和结余"), ("carryover_end", "年末结转和结余"))]
            ecols = ["amount"]
            widths = [190, 80, 190, 80]
            header = [("收入", 0, 0, 1, 2), ("支出", 0, 2, 1, 2), ("项目", 1, 0, 1, 1), ("决算数", 1, 1, 1, 1),
                      ("项目", 1, 2, 1, 1), ("决算数", 1, 3, 1, 1)]
        else:
            inc = [("fiscal_gpb", "一、一般公共预算财政拨款"), ("fiscal_gov_fund", "二、政府性基金预算财政拨款"),
                   ("fiscal_soe", "三、国有资本经营预算财政拨款")]
            bottom = [(("income_total", "本年收入合计"), ("expenditure_total", "本年支出合计")),
                      (("carryover_begin", "年初财政拨款结转和结余"), ("carryover_end", "年末财政拨款结转和结余")),
                      (("carryover_begin_gpb", "一、一般公共预算财政拨款"), None),
                      (("carryover_begin_gov_fund", "二、政府性基金预算财政拨款"), None),
                      (("carryover_begin_soe", "三、国有资本经营预算财政拨款"), None)]
            ecols = ["total", "gpb", "gov_fund", "soe"]
            widths = [160, 70, 160, 70, 75, 75, 75]
            header = [("收入", 0, 0, 1, 2), ("支出", 0, 2, 1, 5), ("项目", 1, 0, 1, 1), ("决算数", 1, 1, 1, 1),
                      ("项目", 1, 2, 1, 1), ("合计", 1, 3, 1, 1), ("一般公共预算财政拨款", 1, 4, 1, 1),
                      ("政府性基金预算财政拨款", 1, 5, 1, 1), ("国有资本经营预算财政拨款", 1, 6, 1, 1)]
        exp = [(f"class:{c}", f"{CN[i] if i < 10 else '十' + CN[i - 10] if i < 19 else '二十' + (CN[i - 20] if i > 19 else '')}、{n}")
               for i, (c, n) in enumerate(classes)]
        rows = []
        for i in range(max(len(inc), len(exp))):
            left = [inc[i][1], amt(tid, "收入", inc[i][0], "amount")] if i < len(inc) else ["", ""]
            right = ([label(exp[i][1], widths[2])] + [amt(tid, "支出", exp[i][0], c) for c in ecols]
                     if i < len(exp) else [""] * (1 + len(ecols)))
            rows.append(left + right)
        for lk, rk in bottom:
            left = [lk[1], amt(tid, "收入", lk[0], "amount")]
            right = [rk[1]] + [amt(tid, "支出", rk[0], c) for c in ecols] if rk else [""] * (1 + len(ecols))
            rows.append(left + right)
        rows.append(["总计", amt(tid, "收入", "grand_total", "amount"), "总计"]
                    + [amt(tid, "支出", "grand_total", c) for c in ecols])
        draw_table(d, widths, header, rows, "lrl" + "r" * len(ecols), ruled, page_rows, repeat, middle)
        d.text("注：本表反映部门本年度的总收支和年末结转结余情况。", 8)
        if tid == "公开01":
            by_function(d, layout, "公开02", COLS02, cells, printed, units, m, title, amt, label, lanci_row)
            by_function(d, layout, "公开03", COLS03, cells, printed, units, m, title, amt, label, lanci_row)
    by_function(d, layout, "公开05", COLS05, cells, printed, units, m, title, amt, label, lanci_row)
    # 公开06 ------------------------------------------------------------------
    title("公开06")
    econ_fmt = (lambda c: c) if layout["econ_code"] == "30101" else (lambda c: c if len(c) == 3 else f"{c[:3]} {c[3:]}")
    panels = {"人员经费": [], "公用经费": []}
    for cls, cname, panel, items in ECONOMIC:
        panels[panel].append([econ_fmt(cls), label(cname, 130), amt("公开06", "", f"econ:{cls}", "amount")])
        for c, n in items:
            panels[panel].append([econ_fmt(c), label(n, 130), amt("公开06", "", f"econ:{c}", "amount")])
    n = max(len(p) for p in panels.values())
    rows = [(panels["人员经费"][i] if i < len(panels["人员经费"]) else ["", "", ""])
            + (panels["公用经费"][i] if i < len(panels["公用经费"]) else ["", "", ""]) for i in range(n)]
    rows.append(["人员经费合计", "", amt("公开06", "", "personnel_total", "amount"),
                 "公用经费合计", "", amt("公开06", "", "public_total", "amount")])
    header = [("人员经费", 0, 0, 1, 3), ("公用经费", 0, 3, 1, 3),
              ("经济分类科目编码", 1, 0, 1, 1), ("科目名称", 1, 1, 1, 1), ("决算数", 1, 2, 1, 1),
              ("经济分类科目编码", 1, 3, 1, 1), ("科目名称", 1, 4, 1, 1), ("决算数", 1, 5, 1, 1)]
    draw_table(d, [70, 130, 80, 70, 130, 80], header, rows, "llrllr", ruled, page_rows, repeat, middle)
    d.text("注：本表反映部门本年度一般公共预算财政拨款基本支出明细情况。", 8)
    # 公开07 ------------------------------------------------------------------
    title("公开07")
    header = [("财政拨款“三公”经费", 0, 0, 1, 12), ("合计", 1, 0, 2, 2), ("因公出国（境）费", 1, 2, 2, 2),
              ("公务用车购置及运行维护费", 1, 4, 1, 6), ("公务接待费", 1, 10, 2, 2), ("小计", 2, 4, 1, 2),
              ("公务用车购置费", 2, 6, 1, 2), ("公务用车运行维护费", 2, 8, 1, 2)]
    header += [("预算数" if j % 2 == 0 else "决算数", 3, j, 1, 1) for j in range(12)]
    row = [amt("公开07", "", "sangong", f"{'budget' if j % 2 == 0 else 'actual'}_{SANGONG[j // 2][0]}")
           for j in range(12)]
    draw_table(d, [56] * 12, header, lanci_row(0, 12) + [row], "r" * 12, ruled, 0, True)
    d.text("注：本表反映部门本年度“三公”经费支出预决算情况。", 8)
    # 公开08 / 09: declared empty -------------------------------------------------
    for tid, what in (("公开08", "政府性基金预算"), ("公开09", "国有资本经营预算")):
        title(tid)
        header = [("项目", 0, 0, 1, 2), ("年初结转和结余", 0, 2, 2, 1), ("本年收入", 0, 3, 2, 1),
                  ("本年支出", 0, 4, 1, 3), ("年末结转和结余", 0, 7, 2, 1), ("功能分类科目编码", 1, 0, 1, 1),
                  ("科目名称", 1, 1, 1, 1), ("合计", 1, 4, 1, 1), ("基本支出", 1, 5, 1, 1), ("项目支出", 1, 6, 1, 1)]
        draw_table(d, [70, 150, 60, 60, 60, 60, 60, 60], header, [], "llrrrrrr", ruled, 0, True)
        d.text(f"注：本表反映部门本年度{what}财政拨款收入支出及结转和结余情况。", 8)
        d.text(f"说明：{name}本年度没有{what}财政拨款收入和支出，故本表无数据。", 8)
    # explanation (minimal, consistent with the tables) --------------------------
    d.new_page()
    if explanation is not None:          # a whole section from tests/synth/prose.py
        for line in explanation:
            for part in wrap(line, PAGE[0] - 2 * LEFT, 9):
                d.text(part, 9)
    else:
        d.text(f"第三部分 {name}2024年度部门决算情况说明", 14)
        d.text("一、收入支出决算总体情况说明")
        d.text(f"{name}2024年度收入支出总计{fmt(cells[('公开01', '收入', 'grand_total', 'amount')], '万元', '0.00')}万元。", 9)
        d.text("五、一般公共预算财政拨款支出决算情况说明")
        d.text("（三）一般公共预算财政拨款支出决算具体情况")
        leaves = sorted(k[2][5:] for k in cells if k[0] == "公开05" and k[3] == "total" and len(k[2]) == 12)
        for i, code in enumerate(leaves, start=1):
            v = fmt(cells[("公开05", "", f"func:{code}", "total")], "万元", "0.00")
            d.text(f"{i}、{m.names[code[:3]]}（类）{m.names[code[:5]]}（款）{m.names[code]}（项）。"
                   f"年初预算为{v}万元，支出决算为{v}万元。决算数与预算数基本持平。", 8)
    d.new_page()
    d.text("第四部分 名词解释", 14)
    d.text("一、财政拨款收入：指单位本年度从本级财政部门取得的财政拨款。", 9)
    d.save()
    meta = {"department": dept, "department_name": name, "year": 2024, "source_file": pdf.name,
            "source_format": "pdf", "unit": next(iter(units.values()), "万元")}
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    known = {k: Decimal(v) * 100 for k, v in cells.items()}
    return {"pdf": pdf, "cells": known, "units": units, "names": dict(m.names)}


def by_function(d, layout, tid, cols, cells, printed, units, m, title, amt, label, lanci_row):
    """公开02 / 03 / 05: one row per 类, 款 and 项; 合计 first or last; codes in one or three columns."""
    title(tid)
    split = layout["code_columns"] == "3"
    name_w = 150 if not layout["wrap_names"] == "1" else 95
    amount_w = 62 if len(cols) > 3 else 90
    codes = sorted(c for (t, _, k, _) in cells if t == tid and k.startswith("func:") for c in [k[5:]])
    codes = sorted(set(codes))
    body = []
    for code in codes:
        if split:
            lead = [code[:3], code[3:5] if len(code) > 3 else "", code[5:] if len(code) > 5 else ""]
        else:
            lead = [code]
        body.append(lead + [label(m.names[code], name_w)] + [amt(tid, "", f"func:{code}", c) for c, _ in cols])
    nlead = 3 if split else 1
    total = (["合计"] + [""] * nlead) + [amt(tid, "", "total", c) for c, _ in cols]
    pos = layout["total_position"]
    last = pos == "last" or (pos == "template" and tid == "公开05")
    rows = lanci_row(nlead + 1, len(cols)) + (body + [total] if last else [total] + body)
    if split:
        widths = [28, 28, 28, name_w] + [amount_w] * len(cols)
        header = [("项目", 0, 0, 1, 4), ("类", 1, 0, 1, 1), ("款", 1, 1, 1, 1), ("项", 1, 2, 1, 1),
                  ("科目名称", 1, 3, 1, 1)]
    else:
        widths = [62, name_w] + [amount_w] * len(cols)
        header = [("项目", 0, 0, 1, 2), ("功能分类科目编码", 1, 0, 1, 1), ("科目名称", 1, 1, 1, 1)]
    header += [(lab, 0, nlead + 1 + j, 2, 1) for j, (_, lab) in enumerate(cols)]
    draw_table(d, widths, header, rows, "l" * (nlead + 1) + "r" * len(cols), layout["ruled"] == "1",
               int(layout["page_rows"] or 0), layout["repeat_header_on_continuation"] == "1",
               layout["name_valign"] == "middle")
    d.text("注：本表反映部门本年度的收支情况。", 8)


# ============================================================================= budgets (部门预算)
# The budget forms: the current Shanghai one (收支总表 … “三公”经费和机关运行经费预算表, codes in 类/款/项
# columns, the department on every page) and the national one of 2015–2020 (收支总表 with 本年收入合计 and
# 上年结转, 支出总表 with 单位预留机动经费 and 结转下年资金, codes in one column, no department on the page,
# older class names).  ``budget_model(seed)`` draws amounts so that every identity holds;
# ``render_budget(layout, m, folder)`` draws one layout of layouts.csv (kind ``budget``) and returns the
# known cells {(table, side, key, col): Decimal 元}.
OLD_NAMES = {"210": "医疗卫生与计划生育支出", "207": "文化体育与传媒支出"}
FUND_ITEM = "2079999"


@dataclass
class BudgetModel:
    items: dict = field(default_factory=dict)     # 项 code → {gpb_basic, gpb_project, fund_project, business,
    names: dict = field(default_factory=dict)     #            reserve, carryover_next} in hundreds of 元
    econ: dict = field(default_factory=dict)      # econ item code → h (Σ = Σ gpb_basic)
    sangong: dict = field(default_factory=dict)
    operating_costs: int = 0


def budget_model(seed: int, with_fund: bool = False, old: bool = False) -> BudgetModel:
    rng = random.Random(seed)
    m = BudgetModel()
    for cls, cname, kuans in FUNCTIONS:
        m.names[cls] = OLD_NAMES.get(cls, cname) if old else cname
        for kuan, kname, xiangs in kuans:
            m.names[kuan] = kname
            for code, name in xiangs:
                m.names[code] = name
                z = lambda hi: 0 if rng.random() < 0.3 else rng.randint(1, hi)  # noqa: E731
                it = {"gpb_basic": z(90000), "gpb_project": z(60000), "business": z(5000),
                      "fund_project": rng.randint(1, 40000) if with_fund and code == FUND_ITEM else 0,
                      "reserve": z(900) if old else 0, "carryover_next": z(700) if old else 0}
                if not any(it.values()):
                    it["gpb_basic"] = rng.randint(1, 5000)
                m.items[code] = it
    _split_basic_by_economic_class(m, rng)
    s = {p: (0 if rng.random() < 0.3 else rng.randint(1, 800)) for p in ("abroad", "vehicle_purchase",
                                                                        "vehicle_operation", "reception")}
    s["vehicle"] = s["vehicle_purchase"] + s["vehicle_operation"]
    s["total"] = s["abroad"] + s["vehicle"] + s["reception"]
    m.sangong = s
    m.operating_costs = rng.randint(100, 90000)
    return m


def _item_cols(it: dict) -> dict:
    fiscal = it["gpb_basic"] + it["gpb_project"] + it["fund_project"]
    carry = it["reserve"] + it["carryover_next"]
    basic = it["gpb_basic"] + it["business"]
    project = it["gpb_project"] + it["fund_project"]
    return {"total": basic + project + carry, "basic": basic, "project": project, "reserve": it["reserve"],
            "carryover_next": it["carryover_next"], "fiscal": fiscal, "fiscal_gpb": it["gpb_basic"] + it["gpb_project"],
            "fiscal_gov_fund": it["fund_project"], "business": it["business"], "carryover": carry,
            "gpb_total": it["gpb_basic"] + it["gpb_project"], "gpb_basic": it["gpb_basic"],
            "gpb_project": it["gpb_project"], "fund_total": it["fund_project"]}


def _rollup(m: BudgetModel) -> dict:
    """code (类, 款, 项) → summed item columns."""
    out: dict = {}
    for code, it in m.items.items():
        cols = _item_cols(it)
        for c in (code[:3], code[:5], code):
            acc = out.setdefault(c, {})
            for k, v in cols.items():
                acc[k] = acc.get(k, 0) + v
    return out


def budget_sums(m: BudgetModel, old: bool) -> dict:
    """Every cell of 预算01–09 from the model: {(table, side, key, col): h}."""
    r = _rollup(m)
    tot = {k: sum(_item_cols(it)[k] for it in m.items.values()) for k in _item_cols(next(iter(m.items.values())))}
    cells: dict = {}
    classes = [c for c, _, _ in FUNCTIONS]
    inc = {"fiscal_gpb": tot["fiscal_gpb"], "fiscal_gov_fund": tot["fiscal_gov_fund"], "fiscal_soe": 0,
           "business": tot["business"], "operating": 0, "other": 0}
    if old:
        inc.update(income_total=tot["fiscal"] + tot["business"], carryover=tot["carryover"])
    else:
        inc["fiscal"] = tot["fiscal"]
    inc["grand_total"] = tot["total"]
    for k, v in inc.items():
        cells[("预算01", "收入", k, "amount")] = v
    for c in classes:
        cells[("预算01", "支出", f"class:{c}", "amount")] = r[c]["total"]
    cells[("预算01", "支出", "grand_total", "amount")] = tot["total"]
    if old:   # the uses panel of the older 收支总表
        for k in ("basic", "project", "reserve", "carryover_next"):
            cells[("预算01", "支出", f"use:{k}", "amount")] = tot[k]
    c02 = (["total", "carryover", "fiscal_gpb", "fiscal_gov_fund", "business", "operating", "other"] if old
           else ["total", "fiscal", "business", "operating", "other"])
    c03 = ["total", "basic", "project"] + (["reserve", "carryover_next"] if old else [])
    for code, v in r.items():
        for col in c02:
            cells[("预算02", "", f"func:{code}", col)] = v.get(col, 0)
        for col in c03:
            cells[("预算03", "", f"func:{code}", col)] = v.get(col, 0)
        if v["gpb_total"]:
            for col, k in (("total", "gpb_total"), ("basic", "gpb_basic"), ("project", "gpb_project")):
                cells[("预算05", "", f"func:{code}", col)] = v[k]
        if v["fund_total"]:
            for col, k in (("total", "fund_total"), ("basic", None), ("project", "fund_total")):
                cells[("预算08", "", f"func:{code}", col)] = v[k] if k else 0
    for col in c02:
        cells[("预算02", "", "total", col)] = tot.get(col, 0)
    for col in c03:
        cells[("预算03", "", "total", col)] = tot[col]
    for col, k in (("total", "gpb_total"), ("basic", "gpb_basic"), ("project", "gpb_project")):
        cells[("预算05", "", "total", col)] = tot[k]
    if tot["fund_total"]:
        for col, v in (("total", tot["fund_total"]), ("basic", 0), ("project", tot["fund_total"])):
            cells[("预算08", "", "total", col)] = v
    for k in ("fiscal_gpb", "fiscal_gov_fund", "fiscal_soe"):
        cells[("预算04", "收入", k, "amount")] = inc[k]
    cells[("预算04", "收入", "grand_total", "amount")] = tot["fiscal"]
    for c in classes:
        cells[("预算04", "支出", f"class:{c}", "total")] = r[c]["fiscal"]
        cells[("预算04", "支出", f"class:{c}", "gpb")] = r[c]["gpb_total"]
        cells[("预算04", "支出", f"class:{c}", "gov_fund")] = r[c]["fund_total"]
        cells[("预算04", "支出", f"class:{c}", "soe")] = 0
    for col, v in (("total", tot["fiscal"]), ("gpb", tot["gpb_total"]), ("gov_fund", tot["fund_total"]), ("soe", 0)):
        cells[("预算04", "支出", "grand_total", col)] = v
    pers = pub = 0
    for cls, _, panel, items in ECONOMIC:
        s = sum(m.econ[c] for c, _ in items)
        for key, v in [(cls, s)] + [(c, m.econ[c]) for c, _ in items]:
            p = v if panel == "人员经费" else 0
            for col, x in (("total", v), ("personnel", p), ("public", v - p)):
                cells[("预算06", "", f"econ:{key}", col)] = x
        pers, pub = (pers + s, pub) if panel == "人员经费" else (pers, pub + s)
    for col, x in (("total", pers + pub), ("personnel", pers), ("public", pub)):
        cells[("预算06", "", "total", col)] = x
    for k, v in m.sangong.items():
        cells[("预算07", "", "sangong", k)] = v
    cells[("预算07", "", "sangong", "operating_costs")] = m.operating_costs
    return cells


def _bfmt(h: int, unit: str, zero_style: str) -> str:
    if h == 0:
        return "" if zero_style == "blank" else "0.00"
    return fmt(h, unit, zero_style)


def render_budget(layout: dict, m: BudgetModel, folder: Path, mutate: tuple | None = None,
                  dept: str = "synth", year: int = 2025, name: str = "上海市合成测试局") -> dict:
    """Draw the budget report; return the known cells {(table, side, key, col): Decimal 元}.

    ``mutate`` = (table, side, key, col, delta_h) changes that one printed amount."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    old = layout["form"] == "national_old"
    cells = budget_sums(m, old)
    printed = dict(cells)
    if mutate:
        printed[mutate[:4]] = printed[mutate[:4]] + mutate[4]
    ruled = layout["ruled"] == "1"
    zs = layout["zero_style"]
    unit = layout["unit"]
    page_rows = int(layout["page_rows"] or 0)
    pdf = folder / f"{dept}.pdf"
    d = Doc(pdf, layout)
    pre = "部门" if layout["level"] == "部门" else "预算单位"

    def amt(tid, side, key, col, u=None):
        return _bfmt(printed.get((tid, side, key, col), 0), u or unit, zs)

    if old:
        d.text(f"{name}{year}年部门预算", 22, center=True, gap=120)
    else:
        d.text(f"上海市{year}年市级{layout['level']}预算", 22, center=True, gap=120)
        d.text(f"预算{'主管部门' if layout['level'] == '部门' else '单位'}：{name}", 14, center=True)
    d.new_page()
    d.text(f"{year}年{layout['level']}预算编制说明", 14, center=True)
    w = lambda h: f"{h // 100:,}.{h % 100:02d}"  # noqa: E731  (万元 with two decimals)
    p = cells          # the text states the consistent amounts (a mutated table cell then disagrees with it)
    income_key = "income_total" if old else "grand_total"
    lines = [f"{year}年，{name}收入预算{w(p[('预算01', '收入', income_key, 'amount')])}万元，其中：财政拨款收入"
             f"{w(p[('预算04', '收入', 'grand_total', 'amount')])}万元，比{year - 1}年预算增加12.34万元；"
             f"事业收入{w(p[('预算01', '收入', 'business', 'amount')])}万元；其他收入0万元。",
             f"支出预算{w(p[('预算01', '支出', 'grand_total', 'amount')] - (p[('预算01', '收入', 'carryover', 'amount')] if old else 0))}"
             f"万元。财政拨款支出预算中，一般公共预算拨款支出预算{w(p[('预算05', '', 'total', 'total')])}万元，"
             f"与{year - 1}年预算持平；政府性基金拨款支出预算{w(p.get(('预算08', '', 'total', 'total'), 0))}万元。",
             "财政拨款支出主要内容如下："]
    n = 0
    for cls, cname, kuans in FUNCTIONS:
        for kuan, kname, xiangs in kuans:
            for code, xname in xiangs:
                v = p.get(("预算05", "", f"func:{code}", "total"), 0) + p.get(("预算08", "", f"func:{code}", "total"), 0)
                if v:          # the fiscal appropriation of the item (一般公共预算 + 政府性基金)
                    n += 1
                    lines.append(f"{n}.“{m.names[cls]}（类）{kname}（款）{xname}（项）”{w(v)}万元，主要用于测试。")
    sg = {k: p[("预算07", "", "sangong", k)] for k in m.sangong}
    lines += [f"{year}年“三公”经费预算数为{w(sg['total'])}万元。其中：因公出国（境）费{w(sg['abroad'])}万元；"
              f"公务用车购置及运行费{w(sg['vehicle'])}万元；公务接待费{w(sg['reception'])}万元。",
              f"{year}年{name}财政拨款的机关运行经费预算为{w(p[('预算07', '', 'sangong', 'operating_costs')])}万元。"]
    if old:   # 支出预算 is this year's: 支出总计 less 结转下年 is not a table cell; say 支出总计
        lines[1] = (f"支出预算{w(p[('预算01', '支出', 'grand_total', 'amount')])}万元。财政拨款支出预算中，一般公共预算拨款"
                    f"支出预算{w(p[('预算05', '', 'total', 'total')])}万元，与{year - 1}年预算持平。")
    for ln in lines:
        for part in wrap(ln, PAGE[0] - 2 * LEFT, 9):
            d.text(part, 9, gap=4)

    def title(tid, text, u=None):
        d.new_page()
        d.text(f"{year}年{pre}{text}" if not old else text, 12, center=True, gap=10)
        if old:
            d.text(f"单位：{u or unit}", 8, x=PAGE[0] - 120)
        else:
            d.text(f"编制{'部门' if pre == '部门' else '单位'}：{name}    单位：{u or unit}", 8, x=LEFT)
        d.y -= 6

    # 预算01 收支总表
    if old:
        inc = [("fiscal_gpb", "一、一般公共预算拨款收入"), ("fiscal_gov_fund", "二、政府性基金预算拨款收入"),
               ("fiscal_soe", "三、国有资本经营预算拨款收入"), ("business", "四、事业收入"),
               ("operating", "五、事业单位经营收入"), ("other", "六、其他收入"), ("income_total", "本年收入合计"),
               ("carryover", "上年结转"), ("grand_total", "收入总计")]
    else:
        inc = [("fiscal", "一、财政拨款收入"), ("fiscal_gpb", "1. 一般公共预算资金"), ("fiscal_gov_fund", "2. 政府性基金"),
               ("fiscal_soe", "3. 国有资本经营预算"), ("business", "二、事业收入"), ("operating", "三、事业单位经营收入"),
               ("other", "四、其他收入"), ("grand_total", "收入总计")]
    exp = [(f"class:{c}", f"{CN[i]}、{m.names[c]}") for i, (c, _, _) in enumerate(FUNCTIONS)]
    uses = [("use:basic", "一、基本支出"), ("use:project", "二、项目支出"), ("use:reserve", "三、单位预留机动经费"),
            ("use:carryover_next", "四、结转下年资金")]
    title("预算01", "收支总表" if old else "财务收支预算总表")
    n_rows = max(len(inc) - 1, len(exp))
    rows = []
    for i in range(n_rows):
        left = [inc[i][1], amt("预算01", "收入", inc[i][0], "amount")] if i < len(inc) - 1 else ["", ""]
        right = [exp[i][1], amt("预算01", "支出", exp[i][0], "amount")] if i < len(exp) else ["", ""]
        third = ([uses[i][1], amt("预算01", "支出", uses[i][0], "amount")] if i < len(uses) else ["", ""]) if old else []
        rows.append(left + right + third)
    rows.append(["收入总计", amt("预算01", "收入", "grand_total", "amount"), "支出总计",
                 amt("预算01", "支出", "grand_total", "amount")] + (["", ""] if old else []))
    if old:   # 收入 | 支出 by function | 支出 by use, side by side
        head = [("收入", 0, 0, 1, 2), ("支出（按功能分类）", 0, 2, 1, 2), ("支出（按用途）", 0, 4, 1, 2),
                ("项目", 1, 0, 1, 1), ("预算数", 1, 1, 1, 1), ("项目", 1, 2, 1, 1), ("预算数", 1, 3, 1, 1),
                ("项目", 1, 4, 1, 1), ("预算数", 1, 5, 1, 1)]
        draw_table(d, [150, 75, 170, 75, 110, 75], head, rows, "lrlrlr", ruled, 0, True)
    else:
        head = [("本年收入", 0, 0, 1, 2), ("本年支出", 0, 2, 1, 2),
                ("项目", 1, 0, 1, 1), ("预算数", 1, 1, 1, 1), ("项目", 1, 2, 1, 1), ("预算数", 1, 3, 1, 1)]
        draw_table(d, [180, 90, 200, 90], head, rows, "lrlr", ruled, 0, True)

    def by_function(tid, text, cols, group, keep=lambda code: True, note=None):
        title(tid, text)
        split = layout["code_columns"] == "3"
        ncode = 3 if split else 1
        widths = ([30, 24, 24] if split else [60]) + [200] + [75] * len(cols)
        head = [("项目", 0, 0, 1, ncode + 1), (group, 0, ncode + 1, 1, len(cols))]
        if split:
            head += [("功能分类科目编码", 1, 0, 1, 3), ("功能分类科目名称", 1, 3, 2, 1),
                     ("类", 2, 0, 1, 1), ("款", 2, 1, 1, 1), ("项", 2, 2, 1, 1)]
        else:
            head += [("科目编码", 1, 0, 2, 1), ("科目名称", 1, 1, 2, 1)]
        head += [(lab, 1, ncode + 1 + j, 2, 1) for j, (_, lab) in enumerate(cols)]
        body = []
        for cls, _, kuans in FUNCTIONS:
            for code in [cls] + [c for k, _, xs in kuans for c in [k] + [x for x, _ in xs]]:
                if not keep(code):
                    continue
                cs = [code[:3], code[3:5], code[5:7]] if split else [code]
                body.append(cs + [m.names[code]] + [amt(tid, "", f"func:{code}", c) for c, _ in cols])
        total = (["合计", "", ""] if split else ["合计"]) + [""] + [amt(tid, "", "total", c) for c, _ in cols]
        if not body and note:
            body = []
        draw_table(d, widths, head, body + [total], "l" * (ncode + 1) + "r" * len(cols), ruled, page_rows, True)
        if note and not body:
            d.text(note, 8)

    c02 = ([("total", "合计"), ("carryover", "上年结转"), ("fiscal_gpb", "一般公共预算拨款"),
            ("fiscal_gov_fund", "政府性基金预算拨款"), ("business", "事业收入"), ("operating", "事业单位经营收入"),
            ("other", "其他收入")] if old else
           [("total", "合计"), ("fiscal", "财政拨款收入"), ("business", "事业收入"), ("operating", "事业单位经营收入"),
            ("other", "其他收入")])
    c03 = [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")] + (
        [("reserve", "单位预留机动经费"), ("carryover_next", "结转下年资金")] if old else [])
    by_function("预算02", "收入总表" if old else "收入预算总表", c02, "收入预算")
    by_function("预算03", "支出总表" if old else "支出预算总表", c03, "支出预算")
    # 预算04 财政拨款收支总表
    title("预算04", "财政拨款收支总表" if old else "财政拨款收支预算总表")
    inc4 = [("fiscal_gpb", "一、一般公共预算资金"), ("fiscal_gov_fund", "二、政府性基金"), ("fiscal_soe", "三、国有资本经营预算")]
    ecols = ["total", "gpb", "gov_fund", "soe"]
    rows = []
    for i in range(max(len(inc4), len(exp))):
        left = [inc4[i][1], amt("预算04", "收入", inc4[i][0], "amount")] if i < len(inc4) else ["", ""]
        right = [exp[i][1]] + [amt("预算04", "支出", exp[i][0], c) for c in ecols] if i < len(exp) else [""] * 5
        rows.append(left + right)
    rows.append(["收入总计", amt("预算04", "收入", "grand_total", "amount"), "支出总计"]
                + [amt("预算04", "支出", "grand_total", c) for c in ecols])
    head = [("财政拨款收入", 0, 0, 1, 2), ("财政拨款支出", 0, 2, 1, 5), ("项目", 1, 0, 1, 1), ("预算数", 1, 1, 1, 1),
            ("项目", 1, 2, 1, 1), ("合计", 1, 3, 1, 1), ("一般公共预算", 1, 4, 1, 1), ("政府性基金预算", 1, 5, 1, 1),
            ("国有资本经营预算", 1, 6, 1, 1)]
    draw_table(d, [130, 75, 170, 70, 70, 70, 70], head, rows, "lrlrrrr", ruled, 0, True)
    gpb_codes = {k[2][5:] for k in cells if k[0] == "预算05" and k[2].startswith("func:")}
    by_function("预算05", "一般公共预算支出表" if old else "一般公共预算支出功能分类预算表",
                [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], "一般公共预算支出",
                keep=lambda code: code in gpb_codes)
    # 预算06 基本支出 by economic class
    title("预算06", "一般公共预算基本支出表" if old else "一般公共预算基本支出部门预算经济分类预算表")
    head = [("项目", 0, 0, 1, 3), ("一般公共预算基本支出", 0, 3, 1, 3), ("经济分类科目编码", 1, 0, 1, 2),
            ("经济分类科目名称", 1, 2, 2, 1), ("合计", 1, 3, 2, 1), ("人员经费", 1, 4, 2, 1), ("公用经费", 1, 5, 2, 1),
            ("类", 2, 0, 1, 1), ("款", 2, 1, 1, 1)]
    body = []
    for cls, cname, _, items in sorted(ECONOMIC):
        for code, nm in [(cls, cname)] + items:
            body.append([code[:3], code[3:], nm] + [amt("预算06", "", f"econ:{code}", c) for c in ("total", "personnel", "public")])
    body.append(["合计", "", ""] + [amt("预算06", "", "total", c) for c in ("total", "personnel", "public")])
    draw_table(d, [30, 30, 220, 90, 90, 90], head, body, "lllrrr", ruled, page_rows, True)
    # 预算07 三公 (万元)
    title("预算07", "一般公共预算“三公”经费支出表" if old else "“三公”经费和机关运行经费预算表", "万元")
    head = [("“三公”经费预算数", 0, 0, 1, 6), ("机关运行经费预算数", 0, 6, 3, 1), ("合计", 1, 0, 2, 1),
            ("因公出国(境)费", 1, 1, 2, 1), ("公务接待费", 1, 2, 2, 1), ("公务用车购置及运行费", 1, 3, 1, 3),
            ("小计", 2, 3, 1, 1), ("购置费", 2, 4, 1, 1), ("运行费", 2, 5, 1, 1)]
    row = [amt("预算07", "", "sangong", k, "万元") for k in ("total", "abroad", "reception", "vehicle",
                                                            "vehicle_purchase", "vehicle_operation", "operating_costs")]
    draw_table(d, [70, 80, 70, 80, 70, 70, 90], head, [row], "rrrrrrr", ruled, 0, True)
    fund_codes = {k[2][5:] for k in cells if k[0] == "预算08" and k[2].startswith("func:")}
    by_function("预算08", "政府性基金预算支出表" if old else "政府性基金预算支出功能分类预算表",
                [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], "政府性基金预算支出",
                keep=lambda code: code in fund_codes,
                note=f"注：本{layout['level']}{year}年无政府性基金预算财政拨款安排的预算，故本表为空表。")
    by_function("预算09", "国有资本经营预算支出表" if old else "国有资本经营预算支出功能分类预算表",
                [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")], "国有资本经营预算支出",
                keep=lambda code: False,
                note=f"注：本{layout['level']}{year}年无国有资本经营预算财政拨款安排的预算，故本表为空表。")
    d.save()
    (folder / "metadata.json").write_text(json.dumps({
        "department": folder.name, "department_name": name, "year": year, "doc_kind": "budget",
        "source_file": pdf.name, "source_format": "pdf"}, ensure_ascii=False, indent=2), encoding="utf-8")
    return {k: Decimal(h) * 100 for k, h in cells.items()}     # hundreds of 元 → 元


# ----------------------------------------------------------------------------- the 江苏 form (2017–2019)
# What the 江苏 provincial budgets of 2017–2019 print (data/raw/201x/jsfy-yusuan, jszx-yusuan): the
# 收支预算总表 with 收入 | 功能分类 | 支出用途 side by side (three column pairs, 项目名称 / 功能科目名称 / 金额),
# 当年收入小计 / 上年结转资金 / 收入合计 and 当年支出小计 / 结转下年资金 / 支出合计, uses 基本支出 / 项目支出 /
# 单位预留机动经费; the 收入预算总表 as a list of sources (一般公共预算资金 › 小计 …); the 支出预算总表 as one
# row; the 财政拨款收支预算总表 with uses only; function and economic tables with one 金额 column; the
# “三公”经费、会议费、培训费 table; tables with no national role (财政拨款支出预算表); older class names;
# long names wrapped within their cell; tables continued on the next page with or without their header;
# form ``jiangsu_split``: the text and the tables in two files, each table's title and 部门/单位 line
# ruled into its grid, 表一 … above it.
JS_NAME = "江苏省合成测试厅"


def jiangsu_sums(m: BudgetModel) -> dict:
    """Every cell of the 江苏 form from the model: {(table, side, key, col): h}.  单位预留机动经费 is this
    year's 一般公共预算 money; 事业收入 is 其他资金 (基本支出); nothing is carried over."""
    items = {code: dict(it, carryover_next=0) for code, it in m.items.items()}
    col = {code: {"gpb": it["gpb_basic"] + it["gpb_project"] + it["reserve"], "fund": it["fund_project"],
                  "other": it["business"], "basic": it["gpb_basic"] + it["business"],
                  "project": it["gpb_project"] + it["fund_project"], "reserve": it["reserve"],
                  "fbasic": it["gpb_basic"]} for code, it in items.items()}
    for v in col.values():
        v["total"] = v["basic"] + v["project"] + v["reserve"]
    roll: dict = {}
    for code, v in col.items():
        for c in (code[:3], code[:5], code):
            acc = roll.setdefault(c, {})
            for k, x in v.items():
                acc[k] = acc.get(k, 0) + x
    tot = {k: sum(v[k] for v in col.values()) for k in next(iter(col.values()))}
    cells: dict = {}
    fiscal = tot["gpb"] + tot["fund"]
    for k, v in (("fiscal", fiscal), ("fiscal_gpb", tot["gpb"]), ("fiscal_gov_fund", tot["fund"]),
                 ("special_account", 0), ("other_funds", tot["other"]), ("income_total", fiscal + tot["other"]),
                 ("carryover", 0), ("grand_total", fiscal + tot["other"])):
        cells[("预算01", "收入", k, "amount")] = v
    for c, _, _ in FUNCTIONS:
        cells[("预算01", "支出", f"class:{c}", "amount")] = roll[c]["total"]
    for k, v in (("expenditure_total", tot["total"]), ("carryover_next", 0), ("grand_total", tot["total"]),
                 ("use:basic", tot["basic"]), ("use:project", tot["project"]), ("use:reserve", tot["reserve"])):
        cells[("预算01", "支出", k, "amount")] = v
    for k, v in (("total", tot["total"]), ("fiscal_gpb", tot["gpb"]), ("fiscal_gpb_general", tot["gpb"]),
                 ("fiscal_gpb_special", 0), ("fiscal_gov_fund", tot["fund"]), ("special_account", 0),
                 ("other_funds", tot["other"]), ("business", tot["other"]), ("operating", 0), ("other", 0),
                 ("debt", 0), ("carryover", 0), ("carryover_used", 0)):
        cells[("预算02", "", "total", k)] = v
    for k in ("total", "basic", "project", "reserve"):
        cells[("预算03", "", "total", k)] = tot[k]
    cells[("预算03", "", "total", "carryover_next")] = 0
    for k, v in (("fiscal_gpb", tot["gpb"]), ("fiscal_gov_fund", tot["fund"]), ("grand_total", fiscal)):
        cells[("预算04", "收入", k, "amount")] = v
    for k, v in (("use:basic", tot["fbasic"]), ("use:project", tot["project"]), ("use:reserve", tot["reserve"]),
                 ("grand_total", fiscal)):
        cells[("预算04", "支出", k, "amount")] = v
    for code, v in roll.items():
        if v["gpb"]:
            cells[("预算05", "", f"func:{code}", "total")] = v["gpb"]
        if v["fund"]:
            cells[("预算08", "", f"func:{code}", "total")] = v["fund"]
    cells[("预算05", "", "total", "total")] = tot["gpb"]
    if tot["fund"]:
        cells[("预算08", "", "total", "total")] = tot["fund"]
    for cls, _, _, items_ in ECONOMIC:
        cells[("预算06", "", f"econ:{cls}", "total")] = sum(m.econ[c] for c, _ in items_)
        for c, _ in items_:
            cells[("预算06", "", f"econ:{c}", "total")] = m.econ[c]
    cells[("预算06", "", "total", "total")] = sum(m.econ.values())
    s = dict(m.sangong)
    meeting, training = m.operating_costs % 997 + 1, m.operating_costs % 499 + 1
    for k, v in dict(s, meeting=meeting, training=training, total_all=s["total"] + meeting + training).items():
        cells[("预算07", "", "sangong", k)] = v
    return cells


def render_budget_jiangsu(layout: dict, m: BudgetModel, folder: Path, mutate: tuple | None = None,
                          dept: str = "synth", year: int = 2018) -> dict:
    """Draw a 江苏 budget (one file, or ``form`` jiangsu_split: text + tables); return its cells in 元."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cells = jiangsu_sums(m)
    printed = dict(cells)
    if mutate:
        printed[mutate[:4]] = printed[mutate[:4]] + mutate[4]
    split = layout["form"] == "jiangsu_split"
    ruled, zs, unit = layout["ruled"] == "1", layout["zero_style"], "万元"
    page_rows = int(layout["page_rows"] or 0)
    repeat = layout["repeat_header_on_continuation"] == "1"
    wrapn = layout["wrap_names"] == "1"
    names = {c: OLD_NAMES.get(c, n) for c, n, _ in FUNCTIONS}
    w = lambda h: f"{h // 100:,}.{h % 100:02d}"  # noqa: E731

    def amt(tid, side, key, col):
        return _bfmt(printed.get((tid, side, key, col), 0), unit, zs)

    text_pdf = folder / (f"{dept}-text.pdf" if split else f"{dept}.pdf")
    d = Doc(text_pdf, layout)
    d.text(f"{JS_NAME}{year}年度部门预算公开", 22, center=True, gap=120)
    d.new_page()
    d.text(f"第三部分 {JS_NAME}{year}年度部门预算情况说明", 14, center=True)
    p = cells
    for ln in (f"{year}年，{JS_NAME}收入预算{w(p[('预算01', '收入', 'income_total', 'amount')])}万元。",
               f"一般公共预算拨款支出预算{w(p[('预算05', '', 'total', 'total')])}万元。",
               f"{year}年“三公”经费预算数为{w(p[('预算07', '', 'sangong', 'total')])}万元。"):
        d.text(ln, 9, gap=4)
    if split:
        d.save()
        d = Doc(folder / f"{dept}-tables.pdf", layout)
    n_table = [0]

    def title(text, ncols_widths):
        """The title above the grid (one file), or ruled into it with the 部门/单位 line (split)."""
        d.new_page()
        n_table[0] += 1
        if split:
            d.text(f"表{CN[n_table[0] - 1] if n_table[0] <= 10 else '十' + CN[n_table[0] - 11]}", 10)
            return [(f"{text}部门：{JS_NAME} 单位：万元", 0, 0, 1, ncols_widths)]
        d.text(f"{CN[n_table[0] - 1] if n_table[0] <= 10 else '十' + CN[n_table[0] - 11]}、{year}年度{JS_NAME}"
               f"部门{text}", 11)
        d.text("单位：万元", 8, x=PAGE[0] - 120)
        return []

    def shift(head, k):
        return [(t, r + k, c, rs, cs) for t, r, c, rs, cs in head]

    def cell(text, width):
        return wrap(text, width) if wrapn and len(wrap(text, width)) > 1 else text

    # 预算01 收支预算总表: 收入 | 功能分类 | 支出用途
    top = title("收支预算总表", 6)
    k = len(top)
    head = top + shift([("收入", 0, 0, 1, 2), ("支出", 0, 2, 1, 4), ("项目名称", 1, 0, 2, 1), ("金额", 1, 1, 2, 1),
                        ("功能分类", 1, 2, 1, 2), ("支出用途", 1, 4, 1, 2), ("功能科目名称", 2, 2, 1, 1),
                        ("金额", 2, 3, 1, 1), ("项目名称", 2, 4, 1, 1), ("金额", 2, 5, 1, 1)], k)
    inc = [("fiscal", "一、财政拨款"), ("fiscal_gpb", "1.一般公共预算"), ("fiscal_gov_fund", "2.政府性基金预算"),
           ("special_account", "二、财政专户管理资金"), ("other_funds", "三、其他资金")]
    uses = [("use:basic", "一、基本支出"), ("use:project", "二、项目支出"), ("use:reserve", "三、单位预留机动经费")]
    widths = [120, 70, 110, 70, 120, 70]
    rows = []
    for i, (c, _, _) in enumerate(FUNCTIONS):
        left = [inc[i][1], amt("预算01", "收入", inc[i][0], "amount")] if i < len(inc) else ["", ""]
        right = ([uses[i][1], amt("预算01", "支出", uses[i][0], "amount")] if i < len(uses) else ["", ""])
        rows.append(left + [cell(f"{CN[i]}、{names[c]}", widths[2]), amt("预算01", "支出", f"class:{c}", "amount")]
                    + right)
    for a, b in (("income_total", "expenditure_total"), ("carryover", "carryover_next"), ("grand_total", "grand_total")):
        la = {"income_total": "当年收入小计", "carryover": "上年结转资金", "grand_total": "收入合计"}[a]
        lb = {"expenditure_total": "当年支出小计", "carryover_next": "结转下年资金", "grand_total": "支出合计"}[b]
        rows.append([la, amt("预算01", "收入", a, "amount"), lb, "", "", amt("预算01", "支出", b, "amount")])
    draw_table(d, widths, head, rows, "lrlrlr", ruled, 0, True)
    # 预算02 收入预算总表: a list of sources
    top = title("收入预算总表", 3)
    head = top + shift([("项目名称", 0, 0, 1, 2), ("金额", 0, 2, 1, 1)], len(top))
    groups = [("收入总计", [("", "total")]),
              ("一般公共预算资金", [("小计", "fiscal_gpb"), ("公共财政拨款(补助)资金", "fiscal_gpb_general"),
                                    ("专项收入", "fiscal_gpb_special")]),
              ("政府性基金", [("小计", "fiscal_gov_fund")]),
              ("财政专户管理资金", [("小计", "special_account")]),
              ("其他资金", [("小计", "other_funds"), ("事业收入", "business"), ("经营收入", "operating"),
                            ("其他收入", "other"), ("债务资金(银行贷款)", "debt")]),
              ("上年结转和结余资金", [("小计", "carryover"), ("其中：动用上年结转和结余资金", "carryover_used")])]
    rows = [[g if k == 0 else "", item, amt("预算02", "", "total", key)] for g, its in groups
            for k, (item, key) in enumerate(its)]
    draw_table(d, [160, 220, 120], head, rows, "llr", ruled, 0, True)
    # 预算03 支出预算总表: one row
    top = title("支出预算总表", 5)
    c3 = [("total", "合计"), ("basic", "基本支出"), ("project", "项目支出"), ("reserve", "单位预留机动经费"),
          ("carryover_next", "结转下年资金")]
    head = top + shift([(lab, 0, j, 1, 1) for j, (_, lab) in enumerate(c3)], len(top))
    draw_table(d, [110] * 5, head, [[amt("预算03", "", "total", c) for c, _ in c3]], "rrrrr", ruled, 0, True)
    # 预算04 财政拨款收支预算总表: uses only
    top = title("财政拨款收支预算总表", 4)
    head = top + shift([("收入", 0, 0, 1, 2), ("支出", 0, 2, 1, 2), ("项目名称", 1, 0, 2, 1), ("金额", 1, 1, 2, 1),
                        ("支出用途", 1, 2, 1, 2), ("项目名称", 2, 2, 1, 1), ("金额", 2, 3, 1, 1)], len(top))
    rows = [["一、一般公共预算", amt("预算04", "收入", "fiscal_gpb", "amount"), "一、基本支出",
             amt("预算04", "支出", "use:basic", "amount")],
            ["二、政府性基金预算", amt("预算04", "收入", "fiscal_gov_fund", "amount"), "二、项目支出",
             amt("预算04", "支出", "use:project", "amount")],
            ["", "", "三、单位预留机动经费", amt("预算04", "支出", "use:reserve", "amount")],
            ["收入合计", amt("预算04", "收入", "grand_total", "amount"), "支出合计",
             amt("预算04", "支出", "grand_total", "amount")]]
    draw_table(d, [150, 90, 150, 90], head, rows, "lrlr", ruled, 0, True)

    def by_function(tid, text, codes_of):
        top = title(text, 3)
        head = top + shift([("功能科目代码", 0, 0, 1, 1), ("功能科目名称", 0, 1, 1, 1), ("金额", 0, 2, 1, 1)], len(top))
        body = [["", "合计", amt(tid, "", "total", "total")]]
        for code in codes_of:
            body.append([code, cell(m.names.get(code, names.get(code, "")) if len(code) > 3 else names[code], 200),
                         amt(tid, "", f"func:{code}", "total")])
        draw_table(d, [90, 200, 110], head, body, "llr", ruled, page_rows, repeat)

    # a table with no national role: 财政拨款支出预算表 (all 财政拨款 by function)
    fiscal_codes = [c for c, _, ks in FUNCTIONS for c in [c] + [x for k, _, xs in ks for x in [k] + [y for y, _ in xs]]]
    top = title("财政拨款支出预算表", 3)
    head = top + shift([("功能科目代码", 0, 0, 1, 1), ("功能科目名称", 0, 1, 1, 1), ("金额", 0, 2, 1, 1)], len(top))
    draw_table(d, [90, 200, 110], head, [["", "合计", w(p[("预算04", "收入", "grand_total", "amount")])]], "llr",
               ruled, 0, True)
    gpb = [c for c in fiscal_codes if ("预算05", "", f"func:{c}", "total") in cells]
    by_function("预算05", "一般公共预算支出预算表", gpb)
    # 预算06 一般公共预算基本支出预算表: one 金额 column
    top = title("一般公共预算基本支出预算表", 3)
    head = top + shift([("科目编码", 0, 0, 1, 1), ("科目名称", 0, 1, 1, 1), ("金额", 0, 2, 1, 1)], len(top))
    body = [["", "合计", amt("预算06", "", "total", "total")]]
    for cls, cname, _, items_ in sorted(ECONOMIC):
        for code, nm in [(cls, cname)] + items_:
            body.append([code, nm, amt("预算06", "", f"econ:{code}", "total")])
    draw_table(d, [90, 200, 110], head, body, "llr", ruled, page_rows, repeat)
    # 预算07 “三公”经费、会议费、培训费支出预算表
    top = title("一般公共预算“三公”经费、会议费、培训费支出预算表", 9)
    head = top + shift([("合计", 0, 0, 3, 1), ("“三公”经费", 0, 1, 1, 6), ("会议费", 0, 7, 3, 1), ("培训费", 0, 8, 3, 1),
                        ("小计", 1, 1, 2, 1), ("因公出国（境）费", 1, 2, 2, 1), ("公务用车购置及运行维护费", 1, 3, 1, 3),
                        ("公务接待费", 1, 6, 2, 1), ("小计", 2, 3, 1, 1), ("公务用车购置费", 2, 4, 1, 1),
                        ("公务用车运行维护费", 2, 5, 1, 1)], len(top))
    row = [amt("预算07", "", "sangong", k) for k in ("total_all", "total", "abroad", "vehicle", "vehicle_purchase",
                                                     "vehicle_operation", "reception", "meeting", "training")]
    draw_table(d, [70, 70, 80, 70, 80, 90, 70, 60, 60], head, [row], "rrrrrrrrr", ruled, 0, True)
    fund = [c for c in fiscal_codes if ("预算08", "", f"func:{c}", "total") in cells]
    by_function("预算08", "政府性基金支出预算表", fund)
    d.save()
    meta = {"department": folder.name, "department_name": JS_NAME, "year": year, "doc_kind": "budget",
            "source_format": "pdf"}
    if not split:
        meta["source_file"] = text_pdf.name
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return {k: Decimal(h) * 100 for k, h in cells.items()}
