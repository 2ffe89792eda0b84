"""Shared machinery of the property-based suites: quick/slow variants and case counting."""
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

_ALL_CHECKS = list(HealthCheck)


VACUOUS = "vacuous"   # what a property body returns for a case its assertion does not apply to


def variant_factory(cases: Counter):
    """A ``variants(body, quick_n, slow_n, max_vacuous=None, **strategies)`` that counts cases into
    ``cases``.

    It returns (quick test, slow test): the quick one deterministic (derandomized) for CI, the
    slow one marked ``slow`` for ``make test-slow``.  A body returns :data:`VACUOUS` for a case
    its assertion does not apply to (counted as ``<name> vacuous``); with ``max_vacuous`` a
    share, the test fails when more of its cases than that were vacuous (a property that almost
    never asserts is no test)."""
    def variants(body, quick_n: int, slow_n: int, max_vacuous: float | None = None, **strategies):
        def make(n: int, slow: bool):
            run = Counter()

            def inner(**kw):
                cases[body.__name__] += 1
                run["cases"] += 1
                if body(**kw) == VACUOUS:
                    cases[f"{body.__name__} vacuous"] += 1
                    run["vacuous"] += 1
            inner.__name__ = inner.__qualname__ = body.__name__      # the derandomized seed hashes it
            inner = settings(max_examples=n, deadline=None, database=None, derandomize=not slow,
                             suppress_health_check=_ALL_CHECKS)(given(**strategies)(inner))

            def test():
                run.clear()
                inner()
                if max_vacuous is not None:
                    assert_vacuous_share(body.__name__, run["vacuous"], run["cases"], max_vacuous)
            test.__name__ = test.__qualname__ = body.__name__
            test.__doc__ = body.__doc__
            return pytest.mark.slow(test) if slow else test
        return make(quick_n, False), make(slow_n, True)
    return variants


def assert_vacuous_share(name: str, vacuous: int, total: int, most: float) -> None:
    assert total > 0, f"{name}: no case ran"
    assert vacuous <= most * total, (f"{name}: {vacuous} of {total} cases were vacuous (the assertion did "
                                      f"not apply), more than {most:.0%}: draw cases the property checks")


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
