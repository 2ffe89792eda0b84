"""All reports together: data/clean/panel/ for comparing departments and years.

- ``panel_line_items``: long form, one row per amount cell of the nine public tables of every
  report, with exactly the columns of a report's ``line_items`` (year, department, table, code,
  row_key, column, amount_yuan …): one vocabulary, described once in the data dictionary;
- ``panel_budget_outturn``, ``panel_projects``, ``panel_sangong``, ``panel_checks``,
  ``panel_findings``: the per-report tables stacked (they already carry year and department);
- ``reports``: one row per report with headline numbers.
Amounts stay exact decimal strings in the CSVs, as in the per-report tables.

The same tables are also written as Parquet, partitioned by year (hive layout)::

    panel/parquet/<table>/year=<YYYY>/part-0.parquet     <table>: line_items, budget_outturn, …, reports
    panel/parquet/_manifest.json                         columns (CSV order), types, row counts

with the CSV's columns (``year`` is the partition key, in the folder name, not in the files) and
these types: amounts in 元 (``*_yuan``, unit 元 in the dictionary) ``decimal128(18, 2)`` — exact,
their text form is the CSV's decimal string; integers ``int64``; rates and points (other
numbers: ratios rounded to ≤ 6 places in the CSV) ``float64``, whose shortest repr is the CSV's
number; text ``string`` holding the report's text itself (the spreadsheet guard ``'`` of the CSV is
a CSV matter and is not applied); an empty CSV cell is null.  :func:`panel_relation` and
:func:`completion_by_class` query it with DuckDB; ``helpers.load_panel`` reads it into pandas.

Scale: the per-report CSVs are written by :func:`juesuan.clean.writer.csv_text` in one dialect, so the
panel CSV is their bodies concatenated (a file whose header differs is parsed and re-encoded);
the Parquet is parsed from the same bytes, one year at a time (pyarrow, multi-threaded), which
keeps memory to about one year of the largest table.

One generation: every build writes the CSVs, the Parquet folder and datapackage.json into a new
folder ``panel/generations/<id>/`` (first under a temporary name, renamed when complete) and then
switches the symlink ``panel/current`` to it in one rename, so the CSV panel and the Parquet panel
of one build are published together::

    panel/generations/<id>/{reports.csv, panel_<table>.csv, datapackage.json, parquet/}
    panel/current -> generations/<id>                     switched atomically (rename of a new link)
    panel/reports.csv -> current/reports.csv              fixed links: the public paths stay valid
    panel/parquet -> current/parquet                      (and every other top-level name)

One file read through a public path is always of one generation.  A reader of several files
(CSV and Parquet, or several Parquet partitions) resolves the generation once —
:func:`generation_dir`; :func:`arrow_table`, :func:`panel_relation`, :func:`manifest` and
``helpers.load_panel`` do — and so never mixes two builds.  A build keeps the previous generation
(a reader may still hold it) and removes the older ones; a reader whose generation vanished
under it (two builds during one read) reads again from the current one.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from .. import config
from ..atomic import _umask
from ..identity import report_metadata
from ..safety import csv_encode
from .writer import atomic_write_text

STACKED = ["budget_outturn", "projects", "sangong", "checks", "findings"]
# The panel's long table has the columns of line_items (and its dictionary entries).
PANEL_TABLES = {"panel_line_items": "line_items"}
PARQUET = "parquet"
MANIFEST = "_manifest.json"
GENERATIONS = "generations"                 # panel/generations/<id>/: one build's CSVs + Parquet
CURRENT = "current"                         # panel/current -> generations/<id>: the published one
STALE_TMP_S = 3600                          # a build's temporary folder older than this is debris
AMOUNT_PRECISION, AMOUNT_SCALE = 18, 2     # decimal128(18, 2): up to 10^16 元, exact to the fen
ROW_GROUP = 128 * 1024                      # rows per Parquet row group (department stats prune)
CHUNK_BYTES = 8 * 1024 * 1024               # CSV bytes parsed at once (a year's reports in turns)
BOM = "\ufeff".encode()
TOTAL_KEYS = {("income_total", "收入"): "income_total_yuan", ("expenditure_total", "支出"): "expenditure_total_yuan",
              ("grand_total", "收入"): "grand_total_yuan"}
BUDGET_GRAND_KEYS = {"收入": "income_total_yuan", "支出": "expenditure_total_yuan"}
DOC_KIND_ZH = {"final": "决算", "budget": "预算"}


class PanelError(ValueError):
    """A clean table the panel cannot stack (names the file and, when known, the line)."""


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _quote(v: str) -> str:
    # the rule of juesuan.clean.writer.csv_text (QUOTE_MINIMAL, and a lone CR quoted too)
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v


def _line(values) -> str:
    values = list(values)
    if len(values) == 1 and values[0] == "":
        return '""\n'
    return ",".join(_quote(v) for v in values) + "\n"


def report_folders(clean_root: Path | None = None) -> list[Path]:
    root = Path(clean_root or config.CLEAN)
    return sorted(p.parent for p in root.glob("[0-9][0-9][0-9][0-9]/*/line_items.csv"))


# ------------------------------------------------------------------ types
def arrow_types(table: str, columns: list[str]) -> dict:
    """Column → pyarrow type from the data dictionary (``table`` as named there)."""
    import pyarrow as pa

    from ..dictionary import dictionary
    d = dictionary()
    spec = {}
    for r in d[d.table == "*"].itertuples():
        spec[r.column] = (r.type, r.unit)
    for r in d[d.table == table].itertuples():
        spec[r.column] = (r.type, r.unit)
    out = {}
    for c in columns:
        kind, unit = spec.get(c, ("string", ""))
        out[c] = (pa.int64() if kind == "integer" else
                  pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE) if kind == "number" and unit == "元" else
                  pa.float64() if kind == "number" else pa.string())
    return out


def _typed(tbl, types: dict, where: str):
    """All-string ``tbl`` (as parsed from the CSV) → the Parquet types; '' → null, guard removed."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arrays = []
    for name in tbl.column_names:
        col = tbl.column(name)
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        t = types[name]
        if pa.types.is_string(t):
            col = pc.if_else(pc.starts_with(col, "'"), pc.utf8_slice_codeunits(col, 1), col)
        else:
            try:
                col = pc.cast(col, t)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise PanelError(f"{where}: column {name} is not {t}: {exc}") from None
        arrays.append(col)
    return pa.table(arrays, names=tbl.column_names)


