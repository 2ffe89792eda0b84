"""The audit of the test suite as a test (issue 26): an ast pass over tests/ that fails on

- a test function that checks nothing: no ``assert``, no ``raise AssertionError``, no
  ``pytest.raises`` / ``pytest.warns`` / ``pytest.fail`` / ``pytest.deprecated_call``, no call of a
  library asserter (``pandas.testing.assert_frame_equal`` …) and no call of an assert helper (a
  function of tests/ whose body checks, found by the same pass, transitively).  ``pytest.skip`` is
  not a check: a test that skips or else runs through without asserting passes silently;
- an ``assert`` whose test is a constant (``assert True``, ``assert "text"``): it cannot fail;
- a literal machine path in a test (``/work/…``, ``/tmp/…``, ``/home/…``, ``/root/…``): tests use
  ``tmp_path`` and paths relative to the repository.

The audit is itself tested on inline good and bad examples, so the check can fail."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# pytest.<name>(…) calls that check (skip / importorskip / xfail do not: they only decide whether to run)
PYTEST_CHECKS = {"raises", "warns", "fail", "deprecated_call"}
# asserters of libraries, by the called name (pandas.testing, numpy.testing, unittest's TestCase)
LIBRARY_ASSERTERS = {
    "assert_frame_equal", "assert_series_equal", "assert_index_equal", "assert_extension_array_equal",
    "assert_array_equal", "assert_array_almost_equal", "assert_allclose", "assert_equal",
    "assert_almost_equal", "assert_approx_equal", "assert_string_equal",
    "assertEqual", "assertTrue", "assertFalse", "assertRaises", "assertIn", "assertIs",
}
# a literal machine path: "/work/…", "/tmp/…", "/home/…", "/root/…" at the start of a string or after
# a quote / space / equals sign (so "tmp_path", "a/tmp/b" relative parts and URLs do not match)
MACHINE_PATH = re.compile(r"""(?:^|[\s"'=(:])(/(?:work|tmp|home|root|Users|var/folders)/)""")


@dataclass(frozen=True)
class Flag:
    file: str
    line: int
    function: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}::{self.function}: {self.why}"


def _call_name(call: ast.Call) -> tuple[str | None, str | None]:
    """(qualifier, name) of a call: ``pytest.raises`` → ("pytest", "raises"), ``f()`` → (None, "f")."""
    f = call.func
    if isinstance(f, ast.Name):
        return None, f.id
    if isinstance(f, ast.Attribute):
        q = f.value
        while isinstance(q, ast.Attribute):      # pd.testing.assert_frame_equal → qualifier "pd"
            q = q.value
        return (q.id if isinstance(q, ast.Name) else None), f.attr
    return None, None


