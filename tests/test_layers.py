"""The package's import graph has no cycle: no module imports (at any level, also inside a
function) a module that imports it back, directly or through others; ``cli`` is at the top
(no module of the package imports it) and the benchmark harness is outside the package."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "juesuan"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE


def module_name(path: Path, src: Path = SRC) -> str:
    parts = [PACKAGE, *path.relative_to(src).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Module → the package modules it imports (``from . import x`` names module x when it exists)."""
    files = {module_name(p, src): p for p in src.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, is_package, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
            for t in targets:
                while t and t not in files:       # juesuan.extract.reading.pdf.x → juesuan.extract.reading.pdf
                    t = t.rpartition(".")[0]
                if t and t != mod and t != PACKAGE:
                    graph[mod].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_relative_and_local_imports(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .sub.c import x\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "c.py").write_text("from ..a import y\nimport os\n")
    graph = import_graph(pkg)
    assert graph[f"{PACKAGE}.a"] == {f"{PACKAGE}.b"}
    assert graph[f"{PACKAGE}.b"] == {f"{PACKAGE}.sub.c"}
    assert graph[f"{PACKAGE}.sub.c"] == {f"{PACKAGE}.a"}
    assert cycles(graph) == [[f"{PACKAGE}.a", f"{PACKAGE}.b", f"{PACKAGE}.sub.c"]]
    (pkg / "sub" / "c.py").write_text("import os\n")
    assert cycles(import_graph(pkg)) == []


def test_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_cli_is_at_the_top():
    importers = sorted(m for m, deps in import_graph().items()
                       if f"{PACKAGE}.cli" in deps and m != f"{PACKAGE}.__main__")
    assert not importers, f"{importers} import juesuan.cli"


def test_benchmark_harness_is_outside_the_package():
    assert not (SRC / "bench.py").exists()
    assert (SRC.parents[1] / "benchmarks" / "bench.py").is_file()


# The pipeline's stages, in order: a module imports only modules of its own stage or of an
# earlier one (the folders show the flow raw → extract → validate → clean → run → render, with
# the orchestrating ``run`` placed after ``render`` because the batch renders the pages).
STAGES = ["base", "extract", "validate", "clean", "chapters", "render", "run", "cli"]
BASE = {"config", "errors", "atomic", "numbers", "safety", "identity", "findings", "source", "dictionary"}
CHAPTERS = {"analysis", "figures", "plotting", "method", "messages_zh", "linkview"}   # what the notebooks call


def stage(module: str) -> str:
    part = module.split(".")[1]
    if part in BASE:
        return "base"
    if part in CHAPTERS:
        return "chapters"
    if part in ("cli", "__main__"):
        return "cli"
    return part


def test_every_module_has_a_stage():
    assert all(stage(m) in STAGES for m in import_graph() if m != PACKAGE), \
        sorted(m for m in import_graph() if stage(m) not in STAGES)


def test_imports_follow_the_pipeline_order():
    rank = {s: i for i, s in enumerate(STAGES)}
    upward = sorted(f"{m} → {t}" for m, targets in import_graph().items() for t in targets
                    if rank[stage(t)] > rank[stage(m)])
    assert not upward, upward


def test_stage_rule_catches_an_upward_import():
    graph = {"juesuan.extract.reading.pdf": {"juesuan.clean.writer"}, "juesuan.clean.writer": set()}
    rank = {s: i for i, s in enumerate(STAGES)}
    assert [(m, t) for m, ts in graph.items() for t in ts if rank[stage(t)] > rank[stage(m)]] == \
        [("juesuan.extract.reading.pdf", "juesuan.clean.writer")]
