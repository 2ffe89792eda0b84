"""Executed notebooks → one shareable, offline HTML file.

The HTML is made for readers, not for programmers:

- no code: input cells, prompts and code cells without output are left out;
- figures are embedded as ``data:image/png;base64`` (nbconvert's default for PNG output);
- nothing is loaded from the network: the ``offline`` template (``templates/offline/``)
  drops require.js, MathJax, mermaid and the widget manager that nbconvert's lab
  template fetches from CDNs, and keeps all CSS inline;
- stderr output (warnings, progress bars) and cells tagged ``remove-cell`` are removed;
  ``remove-input`` and ``remove-output`` tags are honoured too;
- active content is removed as a last line of defence (:func:`make_inert`): ``<script>``,
  ``on*=`` attributes, ``javascript:`` URLs, ``<iframe>``, ``<object>``, ``<embed>``, ``<form>``,
  meta refresh (report text is already escaped where it enters the notebooks);
- the page title is the ``title`` argument, else the notebook metadata ``title``, else the
  file name; the page language is ``zh-CN``.

    render_html("reports/2022/nxgxt/01-overview.ipynb", "reports/2022/nxgxt/01-overview.html")
    combine_html(sorted(Path("reports/2022/nxgxt").glob("[0-9][0-9]-*.ipynb")),
                 "reports/2022/nxgxt/report.html", "宁夏回族自治区工业和信息化厅2022年度部门决算分析")
"""
from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..atomic import atomic_path
from ..clean.ledger import COVERAGE_NOTE

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "offline"
LANGUAGE = "zh-CN"
REMOVE_CELL_TAGS = frozenset({"remove-cell", "remove_cell", "hide-cell"})
REMOVE_INPUT_TAGS = frozenset({"remove-input", "remove_input", "hide-input"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output", "remove_output", "hide-output"})
IMAGE_ALT = "图表"
_NBCONVERT_ALT = 'alt="No description has been provided for this image"'

# Output types that need JavaScript from a CDN (or run code on opening) are never chosen.
DISPLAY_PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png",
                    "image/jpeg", "text/plain"]

# What must never appear in a report: a script or stylesheet fetched from elsewhere.
_REMOTE = re.compile(r"<script\b[^>]*\bsrc\s*=|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//"
                     r"|@import\s+url\(\s*[\"']?(?:https?:)?//", re.IGNORECASE)


class NotOfflineError(RuntimeError):
    """The rendered HTML would load something from the network."""


def _tags(cell: NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def prepare(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` as the report shows it.

    Drops cells tagged ``remove-cell``, stderr streams, outputs of ``remove-output`` cells
    and code cells left without output (they would be empty boxes once the input is
    hidden); blanks the source of ``remove-input`` cells.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & REMOVE_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            outputs = [] if tags & REMOVE_OUTPUT_TAGS else cell.get("outputs", [])
            cell.outputs = [o for o in outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            if not cell.outputs:
                continue
            if tags & REMOVE_INPUT_TAGS:
                cell.source = ""
        cells.append(cell)
    nb.cells = cells
    return nb


def warm() -> None:
    """Import nbconvert, compile the page template and load the base font's character map, so
    the first page this process renders costs what the others do (called by a batch worker while
    its kernel runs the chapters, i.e. while the worker itself only waits)."""
    from .fonts import _base_cmap

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("预热"))
    _exporter().from_notebook_node(nb, resources={"metadata": {"name": "warm", "path": "."}})
    _base_cmap()


_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
_NON_ASCII_REF = re.compile(r"&#(?:(\d{3,7})|[xX]([0-9a-fA-F]{2,6}));")


def _unref(m: re.Match) -> str:
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    if code < 0xA0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return m.group(0)
    return chr(code)
_OUTPUT_DIV = re.compile(r'<div class="([^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*)"')


def _exporter_class():
    """nbconvert's HTMLExporter without its BeautifulSoup pass over the finished page (parse and
    re-serialise the whole page — 0.3 s for a report — only to give images an alt text and
    outputs a tabindex): both are added here to the template's own markup."""
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            # the Markdown renderer writes non-ASCII text as character references (&#31532;);
            # as characters the page is smaller and its font subset sees them (markup-significant
            # characters are ASCII, so they stay escaped)
            html = _NON_ASCII_REF.sub(_unref, html)
            html = _IMG_WITHOUT_ALT.sub(f'<img alt="{IMAGE_ALT}"', html)
            html = _OUTPUT_DIV.sub(r'<div class="\1" tabindex="0"', html)
            return html, resources

    return Exporter


def _exporter():
    from traitlets.config import Config

    HTMLExporter = _exporter_class()
    config = Config()
    config.NbConvertBase.display_data_priority = DISPLAY_PRIORITY
    exporter = HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=False,
        embed_images=True,          # images referenced from Markdown cells, too
        language_code="zh",         # ISO 639-1 for nbconvert; the template writes zh-CN
        theme="light",
    )
    quiet = logging.getLogger("juesuan.render.nbconvert")
    quiet.setLevel(logging.ERROR)
    exporter.log = quiet
    return exporter


def write_public_text(target: str | Path, text: str) -> Path:
    """Write ``text`` atomically (temp file + rename) with ordinary read permissions."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


FONT_FAMILY = "JuesuanCJK"
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")


def font_subset_css(text: str) -> str:
    """An @font-face rule embedding the bundled Noto Sans CJK SC, subset to the characters
    of ``text`` (as WOFF, base64; see :mod:`juesuan.render.fonts`): the page shows Chinese on any
    machine, offline."""
    from .fonts import font_face_css

    chars = {ord(c) for c in _DATA_URI.sub("", text) if ord(c) > 126} | set(range(32, 127))
    return (font_face_css(chars, FONT_FAMILY) +
            f'body,table,th,td,p,li,h1,h2,h3,h4,.jp-RenderedHTMLCommon{{font-family:"{FONT_FAMILY}",'
            f'"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;}}')


def embed_cjk_font(html: str) -> str:
    """Insert the subset font into the page's <head> (no-op if there is no Chinese text)."""
    if not any(ord(c) > 0x2E7F for c in _DATA_URI.sub("", html)):
        return html
    css = f"<style>{font_subset_css(html)}</style>"
    return html.replace("</head>", css + "\n</head>", 1) if "</head>" in html else css + html


def check_offline(html: str) -> None:
    """Raise :class:`NotOfflineError` if ``html`` loads a script or stylesheet from elsewhere."""
    m = _REMOTE.search(html)
    if m:
        start = max(m.start() - 60, 0)
        raise NotOfflineError(f"the HTML would load a remote resource: …{html[start:m.end() + 80]}…")


def export_html(nb: NotebookNode, title: str | None = None, name: str = "report",
                path: str | Path = ".") -> str:
    """The offline HTML of an (executed) notebook held in memory."""
    nb = prepare(nb)
    if title:
        nb.metadata["title"] = title
    resources = {"metadata": {"name": nb.metadata.get("title") or name, "path": str(path)}}
    html, _ = _exporter().from_notebook_node(nb, resources=resources)
    html = html.replace(_NBCONVERT_ALT, f'alt="{IMAGE_ALT}"')
    html = make_inert(html)
    html = embed_cjk_font(html)
    check_offline(html)
    return html


def make_inert(html: str) -> str:
    """The last line of defence: the page without active content (see
    :func:`juesuan.safety.sanitize_html`). Report text is escaped where it enters the page, so
    normally nothing is removed; what is removed is logged."""
    from ..safety import sanitize_html

    clean, removed = sanitize_html(html)
    if removed:
        logging.getLogger("juesuan.render").warning("removed active content from the HTML: %s",
                                                    ", ".join(sorted(set(removed))))
    return clean


def read_notebook(nb_path: str | Path) -> NotebookNode:
    return nbformat.read(str(nb_path), as_version=4)


def render_html(nb_path: str | Path, html_path: str | Path, title: str | None = None) -> Path:
    """Render one executed notebook to an offline HTML file (written atomically)."""
    nb_path, html_path = Path(nb_path), Path(html_path)
    html = export_html(read_notebook(nb_path), title=title, name=nb_path.stem, path=nb_path.parent)
    return write_public_text(html_path, html)


def combine(notebooks: Iterable[NotebookNode], title: str | None = None) -> NotebookNode:
    """One notebook with the cells of ``notebooks`` in order (metadata of the first).

    Cell ids are made unique by prefixing the chapter number where two chapters share one.
    """
    notebooks = list(notebooks)
    if not notebooks:
        raise ValueError("no notebooks to combine")
    out = nbformat.v4.new_notebook()
    out.metadata = copy.deepcopy(notebooks[0].metadata)
    out.metadata.pop("papermill", None)
    seen: set[str] = set()
    for chapter, nb in enumerate(notebooks, start=1):
        for cell in nb.cells:
            cell = copy.deepcopy(cell)
            cid = cell.get("id")
            if cid is not None:
                if cid in seen:
                    cell["id"] = f"c{chapter}-{cid}"[:64]
                seen.add(cell["id"])
            out.cells.append(cell)
    if title:
        out.metadata["title"] = title
    return out


def combine_html(nb_paths: Sequence[str | Path], html_path: str | Path, title: str) -> Path:
    """Render the chapters ``nb_paths`` (in this order) as ONE offline HTML file."""
    nb_paths = [Path(p) for p in nb_paths]
    html_path = Path(html_path)
    nb = combine((read_notebook(p) for p in nb_paths), title=title)
    html = export_html(nb, title=title, name=html_path.stem,
                       path=nb_paths[0].parent if nb_paths else html_path.parent)
    return write_public_text(html_path, html)


# ------------------------------------------------------------------ the pages of a batch
# (templates/pages/: Jinja2 with autoescape; the report and comparison pages are the chapters
# rendered by nbconvert's ``offline`` template above)
REPORT_HTML = "report.html"     # reports/<year>/<department>/
PANEL = "panel"                 # the cross-report chapters and their folder reports/panel/
PANEL_HTML = "compare.html"
INDEX_HTML = "index.html"       # reports/
DASH = "—"
STATUS_ZH = {"ok": ("成功", "ok"), "unchanged": ("未变", "ok"), "FAILED": ("失败", "failed"), "skipped": ("未运行", "skipped")}
PAGES = TEMPLATES / "pages"


def wan(value) -> str:
    """元 → 万元 with thousands separators and 2 decimals; None → "—"."""
    from decimal import Decimal
    if value is None or value == "":
        return DASH
    return f"{Decimal(value) / 10000:,.2f}"


def pct(rate) -> str:
    from decimal import Decimal
    if rate is None or rate == "":
        return DASH
    return f"{Decimal(rate) * 100:,.2f}%"


def _pages_env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(PAGES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


KIND_ZH = {"final": "决算", "budget": "预算"}


def _index_row(rep: dict, reports_dir: Path, earlier: bool) -> dict:
    """What one line of the index shows (plain values; the template escapes them).  The steps
    are folded: a report whose steps all succeeded shows their count; the steps of one that
    did not are listed (with the reason and the log) in a closed <details>."""
    year, dept = rep["year"], rep["department"]
    folder, page = (PANEL, PANEL_HTML) if dept == PANEL else (f"{year}/{dept}", REPORT_HTML)
    steps = rep.get("steps", [])
    page_step = next((s for s in steps if s["step"] == page), None)
    href = (f"{folder}/{page}" if page_step and page_step["ok"] and (Path(reports_dir) / folder / page).is_file()
            else None)
    shown = []
    for s in steps:
        if s["step"] == page:
            continue
        shown.append({"label": {"data": "数据清洗与核对", "panel": "汇总数据"}.get(s["step"], s["step"].removesuffix(".ipynb")),
                      "status": s["status"], "seconds": s.get("seconds") or 0, "error": s.get("error") or "",
                      "log": s.get("log") or ""})
    h = rep.get("headline") or {}
    f = h.get("findings")
    kind = h.get("doc_kind_zh") or KIND_ZH.get(str(h.get("doc_kind") or ""), "决算")
    return {"year": str(year) if dept != PANEL else "全部", "name": rep.get("department_name") or dept,
            "department": dept, "anchor": f"r-{year}-{dept}", "kind": kind,
            "status": "ok" if rep.get("ok") else "FAILED",
            "earlier": str(rep.get("generated", "")) if earlier else "", "href": href, "steps": shown,
            "n_ok": sum(1 for s in steps if s.get("ok")), "n_steps": len(steps),
            "n_unchanged": sum(1 for s in steps if s.get("status") == "unchanged"),
            "page": page, "page_status": page_step["status"] if page_step else "",
            "page_error": (page_step or {}).get("error") or "",
            "income": wan(h.get("income_total_yuan")), "expenditure": wan(h.get("expenditure_total_yuan")),
            "budget_rate": pct(h["budget_rate"]) if h.get("budget_rate") is not None else "",
            "budget_items": h.get("budget_items"),
            "findings": ({"error": f.get("error", 0), "warning": f.get("warning", 0), "info": f.get("info", 0)}
                         if f else None),
            "coverage": pct(h["coverage_rate"]) if h.get("coverage_rate") not in (None, "") else "",
            "coverage_low": h.get("coverage_rate") not in (None, "") and Decimal(h["coverage_rate"]) < COVERAGE_NOTE}


def index_html(summary: dict, reports_dir: str | Path) -> str:
    """The offline index page of a batch (templates/pages/index.html.j2: plain HTML + inline
    CSS, no scripts) from ``summary`` (what reports/summary.json holds): one line a report,
    grouped by year (newest first, each a <details> with an anchor ``#y<year>`` listed at the
    top) and, within a year, by department (by name; its 决算 and 预算 side by side); the
    comparison page first.  Small at a province's size: ≈ 300 bytes a report."""
    rows = [_index_row(r, reports_dir, earlier=False) for r in summary["reports"]]
    rows += [_index_row(r, reports_dir, earlier=True) for r in summary.get("earlier_reports", [])]
    panel = [r for r in rows if r["department"] == PANEL]
    years: dict[str, list[dict]] = {}
    for r in rows:
        if r["department"] != PANEL:
            years.setdefault(r["year"], []).append(r)
    groups = []
    for year in sorted(years, reverse=True):
        rs = sorted(years[year], key=lambda r: (r["name"], r["kind"], r["department"]))
        prev = None
        for r in rs:       # the department's name once for its lines in a year
            r["same_department"] = r["name"] == prev
            prev = r["name"]
        groups.append({"year": year, "rows": rs, "n": len(rs),
                       "kinds": {k: sum(1 for r in rs if r["kind"] == k) for k in ("决算", "预算")},
                       "failed": sum(1 for r in rs if r["status"] != "ok")})
    reports = [r for r in summary["reports"] if r.get("department") != PANEL]
    return _pages_env().get_template("index.html.j2").render(
        panel=panel, groups=groups, STATUS=STATUS_ZH, DASH=DASH, open_all=len(rows) <= 200,
        generated=summary["generated"], n_reports=len(reports), n_ok=sum(1 for r in reports if r["ok"]),
        wall_s=summary["wall_s"])
