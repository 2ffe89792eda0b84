"""juesuan — parse, validate and report Chinese government final accounts (部门决算)."""

import sys as _sys

__version__ = "0.1.0"

# jsonschema (imported by nbformat, i.e. by papermill, nbconvert and nbval) imports the optional
# ``rfc3987_syntax`` when it is installed (jupyter-events pulls it in), and that module compiles a
# Lark grammar on import: 1.6 s in every process that reads or writes a notebook.  None of the
# schemas these processes validate uses the "iri" formats it checks, so this package makes the
# optional import fail (jsonschema then simply skips those formats).  Set
# JUESUAN_KEEP_RFC3987=1 to keep it.
if not __import__("os").environ.get("JUESUAN_KEEP_RFC3987"):
    _sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