# ------------------------------------------------------------------ reading many CSVs
def _records(body: bytes) -> int:
    """CSV records in ``body`` (line ends outside quotes)."""
    if b'"' not in body:
        return body.count(b"\n")
    return sum(part.count(b"\n") for part in body.split(b'"')[::2])


def _body(path: Path, data: bytes, columns: list[str], header: bytes) -> bytes:
    """The rows of one per-report CSV as panel CSV bytes (its own bytes when its header is the
    panel's; otherwise parsed and re-encoded into the panel's columns, missing ones empty)."""
    if data.startswith(header):
        body = data[len(header):]
        return body if not body or body.endswith(b"\n") else body + b"\n"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        head = next(reader, [])
        out = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(head):
                raise PanelError(f"{config.rel(path)}:{reader.line_num}: {len(row)} fields, the header has {len(head)}")
            r = dict(zip(head, row))
            out.append(_line(r.get(c, "") for c in columns))
    return "".join(out).encode()


def _locate_bad_row(paths: list[Path], n: int) -> str:
    for p in paths:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            for row in reader:
                if row and len(row) != n:
                    return f"{config.rel(p)}:{reader.line_num}: {len(row)} fields, the header has {n}"
    return ""


def _parse(header: bytes, bodies: list[bytes], columns: list[str], paths: list[Path]):
    import pyarrow as pa
    import pyarrow.csv as pcsv
    data = header + b"".join(bodies)
    try:
        return pcsv.read_csv(pa.BufferReader(data),
                             parse_options=pcsv.ParseOptions(newlines_in_values=True),
                             convert_options=pcsv.ConvertOptions(
                                 column_types={c: pa.string() for c in columns},
                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        where = _locate_bad_row(paths, len(columns))
        raise PanelError(where or f"{', '.join(config.rel(p) for p in paths[:3])}…: {exc}") from None


# ------------------------------------------------------------------ build
def build_panel(clean_root: Path | None = None) -> Path | None:
    """(Re)write data/clean/panel/ — the CSVs and the Parquet folder, one generation published at
    once — from every report's clean tables; None if there are none.  A table the panel cannot
    stack (a row with more or fewer fields than its header, a year that is not its folder's, an
    amount that is not a number) is a :class:`PanelError` naming the file (and line), and the
    previous panel stays."""
    root = Path(clean_root or config.CLEAN)
    folders = report_folders(root)
    if not folders:
        return None
    out = root / "panel"
    gens = out / GENERATIONS
    gens.mkdir(parents=True, exist_ok=True)
    from ..dictionary import columns_of
    years: dict[str, list[Path]] = {}
    for f in folders:
        years.setdefault(f.parent.name, []).append(f)
    summary = {f: {"year": f.parent.name, "department": f.name} for f in folders}
    gid = _new_generation_id()
    manifest: dict = {"format": 1, "partitioning": "hive: <table>/year=<YYYY>/part-0.parquet",
                      "generation": gid, "reports": len(folders), "tables": {}}
    tmp = Path(tempfile.mkdtemp(prefix=f".{gid}.", suffix=".tmp", dir=gens))
    try:
        _build(tmp, folders, years, summary, manifest, tmp / PARQUET, columns_of)
        write_datapackage(tmp)
        from .link import LINKS, build_links     # each department's documents linked: panel/links/
        build_links(root, tmp / LINKS)
        os.chmod(tmp, 0o777 & ~_umask())
        os.replace(tmp, gens / gid)            # complete: now under its own name, not yet published
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    previous = _switch(out, gid)
    _link_public(out, gens / gid)
    _remove_old_generations(gens, keep={gid, previous})
    return out


def _new_generation_id() -> str:
    """Sortable by time of the build, unique across builders: ``20260101T120000.123456-1a2b3c4d``."""
    now = time.time()
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}-{uuid.uuid4().hex[:8]}"


def _symlink_over(target: Path, dest: str) -> None:
    """``target`` becomes a symlink to ``dest`` in one rename (whatever file or link was there)."""
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    os.symlink(dest, tmp)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _switch(out: Path, gid: str) -> str | None:
    """Publish generation ``gid``: ``panel/current`` → ``generations/<gid>``; the previous id."""
    link = out / CURRENT
    previous = None
    if link.is_symlink():
        previous = Path(os.readlink(link)).name
    _symlink_over(link, f"{GENERATIONS}/{gid}")
    return previous


def _link_public(out: Path, gen: Path) -> None:
    """Every top-level name of the generation (reports.csv, panel_<table>.csv, datapackage.json,
    parquet) at ``panel/<name>`` as the fixed link ``current/<name>``; links to names the new
    generation lacks are removed, and so are the files of a panel written before generations."""
    names = {p.name for p in gen.iterdir()}
    for name in sorted(names):
        target, dest = out / name, f"{CURRENT}/{name}"
        if target.is_symlink() and os.readlink(target) == dest:
            continue
        if target.is_dir() and not target.is_symlink():      # the Parquet folder of an older layout
            away = Path(tempfile.mkdtemp(prefix=f".{name}.old-", dir=out))
            os.replace(target, away / name)
            _symlink_over(target, dest)
            shutil.rmtree(away, ignore_errors=True)
        else:
            _symlink_over(target, dest)
    for p in out.iterdir():
        if p.name in names or p.name in (CURRENT, GENERATIONS):
            continue
        if p.is_symlink() and os.readlink(p).startswith(f"{CURRENT}/"):
            p.unlink(missing_ok=True)                          # a table no report has any more
        elif not p.is_symlink() and p.is_file() and (p.name in ("reports.csv", "datapackage.json")
                                                      or (p.name.startswith("panel_") and p.suffix == ".csv")):
            p.unlink(missing_ok=True)                          # older layout, a table gone since


def _remove_old_generations(gens: Path, keep: set) -> None:
    """Every generation but the current one and the previous (a reader may still hold it); a
    build's temporary folder only when it is old (another build may be writing it now)."""
    for p in gens.iterdir():
        if p.name in keep:
            continue
        if p.name.startswith("."):
            try:
                if time.time() - p.stat().st_mtime < STALE_TMP_S:
                    continue
            except FileNotFoundError:
                continue
        shutil.rmtree(p, ignore_errors=True)


def _build(out: Path, folders: list[Path], years: dict, summary: dict, manifest: dict, pq_tmp: Path,
           columns_of) -> None:
    """Every CSV and Parquet part into ``out`` (a new generation's folder, not yet published)."""
    for name in ["line_items"] + STACKED:
        files = {f: f / f"{name}.csv" for f in folders}
        files = {f: p for f, p in files.items() if p.exists()}
        if name == "line_items":
            columns, cache = columns_of("line_items"), {}
        else:
            cache = {f: p.read_bytes() for f, p in files.items()}
            columns = []
            for data in cache.values():
                head = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8-sig")]), [])
                columns += [c for c in head if c not in columns]
            if not columns:
                continue                   # no report has it (any more): not in this generation
        target = out / f"panel_{name}.csv"
        header = _line(columns).encode()
        types = arrow_types(name, columns)
        rows_total = 0
        with open(target, "wb") as fh:
            fh.write(BOM + header)
            for year, yfolders in years.items():
                yfolders = [f for f in yfolders if f in files]
                writer = None
                try:
                    for chunk, bodies in _chunks(yfolders, files, cache, columns, BOM + header):
                        fh.write(b"".join(bodies))
                        counts = [_records(b) for b in bodies]
                        rows_total += sum(counts)
                        tbl = _parse(header, bodies, columns, [files[f] for f in chunk])
                        del bodies
                        if tbl.num_rows != sum(counts):
                            raise PanelError(f"{config.rel(out.parent.parent)}/{year}: {name} read {tbl.num_rows} "
                                             f"rows, counted {sum(counts)}")
                        _summarize(name, tbl, chunk, counts, summary)
                        _check_year(tbl, year, chunk, counts, files)
                        tbl = _typed(tbl.drop_columns(["year"]), types, f"{name} {year}")
                        if writer is None:
                            writer = _part_writer(pq_tmp / name / f"year={year}" / "part-0.parquet", tbl.schema)
                        writer.write_table(tbl, row_group_size=ROW_GROUP)
                        del tbl
                finally:
                    if writer is not None:
                        writer.close()
        os.chmod(target, 0o666 & ~_umask())
        manifest["tables"][name] = {"csv": target.name, "rows": rows_total, "columns": columns,
                                    "types": {c: str(t) for c, t in types.items()}}
    # reports.csv
    for f in folders:
        try:      # what make data read from the document, in this clean root (not config.CLEAN's)
            inferred = json.loads((f / "metadata_inferred.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            inferred = {}
        used = inferred.get("used") if isinstance(inferred.get("used"), dict) else {}
        meta = report_metadata(f.parent.name, f.name) or used
        s = summary[f]
        kind = meta.get("doc_kind") or inferred.get("doc_kind") or "final"
        s.update({"department_name": csv_encode(str(meta.get("department_name") or used.get("department_name")
                                                    or f.name)),
                  "source_format": meta.get("source_format") or "",
                  "source_unit": meta.get("unit") or used.get("unit") or "",
                  "doc_kind": kind, "doc_kind_zh": meta.get("doc_kind_zh") or DOC_KIND_ZH.get(kind, "")})
        s.update(_coverage(f))
    cols = ["year", "department", "department_name", "source_format", "source_unit", "income_total_yuan",
            "expenditure_total_yuan", "grand_total_yuan", "line_items", "errors", "warnings", "doc_kind",
            "doc_kind_zh", "figures_printed", "figures_read", "figures_unread", "coverage_rate"]
    rows = [{c: str(summary[f].get(c, "")) for c in cols} for f in folders]
    for r, f in zip(rows, folders):
        r["errors"] = str(summary[f].get("errors", 0))
        r["warnings"] = str(summary[f].get("warnings", 0))
        r["line_items"] = str(summary[f].get("line_items", 0))
    target = out / "reports.csv"
    text = _line(cols) + "".join(_line(r[c] for c in cols) for r in rows)
    target.write_text("\ufeff" + text, encoding="utf-8")
    os.chmod(target, 0o666 & ~_umask())
    _reports_parquet(pq_tmp, cols, rows)
    manifest["tables"]["reports"] = {"csv": "reports.csv", "rows": len(rows), "columns": cols,
                                     "types": {c: str(t) for c, t in arrow_types("reports", cols).items()}}
    (pq_tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.chmod(pq_tmp, 0o777 & ~_umask())


def _coverage(folder: Path) -> dict:
    """The report's printed / read / unread figures (its coverage.csv, row ``all``); empty when the
    clean folder has none (written before the ledger existed)."""
    path = folder / "coverage.csv"
    if not path.exists():
        return {}
    _, rows = _read(path)
    row = next((r for r in rows if r.get("where") == "all"), None)
    if row is None:
        return {}
    return {"figures_printed": row.get("printed", ""), "figures_read": row.get("read", ""),
            "figures_unread": row.get("unread", ""), "coverage_rate": row.get("coverage_rate", "")}


def _chunks(yfolders: list[Path], files: dict, cache: dict, columns: list[str], header: bytes):
    """(folders, their CSV bodies) in turns of at most CHUNK_BYTES (a folder bigger than that alone):
    one year of a 1,000-report batch is parsed a part at a time, never all in memory at once."""
    chunk, bodies, size = [], [], 0
    for f in yfolders:
        data = cache.pop(f) if f in cache else files[f].read_bytes()
        body = _body(files[f], data, columns, header)
        del data
        if chunk and size + len(body) > CHUNK_BYTES:
            yield chunk, bodies
            chunk, bodies, size = [], [], 0
        chunk.append(f)
        bodies.append(body)
        size += len(body)
    if chunk:
        yield chunk, bodies


def _part_writer(path: Path, schema):
    import pyarrow.parquet as pq
    path.parent.mkdir(parents=True, exist_ok=True)
    return pq.ParquetWriter(path, schema)


def _write_part(path: Path, tbl) -> None:
    import pyarrow.parquet as pq
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(tbl, path, row_group_size=ROW_GROUP)


def _check_year(tbl, year: str, yfolders: list[Path], counts: list[int], files: dict) -> None:
    import pyarrow.compute as pc
    bad = pc.not_equal(tbl.column("year"), year)
    if pc.any(bad).as_py():
        i = pc.index(bad, True).as_py()
        import numpy as np
        k = int(np.searchsorted(np.cumsum(counts), i, side="right"))
        raise PanelError(f"{config.rel(files[yfolders[k]])}: year {tbl.column('year')[i].as_py()!r} in a "
                         f"folder of {year} (the Parquet panel is partitioned by year)")


def _summarize(name: str, tbl, yfolders: list[Path], counts: list[int], summary: dict) -> None:
    """Headline numbers of each report (reports.csv) from its rows of line_items / findings."""
    import numpy as np
    import pyarrow.compute as pc
    which = np.repeat(np.arange(len(yfolders)), counts)
    if name == "line_items":
        for f, n in zip(yfolders, counts):
            summary[f]["line_items"] = n
        table = tbl.column("table")
        idx = np.flatnonzero(pc.or_(pc.equal(table, "公开01"), pc.equal(table, "预算01"))
                             .to_numpy(zero_copy_only=False))
        sub = tbl.take(idx)
        grand = {}                            # a budget's 收支总表 may state only 收入总计 / 支出总计
        for i, t, key, side, col, amount in zip(idx, sub.column("table").to_pylist(), sub.column("row_key").to_pylist(),
                                                sub.column("side").to_pylist(), sub.column("column").to_pylist(),
                                                sub.column("amount_yuan").to_pylist()):
            if col not in ("amount", "total"):    # a budget's 收支总表 also splits 支出 by use
                continue
            if (key, side) in TOTAL_KEYS:     # the last row of a key wins, as before
                summary[yfolders[which[i]]][TOTAL_KEYS[(key, side)]] = amount
            if t == "预算01" and key == "grand_total" and side in BUDGET_GRAND_KEYS:
                grand[(yfolders[which[i]], BUDGET_GRAND_KEYS[side])] = amount
        for (f, col), amount in grand.items():
            summary[f].setdefault(col, amount)
    elif name == "findings" and "severity" in tbl.column_names:
        sev = tbl.column("severity").to_numpy(zero_copy_only=False)
        for label, key in (("error", "errors"), ("warning", "warnings")):
            per = np.bincount(which[sev == label], minlength=len(yfolders))
            for f, n in zip(yfolders, per):
                summary[f][key] = int(n)


def _reports_parquet(pq_tmp: Path, cols: list[str], rows: list[dict]) -> None:
    import pyarrow as pa
    types = arrow_types("reports", cols)
    by_year: dict[str, list[dict]] = {}
    for r in rows:
        by_year.setdefault(r["year"], []).append(r)
    for year, part in by_year.items():
        tbl = pa.table({c: pa.array([r[c] for r in part], pa.string()) for c in cols if c != "year"})
        _write_part(pq_tmp / "reports" / f"year={year}" / "part-0.parquet", _typed(tbl, types, f"reports {year}"))


def write_datapackage(out: Path) -> None:
    """datapackage.json for the panel, fields described from the data dictionary."""
    from ..dictionary import field_spec
    resources = []
    for f in sorted(out.glob("*.csv")):
        table = PANEL_TABLES.get(f.stem, f.stem.removeprefix("panel_"))
        cols, _ = _read_header(f)
        fields = []
        for col in cols:
            row = field_spec(table, col, ("*", "line_items"))
            field = {"name": col, "type": row["type"] if row is not None else "string",
                     "description": row["description"] if row is not None else ""}
            if row is not None and row.get("label"):
                field["title"] = row["label"]
            if row is not None and row["unit"]:
                field["unit"] = row["unit"]
            fields.append(field)
        resources.append({"name": f.stem.replace("_", "-"), "path": f.name, "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8-sig", "profile": "tabular-data-resource",
                          "schema": {"fields": fields, "missingValues": [""]}})
    pkg = {"name": "panel", "title": "部门决算：全部报告合并（长表）", "profile": "tabular-data-package",
           "resources": resources}
    atomic_write_text(out / "datapackage.json", json.dumps(pkg, ensure_ascii=False, indent=2) + "\n")


def _read_header(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh)), None


# ------------------------------------------------------------------ reading the Parquet panel
def generation_dir(clean_root: Path | None = None) -> Path:
    """The folder of the published generation (``panel/generations/<id>``), resolved NOW: a
    reader that reads several files from it sees one build, whatever is published meanwhile.
    A panel written before generations (no ``panel/current``): ``panel/`` itself."""
    out = Path(clean_root or config.CLEAN) / "panel"
    try:
        dest = os.readlink(out / CURRENT)
    except (FileNotFoundError, OSError):
        return out
    return out / dest


def generation(clean_root: Path | None = None) -> str | None:
    """The id of the published generation (None before the first build, or an older layout)."""
    gen = generation_dir(clean_root)
    return gen.name if gen.parent.name == GENERATIONS else None


def _reading(read, clean_root: Path | None, gen: Path | None):
    """``read(generation folder)``; when the generation vanished under the read (two rebuilds
    during it: only the current and previous ones are kept) read again from the current one."""
    if gen is not None:
        return read(Path(gen))
    for attempt in range(3):
        gen = generation_dir(clean_root)
        try:
            return read(gen)
        except OSError:            # FileNotFoundError, or pyarrow's for a file removed meanwhile
            if attempt == 2 or generation_dir(clean_root) == gen:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def parquet_root(clean_root: Path | None = None, *, generation: Path | None = None) -> Path:
    return Path(generation or generation_dir(clean_root)) / PARQUET


def manifest(clean_root: Path | None = None, *, generation: Path | None = None) -> dict:
    """The Parquet panel's manifest (generation id, tables, columns in CSV order, types, rows)."""
    def read(gen: Path) -> dict:
        return json.loads((gen / PARQUET / MANIFEST).read_text(encoding="utf-8"))

    try:
        return _reading(read, clean_root, generation)
    except FileNotFoundError:
        raise FileNotFoundError(f"no Parquet panel in {config.rel(Path(clean_root or config.CLEAN) / 'panel')}: "
                                "run `make data` first") from None


def _spec(table: str, gen: Path) -> dict:
    tables = manifest(generation=gen)["tables"]
    if table not in tables:
        raise KeyError(f"no table {table!r} in the panel; it has: {', '.join(sorted(tables))}")
    return tables[table]


def _schema(spec: dict):
    import pyarrow as pa
    types = {"int64": pa.int64(), "double": pa.float64(), "string": pa.string(),
             f"decimal128({AMOUNT_PRECISION}, {AMOUNT_SCALE})": pa.decimal128(AMOUNT_PRECISION, AMOUNT_SCALE)}
    return pa.schema([(c, types[spec["types"][c]]) for c in spec["columns"]])


def arrow_table(table: str = "line_items", years=None, departments=None, columns=None,
                clean_root: Path | None = None, *, generation: Path | None = None):
    """One Parquet panel table as a pyarrow Table in the CSV's column order; the year and
    department filters are pushed down (year partitions skipped, row groups pruned by statistics).
    ``generation``: read that generation's folder (:func:`generation_dir`), default the current."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    def read(gen: Path):
        spec = _spec(table, gen)
        cols = list(columns) if columns is not None else spec["columns"]
        unknown = [c for c in cols if c not in spec["columns"]]
        if unknown:
            raise KeyError(f"panel table {table!r} has no column(s) {unknown}")
        folder = gen / PARQUET / table
        schema = _schema(spec)
        if not any(folder.glob("year=*/*.parquet")):
            return schema.empty_table().select(cols)
        part = ds.partitioning(pa.schema([("year", pa.int64())]), flavor="hive")
        data = ds.dataset(folder, format="parquet", partitioning=part)
        cond = None
        if years is not None:
            cond = ds.field("year").isin([int(y) for y in years])
        if departments is not None:
            c = ds.field("department").isin([str(d) for d in departments])
            cond = c if cond is None else cond & c
        return data.to_table(columns=cols, filter=cond).cast(pa.schema([schema.field(c) for c in cols]))

    return _reading(read, clean_root, generation)


def _sql_list(values, kind) -> str:
    if kind is int:
        return ", ".join(str(int(v)) for v in values) or "NULL"
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) or "NULL"


def panel_relation(table: str = "line_items", years=None, departments=None, clean_root: Path | None = None,
                   con=None, *, generation: Path | None = None):
    """A lazy DuckDB relation over one Parquet panel table (the CSV's columns, in order; amounts
    DECIMAL(18,2)), filtered to ``years`` / ``departments``: nothing is read until it is
    aggregated or fetched (``.df()``, ``.arrow()``, ``.fetchall()``).  It reads the generation
    published when it was made (``generation``: that one), kept until two more builds."""
    import duckdb
    gen = Path(generation) if generation is not None else generation_dir(clean_root)
    spec = _spec(table, gen)
    con = con if con is not None else duckdb.connect()
    folder = gen / PARQUET / table
    cols = ", ".join('"' + c.replace('"', '""') + '"' for c in spec["columns"])
    if any(folder.glob("year=*/*.parquet")):
        path = str(folder / "year=*" / "*.parquet").replace("'", "''")
        source = f"read_parquet('{path}', hive_partitioning = true, hive_types = {{'year': BIGINT}})"
    else:
        empty = _schema(spec).empty_table()  # noqa: F841 - read by DuckDB's replacement scan
        con.register("_empty_panel_table", empty)
        source = "_empty_panel_table"
    where = []
    if years is not None:
        where.append(f"year IN ({_sql_list(years, int)})")
    if departments is not None:
        where.append(f"department IN ({_sql_list(departments, str)})")
    return con.sql(f"SELECT {cols} FROM {source}" + (f" WHERE {' AND '.join(where)}" if where else ""))


def completion_by_class(years=None, departments=None, clean_root: Path | None = None):
    """Σ actual ÷ Σ initial budget (``actual_yuan``, ``initial_budget_yuan`` of budget_outturn) by
    function class (类: the first 3 digits of the item's code) and year, over the items that have
    both amounts.  A pandas frame: year, class_code, class_name, reports, items, Σ initial budget,
    Σ actual (exact ``Decimal``) and the rate (``Decimal``, rounded half-up to 6 places; None for a
    zero budget), ordered by year and class."""
    import pandas as pd

    from ..extract.tabular.tables import class_names
    from ..numbers import ratio
    rel = panel_relation("budget_outturn", years, departments, clean_root)
    q = rel.query("bo", """
        SELECT year, substr(code, 1, 3) AS class_code, count(DISTINCT department) AS reports,
               count(*) AS items, sum(initial_budget_yuan) AS initial_budget_yuan, sum(actual_yuan) AS actual_yuan
        FROM bo
        WHERE initial_budget_yuan IS NOT NULL AND actual_yuan IS NOT NULL AND length(code) >= 3
        GROUP BY ALL ORDER BY year, class_code""")
    rows = q.fetchall()
    names = class_names()
    out = pd.DataFrame([{"year": y, "class_code": c, "class_name": names.get(c, ""), "reports": r, "items": n,
                         "initial_budget_yuan": Decimal(b), "actual_yuan": Decimal(a), "completion_rate": ratio(a, b)}
                        for y, c, r, n, b, a in rows],
                       columns=["year", "class_code", "class_name", "reports", "items", "initial_budget_yuan",
                                "actual_yuan", "completion_rate"])
    return out
