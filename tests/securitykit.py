"""Checks for the security tests, written independently of ``juesuan.safety``: they PARSE the
output (html.parser, openpyxl, csv) and count what would be active."""
import csv
import html
import re
from html.parser import HTMLParser

from hypothesis import strategies as st

PAYLOAD_IMG = "<img src=x onerror=alert(1)>"
PAYLOAD_FORMULA = '=HYPERLINK("http://evil.example/x","点击")'

ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "applet", "form", "base"}
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")

# Text a report could carry: HTML, Markdown and formula metacharacters, URLs, CJK, and whole
# known attack fragments.
FRAGMENTS = [PAYLOAD_IMG, PAYLOAD_FORMULA, "<script>alert(1)</script>", "<iframe src=javascript:alert(1)>",
             "<object data=x>", "<embed src=x>", "<svg onload=alert(1)>", "<a href='javascript:alert(1)'>x</a>",
             "[点我](javascript:alert(1))", "![i](x onerror=alert(1))", "<form action=x>", "javascript:",
             "<meta http-equiv=refresh content=0;url=x>", "**粗**", "_斜_", "`代码`", "$x$", "$$", "\\",
             "&lt;script&gt;", "&#60;b&#62;", "<!--", "-->", "<![CDATA[", "=1+1", "+1", "-1", "@SUM(A1)",
             "'", "''=1", "|a|b|", "# 标题", "> 引用", "1. 项", "- 项", "http://x.y", "www.x.y", "<", ">",
             "\"", "onerror=", "<style>", "</p>", "<b onmouseover=alert(1)>", "data:text/html,<script>"]
SAFE_ALPHABET = st.sampled_from(list("<>&\"'=+-@*_[]()`$#|!~{}:/;.,%\\ ab中文预算") )
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(SAFE_ALPHABET, min_size=1, max_size=4)),
                min_size=1, max_size=5).map("".join)
# for the raw text report: no tab or line break (they would change the line structure)
LINE_TEXT = TEXT.filter(lambda s: s.strip() != "")


class Inspect(HTMLParser):
    """Active elements and the visible text of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.active: list[str] = []
        self.text: list[str] = []
        self._stack: list[str] = []

    def _check(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.active.append(f"<{tag}>")
        for k, v in attrs:
            if k.startswith("on"):
                self.active.append(f"<{tag} {k}=>")
            if v is not None:
                url = re.sub(r"[\x00-\x20]+", "", html.unescape(v)).lower()
                if url.startswith(("javascript:", "vbscript:")) or url.startswith("data:text/html"):
                    self.active.append(f"<{tag} {k}={v[:30]}>")
            if tag == "meta" and k == "http-equiv" and (v or "").lower().strip() == "refresh":
                self.active.append("<meta refresh>")

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag in ("script", "style"):
            self._stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        if not self._stack:
            self.text.append(data)


def inspect(page: str) -> Inspect:
    p = Inspect()
    p.feed(page)
    p.close()
    return p


def norm(s: str) -> str:
    return " ".join(str(s).split())


def visible_text(page: str) -> str:
    return norm("".join(inspect(page).text))


def formula_cells(xlsx_path) -> list[str]:
    """Cells that Excel would evaluate (openpyxl data_type 'f')."""
    from openpyxl import load_workbook
    wb = load_workbook(xlsx_path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def unguarded_csv_cells(csv_path, text_columns) -> list[str]:
    """Text cells of a CSV that start with a formula character (Excel would evaluate them)."""
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [f"{csv_path.name}:{i + 2}:{c}" for i, r in enumerate(rows) for c in text_columns
            if c in r and r[c].startswith(FORMULA_CHARS)]
