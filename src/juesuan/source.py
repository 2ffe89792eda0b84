"""Raw source documents: read bytes exactly, keep line numbers for every value."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import METADATA_FILE, rel
from .errors import ParseError


@dataclass
class Document:
    """A raw text report: its lines (1-based numbering) and where it came from."""

    path: str                       # relative path used in findings ("data/raw/...:LINE")
    lines: list[str]                # lines[0] is line 1
    meta: dict = field(default_factory=dict)
    origins: list[str] | None = None  # per line, where it is in the source (PDF: "p8:123")

    def where(self, n: int | None) -> str:
        """How a finding names line ``n``: the line number, or page:line for PDFs."""
        if n is None:
            return ""
        if self.origins and 1 <= n <= len(self.origins):
            return self.origins[n - 1]
        return str(n)

    @classmethod
    def from_text(cls, text: str, path: str = "<text>", meta: dict | None = None) -> "Document":
        return cls(path=path, lines=text.split("\n"), meta=meta or {})

    @classmethod
    def read(cls, file: Path, meta: dict | None = None) -> "Document":
        file = Path(file)
        data = file.read_bytes()
        if not data.strip():
            raise ParseError("file is empty", rel(file))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ParseError(f"not UTF-8 text (byte {exc.start}); convert the file to UTF-8 "
                             "or provide the PDF", rel(file), line) from exc
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return cls(path=rel(file), lines=text.split("\n"), meta=meta or {})

    def line(self, n: int) -> str:
        return self.lines[n - 1]

    def find(self, pattern: str | re.Pattern, start: int = 1, end: int | None = None) -> int | None:
        """First line number in [start, end) whose text matches ``pattern`` (re.search)."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        stop = len(self.lines) + 1 if end is None else min(end, len(self.lines) + 1)
        for n in range(max(start, 1), stop):
            if rx.search(self.lines[n - 1]):
                return n
        return None

    def numbered(self, start: int, end: int) -> list[tuple[int, str]]:
        """(line number, text) for lines in [start, end)."""
        return [(n, self.lines[n - 1]) for n in range(start, min(end, len(self.lines) + 1))]


SOURCE_SUFFIXES = (".pdf", ".txt", ".text", ".md")


def read_metadata(folder: Path, required: bool = True) -> dict:
    """The folder's metadata.json; ``required=False``: {} when there is none (the
    department name, year and unit are then read from the document).  A metadata.json
    that is present must be valid JSON; the keys it lacks are read from the document."""
    file = Path(folder) / METADATA_FILE
    if not file.exists():
        if not required:
            return {}
        raise ParseError(f"missing {METADATA_FILE}", rel(folder))
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", rel(file), exc.lineno) from exc
    if not isinstance(meta, dict):
        raise ParseError("metadata.json must hold one JSON object", rel(file), 1)
    if not required:
        return meta
    for key in ("department", "department_name", "year", "source_file", "unit"):
        if key not in meta:
            raise ParseError(f"metadata lacks {key!r}", rel(file))
    return meta


def find_source(folder: Path, meta: dict) -> Path:
    """The report's source file: the one metadata.json names, else the only PDF or text
    file in the folder (an error names the folder when there is none or more than one)."""
    folder = Path(folder)
    if meta.get("source_file"):
        file = folder / meta["source_file"]
        if not file.exists():
            raise ParseError(f"source file {meta['source_file']} named in metadata.json is missing",
                             rel(folder))
        return file
    cands = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SOURCE_SUFFIXES)
    if not cands:
        raise ParseError("no source file (a PDF or a UTF-8 text file) in the folder", rel(folder))
    if len(cands) > 1:
        raise ParseError("more than one source file in the folder ("
                         + ", ".join(p.name for p in cands)
                         + "); name the one to read in metadata.json (source_file)", rel(folder))
    return cands[0]
