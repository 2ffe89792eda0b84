"""The appendix of project performance self-evaluation tables (项目支出绩效自评表).

Each table starts with a title line (``自治区项目支出绩效自评表``,
``自治区工业项目支出绩效自评表`` or one of the two transfer-payment titles
``…转移支付区域（项目）绩效目标自评表``) and runs to the next title.  The
text comes from a PDF: cells are tab-separated, but columns shift, merged
cells put their text on whichever row the extraction chose (often the middle
of the group), rows split across lines and page breaks insert blank lines.

How a table is read
-------------------
- **Name / department / unit**: the first non-empty cell after the label
  (``项目名称`` / ``转移支付（项目）名称``; ``主管部门`` / ``地方主管部门``;
  ``实施单位`` / ``资金使用单位``).  A label merged with its value in one cell
  (``实施单位 610001-…``) yields the rest of that cell.
- **Funds**: the header line (``项目资金(万元)`` / ``资金投入情况(万元)``) gives
  the column order (standard: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率,
  得分; transfer: 全年预算数(A), 全年执行数(B), 预算执行率(B/A×100%), 分值,
  得分).  Values are read positionally right after the row label, so a blank
  cell stays blank (``年度资金总额:\\t\\t5.29`` has no 年初预算数 → ``None``).
  Amounts are 万元 and become exact 元 (× 10000).  A rate written without
  ``%`` (``100``, ``0``) is read as a percentage and noted.
- **Indicators** (rows between the ``绩效指标`` header and ``总分``): empty
  cells are dropped; the scores are the last two adjacent numeric tokens
  (text after them is the standard layout's 偏差原因; in the transfer layout
  the reason is the cell right before 分值).  The three text tokens before the
  scores are indicator / target / actual; anything before them is level
  labels.  Labels broken by spaces and lines are normalised (``产 出 指 标 (50
  分)`` → ``产出指标``); fragments of a label split over a page break (``标 (30
  分)``, ``指标``) are ignored; level-2 labels are given in their canonical
  ``…指标`` form (``社会效益`` whose ``指标`` went to the next page →
  ``社会效益指标``).  Labels are carried forward; a level-2 label
  implies its level 1 (数量/质量/时效/成本 → 产出指标, 经济/社会/生态效益 and
  可持续影响 → 效益指标, 服务对象满意度 → 满意度指标), which also fills the
  level 1 of rows before the first level-1 label of a table.

The execution score (分值 × min(执行率, 1), with the recomputed rate) is
compared after rounding half-up to the decimals the stated score has; a
whole-number score is read as given to one decimal like the other scores of
these tables, so ``3`` for 10 × 26% = 2.6 is a mismatch (to a whole point it
would round to 3).

What is skipped without a finding: blank lines, lines that hold only level
labels or label fragments (their labels are applied).  Everything else that
cannot be read as an indicator row (cost sub-rows without 分值/得分, rows of
``/`` placeholders, continuation lines of a reason) is recorded as an info
finding ``project_indicator_unread`` with the raw text.

Reading decisions that change nothing but are worth knowing are notes:
``project_indicator_partial`` (a row with only target/actual, the indicator
name is missing), ``project_indicator_duplicate_cell`` (a merged cell's text
repeated in a label column), ``project_indicator_labels`` (two different
level-2 labels on one row), ``project_rate_without_percent``,
``project_total_in_note`` (the 总分 merged into the 说明 line).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from ...errors import ParseError
from ...findings import CheckLog
from ...numbers import (
    is_amount,
    is_blank,
    is_rate,
    normalize,
    parse_amount,
    parse_rate,
    percent_places,
    places,
    ratio,
    round_half_up,
)
from ...source import Document

PROJECT_COLUMNS = [
    "project_no", "project", "department", "unit", "layout",
    "initial_budget", "annual_budget", "executed", "execution_rate",
    "stated_execution_rate", "stated_rate_places", "exec_weight", "exec_score",
    "total_weight", "score", "line", "funds_line",
]
FUND_COLUMNS = [
    "project_no", "source", "initial_budget", "annual_budget", "executed",
    "stated_execution_rate", "line",
]
INDICATOR_COLUMNS = [
    "project_no", "level1", "level2", "indicator", "target", "actual",
    "weight", "score", "deviation", "line",
]

UNIT = "万元"
#: precision of the source amounts (万元 with two decimals), in 元
AMOUNT_UNIT = Decimal(100)

FUND_SOURCES = ("当年财政拨款", "上年结转资金", "其他资金", "中央财政资金", "地方资金")
AMOUNT_FIELDS = ("initial_budget", "annual_budget", "executed")

_LEVEL1_RE = re.compile(r"(产出|效益|满意度)(指标?)?")
_LEVEL2_RE = re.compile(
    r"(数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续(发展)?影响|服务对象满意度?)(指标?|标)?")
_FRAGMENT_RE = re.compile(r"[指标分()\d]*")
_POINTS_RE = re.compile(r"\(\d+(分)?\)?")
_LEVEL1_OF_LEVEL2 = (
    (("数量", "质量", "时效", "成本"), "产出指标"),
    (("经济效益", "社会效益", "生态效益", "可持续"), "效益指标"),
    (("服务对象",), "满意度指标"),
)


# funds-row header words (first match wins) → field
FUND_HEADERS = [("年初预算", "initial_budget"), ("全年预算", "annual_budget"), ("执行数", "executed"),
                ("执行率", "rate"), ("分值", "weight"), ("得分", "score")]


@dataclass
class ProjectsResult:
    projects: list[dict] = field(default_factory=list)
    funds: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)


# ------------------------------------------------------------------ helpers
def squash(text: str | None) -> str:
    """Comparison key: NFKC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_title(text: str) -> bool:
    t = squash(text)
    return t in ("自治区项目支出绩效自评表", "自治区工业项目支出绩效自评表") or \
        t.endswith("转移支付区域(项目)绩效目标自评表")


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.split("\t")]


