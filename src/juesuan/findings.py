"""Findings and named checks.

Every check (勾稽) has a name and run / passed / failed counts.  A failed run
produces a :class:`Finding` that says what was expected, what was found and
where (raw file and line).  Severity policy:

- ``error``   an identity fails beyond rounding (sums, cross-table, text vs table amounts);
- ``warning`` a rounding-size difference, or a stated rate / share / score that does not
  match the recomputed one;
- ``info``    reconstructions, declared-empty tables, notes on how something was read.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from .numbers import decimal_str, round_half_up

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    check: str
    severity: str
    message: str
    expected: str = ""
    found: str = ""
    location: str = ""
    table: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return decimal_str(value)
    return str(value)


@dataclass
class CheckCount:
    run: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0                                   # could not run: a table / item is absent
    reasons: list = field(default_factory=list)        # why, distinct, in order of first skip


@dataclass
class CheckLog:
    """Collects check results and findings for one raw source file."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, CheckCount] = field(default_factory=dict)
    locate: Callable[[int], str] | None = None   # line → "123" or "p8:123" (PDF)

    # -- bookkeeping ---------------------------------------------------
    def loc(self, line: int | None) -> str:
        if not line:
            return self.source
        return f"{self.source}:{self.locate(line) if self.locate else line}"

    def _count(self, check: str, ok: bool) -> None:
        c = self.counts.setdefault(check, CheckCount())
        c.run += 1
        if ok:
            c.passed += 1
        else:
            c.failed += 1

    def skip(self, check: str, reason: str) -> None:
        """Count a comparison of ``check`` that cannot run because what it compares is
        absent (a table, a row, a figure); the absence itself is reported once, where it is
        found (e.g. ``table_present``), so a skip is not a failure and makes no finding."""
        c = self.counts.setdefault(check, CheckCount())
        c.skipped += 1
        if reason not in c.reasons:
            c.reasons.append(reason)

    def add(self, check: str, severity: str, message: str, *, expected=None, found=None,
            line: int | None = None, table: str = "") -> Finding:
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        f = Finding(check, severity, message, _s(expected), _s(found), self.loc(line), table)
        self.findings.append(f)
        return f

    def note(self, check: str, message: str, *, line: int | None = None, table: str = "",
             expected=None, found=None) -> Finding:
        """An info finding that is not a pass/fail run (e.g. a reconstruction)."""
        return self.add(check, "info", message, expected=expected, found=found, line=line,
                        table=table)

    def record(self, check: str, ok: bool, *, severity: str, message: str, expected=None,
               found=None, line: int | None = None, table: str = "") -> bool:
        """Count one run of ``check``; on failure record a finding."""
        self._count(check, ok)
        if not ok:
            self.add(check, severity, message, expected=expected, found=found, line=line,
                     table=table)
        return ok

    # -- typed comparisons ----------------------------------------------
    def amounts(self, check: str, expected: Decimal | None, found: Decimal | None, *, what: str,
                line: int | None = None, table: str = "", terms: int = 1,
                unit: Decimal = Decimal("0.01")) -> bool:
        """Compare two amounts in 元.

        ``unit`` is the precision the source states amounts with (0.01 元, or
        100 元 for 万元 with two decimals); a difference of at most half a unit
        per term is rounding-size (warning), beyond that an error.
        """
        if expected is None or found is None:
            self.skip(check, f"{what}: a value is missing")
            return False
        diff = found - expected
        if diff == 0:
            return self.record(check, True, severity="info", message="")
        tol = unit / 2 * max(terms, 1)
        severity = "warning" if abs(diff) <= tol else "error"
        kind = "rounding-size difference" if severity == "warning" else "mismatch"
        return self.record(check, False, severity=severity, line=line, table=table,
                           message=f"{what}: {kind} of {decimal_str(diff)} 元",
                           expected=expected, found=found)

    def rate(self, check: str, stated: Decimal | None, recomputed: Decimal | None,
             stated_places: int, *, what: str, line: int | None = None, table: str = "") -> bool:
        """Compare a stated percentage (as a fraction, given with ``stated_places``
        decimals of percent) with the recomputed fraction; pass when the stated
        value is the recomputed one rounded half-up."""
        if stated is None or recomputed is None:
            self.skip(check, f"{what}: a value is missing")
            return False
        want = round_half_up(recomputed * 100, stated_places)
        ok = want == round_half_up(stated * 100, stated_places)
        return self.record(check, ok, severity="warning", line=line, table=table,
                           message=f"{what}: stated {decimal_str(stated * 100)}%, "
                                   f"recomputed {decimal_str(want)}%",
                           expected=f"{decimal_str(want)}%", found=f"{decimal_str(stated * 100)}%")

    def equal(self, check: str, expected, found, *, what: str, severity: str = "warning",
              line: int | None = None, table: str = "") -> bool:
        ok = expected == found
        return self.record(check, ok, severity=severity, line=line, table=table,
                           message=f"{what}: expected {_s(expected)}, found {_s(found)}",
                           expected=expected, found=found)

    # -- summaries -------------------------------------------------------
    def summary_rows(self) -> list[dict]:
        return [{"check": k, "run": c.run, "passed": c.passed, "failed": c.failed,
                 "skipped": c.skipped, "skip_reason": "; ".join(c.reasons)}
                for k, c in sorted(self.counts.items())]

    def finding_rows(self) -> list[dict]:
        return [f.as_dict() for f in self.findings]
