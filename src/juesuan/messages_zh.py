"""Findings in Chinese, for readers.

The checks write their messages in English (in the data, for developers). This module turns a
finding's structured fields (check, message, expected, found, table) into one Chinese sentence,
without touching the checks' code:

- the three typed comparisons of :class:`juesuan.findings.CheckLog` (``amounts``: "<what>:
  mismatch of N 元", ``rate``: "<what>: stated X%, recomputed Y%", ``equal``: "<what>: expected X,
  found Y") become "<subject>：应为 …，原文为 …（相差 …）", amounts in 万元 (元 where a figure has
  fen);
- messages of their own form have a per-check template (``data/messages_zh.csv``: a regex with
  named groups and the Chinese sentence);
- the subject (``what``) and any other message are translated with the fragment table
  ``data/terms_zh.csv`` (longest fragment first);
- if English words remain, the sentence falls back to the check's Chinese title
  (``data/check_titles.csv``) with the expected and found values — never English.

    from juesuan import messages_zh
    messages_zh.message_zh("text_vs_table", "说明四 财政拨款收入总计 (actual) vs tables: mismatch of -29613800 元",
                           "29616800", "3000")
    # '说明四 财政拨款收入总计（决算数）与表格数字：应为 2,961.68 万元，原文为 0.30 万元（相差 -2,961.38 万元）'
    messages_zh.add_message_zh(findings)        # the same frame with a message_zh column
"""
from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .config import PACKAGE_DATA

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "说明"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# ASCII words a Chinese sentence may keep: units, file names, the template's placeholders
ALLOWED_WORDS = frozenset({"metadata", "json", "sha", "PDF", "PEFA", "PI", "XX", "XXX", "XXXX", "XXXXXX",
                           "XXXXXXXX", "Σ"})
_WORD = re.compile(r"[A-Za-z][A-Za-z'_-]*[A-Za-z]")
_AMOUNT = re.compile(r"^(?P<what>.+?): (?P<kind>rounding-size difference|mismatch) of (?P<diff>-?[\d.]+) 元(?P<rest>.*)$",
                     re.S)
_RATE = re.compile(r"^(?P<what>.+?): stated (?P<s>-?[\d.]+)%, recomputed (?P<r>-?[\d.]+)%$", re.S)
_EQUAL = re.compile(r"^(?P<what>.+?): expected (?P<e>.*), found (?P<f>.*)$", re.S)
_GPB_CLASS = re.compile(r"gpb_class:(\d+)")
_PARENS = re.compile(r"\s*\((budget|actual|prior|[^()]*)\)")


@lru_cache(maxsize=1)
def titles() -> dict[str, str]:
    """check id → short Chinese title (data/check_titles.csv)."""
    with open(PACKAGE_DATA / "check_titles.csv", encoding="utf-8", newline="") as fh:
        return {r["check"]: r["title"] for r in csv.DictReader(fh)}


def title(check: str) -> str:
    return titles().get(str(check), "其他核对")


@lru_cache(maxsize=1)
def _terms() -> list[tuple[re.Pattern, str]]:
    with open(PACKAGE_DATA / "terms_zh.csv", encoding="utf-8", newline="") as fh:
        rows = [(r["term"], r["zh"]) for r in csv.DictReader(fh)]
    rows.sort(key=lambda kv: -len(kv[0]))
    out = []
    for term, zh in rows:
        pat = re.escape(term)
        if term[:1].isascii() and term[:1].isalnum():
            pat = r"(?<![A-Za-z_])" + pat
        if term[-1:].isascii() and term[-1:].isalnum():
            pat = pat + r"(?![A-Za-z_])"
        out.append((re.compile(pat), zh))
    return out


@lru_cache(maxsize=1)
def templates() -> list[tuple[str, re.Pattern, str]]:
    """Per-check sentence templates (data/messages_zh.csv): check, a regex on the English message
    with named groups, the Chinese sentence with those groups ({name})."""
    with open(PACKAGE_DATA / "messages_zh.csv", encoding="utf-8", newline="") as fh:
        return [(r["check"], re.compile(r["pattern"], re.S), r["template"]) for r in csv.DictReader(fh)]


def _from_template(check: str, message: str) -> str | None:
    for c, pat, template in templates():
        if c == check:
            m = pat.match(message)
            if m:
                return template.format(**{k: (v or "").strip() for k, v in m.groupdict().items()})
    return None


def translate(text: str) -> str:
    """English fragments of a message replaced by their Chinese (data/terms_zh.csv)."""
    text = str(text).replace("line(s)", "行").replace("value(s)", "数值")
    text = _GPB_CLASS.sub(lambda m: f"{m.group(1)}类", text)
    text = re.sub(r"\(line (\d+)\)", r"（第 \1 行）", text)
    text = re.sub(r"(?<![A-Za-z_])item (\d+)", r"第 \1 项", text)
    text = re.sub(r"(?<![A-Za-z_])lines? (p?\d+(?::\d+)?)", r"第 \1 行", text)
    text = _PARENS.sub(lambda m: "（" + m.group(1) + "）", text)
    for pat, zh in _terms():
        text = pat.sub(zh, text)
    text = text.replace(" ;", "；").replace("; ", "；").replace(": ", "：").replace(", ", "，")
    return re.sub(r"\s{2,}", " ", text).strip(" ：")


