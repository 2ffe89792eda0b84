"""Linking the documents of one department: its budgets (部门预算) and final accounts (部门决算).

Reads only data/clean (every report's clean folder) and writes ``data/clean/panel/links/``:

- ``link_documents``: every document, the department it was matched to (``dept_key``: the
  department name the document states, normalised with ``data/department_names.csv``; the folder
  slug, without ``-yusuan``, is only a hint) and a note of what is linked and what is missing;
- ``department_series``: each department's totals over its years (本年收入合计, 本年支出合计,
  支出 by function class), from each document (预算 and 决算 side by side);
- ``link_budget_actual``: budget against actual by function code, (c) over all funds — the
  budget report's 支出预算总表 (预算03) against the final accounts' 支出决算表 (公开03) of the same
  year — and, where a later budget report states the prior year's execution per item, that
  budget against the stated execution; completion rates exact (Decimal, half-up, 6 places);
- ``link_comparisons``: every pair of figures two documents state for the same thing —
  (a) the final accounts' 年初预算 (total, per item, 三公) against the budget report of that
  year; (b) a budget report's prior-year statements (比上年预算增加 X ⇒ the prior budget; 上年预算
  执行数) against the prior year's budget report and final accounts — with the tolerance for
  万元 rounding (half a unit of the last place of each side stated in 万元) and whether they agree;
- ``link_units``: (d) each 单位预算 (单位决算) and its department's 部门预算 (部门决算) of the same year
  and kind: matched by the names they state — the department's section on its units (机构设置 /
  单位构成: “1.…本部。2.…不单列预算，并入本部。”, its words in data/department_names.csv) lists
  the unit, or the unit is the department's own (本部: the same name) —; the figures both state
  (收支总计, 本年收支合计, 基本/项目支出, 财政拨款, 一般公共预算, every function code of 预算03/05 or
  公开03/05, 三公, 机关运行经费) compared in ``link_comparisons`` (``link_unit_equal`` when the
  department lists one unit with a budget of its own, else ``link_unit_at_least``: the department
  ≥ the unit); a unit whose department's document is not in the data gets a note, no finding;
- ``link_findings``: a comparison that does not agree, naming both documents and both lines.

:func:`build_links` writes the folder; :func:`link_frames` computes the frames (no writing; the
chapters use it when the folder is absent).  A department with one document gets a note and no
findings.  Bad input (a clean CSV with an amount that is not a number) is a :class:`LinkError`
naming the file and line.
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..numbers import fmt_wan, fmt_yuan, ratio
from ..safety import csv_decode

LINKS = "links"
KIND_ZH = {"final": "决算", "budget": "预算"}
TABLES = ("link_documents", "department_series", "link_budget_actual", "link_comparisons", "link_units",
          "link_findings")
# severity per check (a comparison of the same concept in two documents fails → this finding)
SEVERITY = {
    "link_initial_budget": "error",      # (a) 年初预算 in the final accounts ≠ the budget report of that year
    "link_sangong_budget": "error",      # (a) 三公 budget, same
    "link_prior_budget": "warning",      # (b) a later report's 上年预算 (may be restated on a comparable basis)
    "link_prior_execution": "info",      # (b) 上年预算执行数, stated before the accounts closed
    "link_unit_equal": "error",          # (d) a one-unit department's figure ≠ its unit's
    "link_unit_at_least": "error",       # (d) a department's figure < one of its units'
}
UNIT_LEVEL = "单位"
SANGONG = ("total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception")
SANGONG_ZH = {"total": "“三公”经费合计", "abroad": "因公出国（境）费", "vehicle": "公务用车购置及运行费",
              "vehicle_purchase": "公务用车购置费", "vehicle_operation": "公务用车运行维护费", "reception": "公务接待费"}
SUBJECT_ZH = {"income": "收入预算", "expenditure": "支出预算", "fiscal_income": "财政拨款收入预算",
              "fiscal_expenditure": "财政拨款支出预算", "gpb_expenditure": "一般公共预算财政拨款支出预算",
              "gov_fund_expenditure": "政府性基金预算拨款支出预算", "soe_expenditure": "国有资本经营预算拨款支出预算",
              "operating_costs": "机关运行经费预算"}
HUNDRED, FEN = Decimal(100), Decimal("0.01")
UNIT_YUAN = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


class LinkError(ValueError):
    """A clean table the linking cannot read (names the file and line)."""


# ------------------------------------------------------------------ names
@lru_cache(maxsize=1)
def unit_vocabulary() -> dict[str, list[str]]:
    """The words of a department's statement of its units (data/department_names.csv): ``unit_section``
    (the heading of the section: 机构设置, 单位构成), ``unit_section_end`` (the next section's heading),
    ``unit_own`` (the department's own unit: 本部, 本级), ``unit_not_separate`` (a unit without a budget
    of its own: 不单列预算, 并入本部), ``unit_prefix`` (words before a unit's name: 下属事业单位)."""
    out: dict[str, list[str]] = {}
    with open(config.PACKAGE_DATA / "department_names.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["kind"].startswith("unit_"):
                out.setdefault(r["kind"], []).append(r["text"])
    return out


@lru_cache(maxsize=1)
def _name_rules() -> tuple[list, dict, list]:
    drops, aliases, suffixes = [], {}, []
    with open(config.PACKAGE_DATA / "department_names.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["kind"] == "drop":
                drops.append((r["text"], r["when_contains"]))
            elif r["kind"] == "alias":
                aliases[_plain(r["text"])] = _plain(r["canonical"])
            elif r["kind"] == "slug_suffix":
                suffixes.append(r["text"])
    return drops, aliases, suffixes


def _plain(name: str) -> str:
    s = unicodedata.normalize("NFKC", str(name or ""))
    return re.sub(r"[\s\u3000\"'“”‘’《》]", "", s)


def normalise_name(name: str | None) -> str:
    """The department a name denotes: whitespace and width folded, the drops and aliases of
    data/department_names.csv applied ('' for no name)."""
    drops, aliases, _ = _name_rules()
    s = _plain(name or "")
    s = aliases.get(s, s)
    for text, when in drops:
        t = _plain(text)
        if t and t in s and (not when or _plain(when) in s):
            s = s.replace(t, "")
    return aliases.get(s, s)


def slug_base(slug: str) -> str:
    """The folder slug without a document-kind suffix (ptczj-yusuan → ptczj)."""
    for suffix in _name_rules()[2]:
        if suffix and slug.endswith(suffix) and len(slug) > len(suffix):
            return slug[: -len(suffix)]
    return slug


# ------------------------------------------------------------------ one document
@dataclass
class Value:
    amount: Decimal
    line: int | None
    quantum: Decimal          # the unit of the last place the source states it in (元)
    where: str = ""           # table or section
    inferred: bool = False    # the item's code was not printed with it (found by its name)


@dataclass
class Doc:
    year: int
    department: str
    folder: Path
    name: str
    key: str
    kind: str
    level: str
    unit: str
    source: str
    named: bool = True                            # the document states its department's name
    # its rows, read when first asked for and let go by release(): the linking holds the rows of
    # the documents it compares, not of every document in the data (a batch of 1,000 reports)
    _rows: dict | None = field(default=None, repr=False)
    _origins: list | None = field(default=None, repr=False)
    _units: tuple | None = field(default=None, repr=False)   # stated_units(), kept: small

    def _table(self, name: str) -> list:
        if self._rows is None:
            self._rows = _doc_rows(self.folder)
        return self._rows[name]

    items = property(lambda self: self._table("items"), doc="line_items rows (dicts, amounts Decimal).")
    facts = property(lambda self: self._table("facts"), doc="stated_facts rows.")
    outturn = property(lambda self: self._table("outturn"), doc="budget_outturn rows.")
    sangong = property(lambda self: self._table("sangong"), doc="sangong rows.")

    def release(self) -> None:
        """Let go of the rows and text lines (read again when asked for)."""
        self._rows = self._origins = None

    @property
    def kind_zh(self) -> str:
        return KIND_ZH.get(self.kind, "决算")

    @property
    def label(self) -> str:
        return f"{self.year}年{self.kind_zh}（{self.department}）"

    @property
    def level_label(self) -> str:
        """“2025年部门预算（ptzfb-yusuan）”: the level (部门 / 单位) named too."""
        return f"{self.year}年{self.level}{self.kind_zh}（{self.department}）"

    @property
    def is_unit(self) -> bool:
        return self.level == UNIT_LEVEL

    def loc(self, line) -> str:
        if not line:
            return self.source
        if self._origins is None:
            self._origins = []
            f = self.folder / "extracted_text.txt"
            if f.exists():
                self._origins = [ln.split("\t", 1)[0] for ln in f.read_text(encoding="utf-8").split("\n")]
        i = int(line) - 1
        origin = self._origins[i] if 0 <= i < len(self._origins) and self._origins[i] else str(line)
        return f"{self.source}:{origin}"

    # --- the values the links need
    def table_quantum(self, table: str) -> Decimal:
        """Half of this is the rounding of a table's amounts: 0.01 of the report's unit, or 100 元
        when every amount of the table is a whole multiple of 100 元 (a 万元 table in a 元 report)."""
        quanta = self._table("quanta")
        if table not in quanta:
            q = FEN * UNIT_YUAN.get(self.unit, Decimal(1))
            amounts = [r["amount_yuan"] for r in self.items if r["table"] == table and r["amount_yuan"]]
            if q < HUNDRED and amounts and all(a % HUNDRED == 0 for a in amounts):
                q = HUNDRED
            quanta[table] = q
        return quanta[table]

    def cells(self, table: str, column: str = "total") -> dict[str, Value]:
        """row_key → the value in ``column`` (first row of a key wins)."""
        out: dict[str, Value] = {}
        q = None
        for r in self.items:
            if r["table"] == table and r["column"] == column and r["amount_yuan"] is not None:
                if q is None:
                    q = self.table_quantum(table)
                out.setdefault(r["row_key"], Value(r["amount_yuan"], r["source_line"], q, table))
        return out

    def side_cell(self, table: str, keys: tuple, side: str) -> Value | None:
        for key in keys:
            for r in self.items:
                if (r["table"] == table and r["row_key"] == key and r.get("side", "") in (side, "")
                        and r["amount_yuan"] is not None):
                    return Value(r["amount_yuan"], r["source_line"], self.table_quantum(table), table)
        return None

    def fact(self, subject: str, measure: str) -> Value | None:
        for r in self.facts:
            if r["subject"] == subject and r["measure"] == measure and r["value"] is not None:
                return Value(r["value"], r["source_line"], _text_quantum(r["text"], r["value"]), "说明")
        return None

    def names(self) -> dict[str, str]:
        """code → name as the tables print it."""
        out = {}
        for r in self.items:
            if r["code"] and r["row"]:
                out.setdefault(r["code"], r["row"])
        for r in self.outturn:
            if r["code"] and r.get("name"):
                out.setdefault(r["code"], r["name"])
        return out


def _text_quantum(text: str, value: Decimal) -> Decimal:
    """The unit of the last place of the number in ``text`` that states ``value`` (元).  Zero is
    exact; a whole number of 万元 ("25万元", the reports' way of writing 25.00) counts as two places."""
    if value == 0:
        return FEN
    wan = "万" in (text or "")
    for tok in re.findall(r"\d[\d,，]*(?:\.\d+)?", unicodedata.normalize("NFKC", text or "")):
        try:
            d = Decimal(tok.replace(",", "").replace("，", ""))
        except InvalidOperation:
            continue
        places = len(tok.split(".")[1]) if "." in tok else 0
        places = max(places, 2) if wan else places
        for scale in ((Decimal(10000), Decimal(1)) if wan else (Decimal(1), Decimal(10000))):
            if d * scale == abs(value):
                return scale * Decimal(10) ** -places
    return HUNDRED if wan else FEN


def _num(path: Path, line: int, col: str, s: str):
    if s == "":
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        raise LinkError(f"{config.rel(path)}:{line}: column {col} is not a number: {s!r}") from None


def _int(s: str):
    try:
        return int(s) if s not in ("", None) else None
    except ValueError:
        return None


def _rows(path: Path, amounts: tuple = ()) -> list[dict]:
    if not path.exists():
        return []
    out = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for r in reader:
            row = {k: csv_decode(v or "") for k, v in r.items() if k is not None}
            for c in amounts:
                if c in row:
                    row[c] = _num(path, reader.line_num, c, row[c])
            row["source_line"] = _int(row.get("source_line", ""))
            out.append(row)
    return out


def _meta(folder: Path) -> dict:
    try:
        return json.loads((folder / "metadata_inferred.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _pick(meta: dict, key: str, default=""):
    for part in (meta, meta.get("used") or {}, meta.get("metadata_json") or {}, meta.get("document") or {}):
        if isinstance(part, dict) and part.get(key) not in (None, ""):
            return part[key]
    return default


def doc_kind_of(year, department: str, clean_root: Path | None = None) -> str:
    """"final" or "budget" as a report's clean metadata (metadata_inferred.json) states it, else its
    tables (预算xx ⇒ budget); "final" when neither says (older clean data)."""
    folder = Path(clean_root or config.CLEAN) / str(year) / str(department)
    kind = str(_pick(_meta(folder), "doc_kind", "")).strip()
    if kind in KIND_ZH:
        return kind
    li = folder / "line_items.csv"
    if li.exists():
        with open(li, encoding="utf-8-sig", newline="") as fh:
            if any((r.get("table") or "").startswith("预算") for r in csv.DictReader(fh)):
                return "budget"
    return "final"


def _doc_rows(folder: Path) -> dict[str, list]:
    """A document's clean rows the linking reads (amounts Decimal)."""
    return {"items": _rows(folder / "line_items.csv", ("amount_yuan",)),
            "facts": _rows(folder / "stated_facts.csv", ("value",)),
            "outturn": _rows(folder / "budget_outturn.csv",
                             ("initial_budget_yuan", "adjusted_budget_yuan", "full_budget_yuan", "actual_yuan",
                              "actual_table_yuan")),
            "sangong": _rows(folder / "sangong.csv", ("budget_yuan", "actual_yuan", "budget_text_yuan", "prior_yuan")),
            "quanta": {}}


def read_doc(folder: Path) -> Doc:
    """A document's name, kind and level (its metadata); its rows are read when first used."""
    folder = Path(folder)
    year, dept = int(folder.parent.name), folder.name
    meta = _meta(folder)
    name = _pick(meta, "department_name", "")
    kind = str(_pick(meta, "doc_kind", "")).strip()
    if kind not in KIND_ZH:
        kind = doc_kind_of(year, dept, folder.parent.parent)
    source_file = _pick(meta, "source_file", "")
    source = f"data/raw/{year}/{dept}" + (f"/{source_file}" if source_file else "")
    key = normalise_name(name)
    return Doc(year=year, department=dept, folder=folder, name=str(name or dept), key=key or slug_base(dept),
               named=bool(key), kind=kind,
               level=str(_pick(meta, "doc_level", "") or "部门"), unit=str(_pick(meta, "unit", "") or "元"),
               source=source)


# ------------------------------------------------------------------ the values of each kind
def _func(cells: dict[str, Value]) -> dict[str, Value]:
    return {k.removeprefix("func:"): v for k, v in cells.items() if k.startswith("func:")}


def initial_budget_by_code(doc: Doc) -> dict[str, Value]:
    """Final accounts: 年初预算 per item (budget_outturn, from the explanation)."""
    q = FEN * UNIT_YUAN.get(doc.unit, Decimal(1))
    q = HUNDRED if q < HUNDRED and doc.unit == "万元" else q
    return {r["code"]: Value(r["initial_budget_yuan"], r["source_line"], q, "说明",
                             inferred=r.get("code_source", "") not in ("", "text"))
            for r in doc.outturn if r.get("code") and r.get("initial_budget_yuan") is not None}


def initial_budget_total(doc: Doc) -> Value | None:
    """Final accounts: the 一般公共预算财政拨款 年初预算 total the explanation states."""
    for subject in ("gpb_budget", "gpb_expenditure"):
        v = doc.fact(subject, "budget")
        if v is not None:
            return v
    return None


def sangong_budget(doc: Doc) -> dict[str, Value]:
    """三公 budget by category: 公开07 (final) or 预算07 (budget), else the explanation."""
    table = "公开07" if doc.kind == "final" else "预算07"
    out: dict[str, Value] = {}
    q = doc.table_quantum(table)
    for r in doc.items:
        if r["table"] != table or r["amount_yuan"] is None:
            continue
        for c in SANGONG:
            names = ({f"budget_{c}", c, f"sangong_{c}"} if doc.kind == "budget" else {f"budget_{c}"})
            if r["column"] in names or (doc.kind == "budget" and r["row_key"] in (c, f"sangong_{c}")
                                        and r["column"] in ("amount", "total", "budget")):
                out.setdefault(c, Value(r["amount_yuan"], r["source_line"], q, table))
    for c in SANGONG:
        if c not in out:
            v = doc.fact(f"sangong_{c}", "budget") or (doc.fact("sangong", "budget") if c == "total" else None)
            if v is not None:
                out[c] = v
    return out


def budget_total(doc: Doc, subject: str) -> Value | None:
    """A budget report's figure for ``subject``: an item from 预算05 (exact, in 元), else the
    explanation, else the tables."""
    if subject.startswith("func:"):
        v = _func(doc.cells("预算05")).get(subject[5:])
        if v is not None:
            return v
    v = doc.fact(subject, "budget")
    if v is not None:
        return v
    table = {"income": "预算02", "expenditure": "预算03", "gpb_expenditure": "预算05",
             "fiscal_income": "预算04", "fiscal_expenditure": "预算04"}.get(subject)
    if table in ("预算02", "预算03", "预算05"):
        return doc.cells(table).get("total")
    if table == "预算04":
        return doc.side_cell(table, ("grand_total", "income_total" if subject == "fiscal_income"
                                     else "expenditure_total"), "收入" if subject == "fiscal_income" else "支出")
    if subject.startswith("sangong_"):
        return sangong_budget(doc).get(subject.removeprefix("sangong_"))
    if subject.startswith("func:"):
        return _func(doc.cells("预算05")).get(subject[5:])
    return None


def prior_statements(doc: Doc) -> list[tuple[str, str, Value]]:
    """A budget report's statements of the prior year: (measure, subject, value) with measure
    ``prior_budget`` (stated, or derived = this year's budget − the stated change) or
    ``prior_execution``."""
    out, seen = [], set()
    for r in doc.facts:
        if r["measure"] in ("prior_budget", "prior_execution") and r["value"] is not None:
            key = (r["measure"], r["subject"])
            if key not in seen:
                seen.add(key)
                q = _text_quantum(r["text"], r["value"])
                change, budget = doc.fact(r["subject"], "change_vs_prior_budget"), doc.fact(r["subject"], "budget")
                if r["measure"] == "prior_budget" and change is not None:   # derived: budget − change
                    q = change.quantum + (budget.quantum if budget is not None else q)
                out.append((r["measure"], r["subject"], Value(r["value"], r["source_line"], q, "说明")))
    for r in doc.facts:
        if r["measure"] == "change_vs_prior_budget" and r["value"] is not None and \
                ("prior_budget", r["subject"]) not in seen:
            budget = doc.fact(r["subject"], "budget")
            if budget is None:
                continue
            seen.add(("prior_budget", r["subject"]))
            q = budget.quantum + _text_quantum(r["text"], r["value"])
            out.append(("prior_budget", r["subject"], Value(budget.amount - r["value"], r["source_line"], q, "说明")))
    return out


def series_values(doc: Doc) -> list[tuple[str, str, Value]]:
    """(measure, label, value): 本年收入合计, 本年支出合计 and expenditure by function class."""
    out = []
    if doc.kind == "final":
        inc = doc.side_cell("公开01", ("income_total",), "收入")
        exp = doc.side_cell("公开01", ("expenditure_total",), "支出")
        classes = {k: v for k, v in _func(doc.cells("公开03")).items() if len(k) == 3}
        if not classes:
            classes = {k.removeprefix("class:"): v for k, v in doc.cells("公开01", "amount").items()
                       if k.startswith("class:")}
    else:
        inc, exp = doc.cells("预算02").get("total"), doc.cells("预算03").get("total")
        if inc is None or not inc.amount:      # no 收入总表 total (or one read as zero): the 收支总表's
            inc = doc.side_cell("预算01", ("income_total", "grand_total"), "收入") or inc
        if exp is None or not exp.amount:
            exp = doc.side_cell("预算01", ("expenditure_total", "grand_total"), "支出") or exp
        classes = {k: v for k, v in _func(doc.cells("预算03")).items() if len(k) == 3}
    if inc is not None:
        out.append(("income_total", "本年收入合计", inc))
    if exp is not None:
        out.append(("expenditure_total", "本年支出合计", exp))
    names = doc.names()
    for code in sorted(classes):
        if classes[code].amount:
            out.append((f"class:{code}", names.get(code, code), classes[code]))
    return out


# ------------------------------------------------------------------ linking
def documents(clean_root: Path | None = None) -> list[Doc]:
    root = Path(clean_root or config.CLEAN)
    folders = sorted(p.parent for p in root.glob("[0-9][0-9][0-9][0-9]/*/line_items.csv"))
    return [read_doc(f) for f in folders]


def group(docs: list[Doc]) -> dict[str, list[Doc]]:
    """dept_key → its documents (by year, final before budget).  The name a document states decides;
    a document that states none joins the one named department whose folders have its slug
    (without -yusuan), else it stands under its slug."""
    by_slug: dict[str, set] = {}
    for d in docs:
        if d.named:
            by_slug.setdefault(slug_base(d.department), set()).add(d.key)
    out: dict[str, list[Doc]] = {}
    for d in docs:
        keys = by_slug.get(slug_base(d.department), set())
        if not d.named and len(keys) == 1:
            d.key = next(iter(keys))
        out.setdefault(d.key, []).append(d)
    return {k: sorted(v, key=lambda d: (d.year, d.kind != "final", d.department)) for k, v in sorted(out.items())}


def _tolerance(a: Value, b: Value) -> Decimal:
    """Half the last-place unit of each side, floored to the fen (amounts and their differences are
    whole fen, so |difference| ≤ the floored tolerance exactly when it is ≤ the unfloored one)."""
    return ((a.quantum + b.quantum) / 2).quantize(FEN, rounding=ROUND_FLOOR)


class _Linker:
    def __init__(self, key: str, docs: list[Doc]):
        self.key, self.docs = key, docs
        self.name = next((d.name for d in docs if d.kind == "final"), docs[0].name)
        self.comparisons: list[dict] = []
        self.findings: list[dict] = []
        self.budget_actual: list[dict] = []

    def of(self, year: int, kind: str) -> Doc | None:
        """The department's document of ``year`` and ``kind``: a 部门 document before a 单位 one (a
        department's own unit states the department's name; its 单位预算 is linked as a unit, (d))."""
        cands = [d for d in self.docs if d.year == year and d.kind == kind]
        return next((d for d in cands if not d.is_unit), cands[0] if cands else None)

    def compare(self, check: str, year: int, subject: str, code: str, label: str,
                left: Doc, lv: Value | None, right: Doc, rv: Value | None, what: str) -> None:
        if lv is None or rv is None:
            return
        diff = lv.amount - rv.amount
        tol = _tolerance(lv, rv)
        agrees = abs(diff) <= tol
        row = {"dept_key": self.key, "department_name": self.name, "year": year, "check": check,
               "subject": subject, "code": code, "label": label,
               "left_doc": left.label, "left_yuan": lv.amount, "left_location": left.loc(lv.line),
               "right_doc": right.label, "right_yuan": rv.amount, "right_location": right.loc(rv.line),
               "difference_yuan": diff, "tolerance_yuan": tol, "agrees": "是" if agrees else "否"}
        self.comparisons.append(row)
        if agrees:
            return
        severity = SEVERITY[check]
        if severity == "error" and (lv.inferred or rv.inferred):   # a code found by its name may be wrong
            severity = "warning"
            what += "（该项的科目编码不是原文印出的，而是按名称推断的，所以记为警告。）"
        msg = (f"{label}：{left.label}为 {fmt_wan(lv.amount)} 万元（{left.loc(lv.line)}），"
               f"{right.label}为 {fmt_wan(rv.amount)} 万元（{right.loc(rv.line)}），"
               f"相差 {fmt_wan(diff)} 万元，超出取整容差（{fmt_yuan(tol)} 元）。{what}")
        self.findings.append({"dept_key": self.key, "department_name": self.name, "year": year, "check": check,
                              "severity": severity, "message": msg,
                              "expected": str(rv.amount), "found": str(lv.amount),
                              "location": f"{left.loc(lv.line)} ↔ {right.loc(rv.line)}",
                              "documents": f"{left.label} ↔ {right.label}"})

    # (a) the final accounts' 年初预算 against the budget report of that year
    def initial_budget(self, final: Doc, budget: Doc) -> None:
        why = "两份文件说的是同一笔钱（该年年初批准的预算），应当一致。"
        y = final.year
        self.compare("link_initial_budget", y, "gpb_expenditure", "", f"{y}年一般公共预算财政拨款支出年初预算",
                     final, initial_budget_total(final), budget, budget_total(budget, "gpb_expenditure"), why)
        bud = _func(budget.cells("预算05"))
        names = final.names()
        for code, v in initial_budget_by_code(final).items():
            self.compare("link_initial_budget", y, f"func:{code}", code,
                         f"{y}年“{names.get(code, code)}”（{code}）年初预算", final, v, budget, bud.get(code), why)
        sb, bb = sangong_budget(final), sangong_budget(budget)
        for c in SANGONG:
            self.compare("link_sangong_budget", y, f"sangong_{c}", "", f"{y}年{SANGONG_ZH[c]}预算",
                         final, sb.get(c), budget, bb.get(c), why)

    # (b) a budget report's statement of the prior year
    def prior(self, budget: Doc) -> None:
        y = budget.year - 1
        pb, pf = self.of(y, "budget"), self.of(y, "final")
        names = {**(pf.names() if pf else {}), **(pb.names() if pb else {}), **budget.names()}
        for measure, subject, v in prior_statements(budget):
            code = subject[5:] if subject.startswith("func:") else ""
            what = (f"“{names.get(code, code)}”（{code}）" if code else
                    SANGONG_ZH.get(subject.removeprefix("sangong_"), "") if subject.startswith("sangong_") else
                    SUBJECT_ZH.get(subject, subject))
            if measure == "prior_budget":
                label = f"{y}年{what}{'预算' if not what.endswith('预算') else ''}"
                why = ("后一年的预算以“比上年预算增加/减少”说明上年预算；两份文件所说的上年预算不一致"
                       "（也可能是后一年按可比口径调整了上年数，请核对原文）。")
                if pb is not None:
                    self.compare("link_prior_budget", y, subject, code, label, budget, v, pb,
                                 budget_total(pb, subject), why)
                if pf is not None:
                    fv = (initial_budget_total(pf) if subject == "gpb_expenditure" else
                          initial_budget_by_code(pf).get(code) if code else
                          sangong_budget(pf).get(subject.removeprefix("sangong_")) if subject.startswith("sangong_")
                          else None)
                    self.compare("link_prior_budget", y, subject, code, label + "（对照决算的年初预算）",
                                 budget, v, pf, fv, why)
            elif measure == "prior_execution":
                label = f"{y}年{what}执行数"
                if pf is not None:
                    actual = (_func(pf.cells("公开05")).get(code) if code else
                              pf.fact("gpb_budget", "actual") if subject == "gpb_expenditure" else None)
                    self.compare("link_prior_execution", y, subject, code, label, budget, v, pf, actual,
                                 "预算说明中的上年执行数在决算编成之前写成，可能是预计数；与决算不一致时以决算为准。")
                if pb is not None and code:   # budget of y against its execution stated a year later
                    bv = budget_total(pb, subject)
                    if bv is not None:
                        self.budget_actual.append(self._ba(y, "stated_execution", code, names.get(code, ""),
                                                           pb, bv, budget, v))

    # (c) budget against actual by function code, all funds
    def all_funds(self, final: Doc, budget: Doc) -> None:
        bud, act = _func(budget.cells("预算03")), _func(final.cells("公开03"))
        names = {**final.names(), **budget.names()}
        for code in sorted(set(bud) | set(act)):
            b, a = bud.get(code), act.get(code)
            if (b is None or not b.amount) and (a is None or not a.amount):
                continue
            self.budget_actual.append(self._ba(final.year, "all_funds", code, names.get(code, ""), budget, b, final, a))

    def _ba(self, year, basis, code, name, bdoc: Doc, b: Value | None, adoc: Doc, a: Value | None) -> dict:
        bv, av = (b.amount if b else None), (a.amount if a else None)
        note = ("预算中没有这一科目" if b is None or not bv else "决算中没有这一科目" if a is None or not av else "")
        return {"dept_key": self.key, "department_name": self.name, "year": year, "basis": basis, "code": code,
                "level": {3: "类", 5: "款", 7: "项"}.get(len(code), ""), "name": name,
                "budget_yuan": bv, "actual_yuan": av,
                "difference_yuan": (av - bv) if bv is not None and av is not None else None,
                "completion_rate": ratio(av, bv) if bv else None,
                "budget_doc": bdoc.label, "budget_location": bdoc.loc(b.line) if b else "",
                "actual_doc": adoc.label, "actual_location": adoc.loc(a.line) if a else "", "note": note}

    def run(self) -> None:
        if len(self.docs) < 2:
            return
        for d in self.docs:
            if d.is_unit and self.of(d.year, d.kind) is not d:   # the department's own unit: (d)
                continue
            if d.kind == "final":
                b = self.of(d.year, "budget")
                if b is not None:
                    self.initial_budget(d, b)
                    self.all_funds(d, b)
            else:
                self.prior(d)

    def notes(self) -> dict[tuple, str]:
        """Per document: what it is linked with and what is missing."""
        out = {}
        for d in self.docs:
            y = d.year
            if d.kind == "final":
                have = [x for x in (self.of(y, "budget"), self.of(y + 1, "budget")) if x is not None]
                missing = [f"{y}年预算（核对年初预算、预算与决算）" if self.of(y, "budget") is None else "",
                           f"{y + 1}年预算（它说明{y}年的预算和执行数）" if self.of(y + 1, "budget") is None else ""]
            else:
                have = [x for x in (self.of(y, "final"), self.of(y - 1, "budget"), self.of(y - 1, "final"),
                                    self.of(y + 1, "budget")) if x is not None]
                missing = [f"{y}年决算（预算与实际执行）" if self.of(y, "final") is None else "",
                           f"{y - 1}年预算或决算（核对本预算所说的上年数）"
                           if self.of(y - 1, "budget") is None and self.of(y - 1, "final") is None else ""]
            missing = [m for m in missing if m]
            twins = [x for x in self.docs if x is not d and x.year == y and x.kind == d.kind
                     and x.is_unit == d.is_unit]
            level_pair = [x for x in self.docs if x is not d and x.year == y and x.kind == d.kind
                          and x.is_unit != d.is_unit]     # a department and its own unit: (d)
            if len(self.docs) == 1:
                text = f"该部门只有这一份文件：{d.label}，无法与其他文件核对"
            elif have:
                text = "已与" + "、".join(x.label for x in have) + "链接"
            elif level_pair:
                text = f"同一年度另有{'部门' if d.is_unit else '单位'}{d.kind_zh}：" + "、".join(
                    x.level_label for x in level_pair) + "，部门与单位相互核对（见下）"
            else:
                text = "同一部门的其他文件不在相邻年度"
            if missing:
                text += "；缺少" + "、".join(missing)
            if twins:   # only the first of a year's documents of one kind is linked: say so
                text += (f"；同一年度另有{d.kind_zh}：" + "、".join(x.label for x in twins)
                         + f"，链接只用{self.of(y, d.kind).label}")
            out[(d.year, d.department)] = text + "。"
        return out


# ------------------------------------------------------------------ (d) a department and its units
@dataclass
class StatedUnit:
    name: str            # as the department's document lists it (the prefix words dropped)
    key: str             # normalised
    own: bool            # the department's own unit (本部, 本级)
    separate: bool       # it has a budget (final accounts) of its own: not “不单列预算”
    line: int | None
    text: str


def _text_lines(doc: Doc) -> list[str]:
    f = doc.folder / "extracted_text.txt"
    if not f.exists():
        return []
    return [ln.split("\t", 1)[1] if "\t" in ln else ln for ln in f.read_text(encoding="utf-8").split("\n")]


_ENTRY = re.compile(r"^\s*[（(]?(\d{1,2})[)）]?\s*[\.．、,，]?\s*(\S.*)$")


def stated_units(doc: Doc) -> tuple[list[StatedUnit], int | None]:
    """The units a department's document lists in its section on its units (部门预算单位构成 /
    机构设置: “1.上海市普陀区人民政府办公室本部。2.下属事业单位……不单列预算，并入本部。”) and the line
    of the section's heading; ([], None) when the document has no such section (or no text)."""
    if doc._units is None:      # asked once per unit of the year: read the text once
        doc._units = _stated_units(_text_lines(doc))
    return list(doc._units[0]), doc._units[1]


def _stated_units(lines: list[str]) -> tuple[list[StatedUnit], int | None]:
    voc = unit_vocabulary()
    heads = voc.get("unit_section", [])
    starts = [i for i, ln in enumerate(lines) if any(h in ln for h in heads) and "…" not in ln
              and not re.search(r"\d\s*$", ln.strip()) and len(ln.strip()) <= 40]
    for start in starts:        # the table of contents names the section too: the one with a list
        units = _units_after(lines, start, voc)
        if units:
            return units, start + 1
    return [], None


def _units_after(lines: list[str], start: int, voc: dict) -> list[StatedUnit]:
    ends = voc.get("unit_section_end", [])
    units: list[StatedUnit] = []
    for i in range(start + 1, min(len(lines), start + 40)):
        ln = lines[i].strip()
        if any(e in ln for e in ends) and len(ln) <= 20:
            break
        m = _ENTRY.match(ln)
        if not m or int(m.group(1)) != len(units) + 1:
            continue
        body = m.group(2)
        name = re.split(r"[，。,；;：:（(]", body, maxsplit=1)[0].strip()
        for pre in voc.get("unit_prefix", []):
            name = name.removeprefix(pre)
        for cue in voc.get("unit_not_separate", []):
            name = name.split(cue, 1)[0].strip()
        own = any(w in name for w in voc.get("unit_own", []))
        separate = not any(w in body for w in voc.get("unit_not_separate", []))
        units.append(StatedUnit(name, normalise_name(name), own, separate, i + 1, ln))
    return units


def _quote(text: str, most: int = 40) -> str:
    """A listed unit's line as quoted: up to its first clause when long."""
    if len(text) <= most:
        return text
    head = re.split(r"[，,；;]", text, maxsplit=1)[0]
    return head if len(head) <= most else text[:most] + "……"


def _unit_values(doc: Doc) -> list[tuple[str, str, str, Value | None]]:
    """(subject, code, label, value) of the figures a department and its unit both state: totals,
    expenditure by function code, 三公, 机关运行经费."""
    out: list[tuple[str, str, str, Value | None]] = []

    def side(table, key, side_):
        for col in ("amount", "total"):
            for r in doc.items:
                if (r["table"] == table and r["row_key"] == key and r.get("side", "") in (side_, "")
                        and r["column"] == col and r["amount_yuan"] is not None):
                    return Value(r["amount_yuan"], r["source_line"], doc.table_quantum(table), table)
        return None

    if doc.kind == "budget":
        out += [("grand_income", "", "收入总计（预算01）", side("预算01", "grand_total", "收入")),
                ("grand_expenditure", "", "支出总计（预算01）", side("预算01", "grand_total", "支出")),
                ("income", "", "本年收入合计（预算02）", doc.cells("预算02").get("total")),
                ("expenditure", "", "本年支出合计（预算03）", doc.cells("预算03").get("total")),
                ("basic", "", "基本支出（预算03）", doc.cells("预算03", "basic").get("total")),
                ("project", "", "项目支出（预算03）", doc.cells("预算03", "project").get("total")),
                ("fiscal_income", "", "财政拨款收入总计（预算04）", side("预算04", "grand_total", "收入")),
                ("fiscal_expenditure", "", "财政拨款支出总计（预算04）", side("预算04", "grand_total", "支出")),
                ("gpb_expenditure", "", "一般公共预算财政拨款支出合计（预算05）", doc.cells("预算05").get("total"))]
        tables = (("预算03", "支出预算"), ("预算05", "一般公共预算财政拨款支出"))
        op = doc.cells("预算07", "operating_costs").get("sangong") or doc.fact("operating_costs", "budget")
    else:
        out += [("income", "", "本年收入合计（公开01）", doc.side_cell("公开01", ("income_total",), "收入")),
                ("expenditure", "", "本年支出合计（公开01）", doc.side_cell("公开01", ("expenditure_total",), "支出")),
                ("fiscal_income", "", "财政拨款收入（公开04）", side("公开04", "grand_total", "收入")),
                ("gpb_expenditure", "", "一般公共预算财政拨款支出合计（公开05）", doc.cells("公开05").get("total"))]
        tables = (("公开03", "支出决算"), ("公开05", "一般公共预算财政拨款支出"))
        op = doc.fact("operating_costs", "actual")
    names = doc.names()
    for table, what in tables:
        for code, v in sorted(_func(doc.cells(table)).items()):
            out.append((f"{table}:func:{code}", code, f"{what}“{names.get(code, code)}”（{code}，{table}）", v))
    sg = sangong_budget(doc) if doc.kind == "budget" else {
        c: v for c in SANGONG if (v := doc.fact(f"sangong_{c}", "actual")) is not None}
    for c in SANGONG:
        out.append((f"sangong_{c}", "", f"{SANGONG_ZH[c]}{'预算' if doc.kind == 'budget' else ''}", sg.get(c)))
    out.append(("operating_costs", "", "机关运行经费" + ("预算" if doc.kind == "budget" else ""), op))
    return out


def _unit_department(unit: Doc, departments: list[Doc]) -> tuple[Doc | None, StatedUnit | None, list]:
    """The department document (same year and kind, level 部门) whose unit ``unit`` is: the one
    that lists it by name, else the one whose name it states (its own unit, 本部/本级)."""
    by_list, by_name = None, None
    for d in departments:
        listed, _ = stated_units(d)
        for su in listed:
            if su.key and (su.key == unit.key or (len(su.key) >= 4 and su.key in unit.key)):
                by_list = by_list or (d, su, listed)
        if unit.named and d.key == unit.key:
            own = next((su for su in listed if su.own), None)
            by_name = by_name or (d, own, listed)
    found = by_list or by_name
    return found if found else (None, None, [])


def link_units(docs: list[Doc]) -> tuple[list[dict], list[dict], list[dict], dict]:
    """(d) Every 单位 document against its department's document of the same year and kind:
    the figures both state (:func:`_unit_values`) equal when the department lists one unit with a
    budget of its own, the department at least the unit otherwise (and when the department's
    list of units cannot be read).  Returns (link_units rows, comparisons, findings, notes by
    (year, department))."""
    rows, comparisons, findings, notes = [], [], [], {}
    depts = [d for d in docs if not d.is_unit]
    for u in (d for d in docs if d.is_unit):
        cands = [d for d in depts if d.year == u.year and d.kind == u.kind]
        dept, su, listed = _unit_department(u, cands)
        if dept is None:
            note = (f"这是一份{UNIT_LEVEL}{u.kind_zh}（{u.name}）；它所属部门的{u.year}年部门{u.kind_zh}不在数据中，"
                    f"无法核对部门与单位的数字")
            notes[(u.year, u.department)] = note + "。"
            rows.append({"dept_key": "", "department_name": "", "year": u.year, "doc_kind_zh": u.kind_zh,
                         "unit_department": u.department, "unit_name": u.name, "department": "",
                         "units_stated": None, "units_separate": None, "relation": "", "compared": 0,
                         "disagree": 0, "unit_location": "", "note": note + "。"})
            continue
        separate = [x for x in listed if x.separate]
        one = len(listed) > 0 and len(separate) == 1
        relation = "equal" if one else "at_least"
        check = "link_unit_equal" if one else "link_unit_at_least"
        lk = _Linker(dept.key, [dept, u])
        lk.name = dept.name
        dv = {s_: (lab, v) for s_, _, lab, v in _unit_values(dept)}
        n = bad = 0
        for subject, code, label, uv in _unit_values(u):
            lab, v = dv.get(subject, (label, None))
            if v is None or uv is None:
                continue
            n += 1
            diff = v.amount - uv.amount
            tol = _tolerance(v, uv)
            agrees = abs(diff) <= tol if one else diff >= -tol
            bad += not agrees
            comparisons.append({
                "dept_key": dept.key, "department_name": dept.name, "year": u.year, "check": check,
                "subject": subject, "code": code, "label": f"{u.year}年{label}",
                "left_doc": dept.level_label, "left_yuan": v.amount, "left_location": dept.loc(v.line),
                "right_doc": u.level_label, "right_yuan": uv.amount, "right_location": u.loc(uv.line),
                "difference_yuan": diff, "tolerance_yuan": tol, "agrees": "是" if agrees else "否"})
            if not agrees:
                why = (f"{dept.name}的{dept.kind_zh}只列出一个单独编制{dept.kind_zh}的单位（{dept.loc(separate[0].line)}：“"
                       f"{_quote(separate[0].text)}”），部门的数字应当等于该单位的数字。" if one else
                       "部门的数字包括其所属各单位，应当不小于其中任何一个单位的数字。")
                findings.append({
                    "dept_key": dept.key, "department_name": dept.name, "year": u.year, "check": check,
                    "severity": SEVERITY[check],
                    "message": (f"{u.year}年{label}：{dept.level_label}为 {fmt_wan(v.amount)} 万元（{dept.loc(v.line)}），"
                                f"{u.level_label}为 {fmt_wan(uv.amount)} 万元（{u.loc(uv.line)}），相差 {fmt_wan(diff)} 万元"
                                f"（取整容差 {fmt_yuan(tol)} 元）。{why}"),
                    "expected": str(uv.amount), "found": str(v.amount),
                    "location": f"{dept.loc(v.line)} ↔ {u.loc(uv.line)}",
                    "documents": f"{dept.level_label} ↔ {u.level_label}"})
        where = f"{dept.loc(su.line)}：“{_quote(su.text)}”" if su is not None else ""
        stated = (f"{dept.level_label}在“机构设置”中列出 {len(listed)} 个单位，其中单独编制{dept.kind_zh}的 {len(separate)} 个"
                  if listed else f"{dept.level_label}中没有读到所属单位的清单")
        rel_zh = "部门的数字应等于单位的数字" if one else "部门的数字应不小于单位的数字"
        note = (f"{u.level_label}与{dept.level_label}相互核对：{stated}，{rel_zh}；"
                f"共核对 {n} 项，{'全部一致' if not bad else f'{bad} 项不符（见核对结果）'}"
                + (f"。该单位在部门清单中：{where}" if where else ""))
        notes[(u.year, u.department)] = notes[(dept.year, dept.department)] = note + "。"
        rows.append({"dept_key": dept.key, "department_name": dept.name, "year": u.year, "doc_kind_zh": u.kind_zh,
                     "unit_department": u.department, "unit_name": u.name, "department": dept.department,
                     "units_stated": len(listed) if listed else None,
                     "units_separate": len(separate) if listed else None, "relation": relation,
                     "compared": n, "disagree": bad, "unit_location": dept.loc(su.line) if su is not None else "",
                     "note": note + "。"})
        u.release()
        dept.release()
    return rows, comparisons, findings, notes


# ------------------------------------------------------------------ frames and files
COLUMNS = {
    "link_documents": ["dept_key", "department_name", "year", "department", "doc_kind", "doc_kind_zh", "doc_level",
                       "source", "group_documents", "note"],
    "department_series": ["dept_key", "department_name", "year", "department", "doc_kind", "doc_kind_zh", "measure",
                          "label", "amount_yuan", "table", "location"],
    "link_budget_actual": ["dept_key", "department_name", "year", "basis", "code", "level", "name", "budget_yuan",
                           "actual_yuan", "difference_yuan", "completion_rate", "budget_doc", "budget_location",
                           "actual_doc", "actual_location", "note"],
    "link_comparisons": ["dept_key", "department_name", "year", "check", "subject", "code", "label", "left_doc",
                         "left_yuan", "left_location", "right_doc", "right_yuan", "right_location", "difference_yuan",
                         "tolerance_yuan", "agrees"],
    "link_findings": ["dept_key", "department_name", "year", "check", "severity", "message", "expected", "found",
                      "location", "documents"],
    "link_units": ["dept_key", "department_name", "year", "doc_kind_zh", "unit_department", "unit_name", "department",
                   "units_stated", "units_separate", "relation", "compared", "disagree", "unit_location", "note"],
}


def link_frames(clean_root: Path | None = None) -> dict[str, pd.DataFrame]:
    """The link tables (exact Decimal amounts and rates) of every department in ``clean_root``."""
    rows: dict[str, list] = {t: [] for t in TABLES}
    all_docs = documents(clean_root)
    groups = group(all_docs)
    rows["link_units"], unit_comparisons, unit_findings, unit_notes = link_units(all_docs)
    for key, docs in groups.items():
        lk = _Linker(key, docs)
        lk.run()
        notes = lk.notes()
        for d in docs:
            note = notes[(d.year, d.department)]
            if (d.year, d.department) in unit_notes:
                note = (note.removesuffix("。") + "；" if len(docs) > 1 else "") + unit_notes[(d.year, d.department)]
            rows["link_documents"].append({
                "dept_key": key, "department_name": lk.name, "year": d.year, "department": d.department,
                "doc_kind": d.kind, "doc_kind_zh": d.kind_zh, "doc_level": d.level, "source": d.source,
                "group_documents": len(docs), "note": note})
            for measure, label, v in series_values(d):
                rows["department_series"].append({
                    "dept_key": key, "department_name": lk.name, "year": d.year, "department": d.department,
                    "doc_kind": d.kind, "doc_kind_zh": d.kind_zh, "measure": measure, "label": label,
                    "amount_yuan": v.amount, "table": v.where, "location": d.loc(v.line)})
        rows["link_budget_actual"] += lk.budget_actual
        rows["link_comparisons"] += lk.comparisons
        rows["link_findings"] += lk.findings
        for d in docs:      # one department's rows at a time
            d.release()
    rows["link_comparisons"] += unit_comparisons
    rows["link_findings"] += unit_findings
    frames = {t: pd.DataFrame(rows[t], columns=COLUMNS[t]) for t in TABLES}
    for c in ("units_stated", "units_separate", "compared", "disagree"):   # counts; empty when unknown
        frames["link_units"][c] = frames["link_units"][c].astype("Int64")
    return frames


def build_links(clean_root: Path | None = None, out: Path | None = None) -> list[Path]:
    """Write data/clean/panel/links/<table>.csv (and its datapackage.json) — or into ``out``: the
    panel's build writes them into its new generation, so the links are published with the panel
    they were made from; the paths written ([] when there is no report)."""
    from .writer import atomic_write_text, write_csv
    root = Path(clean_root or config.CLEAN)
    if not any(root.glob("[0-9][0-9][0-9][0-9]/*/line_items.csv")):
        return []
    out = Path(out) if out is not None else root / "panel" / LINKS
    out.mkdir(parents=True, exist_ok=True)
    frames = link_frames(root)
    paths = []
    for name, df in frames.items():
        write_csv(df, out / f"{name}.csv", name)
        paths.append(out / f"{name}.csv")
    from ..dictionary import dictionary
    d = dictionary()
    resources = []
    for name, df in frames.items():
        fields = []
        for col in df.columns:
            spec = d[(d.table.isin([name, "*"])) & (d.column == col)]
            row = spec.iloc[-1] if len(spec) else None
            f = {"name": col, "type": row["type"] if row is not None else "string",
                 "description": row["description"] if row is not None else ""}
            if row is not None and row["label"]:
                f["title"] = row["label"]
            if row is not None and row["unit"]:
                f["unit"] = row["unit"]
            fields.append(f)
        resources.append({"name": name.replace("_", "-"), "path": f"{name}.csv", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8-sig", "profile": "tabular-data-resource",
                          "schema": {"fields": fields, "missingValues": [""]}})
    pkg = {"name": "links", "title": "同一部门的预算与决算：链接与核对", "profile": "tabular-data-package",
           "resources": resources}
    atomic_write_text(out / "datapackage.json", json.dumps(pkg, ensure_ascii=False, indent=2) + "\n")
    return paths
