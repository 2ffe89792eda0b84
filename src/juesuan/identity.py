"""Which report is this, and where may it write? (No silent mix-ups.)

- The year and the department slug come from the folder names ``<raw>/<year>/<department>/``:
  a year is four digits, a slug is ``[a-z0-9-]+``; ``metadata.json`` must agree with them
  (``year``, ``department``) and its ``source_file`` must lie inside the folder.
- Nothing is written outside the clean and reports roots: :func:`output_dir` builds
  ``<root>/<year>/<department>`` from checked names, refuses ``..`` and resolves symlinks (a
  folder that is a link to somewhere outside the root is refused).
- Two report folders holding the same source file (same sha256) are an error naming both.

:func:`problems` checks every report folder under a raw root at once; the data step
(:func:`juesuan.cli.run_data`) refuses a folder with a problem with a one-line message and goes
on with the others.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from . import config
from .errors import ParseError

SLUG_RE = re.compile(r"[a-z0-9-]+")
YEAR_RE = re.compile(r"\d{4}")


class IdentityError(ParseError):
    """A report folder whose name, metadata or location is not acceptable."""


def check_names(year, department, where: str | None = None) -> tuple[int, str]:
    """``(year, department)`` if they are a four-digit year and a slug, else :class:`IdentityError`."""
    year_s, dept = str(year), str(department)
    if not YEAR_RE.fullmatch(year_s):
        raise IdentityError(f"year folder {year_s!r} is not a four-digit year", where)
    if not SLUG_RE.fullmatch(dept):
        raise IdentityError(f"department folder {dept!r} is not a slug (lower-case letters, digits "
                            f"and '-' only: [a-z0-9-]+); rename the folder", where)
    return int(year_s), dept


def inside(path: Path, root: Path, what: str = "path") -> Path:
    """``path`` resolved (symlinks followed), refused when it contains ``..`` or leaves ``root``."""
    path, root = Path(path), Path(root)
    if ".." in path.parts:
        raise IdentityError(f"{what} {path.as_posix()} contains '..'", config.rel(path))
    resolved, base = path.resolve(), root.resolve()
    if resolved != base and not resolved.is_relative_to(base):
        raise IdentityError(f"{what} resolves to {resolved.as_posix()}, outside {config.rel(root)} "
                            f"(a symbolic link?): refused", config.rel(path))
    return resolved


def output_dir(root: Path, year, department) -> Path:
    """``root/<year>/<department>`` for writing: checked names, inside ``root`` after resolving."""
    year, dept = check_names(year, department, config.rel(Path(root) / str(year) / str(department)))
    target = Path(root) / str(year) / dept
    inside(target, root, "output folder")
    return target


def _metadata(folder: Path) -> dict | None:
    try:
        meta = json.loads((folder / config.METADATA_FILE).read_text(encoding="utf-8"))
        return meta if isinstance(meta, dict) else None
    except (OSError, ValueError):
        return None


def check_folder(folder: Path, raw_root: Path) -> None:
    """Names, location and metadata of one report folder (:class:`IdentityError` if wrong)."""
    folder = Path(folder)
    where = config.rel(folder)
    year, dept = check_names(folder.parent.name, folder.name, where)
    inside(folder, raw_root, "report folder")
    meta = _metadata(folder)
    if meta is None:
        return  # missing or invalid metadata.json is reported by the parser
    mfile = config.rel(folder / config.METADATA_FILE)
    if "department" in meta and str(meta["department"]) != dept:
        raise IdentityError(f"metadata.json says department {meta['department']!r} but the folder is "
                            f"{dept!r}", mfile)
    if "year" in meta and str(meta["year"]) != str(year):
        raise IdentityError(f"metadata.json says year {meta['year']!r} but the folder is {year}", mfile)
    if meta.get("source_file"):
        inside(folder / str(meta["source_file"]), folder, "source_file")


_HASHES: dict[tuple[str, int, int], str] = {}


def sha256(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def report_folders(raw_root: Path) -> list[Path]:
    """Every ``<year>/<department>/`` folder under ``raw_root`` (as :func:`pipeline.discover` sees them)."""
    root = Path(raw_root)
    if not root.is_dir():
        return []
    return [d for y in sorted(root.iterdir()) if y.is_dir() and y.name.isdigit()
            for d in sorted(y.iterdir()) if d.is_dir()]


def problems(raw_root: Path | None = None) -> dict[Path, IdentityError]:
    """Every report folder under ``raw_root`` that must not be processed, with the reason."""
    raw_root = Path(raw_root or config.RAW)
    out: dict[Path, IdentityError] = {}
    by_hash: dict[str, list[Path]] = {}
    for folder in report_folders(raw_root):
        try:
            check_folder(folder, raw_root)
        except IdentityError as exc:
            out[folder] = exc
            continue
        meta = _metadata(folder) or {}
        src = folder / str(meta.get("source_file", ""))
        if meta.get("source_file") and src.is_file():
            by_hash.setdefault(sha256(src), []).append(folder)
    for digest, folders in by_hash.items():
        if len(folders) > 1:
            names = " and ".join(config.rel(f) for f in folders)
            for f in folders:
                out[f] = IdentityError(f"the same source file (sha256 {digest[:16]}…) is in {names}: "
                                       f"one report, two folders; remove one", config.rel(f))
    return out


def report_metadata(year, department: str, raw_folder: Path | None = None) -> dict:
    """What is known of a report's identity: its metadata.json when it has one, else what
    ``make data`` read from the document (``used`` in data/clean/<y>/<d>/metadata_inferred.json);
    {} when neither exists or can be read."""
    raw = Path(raw_folder) if raw_folder is not None else config.raw_dir(year, department)
    for file, part in ((raw / config.METADATA_FILE, None),
                       (config.clean_dir(year, department) / "metadata_inferred.json", "used")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        data = data.get(part) if part else data
        if isinstance(data, dict) and data:
            return data
    return {}


SOURCE_SUFFIXES = (".pdf", ".txt", ".text", ".md")


def source_files(folder: Path, meta: dict) -> list[Path]:
    """The report's source file(s): the one (or the two) metadata.json names (``source_file``, or
    ``source_files``: [text file, tables file]), else the PDF / text files in the folder — one, or two
    that the caller must find to be one report's text and tables (else it refuses the folder naming
    both).  More than two is refused here, naming them."""
    folder = Path(folder)
    named = meta.get("source_files") or ([meta["source_file"]] if meta.get("source_file") else [])
    if named:
        files = [folder / str(n) for n in named]
        for f in files:
            inside(f, folder, "source_file")
            if not f.is_file():
                raise IdentityError(f"source file {f.name} named in metadata.json is missing", config.rel(folder))
        return files
    cands = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SOURCE_SUFFIXES)
    if not cands:
        raise IdentityError("no source file (a PDF or a UTF-8 text file) in the folder", config.rel(folder))
    if len(cands) > 2:
        raise IdentityError("more than two source files in the folder (" + ", ".join(p.name for p in cands)
                            + "): one folder holds one report (one file, or its text and its tables); name "
                            "the one to read in metadata.json (source_file)", config.rel(folder))
    return cands
