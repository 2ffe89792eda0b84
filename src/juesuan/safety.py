"""Text from a report is untrusted: inert in Markdown/HTML and in spreadsheets.

- :func:`md_escape` — a report text as literal Markdown (every ASCII punctuation backslash-escaped,
  ``< > &`` as entities, line breaks as spaces): ``*``, ``_``, ``[..](..)``, backticks, ``$`` and
  tags show as text.
- :func:`md_guard` — what ``helpers.md`` shows: every report text registered by the loader
  (:func:`register`) is escaped where it occurs in the generated Markdown, and any remaining
  ``<`` (an element that slipped through a transformed value) becomes ``&lt;``.
- :func:`sanitize_html` — the last line of defence over a finished page: parses it with
  :mod:`html.parser` and drops active content (``<script>`` with its content; the tags of
  ``<iframe> <object> <embed> <applet> <frame> <frameset> <form> <base>``, ``<meta http-equiv=refresh>``;
  ``on*=`` attributes, ``srcdoc``/``formaction``, ``javascript:``/``vbscript:``/non-image ``data:`` URLs).
- :func:`csv_encode` / :func:`csv_decode` — the spreadsheet rule for text columns (type ``string``
  in the data dictionary): a text starting with ``= + - @``, TAB or CR — or with ``'`` itself — is
  written with one leading ``'``, so Excel shows it as text; reading strips exactly that one ``'``
  (the encoding is reversible). Numbers and integers are never prefixed.
"""
from __future__ import annotations

import html as _html
import re
from html.parser import HTMLParser

# ------------------------------------------------------------------ spreadsheets
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def csv_encode(text: str) -> str:
    """A text cell as written to CSV: prefixed with ``'`` when Excel would evaluate it."""
    if text and (text.startswith(FORMULA_START) or text.startswith(QUOTE)):
        return QUOTE + text
    return text


def csv_decode(text: str) -> str:
    """The original text of a CSV text cell written by :func:`csv_encode`."""
    return text[1:] if text.startswith(QUOTE) else text


def text_columns(table: str) -> set[str]:
    """Columns of ``table`` whose type in the data dictionary is ``string`` (they get the guard)."""
    from .dictionary import dictionary
    d = dictionary()
    types: dict[str, str] = {}
    for r in d[d.table == "*"].itertuples():
        types[r.column] = r.type
    for r in d[d.table == table].itertuples():
        types[r.column] = r.type
    return {c for c, t in types.items() if t == "string"}


def is_text_column(table: str, column: str) -> bool:
    """Unknown columns count as text (the safe side); ``*_yuan``/rates are numbers by name."""
    from .dictionary import field_spec
    spec = field_spec(table, column)
    return spec is None or spec["type"] == "string"


# ------------------------------------------------------------------ Markdown
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md_escape(value) -> str:
    """``value`` as literal Markdown text (renders as exactly these characters)."""
    text = re.sub(r"[\r\n\t\v\f\u2028\u2029]+", " ", str(value))
    return _PUNCT.sub(lambda m: _ENTITY.get(m.group(1)) or "\\" + m.group(1), text)


# What can turn a text into markup: these characters anywhere, a URL, or a block marker at the start.
_MARKUP = re.compile(r"[\\`*_\[\]<>&$|~#!{}\r\n]|://|www\.|^\s*(?:[-+*]\s|[=>]|\d+[.)](?:\s|$))")
_registry: set[str] = set()
_pattern: re.Pattern | None = None


def register(values) -> None:
    """Remember report texts that contain Markdown/HTML metacharacters (see :func:`md_guard`)."""
    global _pattern
    new = {str(v) for v in values if isinstance(v, str) and v and _MARKUP.search(v)} - _registry
    if new:
        _registry.update(new)
        _pattern = None


def registered() -> frozenset[str]:
    return frozenset(_registry)


def forget() -> None:
    global _pattern
    _registry.clear()
    _pattern = None


