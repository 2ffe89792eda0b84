"""Evaluate OCR on image-only copies of the 2024 财政局 PDF (tests/ocr_bed.py).

For each variant (300 / 200 / 150 dpi, rotated + noise; rotated with and without deskewing)
it makes the scan in a temporary folder, OCRs every page that holds amounts, and compares the
amount tokens with the text layer of the same page by position: exact / exact but flagged /
wrong but flagged / wrong unflagged / missing, with seconds per page. With ``--pipeline`` it
also OCRs every page and parses + validates the whole report from the scan (ruled tables
recovered from the ruling lines in the images): line_items amounts equal to the text PDF's,
the explanation's budget-vs-actual items (code, 年初预算, 决算) found, ocr_uncertain words,
and findings that only the scan gives.

    .venv/bin/python tools/ocr_eval.py [--variants 200dpi rotated] [--jobs 1] [--pipeline]
                                       [--json out.json]

Variants run one after another (the CPU is shared); ``--jobs`` is the process pool per variant.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import ocr_bed  # noqa: E402
from juesuan.extract.reading import ocr  # noqa: E402

COLUMNS = ("tokens", *ocr_bed.KINDS, "text_tokens", *(f"text_{k}" for k in ocr_bed.KINDS))


def scanned_document(scan: Path, meta: dict, dpi: int, jobs: int, deskew_pages: bool,
                     cache_dir: Path | None = None):
    """A PdfDocument from OCR alone: ruled tables from the ruling lines in the page images
    (:func:`ocr.page_layout`), the other lines as text, in reading order like a text-layer PDF.

    Like extract/reading/pdf.py's ``_extract_scanned`` (what ``make data`` uses), with the dpi and the
    deskewing as parameters to compare; tables without ruling lines are left out here, as every
    table of this report is ruled."""
    from juesuan.config import rel
    from juesuan.extract.reading.pdf import PdfDocument, _add_page

    pages = ocr.ocr_pdf(scan, dpi=dpi, jobs=jobs, cache_dir=cache_dir, deskew_pages=deskew_pages)
    lines, origins, tables, flagged = [], [], [], []
    for pg in pages:
        pno = pg["page"]
        lay = ocr.page_layout(scan, pg)
        items = [(ln["top"], "text", ln["text"]) for ln in lay["text_lines"]]
        items += [(t["top"], "table", t["rows"]) for t in lay["tables"]]
        _add_page(pno, items, lines, origins, tables)   # the text PDF's reading order
        flagged += [w for w in lay["words"] if w["uncertain"]]
        flagged += [w for t in lay["tables"] for ws in t["cell_words"] for w in ws if w["uncertain"]]
        flagged += lay["unread"]
    doc = PdfDocument(path=rel(scan), lines=lines, meta=meta, origins=origins, tables=tables,
                      pages=len(pages), text_pages=0)
    return doc, ocr.uncertain_findings(flagged, rel(scan))


def check_pipeline(scan: Path, src: Path, dpi: int, jobs: int, deskew_pages: bool,
                   cache_dir: Path | None = None) -> dict:
    """The whole report parsed and validated from the scan (the pipeline reading the OCR'd
    document) against the same from the text PDF: line_items amounts read exactly, the
    explanation's budget-vs-actual items found, and findings that only the scan has."""
    import hashlib
    import shutil

    from juesuan.clean import pipeline
    from juesuan.clean.frames import build_frames

    folder = Path(tempfile.mkdtemp(prefix="ocr-report-"))
    try:
        meta = json.loads((src.parent / "metadata.json").read_text(encoding="utf-8"))
        copy = folder / "scan.pdf"
        shutil.copyfile(scan, copy)
        meta.update(source_file=copy.name, source_sha256=hashlib.sha256(copy.read_bytes()).hexdigest())
        (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        found_flags = []
        real = pipeline.read_pdf

        def read_scanned(file, meta=None, cache_dir=None):
            doc, flags = scanned_document(Path(file), meta or {}, dpi, jobs, deskew_pages, cache_dir=cache)
            found_flags.extend(flags)
            return doc

        cache = cache_dir
        pipeline.read_pdf = read_scanned
        try:
            got = build_frames(pipeline.parse_report(folder))
        finally:
            pipeline.read_pdf = real
        want = build_frames(pipeline.parse_report(src.parent))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    keys = ["table", "row_key", "code", "column", "side"]
    a = want["line_items"][keys + ["amount_yuan"]].astype(str)
    b = got["line_items"][keys + ["amount_yuan"]].astype(str)
    m = a.merge(b, on=keys, how="left", suffixes=("", "_ocr"))
    wrong = m[m.amount_yuan != m.amount_yuan_ocr]
    bo_keys = ["code", "initial_budget_yuan", "actual_yuan", "stated_completion_rate"]
    bw = set(map(tuple, want["budget_outturn"][bo_keys].astype(str).values))
    bg = set(map(tuple, got["budget_outturn"][bo_keys].astype(str).values))

    def fkeys(f):
        return set(zip(f.check, f.severity, f.message.str.replace(r"scan\.pdf|[^/]+\.pdf", "", regex=True)))
    extra = sorted(fkeys(got["findings"]) - fkeys(want["findings"]))
    return {"line_items": len(a), "line_items_exact": int((m.amount_yuan == m.amount_yuan_ocr).sum()),
            "line_items_extra": len(b) - len(a),
            "line_items_wrong": [list(r) for r in wrong[keys + ["amount_yuan", "amount_yuan_ocr"]].values],
            "expected_items": len(bw), "found_items": len(bw & bg),
            "ocr_uncertain": len(found_flags), "uncertain_found": [f["found"] for f in found_flags],
            "findings_only_in_scan": [list(x) for x in extra]}


def run(variants, jobs: int = 1, with_pipeline: bool = False, deskew_modes=(True,)) -> list[dict]:
    src = ocr_bed.source_pdf()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ocr-bed-") as tmp:
        for name in variants:
            spec = ocr_bed.VARIANTS[name]
            t0 = time.perf_counter()
            scan = ocr_bed.make_variant(name, Path(tmp))
            made = time.perf_counter() - t0
            for dsk in deskew_modes:
                r = ocr_bed.evaluate(scan, src, angle=spec.get("rotate", 0.0), jobs=jobs, dpi=spec["dpi"],
                                     deskew_pages=dsk, progress=True, cache_dir=Path(tmp) / "cache")
                row = {"variant": name, "deskew": dsk, **{k: r[k] for k in COLUMNS}, "pages": r["pages"],
                       "seconds_per_page": r["seconds_per_page"], "wall_seconds": r["wall_seconds"],
                       "cpu_seconds_per_page": r["cpu_seconds_per_page"],
                       "scan_seconds": round(made, 1),
                       "deskew_angles": sorted(set(r["deskew_angles"].values())), "detail": r["detail"]}
                if with_pipeline:
                    row["pipeline"] = check_pipeline(scan, src, spec["dpi"], jobs, dsk, Path(tmp) / "cache")
                rows.append(row)
                print(format_row(row), flush=True)
    return rows


def format_row(r: dict) -> str:
    share = r["exact"] / r["tokens"] if r["tokens"] else 0.0
    s = (f"| {r['variant']} | {'yes' if r['deskew'] else 'no'} | {r['tokens']} | {r['exact']} ({share:.2%}) | "
         f"{r['exact_flagged']} | {r['wrong_flagged']} | {r['wrong_unflagged']} | {r['missing']} | "
         f"{r['text_exact']}/{r['text_tokens']} (flagged {r['text_exact_flagged'] + r['text_wrong_flagged']}, "
         f"wrong unflagged {r['text_wrong_unflagged']}, missing {r['text_missing']}) | {r['seconds_per_page']:.2f} "
         f"({r['cpu_seconds_per_page']:.2f} CPU) |")
    if "pipeline" in r:
        e = r["pipeline"]
        s += (f" {e['line_items_exact']}/{e['line_items']} | {e['found_items']}/{e['expected_items']} | "
              f"{e['ocr_uncertain']} | {len(e['findings_only_in_scan'])} |")
    return s


HEADER = ("| variant | deskew | table amounts | exact | exact but flagged | wrong, flagged | wrong, unflagged "
          "| missing | prose amounts exact | s/page (CPU s) | line_items exact (pipeline) | budget items found "
          "| ocr_uncertain | findings only in the scan |\n" + "|---" * 14 + "|")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", nargs="*", default=list(ocr_bed.VARIANTS))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--pipeline", "--explanation", action="store_true", dest="pipeline",
                    help="also parse + validate the whole report from the scan: line_items, budget items, findings")
    ap.add_argument("--both-deskew", action="store_true", help="run each variant with and without deskewing")
    ap.add_argument("--json", type=Path, help="write the rows (with the detail of every miss) here")
    args = ap.parse_args(argv)
    print(HEADER, flush=True)
    rows = run(args.variants, args.jobs, args.pipeline, (True, False) if args.both_deskew else (True,))
    for r in rows:
        for d in r["detail"]:
            print(f"  {r['variant']} deskew={r['deskew']} p{d['page']}: {d['kind']} expected {d['expected']}"
                  + (f" found {d.get('found')!r} conf {d.get('conf')} {d.get('reason', '')}" if "found" in d else ""))
    for r in rows:
        for k in ("line_items_wrong", "uncertain_found", "findings_only_in_scan"):
            for x in r.get("pipeline", {}).get(k, []):
                print(f"  {r['variant']} deskew={r['deskew']} {k}: {x}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