def _tokens(cells: list[str]) -> list[tuple[int, str]]:
    """(cell index, text) for the non-empty cells."""
    return [(i, c) for i, c in enumerate(cells) if c]


def _first_key(text: str) -> str:
    toks = _tokens(_cells(text))
    return squash(toks[0][1]) if toks else ""


def _label_re(label: str) -> re.Pattern:
    return re.compile(r"^\s*" + r"\s*".join(map(re.escape, label)) + r"\s*[:：]?\s*")


def _labelled(cells: list[str], labels: tuple[str, ...], stop: tuple[str, ...] = ()):
    """Value of the first cell labelled with one of ``labels`` (in the same
    cell after the label, or the next non-empty cell that is not a ``stop``
    label).  Returns (found, value)."""
    for i, cell in enumerate(cells):
        key = squash(cell)
        for label in labels:
            if key.startswith(label):
                text = unicodedata.normalize("NFKC", cell)
                m = _label_re(label).match(text)
                rest = text[m.end():].strip() if m else ""
                if rest:
                    return True, rest
                for nxt in cells[i + 1:]:
                    if not nxt:
                        continue
                    if any(squash(nxt).startswith(s) for s in stop):
                        return True, None
                    return True, nxt
                return True, None
    return False, None


def _norm_label(text: str) -> str:
    t = squash(text)
    return _POINTS_RE.sub("", t)


def _classify(text: str) -> tuple[str, str | None]:
    """('level1', canonical) | ('level2', normalised) | ('fragment', None) | ('other', None)."""
    t = _norm_label(text)
    if _FRAGMENT_RE.fullmatch(t):
        return "fragment", None
    m = _LEVEL1_RE.fullmatch(t)
    if m:
        return "level1", m.group(1) + "指标"
    if _LEVEL2_RE.fullmatch(t):
        # canonical "…指标" ("社会效益" split from its "指标" by a page break)
        return "level2", re.sub(r"(指标?|标)?$", "", t) + "指标"
    return "other", None


def implied_level1(level2: str | None) -> str | None:
    if not level2:
        return None
    for prefixes, level1 in _LEVEL1_OF_LEVEL2:
        if level2.startswith(prefixes):
            return level1
    return None


