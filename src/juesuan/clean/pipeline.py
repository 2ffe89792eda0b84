"""Extract → validate → tidy tables for one report (and the loop over all reports)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .. import config
from ..errors import ParseError
from ..extract.prose.explanation import parse_explanation
from ..extract.tabular.grid import parse_pdf_tables
from ..extract.reading.pdf import PdfDocument, PdfTable, read_pdf
from ..extract.prose.projects import parse_projects
from ..extract.tabular.tables import Table, parse_tables
from ..findings import CheckLog
from ..extract.reading.meta import Inferred, infer_metadata, same_department
from ..identity import source_files
from ..source import Document, read_metadata
from ..validate.document import check_document, check_metadata, contents_range
from ..validate.crosscheck import (check_counts, check_outturn_vs_tables, check_perf_summary,
                                  check_project_list, check_text_vs_tables, resolve_outturn_codes)
from ..validate.tables import check_tables
from ..extract.tabular.budget_tables import parse_budget_tables
from ..extract.prose.budget_text import parse_budget_text
from ..validate.budget import check_budget, check_doc_kind


@dataclass
class Report:
    year: int
    department: str
    meta: dict
    doc: Document
    log: CheckLog
    parts: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    explanation: object = None
    projects: object = None
    inferred: dict = field(default_factory=dict)   # what the document states (metadata_inferred.json)
    doc_kind: str = "final"                        # "final" 决算 | "budget" 预算
    given: dict = field(default_factory=dict)      # metadata.json as found ({} when there is none)


PART_RE = {
    "tables": re.compile(r"^\s*第二部分"),
    "explanation": re.compile(r"^\s*第三部分"),
    "glossary": re.compile(r"^\s*第四部分"),
    "appendix": re.compile(r"^\s*第五部分"),
}
FIRST_TABLE_RE = re.compile(r"公开\s*0?1\s*表")
ANY_TABLE_RE = re.compile(r"公开\s*0?[1-9]\s*表")   # when 公开01 itself is absent


def locate_parts(doc: Document, first_table: int | None = None) -> dict[str, int | None]:
    """Start lines of the report's parts (skipping the table of contents).

    ``first_table`` is the line of the first public table when known (PDF grids);
    otherwise the 公开01表 marker."""
    first_table = first_table or doc.find(FIRST_TABLE_RE) or doc.find(ANY_TABLE_RE) or 1
    parts: dict[str, int | None] = {}
    # the tables part: the last 第二部分 heading before the first table (not the contents page's)
    start = None
    contents = contents_range(doc) or (0, 0)
    for n, text in doc.numbered(1, first_table):
        if PART_RE["tables"].match(text) and not contents[0] <= n < contents[1]:
            start = n
    parts["tables"] = start if start is not None else max(first_table - 8, 1)
    after = first_table
    for name in ("explanation", "glossary", "appendix"):
        n = doc.find(PART_RE[name], after)
        parts[name] = n
        if n is not None:
            after = n
    parts["end"] = len(doc.lines) + 1
    return parts


def _looks(doc: Document) -> tuple[Inferred, int]:
    """What a document says it is, and how many titled tables it holds."""
    from ..extract.tabular.budget_tables import budget_title_of
    from ..extract.tabular.grid import title_of
    inf = infer_metadata(doc)
    tables = sum(1 for t in getattr(doc, "tables", []) if budget_title_of(t) or title_of(t.above))
    return inf, tables


def _table_kind(doc: Document) -> str | None:
    """"budget" / "final" when the document's grids carry budget (预算01–09) or final-accounts (公开01–09)
    table titles — a tables file recognised by its tables, whatever its cover says."""
    from ..extract.tabular.budget_tables import budget_title_of
    from ..extract.tabular.grid import title_of
    tables = getattr(doc, "tables", [])
    budget = sum(1 for t in tables if budget_title_of(t))
    final = sum(1 for t in tables if title_of(t.above))
    if not budget and not final:
        return None
    return "budget" if budget >= final else "final"


def text_and_tables(folder: Path, files: list[Path], docs: list[Document]) -> tuple[Document, Path]:
    """Two files of one report — its text and its tables (some departments publish them apart) — read
    as one document whose every location names its file (``report-text.pdf:p3:12``).  The tables file
    is recognised by its tables (their titles), not by its cover.  Two files that are not that (two
    reports, two years, two departments, or neither holding the tables) are refused naming each file
    and what was recognised in it; a file in which nothing is recognised is named as unrecognised."""
    (ia, na), (ib, nb) = (_looks(d) for d in docs)
    ka, kb = (_table_kind(d) for d in docs)
    names = f"{files[0].name} and {files[1].name}"

    def what(inf, n, kind):
        doc_kind = kind if n and kind else (inf.doc_kind if inf.sources.get("doc_kind") else None)
        label = {"budget": "预算", "final": "决算"}.get(doc_kind, "")
        parts = [p for p in (inf.department_name if inf.sources.get("department_name") else None,
                             str(inf.year) if inf.year else None, label) if p]
        if not parts and not n:
            return "unrecognised: no cover, no heading and no table title the suite knows"
        return (" ".join(parts) or "no cover or heading recognised") + f", {n} titled table(s)"

    # what each file is: the tables file by its tables, the text by its cover and headings
    kind_a = ka if na else (ia.doc_kind if ia.sources.get("doc_kind") else None)
    kind_b = kb if nb else (ib.doc_kind if ib.sources.get("doc_kind") else None)
    unrecognised = [f for f, k, n in ((files[0], kind_a, na), (files[1], kind_b, nb)) if k is None and not n]
    if unrecognised:
        raise ParseError("a file in this report's folder is not recognised: "
                         + "; ".join(f"{f.name} ({what(i, n, k)})" for f, i, n, k in
                                     ((files[0], ia, na, ka), (files[1], ib, nb, kb)) if f in unrecognised)
                         + f" — the other file is {next(f.name for f in files if f not in unrecognised)} "
                         f"({what(*((ia, na, ka) if files[0] not in unrecognised else (ib, nb, kb)))}); one folder "
                         "holds one report (one file, or its text and its tables)", config.rel(folder))
    same = (kind_a == kind_b and (ia.year is None or ib.year is None or ia.year == ib.year
                                  or not ia.sources.get("year") or not ib.sources.get("year"))
            and (not ia.department_name or not ib.department_name
                 or not ia.sources.get("department_name") or not ib.sources.get("department_name")
                 or same_department(ia.department_name, ib.department_name)))
    if not same or (na > 0) == (nb > 0):
        why = ("both hold tables" if na and nb else "neither holds tables" if not na and not nb
               else "they differ in kind, year or department")
        raise ParseError(f"two different documents in one folder, not one report ({why}): {files[0].name} "
                         f"({what(ia, na, ka)}) and {files[1].name} ({what(ib, nb, kb)}); one folder holds one "
                         f"report (one file, or its text and its tables): move one of {names} to a folder of "
                         "its own", config.rel(folder))
    order = [0, 1] if nb > 0 else [1, 0]          # the text first, then the tables
    lines: list[str] = []
    origins: list[str] = []
    tables: list = []
    for k in order:
        d, f = docs[k], files[k]
        offset = len(lines)
        lines += d.lines
        origins += [f"{f.name}:{o}" for o in (d.origins or [f"{i + 1}" for i in range(len(d.lines))])]
        for t in getattr(d, "tables", []):
            tables.append(PdfTable(page=t.page, top=t.top, above=t.above,
                                   rows=[(n + offset, cells) for n, cells in t.rows]))
    merged = PdfDocument(path=config.rel(folder), lines=lines, meta=docs[0].meta, origins=origins,
                         tables=tables, pages=sum(getattr(d, "pages", 0) for d in docs),
                         text_pages=sum(getattr(d, "text_pages", 0) for d in docs))
    merged.doc_kind_hint = kind_a if na else kind_b      # the kind its tables are of
    return merged, files[order[0]]


def folder_year(folder: Path) -> int | None:
    """The year of data/raw/<year>/<department>/ (None when the parent is not a year)."""
    name = Path(folder).parent.name
    return int(name) if re.fullmatch(r"(19|20)\d{2}", name) else None


def resolve_metadata(folder: Path, given: dict, inferred: Inferred, file: Path) -> dict:
    """The metadata a run uses: the slug from the folder name, the year of the folder (else
    the document's, else metadata.json's), the rest from metadata.json where it is given
    (it is checked against the document) and from the document otherwise."""
    folder = Path(folder)
    meta = dict(given)
    meta["department"] = folder.name
    meta["year"] = folder_year(folder) or inferred.year or given.get("year")
    for key in ("department_name", "unit", "scope"):
        if not meta.get(key) and getattr(inferred, key):
            meta[key] = getattr(inferred, key)
    meta.setdefault("department_name", folder.name)
    meta.setdefault("source_file", file.name)
    meta.setdefault("source_format", "pdf" if file.suffix.lower() == ".pdf" else "text")
    return meta


def parse_report(folder: Path) -> Report:
    """Parse and validate one report folder (data/raw/<year>/<department>/)."""
    folder = Path(folder)
    given = read_metadata(folder, required=False)
    files = source_files(folder, given)
    cache_year = folder_year(folder) or given.get("year") or "unknown"
    cache_dir = config.clean_dir(cache_year, folder.name) / ".cache"

    def read(f: Path):
        pdf = f.suffix.lower() == ".pdf" or (len(files) == 1 and given.get("source_format") == "pdf")
        return read_pdf(f, given, cache_dir=cache_dir) if pdf else Document.read(f, given)

    file = files[0]
    if len(files) == 2:
        doc, file = text_and_tables(folder, files, [read(f) for f in files])
    else:
        doc = read(file)
    is_pdf = isinstance(doc, PdfDocument)
    inferred = infer_metadata(doc)
    if inferred.doc_kind == "other":
        src = inferred.sources.get("doc_kind", {})
        raise ParseError(f"not a department's budget (部门预算) or final accounts (部门决算): it looks like "
                         f"{inferred.looks_like}"
                         + (f" (“{src['text'][:40]}”, {doc.where(src['line'])})" if src.get("line") else "")
                         + "; nothing is checked", config.rel(file))
    meta = resolve_metadata(folder, given, inferred, file)
    doc.meta = meta
    if meta["year"] is None:
        raise ParseError("the report's year is stated neither in the document (cover, part headings) "
                         "nor by the folder or metadata.json", config.rel(file))
    year = int(meta["year"])
    text_year = inferred.year or year        # the year the text is about (上年 = text_year - 1)
    log = CheckLog(doc.path, locate=doc.where if doc.origins else None)
    for f in getattr(doc, "ocr_findings", []):
        log.add("ocr_uncertain", f["severity"], f["message"], found=f["found"], line=f["line"])
    if meta.get("source_sha256") and len(files) == 1:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        log.record("source_unchanged", digest == meta["source_sha256"], severity="warning",
                   message=f"{meta['source_file']} differs from the sha256 recorded in metadata.json",
                   expected=meta["source_sha256"], found=digest)
    check_metadata(given, inferred, folder_year(folder), log, config.rel(folder))
    rep = Report(year, meta["department"], meta, doc, log)
    rep.inferred = inferred.as_dict(doc.where)
    rep.given = given
    rep.doc_kind = inferred.doc_kind
    check_doc_kind(given, inferred, log)
    if inferred.doc_kind == "budget":
        return review(parse_budget(rep, is_pdf, inferred))
    if is_pdf:
        rep.tables = parse_pdf_tables(doc, log, meta.get("unit", "万元"))
        rows = [t.start for t in rep.tables.values() if t.present and t.start]
        parts = rep.parts = locate_parts(doc, min(rows) if rows else None)
    else:
        parts = rep.parts = locate_parts(doc)
    ends = sorted(v for v in parts.values() if v)

    def end_of(name):
        start = parts.get(name)
        return min((v for v in ends if v > start), default=parts["end"]) if start else None

    if not is_pdf:
        rep.tables = parse_tables(doc, parts["tables"], end_of("tables") or parts["end"], log,
                                  meta.get("unit", "元"))
    if parts.get("explanation"):
        rep.explanation = parse_explanation(doc, parts["explanation"], end_of("explanation"), log,
                                            text_year)
    else:
        log.add("part_present", "error", "the explanation part (第三部分 …情况说明) was not found")
    if parts.get("appendix"):
        rep.projects = parse_projects(doc, parts["appendix"], parts["end"], log)
    else:
        log.note("part_present", "no appendix (第五部分 附件) with project self-evaluation tables")
    validate(rep)
    check_document(rep.doc, rep.tables, rep.explanation, text_year, rep.parts, log,
                   department_name=inferred.department_name,
                   name_line=inferred.sources.get("department_name", {}).get("line"))
    if getattr(doc, "ocr_findings", None):
        mark_ocr_suspects(log, [f.location for f in log.findings if f.check == "ocr_uncertain"])
    return review(rep)


def review(rep: Report) -> Report:
    """The reviewer's checks of the document (validate/review.py) and then one finding per source
    fault (validate/consolidate.py: a fault's consequences are named inside its finding)."""
    from ..validate.consolidate import consolidate
    from ..validate.review import review_document
    doc = rep.doc
    facts = getattr(rep.explanation, "facts", None) or []
    review_document(doc, rep.log, kind=rep.doc_kind, level=rep.inferred.get("doc_level") or "部门",
                    year=int(rep.inferred.get("year") or rep.year), tables=rep.tables, facts=facts,
                    skip_lines={n for t in getattr(doc, "tables", []) for n, _ in t.rows})
    consolidate(rep.log, rep.tables)
    if getattr(doc, "ocr_findings", None):
        mark_ocr_suspects(rep.log, [f.location for f in rep.log.findings if f.check == "ocr_uncertain"])
    return rep


def parse_budget(rep: Report, is_pdf: bool, inferred: Inferred) -> Report:
    """A budget report (部门预算 / 单位预算): tables 预算01–10 by role, the text's facts, the budget
    checks; the final-accounts-only checks are recorded as skipped with the reason."""
    doc, log = rep.doc, rep.log
    if is_pdf:
        rep.tables = parse_budget_tables(doc, log, rep.meta.get("unit", "元"))
        table_lines = {n for t in doc.tables for n, _ in t.rows}
    else:
        rep.tables = {}
        table_lines = set()
        log.add("budget_table_present", "error", "a budget report in a text file: its tables are read from "
                "PDF grids only; none was read", line=1)
    rep.explanation = parse_budget_text(doc, table_lines, rep.tables, log, rep.year)
    first = min((t.start for t in rep.tables.values() if t.present and t.start), default=None)
    rep.parts = {"tables": first, "end": len(doc.lines) + 1}
    check_budget(rep.tables, rep.explanation, doc, inferred.year or rep.year, inferred.department_name,
                 table_lines, log)
    if getattr(doc, "ocr_findings", None):
        mark_ocr_suspects(log, [f.location for f in log.findings if f.check == "ocr_uncertain"])
    return rep


OCR_NOTE = " [OCR: page {page} has uncertain readings, this may be an OCR misread]"
_PAGE = re.compile(r":p(\d+):\d+$")


def mark_ocr_suspects(log: CheckLog, uncertain_locations) -> int:
    """A scanned report: an error or warning on a page where OCR was unsure of a reading says that
    it may come from the OCR, not from the source.  Returns how many findings were marked."""
    pages = {m.group(1) for loc in uncertain_locations if (m := _PAGE.search(loc or ""))}
    marked = 0
    for f in log.findings:
        m = _PAGE.search(f.location or "")
        if (f.severity in ("error", "warning") and f.check != "ocr_uncertain" and m
                and m.group(1) in pages and "[OCR:" not in f.message):
            f.message += OCR_NOTE.format(page=m.group(1))
            marked += 1
    return marked


def validate(rep: Report) -> None:
    log = rep.log
    check_tables(rep.tables, log)
    ex = rep.explanation
    if ex is not None:
        resolve_outturn_codes(ex.budget_outturn, rep.tables, log)
        check_text_vs_tables(ex.facts, rep.tables, log)
        check_outturn_vs_tables(ex.budget_outturn, rep.tables, log)
        check_counts(ex.facts, log)
    if rep.projects is not None and ex is not None:
        if ex.project_scores:
            check_project_list(ex.project_scores, rep.projects.projects, log)
        check_perf_summary(ex.facts, rep.projects.projects, rep.projects.funds, log)


def discover(years=None, departments=None, root: Path | None = None) -> list[tuple[int, str, Path]]:
    """Every report folder data/raw/<year>/<department>/ (a metadata.json is optional)."""
    root = Path(root or config.RAW)
    out = []
    for ydir in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        if years and int(ydir.name) not in {int(y) for y in years}:
            continue
        for ddir in sorted(p for p in ydir.iterdir() if p.is_dir()):
            if departments and ddir.name not in departments:
                continue
            out.append((int(ydir.name), ddir.name, ddir))
    return out


def amount_cells_in_source(rep: Report) -> int:
    """Independent count: amount-looking tokens in the table part of the raw text."""
    parts = rep.parts
    end = parts.get("explanation") or parts["end"]
    n = 0
    for _, text in rep.doc.numbered(parts["tables"], end):
        for tok in text.split("\t"):
            if re.fullmatch(r"-?[\d,]+\.\d{2}", tok.strip()):
                n += 1
    return n


def table_rows(tables: dict[str, Table]) -> list:
    return [r for t in tables.values() for r in t.rows]


def decimal_or_none(v):
    return v if isinstance(v, Decimal) else None


def inferred_record(rep: Report) -> dict:
    """The content of metadata_inferred.json: what the document states, what metadata.json
    gave (if any), and what the run used."""
    keys = ("department", "department_name", "year", "scope", "unit", "source_file",
            "source_format")
    kind = rep.inferred.get("doc_kind", "final")
    return {"department": rep.department, "year": rep.year,
            "doc_kind": kind, "doc_kind_zh": rep.inferred.get("doc_kind_zh", "决算"),
            "doc_level": rep.inferred.get("doc_level", "部门"),
            "document": rep.inferred,
            "metadata_json": rep.given or None,
            "used": dict({k: rep.meta.get(k) for k in keys}, doc_kind=kind,
                         doc_kind_zh=rep.inferred.get("doc_kind_zh", "决算"))}
