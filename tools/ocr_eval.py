"""Evaluate OCR on image-only copies of the 2024 财政局 PDF (tests/ocr_bed.py).

For each variant (300 / 200 / 150 dpi, rotated + noise; rotated with and without deskewing)
it makes the scan in a temporary folder, OCRs every page that holds amounts, and compares the
amount tokens with the text layer of the same page by position: exact / exact but flagged /
wrong but flagged / wrong unflagged / missing, with seconds per page. With ``--explanation`` it
also OCRs the explanation pages and checks that the explanation parser finds every
budget-vs-actual item (code, 年初预算, 决算) the text PDF gives.

    .venv/bin/python tools/ocr_eval.py [--variants 200dpi rotated] [--jobs 1] [--explanation]
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
from juesuan.extract import ocr  # noqa: E402

COLUMNS = ("tokens", *ocr_bed.KINDS, "text_tokens", *(f"text_{k}" for k in ocr_bed.KINDS))


def explanation_items(doc, year: int) -> list[tuple]:
    """(code, 年初预算, 决算) of every budget-vs-actual item the explanation parser finds."""
    from juesuan.extract.explanation import parse_explanation
    from juesuan.findings import CheckLog
    from juesuan.pipeline import PART_RE

    # the explanation starts at the last 第三部分 heading (the first one is in the table of contents)
    starts = [n for n, text in enumerate(doc.lines, start=1) if PART_RE["explanation"].match(text)]
    if not starts:
        return []
    start = starts[-1]
    end = next((n for n, text in enumerate(doc.lines, start=1)
                if n > start and (PART_RE["glossary"].match(text) or PART_RE["appendix"].match(text))),
               len(doc.lines))
    log = CheckLog(doc.path, locate=doc.where)
    res = parse_explanation(doc, start, end, log, year)
    return [(i["code"], i["initial_budget"], i["actual"]) for i in res.budget_outturn]


def check_explanation(scan: Path, src: Path, dpi: int, jobs: int, deskew_pages: bool,
                      cache_dir: Path | None = None) -> dict:
    """OCR the whole scan into lines and compare the budget-vs-actual items with the text PDF's."""
    from juesuan.extract.pdf import read_pdf
    from juesuan.source import Document

    text_doc = read_pdf(src)
    expected = explanation_items(text_doc, 2024)
    res = ocr.read_scanned(scan, dpi=dpi, jobs=jobs, deskew_pages=deskew_pages, cache_dir=cache_dir)
    found = explanation_items(Document(path=res.path, lines=res.lines, origins=res.origins), 2024)
    missing = [e for e in expected if e not in found]
    return {"expected_items": len(expected), "found_items": sum(e in found for e in expected),
            "missing_items": [list(map(str, m)) for m in missing], "ocr_uncertain": len(res.findings)}


def run(variants, jobs: int = 1, explanation: bool = False, deskew_modes=(True,)) -> list[dict]:
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
                if explanation:
                    row["explanation"] = check_explanation(scan, src, spec["dpi"], jobs, dsk, Path(tmp) / "cache")
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
    if "explanation" in r:
        e = r["explanation"]
        s += f" {e['found_items']}/{e['expected_items']} |"
    return s


HEADER = ("| variant | deskew | table amounts | exact | exact but flagged | wrong, flagged | wrong, unflagged "
          "| missing | prose amounts exact | s/page (CPU s) | budget items found |\n|---|---|---|---|---|---|---|---|---|---|---|")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", nargs="*", default=list(ocr_bed.VARIANTS))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--explanation", action="store_true", help="also check the explanation's budget items")
    ap.add_argument("--both-deskew", action="store_true", help="run each variant with and without deskewing")
    ap.add_argument("--json", type=Path, help="write the rows (with the detail of every miss) here")
    args = ap.parse_args(argv)
    print(HEADER, flush=True)
    rows = run(args.variants, args.jobs, args.explanation, (True, False) if args.both_deskew else (True,))
    for r in rows:
        for d in r["detail"]:
            print(f"  {r['variant']} deskew={r['deskew']} p{d['page']}: {d['kind']} expected {d['expected']}"
                  + (f" found {d.get('found')!r} conf {d.get('conf')} {d.get('reason', '')}" if "found" in d else ""))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