# ------------------------------------------------------------------ parser
class _TableParser:
    def __init__(self, doc: Document, no: int, title_line: int, end: int, log: CheckLog):
        self.doc = doc
        self.no = no
        self.title_line = title_line
        self.end = end
        self.log = log
        self.table = f"项目{no}"
        self.layout = "transfer" if "转移支付" in squash(doc.line(title_line)) else "standard"
        self.unread = 0

    # -- small readers -----------------------------------------------------
    def _amount(self, token: str | None, n: int) -> Decimal | None:
        if token is None or is_blank(token):
            return None
        try:
            return parse_amount(token, UNIT, self.doc.path, n)
        except ParseError as exc:
            self.log.add("project_value", "error", f"unreadable amount {token!r}: {exc.message}",
                         line=n, table=self.table, found=token)
            return None

    def _score(self, token: str | None) -> Decimal | None:
        if token is None or is_blank(token) or not is_amount(token):
            return None
        return Decimal(normalize(token).replace(",", ""))

    def _rate(self, token: str | None, n: int) -> tuple[Decimal | None, int | None]:
        if token is None or is_blank(token):
            return None, None
        if is_rate(token):
            return parse_rate(token), percent_places(token)
        if is_amount(token):
            self.log.note("project_rate_without_percent",
                          f"execution rate written without %: {token!r}, read as {token}%",
                          line=n, table=self.table, found=token)
            return parse_rate(token, bare_is_percent=True), places(token)
        self.log.add("project_value", "error", f"unreadable execution rate {token!r}",
                     line=n, table=self.table, found=token)
        return None, None

    # -- the table ---------------------------------------------------------
    def parse(self) -> tuple[dict, list[dict], list[dict]]:
        lines = self.doc.numbered(self.title_line + 1, self.end)
        project = {c: None for c in PROJECT_COLUMNS}
        project.update(project_no=self.no, layout=self.layout, line=self.title_line)
        funds: list[dict] = []
        indicators: list[dict] = []

        name_line = dept_line = header_line = funds_line = ind_header = None
        for n, text in lines:
            key = _first_key(text)
            if name_line is None and re.match(r"(项目名称|转移支付\(项目\)名称)", key):
                name_line = n
                _, project["project"] = _labelled(_cells(text), ("项目名称", "转移支付(项目)名称"))
            elif dept_line is None and key.startswith(("主管部门", "地方主管部门")):
                dept_line = n
                cells = _cells(text)
                unit_labels = ("实施单位", "资金使用单位")
                _, project["department"] = _labelled(cells, ("主管部门", "地方主管部门"), unit_labels)
                _, project["unit"] = _labelled(cells, unit_labels)
            elif header_line is None and key.startswith(("项目资金", "资金投入情况")):
                header_line = n
            elif funds_line is None and "年度资金总额" in squash(text):
                funds_line = n
            elif ind_header is None and key.startswith("绩效指标"):
                ind_header = n
                break

        if funds_line is not None:
            self._parse_funds(project, funds, header_line, funds_line,
                              ind_header or self.end)
        if ind_header is not None:
            self._parse_indicators(project, indicators, ind_header)

        self._checks(project, funds, indicators, name_line, funds_line, ind_header)
        return project, funds, indicators

    # -- funds -------------------------------------------------------------
    def _fund_fields(self, header_line: int | None) -> list[str]:
        default = (["initial_budget", "annual_budget", "executed", "weight", "rate", "score"]
                   if self.layout == "standard" else
                   ["annual_budget", "executed", "rate", "weight", "score"])
        if header_line is None:
            self.log.add("project_funds_header", "error", "funds header line not found; "
                         f"assumed {self.layout} column order", line=self.title_line,
                         table=self.table)
            return default
        fields = []
        for _, cell in _tokens(_cells(self.doc.line(header_line)))[1:]:
            k = squash(cell)
            fields.append(next((f for word, f in FUND_HEADERS if word in k), "?"))
        if sorted(fields) != sorted(default):
            self.log.add("project_funds_header", "error",
                         f"unexpected funds header {fields}; assumed {self.layout} column order",
                         line=header_line, table=self.table)
            return default
        return fields

    def _fund_row(self, n: int, fields: list[str]) -> tuple[str, dict]:
        cells = _cells(self.doc.line(n))
        toks = _tokens(cells)
        idx, label = toks[0]
        values = cells[idx + 1: idx + 1 + len(fields)]
        values += [""] * (len(fields) - len(values))
        row = dict(zip(fields, values))
        out = {f: self._amount(row.get(f), n) for f in AMOUNT_FIELDS}
        out["rate"], out["rate_places"] = self._rate(row.get("rate"), n)
        out["weight"] = self._score(row.get("weight"))
        out["score"] = self._score(row.get("score"))
        return label, out

    def _parse_funds(self, project, funds, header_line, funds_line, stop):
        fields = self._fund_fields(header_line)
        _, total = self._fund_row(funds_line, fields)
        project.update(
            initial_budget=total["initial_budget"], annual_budget=total["annual_budget"],
            executed=total["executed"],
            execution_rate=ratio(total["executed"], total["annual_budget"], 6),
            stated_execution_rate=total["rate"], stated_rate_places=total["rate_places"],
            exec_weight=total["weight"], exec_score=total["score"], funds_line=funds_line)
        for n in range(funds_line + 1, min(funds_line + 8, stop)):
            toks = _tokens(_cells(self.doc.line(n)))
            if not toks:
                continue
            source = re.sub(r"^其中[:：]", "", squash(toks[0][1]))
            if source not in FUND_SOURCES:
                break
            _, row = self._fund_row(n, fields)
            if all(row[f] is None for f in AMOUNT_FIELDS) and row["rate"] is None:
                continue
            funds.append({"project_no": self.no, "source": source,
                          "initial_budget": row["initial_budget"],
                          "annual_budget": row["annual_budget"], "executed": row["executed"],
                          "stated_execution_rate": row["rate"], "line": n})

    # -- indicators --------------------------------------------------------
    def _reason_before_scores(self, header: int) -> bool:
        keys = [squash(c) for _, c in _tokens(_cells(self.doc.line(header)))]
        reason = next((i for i, k in enumerate(keys) if "原因" in k), None)
        weight = next((i for i, k in enumerate(keys) if k == "分值"), None)
        if reason is None or weight is None:
            return self.layout == "transfer"
        return reason < weight

    def _unread(self, n: int, text: str, why: str):
        self.unread += 1
        self.log.note("project_indicator_unread", f"indicator row not read ({why}): "
                      f"{' | '.join(c for c in _cells(text) if c)}",
                      line=n, table=self.table, found=text.replace("\t", " | "))

    def _parse_indicators(self, project, indicators, header):
        reason_before = self._reason_before_scores(header)
        cur1: str | None = None
        cur2: str | None = None

        def apply_labels(labels: list[tuple[int, str]], n: int, indicator: str | None):
            nonlocal cur1, cur2
            l1s, l2s = [], []
            for _, tok in labels:
                kind, value = _classify(tok)
                if kind == "level1":
                    l1s.append(value)
                elif kind == "level2":
                    l2s.append(value)
                elif kind == "other":
                    if indicator is not None and squash(tok) == squash(indicator):
                        self.log.note("project_indicator_duplicate_cell",
                                      f"indicator text repeated in a label cell, dropped: {tok}",
                                      line=n, table=self.table, found=tok)
                    else:
                        self.log.note("project_indicator_extra_cell",
                                      f"unexpected text in a label cell, ignored: {tok}",
                                      line=n, table=self.table, found=tok)
            if l1s:
                if l1s[-1] != cur1:
                    cur2 = None
                cur1 = l1s[-1]
            if l2s:
                distinct = list(dict.fromkeys(l2s))
                chosen = distinct[-1]
                if len(distinct) > 1:
                    fitting = [x for x in distinct if implied_level1(x) in (None, cur1)]
                    if fitting:
                        chosen = fitting[-1]
                    self.log.note("project_indicator_labels",
                                  f"several level-2 labels {distinct} on one row; used {chosen}",
                                  line=n, table=self.table, found=" / ".join(distinct))
                cur2 = chosen
                implied = implied_level1(chosen)
                if implied and implied != cur1:
                    if l1s:
                        self.log.note("project_indicator_labels",
                                      f"level-2 label {chosen} under level-1 {cur1}",
                                      line=n, table=self.table)
                    else:
                        cur1 = implied

        for n, text in self.doc.numbered(header + 1, self.end):
            cells = _cells(text)
            toks = _tokens(cells)
            if not toks:
                continue
            first = squash(toks[0][1])
            if first in ("总分", "说明") or first.startswith("说明"):
                nums = [t for _, t in toks[1:] if is_amount(t)]
                if first == "总分" or len(nums) >= 2:
                    if len(nums) >= 2:
                        project["total_weight"] = self._score(nums[-2])
                        project["score"] = self._score(nums[-1])
                    elif nums:
                        project["score"] = self._score(nums[-1])
                    project["total_line"] = n
                    if first != "总分":
                        self.log.note("project_total_in_note",
                                      "总分 merged into the 说明 line: "
                                      f"weight {nums[-2]}, score {nums[-1]}",
                                      line=n, table=self.table)
                break
            # the scores: the last two adjacent numeric tokens, only text after them
            j = len(toks) - 1
            while j >= 0 and not is_amount(toks[j][1]):
                j -= 1
            if j < 1 or not is_amount(toks[j - 1][1]):
                leading = []
                for tok in toks:
                    if _classify(tok[1])[0] in ("level1", "level2", "fragment"):
                        leading.append(tok)
                    else:
                        break
                apply_labels(leading, n, None)
                if len(leading) < len(toks):
                    why = ("no 分值/得分" if not all(is_blank(t) for _, t in toks[len(leading):])
                           else "placeholder cells only")
                    self._unread(n, text, why)
                continue
            w_idx = toks[j - 1][0]
            weight = self._score(toks[j - 1][1])
            score = self._score(toks[j][1])
            after = [t for _, t in toks[j + 1:]]
            pre = toks[:j - 1]
            deviation = " ".join(after) if after else None
            if reason_before:
                # the reason is the cell right before 分值 (empty when there is none)
                reason = None
                if len(pre) >= 4 and pre[-1][0] == w_idx - 1:
                    reason = pre.pop()[1]
                if after:
                    self.log.note("project_indicator_extra_cell",
                                  f"text after the scores in a reason-before-scores layout: "
                                  f"{deviation}", line=n, table=self.table)
                deviation = reason or deviation
            if weight is not None and weight > 100:
                self._unread(n, text, f"implausible 分值 {weight}")
                continue
            if len(pre) >= 3:
                (_, indicator), (_, target), (_, actual) = pre[-3:]
                labels = pre[:-3]
            elif len(pre) == 2:
                indicator = None
                (_, target), (_, actual) = pre
                labels = []
                self.log.note("project_indicator_partial",
                              f"row has only two text cells; read as target {target!r} and "
                              f"actual {actual!r}, indicator name missing",
                              line=n, table=self.table, found=text.replace("\t", " | "))
            else:
                self._unread(n, text, "fewer than two text cells before 分值/得分")
                continue
            apply_labels(labels, n, indicator)
            indicators.append({
                "project_no": self.no, "level1": cur1, "level2": cur2,
                "indicator": indicator, "target": target, "actual": actual,
                "weight": weight, "score": score, "deviation": deviation or None, "line": n,
            })

    # -- checks ------------------------------------------------------------
    def _checks(self, project, funds, indicators, name_line, funds_line, ind_header):
        log, table = self.log, self.table
        missing = [what for what, ok in (("项目名称", name_line is not None and project["project"]),
                                         ("年度资金总额", funds_line is not None),
                                         ("绩效指标", ind_header is not None),
                                         ("总分", project.get("total_line") is not None))
                   if not ok]
        log.record("project_total_present", not missing, severity="error", line=self.title_line,
                   table=table, message=f"table lacks {', '.join(missing)}",
                   expected="项目名称, 年度资金总额, 绩效指标, 总分", found=", ".join(missing))
        if funds_line is None:
            return
        name = project["project"] or ""
        # stated vs recomputed execution rate
        log.rate("project_execution_rate", project["stated_execution_rate"],
                 project["execution_rate"], project["stated_rate_places"] or 0,
                 what=f"{name} execution rate", line=funds_line, table=table)
        self._check_exec_score(project, funds_line)
        # fund sources add up to the total
        for f in AMOUNT_FIELDS:
            parts = [r[f] for r in funds if r[f] is not None]
            if parts:
                log.amounts("project_fund_sources", project[f], sum(parts, Decimal(0)),
                            what=f"{name}: Σ fund sources {f} vs 年度资金总额",
                            line=funds_line, table=table, terms=len(parts), unit=AMOUNT_UNIT)
        if ind_header is None:
            return
        unread = f" ({self.unread} rows unreadable)" if self.unread else ""
        severity = "warning" if self.unread else "error"
        for check, col, exec_col, total_col, what in (
                ("project_indicator_weights", "weight", "exec_weight", "total_weight", "分值"),
                ("project_indicator_scores", "score", "exec_score", "score", "得分")):
            total = project[total_col]
            parts = [r[col] for r in indicators if r[col] is not None]
            got = sum(parts, Decimal(0)) + (project[exec_col] or 0)
            ok = total is not None and got == total
            log.record(check, ok, severity=severity, line=project.get("total_line") or ind_header,
                       table=table, expected=total, found=got,
                       message=f"{name}: Σ indicator {what} + 执行率{what} = {_d(got)}, "
                               f"总分 states {_d(total)}{unread}")

    def _check_exec_score(self, project, line):
        weight, score, executed, budget = (project["exec_weight"], project["exec_score"],
                                           project["executed"], project["annual_budget"])
        name = project["project"] or ""
        if None in (weight, score, executed, budget) or budget == 0:
            self.log.record("project_execution_score", False, severity="warning", line=line,
                            table=self.table, expected=None, found=score,
                            message=f"{name}: execution score cannot be recomputed")
            return
        computed = weight * min(executed / budget, Decimal(1))
        p = places(format(score, "f"))
        at_stated = round_half_up(computed, p)
        at_tenth = round_half_up(computed, 1)
        # a whole-number score is taken as given to one decimal, like the other scores
        ok = at_stated == score and (p >= 1 or at_tenth == score)
        expected = at_stated if p >= 1 else at_tenth
        self.log.record(
            "project_execution_score", ok, severity="warning", line=line, table=self.table,
            expected=expected, found=score,
            message=f"{name}: execution score {_d(weight)} × min({_pct(executed / budget)}, 100%) "
                    f"= {_d(round_half_up(computed, 4))}, stated {_d(score)}")