def english_words(text: str, keep: str = "") -> list[str]:
    """ASCII words left in ``text`` (excluding units, file names, placeholders, and words of
    ``keep``, the report's own text quoted in the finding)."""
    own = set(_WORD.findall(keep or ""))
    return [w for w in _WORD.findall(str(text)) if w not in ALLOWED_WORDS and w not in own
            and not set(w) <= {"X"}]


def _dec(v) -> Decimal | None:
    try:
        d = Decimal(str(v).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def amounts_text(*values) -> list[str]:
    """Amounts in 元 as prose: all in 万元 (two decimals) when each is a whole multiple of 100 元,
    otherwise all in 元 with thousands separators."""
    decs = [_dec(v) for v in values]
    if all(d is None or d % 100 == 0 for d in decs):
        return ["—" if d is None else f"{d / 10000:,.2f} 万元" for d in decs]
    return ["—" if d is None else f"{d:,.2f} 元" for d in decs]


def _clean_value(v) -> str:
    """A value for prose: "" when it is English (a description, not a value from the report)."""
    v = "" if v is None else str(v).strip()
    if v.lower() in ("nan", "none", "nat", "<na>"):     # a missing value, never shown as Python's word
        return ""
    return "" if english_words(v) and re.search(r"[a-z]{3,} [a-z]{3,}", v) else v


def _subject(what: str, check: str) -> str:
    zh = translate(what)
    return zh if not english_words(zh) else title(check)


_OCR_NOTE = re.compile(r" \[OCR: page (\d+) has uncertain readings[^\]]*\]")


def message_zh(check: str, message: str, expected="", found="", table: str = "") -> str:
    """One Chinese sentence for a finding (see the module docstring)."""
    check, message = str(check or ""), str(message or "")
    from .validate.consolidate import CONSEQUENCE
    if CONSEQUENCE in message:  # one source fault, one finding: its consequences are already Chinese
        head, tail = message.split(CONSEQUENCE, 1)
        return message_zh(check, head, expected, found, table).rstrip("。") + CONSEQUENCE + tail.rstrip("。") + "。"
    ocr = _OCR_NOTE.search(message)
    if ocr:   # a scanned report: the page had uncertain OCR readings (pipeline.mark_ocr_suspects)
        base = message_zh(check, message[:ocr.start()] + message[ocr.end():], expected, found, table)
        return base.rstrip("。") + f"（第 {ocr.group(1)} 页有 OCR 识读不确定之处，此项可能源于 OCR 误读）。"
    expected, found = _clean_value(expected), _clean_value(found)
    special = _from_template(check, message)
    if special is not None:
        return special
    m = _AMOUNT.match(message)
    if m:
        exp, fnd, diff = amounts_text(expected, found, m.group("diff"))
        rest = translate(m.group("rest")) if m.group("rest").strip() else ""
        kind = "舍入量级的差异" if m.group("kind").startswith("rounding") else "相差"
        out = f"{_subject(m.group('what'), check)}：应为 {exp}，原文为 {fnd}（{kind} {diff}）"
        if rest and not english_words(rest):
            out += rest
        return out + "。"
    m = _RATE.match(message)
    if m:
        return f"{_subject(m.group('what'), check)}：原文为 {m.group('s')}%，重新计算为 {m.group('r')}%。"
    m = _EQUAL.match(message)
    if m:
        e, f = _clean_value(m.group("e")), _clean_value(m.group("f"))
        return f"{_subject(m.group('what'), check)}：应为 {e or '—'}，原文为 {f or '—'}。"
    zh = translate(message)
    if zh and not english_words(zh, keep=found):
        return zh if zh.endswith("。") else zh + "。"
    parts = [title(check)]
    if table:
        parts[0] = f"{table} {parts[0]}"
    if expected or found:
        parts.append(f"应为 {expected or '—'}，原文为 {found or '—'}")
    out = "：".join(parts) + "。"
    return out if not english_words(out, keep=found) else title(check) + "。"


def _missing(v) -> bool:
    """None, NaN, pandas NA / NaT: a cell with no value."""
    try:
        import pandas as pd
        return v is None or bool(pd.isna(v)) if not isinstance(v, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def add_message_zh(findings):
    """The findings frame with ``message_zh`` (and ``severity_zh``, ``check_title``) columns."""
    df = findings.copy()
    cols = ("check", "message", "expected", "found", "table")
    get = {c: (df[c] if c in df.columns else [""] * len(df)) for c in cols}
    df["message_zh"] = [message_zh(*[("" if _missing(v) else v) for v in row])
                        for row in zip(*(get[c] for c in cols))]
    if "severity" in df.columns:
        df["severity_zh"] = [SEVERITY_ZH.get(str(s), str(s)) for s in df.severity]
    if "check" in df.columns:
        df["check_title"] = [title(c) for c in df.check]
    return df
