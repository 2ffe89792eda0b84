"""Measure every synthetic layout: cells generated / read exactly, checks, findings, parse time.

    .venv/bin/python tests/synth/measure.py [seed]

Writes nothing into data/: the PDFs and the extraction cache go to a temporary folder."""
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "src"), str(HERE.parent)]

from juesuan import config  # noqa: E402
from juesuan.clean.pipeline import parse_report  # noqa: E402
from synth import generate as g  # noqa: E402


def measure(seed: int = 2024) -> list[dict]:
    out = []
    for lay in g.layouts():
        tmp = Path(tempfile.mkdtemp(prefix="juesuan-measure-"))
        config.CLEAN = tmp / "clean"
        res = g.render(lay, g.model(seed), tmp / "raw" / "2024" / "synth")
        t0 = time.perf_counter()
        rep = parse_report(res["pdf"].parent)
        seconds = time.perf_counter() - t0
        got = {(tid, r.side if tid in ("公开01", "公开04") else "", r.key, c): v
               for tid, t in rep.tables.items() for r in t.rows for c, v in r.values.items()}
        counts = rep.log.counts.values()
        out.append({"layout": lay["name"], "cells": len(res["cells"]),
                    "exact": sum(1 for k, v in res["cells"].items() if got.get(k) == v),
                    "checks_run": sum(c.run for c in counts), "checks_failed": sum(c.failed for c in counts),
                    "checks_skipped": sum(c.skipped for c in counts),
                    "findings": dict(Counter(f.severity for f in rep.log.findings)),
                    "failed_checks": dict(Counter(f.check for f in rep.log.findings if f.severity != "info")),
                    "seconds": round(seconds, 2)})
    return out


if __name__ == "__main__":
    for row in measure(int(sys.argv[1]) if len(sys.argv) > 1 else 2024):
        print(row)