class Module:
    """One parsed file of tests/: its functions, its imports of other test modules."""

    def __init__(self, name: str, source: str, path: str = "<inline>"):
        self.name, self.path = name, path
        self.tree = ast.parse(source, filename=path)
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.tests: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        self.from_imports: dict[str, tuple[str, str]] = {}   # local name → (module, name)
        self.module_aliases: dict[str, str] = {}              # local name → module
        self.pytest_names: set[str] = set()                   # `from pytest import raises` …
        for node in self.tree.body:
            self._top(node)

    def _top(self, node, cls: str | None = None):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions.setdefault(node.name, node)
            if node.name.startswith("test") and (cls is None or cls.startswith("Test")):
                self.tests.append((f"{cls}::{node.name}" if cls else node.name, node))
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                self._top(sub, node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                if node.module == "pytest":
                    self.pytest_names.add(a.asname or a.name)
                self.from_imports[a.asname or a.name] = (node.module, a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                self.module_aliases[a.asname or a.name] = a.name
        elif isinstance(node, (ast.If, ast.Try)):
            for sub in node.body:
                self._top(sub, cls)


def _direct_check(node: ast.AST, mod: Module) -> str | None:
    """What in this node checks by itself (None when nothing)."""
    if isinstance(node, ast.Assert):
        return "assert"
    if isinstance(node, ast.Raise) and node.exc is not None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(exc, ast.Name) and exc.id == "AssertionError":
            return "raise AssertionError"
    if isinstance(node, ast.Call):
        q, name = _call_name(node)
        if (q == "pytest" and name in PYTEST_CHECKS) or (q is None and name in mod.pytest_names
                                                        and name in PYTEST_CHECKS):
            return f"pytest.{name}"
        if name in LIBRARY_ASSERTERS:
            return name
    return None


class Audit:
    """Every module of a folder (or inline sources), the assert helpers among their functions."""

    def __init__(self, modules: list[Module]):
        self.modules = {m.name: m for m in modules}
        self.checks: dict[tuple[str, str], bool] = {}
        self._resolve_helpers()

    @classmethod
    def of_folder(cls, folder: Path) -> "Audit":
        return cls([Module(p.stem, p.read_text(encoding="utf-8"), p.name)
                    for p in sorted(folder.glob("*.py"))])

    def _target(self, call: ast.Call, mod: Module) -> tuple[str, str] | None:
        """The function of tests/ a call reaches: same module, `from kit import f`, `kit.f`."""
        f = call.func
        if isinstance(f, ast.Name):
            if f.id in mod.from_imports:
                m, n = mod.from_imports[f.id]
                return (m, n) if m in self.modules else None
            return (mod.name, f.id) if f.id in mod.functions else None
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            m = mod.module_aliases.get(f.value.id, f.value.id if f.value.id in self.modules else None)
            if m in self.modules and f.attr in self.modules[m].functions:
                return m, f.attr
        return None

    def _resolve_helpers(self):
        direct, calls = {}, {}
        for m in self.modules.values():
            for name, fn in m.functions.items():
                key = (m.name, name)
                direct[key] = any(_direct_check(n, m) for n in ast.walk(fn))
                calls[key] = {t for n in ast.walk(fn) if isinstance(n, ast.Call)
                              for t in [self._target(n, m)] if t}
        self.checks = dict(direct)
        changed = True
        while changed:                     # a helper that calls a checking helper checks too
            changed = False
            for key, targets in calls.items():
                if not self.checks[key] and any(self.checks.get(t) for t in targets):
                    self.checks[key] = changed = True

    def what_checks(self, fn, mod: Module) -> str | None:
        for n in ast.walk(fn):
            why = _direct_check(n, mod)
            if why:
                return why
            if isinstance(n, ast.Call):
                t = self._target(n, mod)
                if t and self.checks.get(t):
                    return f"helper {t[0]}.{t[1]}"
        return None

    def flags(self, only: set[str] | None = None) -> list[Flag]:
        out = []
        for m in self.modules.values():
            if only is not None and m.name not in only:
                continue
            for qual, fn in m.tests:
                if not self.what_checks(fn, m):
                    out.append(Flag(m.path, fn.lineno, qual,
                                    "checks nothing: no assert, no pytest.raises/warns/fail and no call of "
                                    "an assert helper (pytest.skip alone is not a check)"))
                for n in ast.walk(fn):
                    if isinstance(n, ast.Assert) and isinstance(n.test, ast.Constant) and n.test.value:
                        out.append(Flag(m.path, n.lineno, qual,
                                        f"`assert {n.test.value!r}` is a constant: it cannot fail"))
        return sorted(out, key=lambda f: (f.file, f.line))


def machine_paths(source: str, path: str = "<inline>") -> list[Flag]:
    """Literal machine paths in string constants of one file (tmp_path, relative paths pass)."""
    out = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            hit = MACHINE_PATH.search(node.value)
            if hit:
                out.append(Flag(path, node.lineno, "<module>",
                                f"literal machine path {hit.group(1)!r}: use tmp_path or a path relative to "
                                "the repository (config.ROOT), or skip with the reason"))
    return out


# ------------------------------------------------------------------ the audit on tests/

def test_every_test_of_the_suite_checks_something():
    audit = Audit.of_folder(TESTS)
    tests = sum(len(m.tests) for m in audit.modules.values())
    assert tests > 500, tests                       # the pass saw the suite (not an empty glob)
    flags = audit.flags()
    assert not flags, "tests that cannot fail:\n" + "\n".join(map(str, flags))


def test_no_machine_path_in_tests():
    flags = [f for p in sorted(TESTS.glob("*.py")) if p.name != Path(__file__).name
             for f in machine_paths(p.read_text(encoding="utf-8"), p.name)]
    assert not flags, "\n".join(map(str, flags))


def random_hypothesis(source: str, path: str = "<inline>") -> list[Flag]:
    """``settings(derandomize=False)`` written into a test: it would draw new inputs on each CI run."""
    out = []
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Call) and _call_name(node)[1] == "settings":
            for kw in node.keywords:
                if kw.arg == "derandomize" and isinstance(kw.value, ast.Constant) and kw.value.value is False:
                    out.append(Flag(path, node.lineno, "<settings>", "derandomize=False: CI runs must be "
                                    "repeatable (the ci profile of conftest.py derandomizes)"))
    return out


def test_hypothesis_runs_derandomized_and_prints_the_failing_example():
    """The ci profile of conftest.py is loaded for the whole run (`make test`, CI), and no test
    switches derandomization off by a literal (tests/fuzzkit.py's slow variants do, by design)."""
    import os

    from hypothesis import settings

    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        pytest.skip(f"HYPOTHESIS_PROFILE={os.environ['HYPOTHESIS_PROFILE']} chosen for this run")
    d = settings.default
    assert d.derandomize and d.print_blob and d.database is None and d.deadline is None, d
    flags = [f for p in sorted(TESTS.glob("*.py")) if p.name != Path(__file__).name
             for f in random_hypothesis(p.read_text(encoding="utf-8"), p.name)]
    assert not flags, "\n".join(map(str, flags))
    assert random_hypothesis("@settings(max_examples=3, derandomize=False)\ndef test_x(): pass")
    assert not random_hypothesis("@settings(max_examples=3, derandomize=not slow)\ndef test_x(): pass")


# ------------------------------------------------------------------ the audit on inline examples

KIT = '''
def check_total(rows, want):
    assert sum(rows) == want

def check_via_other(rows):
    check_total(rows, 6)

def build(rows):
    return list(rows)
'''

GOOD = '''
import pytest
import pandas as pd
import kit
from kit import check_via_other
from pytest import raises

def test_plain_assert():
    assert 1 + 1 == 2

def test_raises():
    with pytest.raises(ValueError):
        int("x")

def test_raises_imported():
    with raises(ValueError):
        int("x")

def test_warns():
    with pytest.warns(UserWarning):
        pass

def test_fail_on_condition():
    if 2 > 3:
        pytest.fail("two above three")

def test_raise_assertion_error():
    if 2 > 3:
        raise AssertionError("no")

def test_library_asserter():
    pd.testing.assert_frame_equal(pd.DataFrame(), pd.DataFrame())

def test_helper_through_module():
    kit.check_total([1, 2, 3], 6)

def test_helper_transitive():
    check_via_other([1, 2, 3])

def local_helper(x):
    assert x

def test_local_helper():
    local_helper(1)

class TestGroup:
    def test_method(self):
        assert [1]
'''

BAD = '''
import pytest
import kit

def test_no_check():
    x = 1 + 1

def test_only_skip():
    if True:
        pytest.skip("nothing here")
    kit.build([1])

def test_non_checking_helper():
    kit.build([1, 2])

def test_constant_assert():
    assert True

def test_string_assert():
    assert "always"

def test_unknown_method_call(rep):
    rep.check()

class TestGroup:
    def test_method(self):
        print("ran")

def helper_not_a_test():
    pass
'''


def _audit(**sources) -> Audit:
    return Audit([Module(name, src, f"{name}.py") for name, src in sources.items()])


def test_audit_passes_the_good_examples():
    assert _audit(kit=KIT, good=GOOD).flags(only={"good"}) == []


def test_audit_flags_each_bad_example_with_file_function_and_reason():
    flags = _audit(kit=KIT, bad=BAD).flags(only={"bad"})
    got = sorted((f.function, "constant" if "constant" in f.why else "nothing") for f in flags)
    assert got == [("TestGroup::test_method", "nothing"), ("test_constant_assert", "constant"),
                   ("test_no_check", "nothing"), ("test_non_checking_helper", "nothing"),
                   ("test_only_skip", "nothing"), ("test_string_assert", "constant"),
                   ("test_unknown_method_call", "nothing")]
    [f] = [f for f in flags if f.function == "test_no_check"]
    assert str(f) == ("bad.py:5::test_no_check: checks nothing: no assert, no pytest.raises/warns/fail and "
                      "no call of an assert helper (pytest.skip alone is not a check)")


def test_audit_helpers_are_found_transitively_and_only_when_they_check():
    audit = _audit(kit=KIT, good=GOOD)
    assert audit.checks[("kit", "check_total")] and audit.checks[("kit", "check_via_other")]
    assert not audit.checks[("kit", "build")]


def test_audit_of_a_helper_that_stops_checking_flags_its_callers():
    """The transitive rule is not a pass-all: drop the assert of the kit and its callers are flagged."""
    kit = KIT.replace("assert sum(rows) == want", "return sum(rows) == want")
    flags = {f.function for f in _audit(kit=kit, good=GOOD).flags(only={"good"})}
    assert flags == {"test_helper_through_module", "test_helper_transitive"}


@pytest.mark.parametrize("text, hit", [
    ('p = "/work/shared/pdf/a.pdf"', "/work/"),
    ("p = Path('/tmp/x.csv')", "/tmp/"),
    ('cmd = "cat /home/u/f"', "/home/"),
    ('p = tmp_path / "tmp" / "x"', None),
    ('p = "data/tmp/work/x"', None),
    ('url = "https://example.org/work/tmp/"', None),
    ('p = ROOT / "work" / "tmp"', None),
])
def test_machine_path_pattern(text, hit):
    flags = machine_paths(text)
    assert ([f.why.split("'")[1] for f in flags] or [None]) == [hit]