def md_guard(markdown: str) -> str:
    """Generated Markdown with every registered report text escaped where it occurs (longest
    first, in one pass) and any other ``<`` as ``&lt;`` (the templates use no HTML)."""
    global _pattern
    markdown = str(markdown)
    if _registry and _pattern is None:
        _pattern = re.compile("|".join(re.escape(v) for v in sorted(_registry, key=len, reverse=True)))
    out, pos = [], 0
    if _pattern is not None:
        for m in _pattern.finditer(markdown):
            out.append(markdown[pos:m.start()].replace("<", "&lt;"))
            out.append(md_escape(m.group(0)))
            pos = m.end()
    out.append(markdown[pos:].replace("<", "&lt;"))
    return "".join(out)


# ------------------------------------------------------------------ HTML
DROP_WITH_CONTENT = frozenset({"script"})
DROP_TAG = frozenset({"iframe", "object", "embed", "applet", "frame", "frameset", "form", "base",
                      "portal", "fencedframe"})
URL_ATTRS = frozenset({"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href",
                       "codebase", "cite", "longdesc", "usemap", "lowsrc", "dynsrc", "ping", "manifest"})
DROP_ATTRS = frozenset({"srcdoc", "formaction"})
_SAFE_DATA = re.compile(r"data:image/(png|jpe?g|gif|webp|svg\+xml)[;,]")


def bad_url(value: str | None) -> bool:
    """A URL that runs code or embeds a document when followed (``javascript:``, ``data:text/html``)."""
    if value is None:
        return False
    v = re.sub(r"[\x00-\x20\x7f]+", "", _html.unescape(value)).lower()
    if v.startswith(("javascript:", "vbscript:", "livescript:")):
        return True
    return v.startswith("data:") and not _SAFE_DATA.match(v)


def active_attr(tag: str, name: str, value: str | None) -> bool:
    name = name.lower()
    if name.startswith("on") or name in DROP_ATTRS:
        return True
    if name in URL_ATTRS and bad_url(value):
        return True
    if name == "style" and value and re.search(r"expression\s*\(|javascript:|behavior\s*:|-moz-binding",
                                                _html.unescape(value), re.I):
        return True
    return False


def _refresh(tag: str, attrs) -> bool:
    return tag == "meta" and any(k.lower() == "http-equiv" and (v or "").strip().lower() == "refresh"
                                 for k, v in attrs)


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skip = 0              # inside <script>
        self.removed: list[str] = []

    def _emit(self, s: str) -> None:
        if not self.skip:
            self.out.append(s)

    def _tag(self, tag, attrs, close: bool) -> None:
        if self.skip:
            return
        if tag in DROP_TAG or _refresh(tag, attrs):
            self.removed.append(f"<{tag}>")
            return
        bad = [k for k, v in attrs if active_attr(tag, k, v)]
        if not bad:
            self.out.append(self.get_starttag_text())
            return
        self.removed += [f"<{tag} {k}>" for k in bad]
        keep = "".join(f" {k}" if v is None else f' {k}="{_html.escape(v, quote=True)}"'
                       for k, v in attrs if k not in bad)
        self.out.append(f"<{tag}{keep}{' /' if close else ''}>")

    def handle_starttag(self, tag, attrs):
        if tag in DROP_WITH_CONTENT:
            if not self.skip:
                self.removed.append(f"<{tag}>")
            self.skip += 1
            return
        self._tag(tag, attrs, False)

    def handle_startendtag(self, tag, attrs):
        if tag in DROP_WITH_CONTENT:
            self.removed.append(f"<{tag}/>")
            return
        self._tag(tag, attrs, True)

    def handle_endtag(self, tag):
        if tag in DROP_WITH_CONTENT:
            self.skip = max(self.skip - 1, 0)
            return
        if tag in DROP_TAG:
            return
        self._emit(f"</{tag}>")

    def handle_data(self, data):
        self._emit(data)

    def handle_entityref(self, name):
        self._emit(f"&{name};")

    def handle_charref(self, name):
        self._emit(f"&#{name};")

    def handle_comment(self, data):
        self._emit(f"<!--{data}-->")

    def handle_decl(self, decl):
        self._emit(f"<!{decl}>")

    def unknown_decl(self, data):
        self._emit(f"<![{data}]>")

    def handle_pi(self, data):
        self._emit(f"<?{data}>")


def sanitize_html(page: str) -> tuple[str, list[str]]:
    """``page`` without active content, and what was removed (``["<script>", "<img onerror>"]``)."""
    p = _Sanitizer()
    p.feed(page)
    p.close()
    return "".join(p.out), p.removed
