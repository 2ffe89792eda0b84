"""Shared machinery of the property-based suites: quick/slow variants and case counting."""
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

_ALL_CHECKS = list(HealthCheck)


def variant_factory(cases: Counter):
    """A ``variants(body, quick_n, slow_n, **strategies)`` that counts cases into ``cases``.

    It returns (quick test, slow test): the quick one deterministic (derandomized) for CI, the
    slow one marked ``slow`` for ``make test-slow``."""
    def variants(body, quick_n: int, slow_n: int, **strategies):
        def make(n: int, slow: bool):
            @settings(max_examples=n, deadline=None, database=None, derandomize=not slow,
                      suppress_health_check=_ALL_CHECKS)
            @given(**strategies)
            def test(**kw):
                cases[body.__name__] += 1
                body(**kw)
            test.__doc__ = body.__doc__
            return pytest.mark.slow(test) if slow else test
        return make(quick_n, False), make(slow_n, True)
    return variants


def report_cases(request, cases: Counter) -> None:
    """Write how many generated cases the module's properties ran (past output capture)."""
    tr = request.config.pluginmanager.getplugin("terminalreporter")
    capman = request.config.pluginmanager.getplugin("capturemanager")
    if tr is None or not cases:
        return
    with capman.global_and_fixture_disabled():
        tr.ensure_newline()
        tr.write_line(f"{request.module.__name__}: {sum(cases.values())} generated cases "
                      f"({', '.join(f'{k} {v}' for k, v in sorted(cases.items()))})")


def case_report_fixture(cases: Counter):
    """An autouse module fixture printing the module's case count at its end."""
    @pytest.fixture(scope="module", autouse=True)
    def _report_cases(request):
        yield
        report_cases(request, cases)
    return _report_cases
