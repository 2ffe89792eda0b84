"""The batch as a small explicit graph of steps, each keyed by what it reads.

Every step of ``make reports`` — a report's data step, each of its chapters, its HTML, the panel,
the comparison chapters and page, the index — is a :class:`Step`: an id, the ids it depends on,
a key and the reason it runs (or not).  The key is a sha256 over everything the step reads:

- the code: :func:`code_digest` — every file of the package (``src/juesuan/**``), ``src/helpers.py``
  and :data:`CODE_VERSION`, computed once per batch; a manifest written by other code is never
  trusted, because its keys were made with another digest;
- a data step: the sha256 of every file of its raw folder (:func:`data_key`), and ``--no-ocr``;
- a chapter: the notebook's bytes, its parameters and the digest of the report's clean data
  (:func:`clean_digest`: the clean files' sha256) — so an edited chapter runs for every report;
- a report's HTML: its title and the keys of its chapters, in order (the title names the department
  as its document states it: a report added in this batch is keyed after its data step, with the
  name that step read — not the folder's slug known before it ran — so the next run finds it 未变);
- the panel: the clean digests of every report in ``data/clean`` (:func:`panel_key`); the
  comparison chapters and page: the panel key;
- the index: what it shows (:func:`index_key`).

The keys are kept beside the reports: ``reports/<year>/<department>/.keys.json`` (the data step's
too, with the digest of the clean data it wrote: data/clean holds the data alone),
``reports/panel/.keys.json`` and ``reports/.keys.json``; a key is written only after its step
succeeded.  A step whose key
matches the stored one AND whose outputs exist does not run: its reason is ``unchanged`` (未变).
A key that cannot be computed (an unreadable raw file) leaves the key empty: the step runs and
fails as it would, and the summary names it.  ``force`` runs everything.

:func:`format_plan` prints the graph (``make reports PLAN=1``); :mod:`juesuan.run.batch` runs it.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config

CODE_VERSION = "1"          # raise to invalidate every stored key (a change the source digest misses)
REPORT_KEYS = ".keys.json"  # reports/<year>/<department>/, reports/panel/, reports/
# files of a clean folder left out of its digest: the workbook is the CSVs again for people, and
# openpyxl stamps the time of writing into it (the same data written twice differs)
NOT_DIGESTED = (".xlsx",)

# why a step runs (or not)
NEW, CHANGED_INPUT, CHANGED_CODE, FORCED, UNCHANGED = "new", "changed input", "changed code", "forced", "unchanged"
NO_KEY = "key not computable"
AFTER = "after upstream"     # its key depends on a step that runs first
REMOVED = "removed"
REASON_ZH = {NEW: "新", CHANGED_INPUT: "输入已变", CHANGED_CODE: "代码已变", FORCED: "强制", UNCHANGED: "未变",
             NO_KEY: "无法计算键", AFTER: "上游先运行", REMOVED: "已删除"}


@dataclass
class Step:
    """One node of the batch graph."""

    id: str                          # "2022/nxgxt:data", "2022/nxgxt:01-x.ipynb", "panel:build", "index"
    kind: str                        # data | chapter | html | panel | index | remove
    report: str                      # "2022/nxgxt", "panel" or ""
    deps: list[str] = field(default_factory=list)
    key: str | None = None
    reason: str = NEW
    detail: str = ""                 # e.g. why the key could not be computed

    @property
    def runs(self) -> bool:
        return self.reason != UNCHANGED


@dataclass
class Plan:
    steps: dict[str, Step] = field(default_factory=dict)
    code: str = ""

    def add(self, step: Step) -> Step:
        self.steps[step.id] = step
        return step

    def __getitem__(self, sid: str) -> Step:
        return self.steps[sid]

    def get(self, sid: str) -> Step | None:
        return self.steps.get(sid)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.steps.values():
            out[s.reason] = out.get(s.reason, 0) + 1
        return out


# ------------------------------------------------------------------ digests
def _h(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        b = p if isinstance(p, bytes) else json.dumps(p, ensure_ascii=False, sort_keys=True,
                                                       default=str).encode("utf-8")
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def code_digest(src: Path | None = None) -> str:
    """sha256 of the code every step runs: the files of ``src/juesuan/**`` (caches excluded),
    ``src/helpers.py`` and :data:`CODE_VERSION`.  Computed once per batch."""
    src = Path(src or config.ROOT / "src")
    h = hashlib.sha256(f"code-version {CODE_VERSION}\n".encode())
    files = sorted(p for p in (src / "juesuan").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"))
    files.append(src / "helpers.py")
    for p in files:
        if p.is_file():
            h.update(p.relative_to(src).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _file_sha(path: Path) -> str:
    from ..identity import sha256
    return sha256(path)


def data_key(code: str, folder: Path, no_ocr: bool = False) -> tuple[str | None, str]:
    """(key, "") of a report's data step: every file of its raw folder by name and sha256; or
    (None, why) when a file cannot be read (the step then runs and fails as it would)."""
    folder = Path(folder)
    files = []
    try:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                files.append((p.relative_to(folder).as_posix(), _file_sha(p)))
    except OSError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return _h(code, "data", files, bool(no_ocr)), ""


def _stat(p: Path) -> list[int]:
    st = p.stat()
    return [st.st_size, st.st_mtime_ns]


def clean_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                  and not p.name.endswith(NOT_DIGESTED))


def clean_digest(folder: Path, cache: dict | None = None) -> str | None:
    """sha256 of a report's clean data (every file but the dot files and the workbook, by name and
    content: the same data written again has the same digest); None when there is none.  ``cache``: a manifest whose ``stat`` (size, mtime of each file) matches
    the files now gives its ``clean`` digest without reading them."""
    files = clean_files(folder)
    if not files:
        return None
    try:
        stat = {p.relative_to(folder).as_posix(): _stat(p) for p in files}
        if cache and cache.get("stat") == stat and cache.get("clean"):
            return cache["clean"]
        return _h("clean", [(p.relative_to(folder).as_posix(), _file_sha(p)) for p in files])
    except OSError:
        return None


def clean_manifest(folder: Path, data: str, code: str) -> dict:
    """The data step's entry of reports/<year>/<department>/.keys.json after it succeeded: its
    key, the code, the digest of the clean data it wrote and the files' (size, mtime)."""
    files = clean_files(folder)
    stat = {p.relative_to(folder).as_posix(): _stat(p) for p in files}
    return {"data": data, "code": code, "clean": clean_digest(folder), "stat": stat}


def chapter_key(code: str, notebook: Path, params: dict, upstream: str | None) -> str | None:
    if upstream is None:
        return None
    try:
        nb = Path(notebook).read_bytes()
    except OSError:
        return None
    return _h(code, "chapter", Path(notebook).name, nb, params, upstream)


def html_key(code: str, title: str, chapter_keys: Sequence[tuple[str, str | None]]) -> str | None:
    if any(k is None for _, k in chapter_keys):
        return None
    return _h(code, "html", title, list(chapter_keys))


def panel_key(code: str, digests: Iterable[tuple[str, str | None]]) -> str:
    return _h(code, "panel", sorted(digests, key=lambda d: d[0]))


def index_key(code: str, shown: Any) -> str:
    return _h(code, "index", shown)


# ------------------------------------------------------------------ manifests
def read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_json(path: Path, data: dict) -> None:
    from ..atomic import atomic_path
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def reason(key: str | None, stored: dict | None, outputs_exist: bool, force: bool, code: str,
           stored_key_field: str = "key") -> str:
    """Why a step runs: forced, new, changed code, changed input, or unchanged."""
    if force:
        return FORCED
    if key is None:
        return NO_KEY
    if not stored or not stored.get(stored_key_field):
        return NEW
    if stored.get(stored_key_field) == key:
        return UNCHANGED if outputs_exist else NEW
    return CHANGED_CODE if stored.get("code") != code else CHANGED_INPUT


class ReportKeys:
    """reports/<year>/<department>/.keys.json (or reports/panel/, reports/): ``{"code": digest,
    "steps": {step: key}, "data": {…}}``; updated step by step, written after each successful
    step.  ``data``: the data step's entry (:func:`clean_manifest`; kept here, not in the clean
    folder, which holds the data alone)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / REPORT_KEYS
        stored = read_json(self.path)
        self.steps: dict[str, str] = dict(stored.get("steps") or {})
        self.code = stored.get("code")
        self.data: dict = dict(stored.get("data") or {})

    def stored(self, step: str) -> dict:
        return {"key": self.steps.get(step), "code": self.code}

    def set(self, code: str, step: str, key: str | None) -> None:
        if self.code != code:   # another code's keys are worth nothing
            self.steps, self.code = {}, code
        if key is None:
            self.steps.pop(step, None)
        else:
            self.steps[step] = key

    def forget(self, step: str) -> None:
        self.steps.pop(step, None)

    def save(self, make_folder: bool = False) -> None:
        if not self.path.parent.is_dir():
            if not make_folder:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
        write_json(self.path, {"code": self.code, "steps": self.steps, "data": self.data})


# ------------------------------------------------------------------ printing
def format_plan(plan: Plan, stream=None) -> str:
    """What would run and why, one line a step (the reason ``unchanged`` folded per report)."""
    lines = []
    by_report: dict[str, list[Step]] = {}
    for s in plan.steps.values():
        by_report.setdefault(s.report, []).append(s)
    for report, steps in by_report.items():
        still = [s for s in steps if not s.runs]
        for s in steps:
            if s.runs:
                name = s.id.split(":", 1)[1] if ":" in s.id else s.id
                why = s.reason + (f" ({s.detail})" if s.detail else "")
                lines.append(f"  run        {report or '-':<22} {name:<30} {why}")
        if still:
            names = ", ".join((s.id.split(":", 1)[1] if ":" in s.id else s.id) for s in still)
            if len(names) > 70:
                names = f"{len(still)} steps"
            lines.append(f"  unchanged  {report or '-':<22} {names}")
    counts = plan.counts()
    runs = sum(n for r, n in counts.items() if r != UNCHANGED)
    head = (f"plan: {len(plan.steps)} steps, {runs} would run, {counts.get(UNCHANGED, 0)} unchanged (未变)"
            + "".join(f"; {r}: {n}" for r, n in sorted(counts.items()) if r != UNCHANGED))
    text = "\n".join([head, *lines, f"code {plan.code[:12]}"])
    if stream is not None:
        print(text, file=stream)
    return text


def env_no_ocr() -> bool:
    from ..extract.reading.ocr import NO_OCR_ENV
    return bool(os.environ.get(NO_OCR_ENV))