def _d(value) -> str:
    if value is None:
        return "—"
    s = format(value, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _pct(rate: Decimal) -> str:
    return _d(round_half_up(rate * 100, 2)) + "%"


# ------------------------------------------------------------------ entry point
def find_titles(doc: Document, start: int, end: int) -> list[int]:
    return [n for n, text in doc.numbered(start, end) if is_title(text)]


def parse_projects(doc: Document, start: int, end: int, log: CheckLog) -> ProjectsResult:
    """Parse every self-evaluation table whose title lies in [start, end)."""
    titles = find_titles(doc, start, end)
    if not titles:
        raise ParseError("no project self-evaluation table (项目支出绩效自评表) found",
                         doc.path, start)
    result = ProjectsResult()
    bounds = titles[1:] + [min(end, len(doc.lines) + 1)]
    for no, (title, stop) in enumerate(zip(titles, bounds), start=1):
        parser = _TableParser(doc, no, title, stop, log)
        try:
            project, funds, indicators = parser.parse()
        except Exception as exc:  # one broken table must not stop the others
            log.record("project_table_parsed", False, severity="error", line=title,
                       table=f"项目{no}",
                       message=f"table could not be parsed: {type(exc).__name__}: {exc}")
            continue
        log.record("project_table_parsed", True, severity="error", message="")
        project.pop("total_line", None)
        result.projects.append({c: project.get(c) for c in PROJECT_COLUMNS})
        result.funds.extend(funds)
        result.indicators.extend(indicators)
    return result
