"""The prose parsers of the 2022 report, timed (moved here from the unit tests: issue 26).

``parse_explanation`` (第三部分, lines 389–557) and ``parse_projects`` (第五部分 附件, the 30 project
self-evaluation tables) of data/raw/2022/nxgxt, each the best of ``repeat`` runs, as seconds and as
a RATIO: its share of ``parse_report`` of the same report (measured beside it), which does not move
with the machine's speed or load the way a bare time does.  The targets the tests used to assert
(≤ 0.05 s and < 0.1 s) are kept as targets here; nothing is pass/fail.

``python benchmarks/prose_speed.py [--repeat N] [--json out.json]``; :func:`bench.Bench.parse` adds
its rows to ``make bench`` (§1)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from juesuan import config

YEAR, DEPT = 2022, "nxgxt"
TARGETS_S = {"parse_explanation": 0.05, "parse_projects": 0.1}


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(repeat: int = 5) -> dict:
    """{parser: {"seconds", "share_of_parse_report", "target_s", "ratio_to_target"}, "parse_report_s"}."""
    from juesuan.clean.pipeline import parse_report
    from juesuan.extract.prose.explanation import parse_explanation
    from juesuan.extract.prose.projects import parse_projects
    from juesuan.findings import CheckLog
    from juesuan.source import Document

    folder = config.raw_dir(YEAR, DEPT)
    meta = json.loads((folder / config.METADATA_FILE).read_text(encoding="utf-8"))
    doc = Document.read(folder / meta["source_file"], meta)
    third = doc.find(r"^第三部分", 100)
    fourth = doc.find(r"^第四部分", third)
    annex = doc.find(r"^第五部分\s*附件", 100)
    whole = round(_best(lambda: parse_report(folder), max(1, repeat // 2)), 4)
    runs = {
        "parse_explanation": lambda: parse_explanation(doc, third, fourth, CheckLog(doc.path), YEAR),
        "parse_projects": lambda: parse_projects(doc, annex, len(doc.lines) + 1, CheckLog(doc.path)),
    }
    out: dict = {"report": f"{YEAR}/{DEPT}", "repeat": repeat, "parse_report_s": whole}
    for name, fn in runs.items():
        s = round(_best(fn, repeat), 4)
        out[name] = {"seconds": s, "share_of_parse_report": round(s / whole, 3),
                     "target_s": TARGETS_S[name], "ratio_to_target": round(s / TARGETS_S[name], 2)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    res = measure(args.repeat)
    for name in TARGETS_S:
        r = res[name]
        print(f"{name}: {r['seconds'] * 1000:.1f} ms = {r['share_of_parse_report']:.1%} of parse_report "
              f"({res['parse_report_s'] * 1000:.0f} ms); {r['ratio_to_target']:.2f} × the target {r['target_s']} s")
    if args.json:
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
