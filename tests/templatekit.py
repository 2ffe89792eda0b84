"""Where the tests find the blank national template (附件2：部门决算模板.pdf).

It is not in the repository: ``JUESUAN_TEMPLATE_PDF`` names it, else the ``shared/pdf`` folder beside
the repository.  A test that needs it and cannot find it skips with :data:`MISSING` as its reason
(shown by ``-rs`` in the summary of `make test`), never passes silently."""
from __future__ import annotations

import os
from pathlib import Path

from juesuan import config

TEMPLATE_ENV = "JUESUAN_TEMPLATE_PDF"
NAME = "附件2：部门决算模板.pdf"
TEMPLATE_PDF = Path(os.environ.get(TEMPLATE_ENV) or config.ROOT.parent / "shared" / "pdf" / NAME)
MISSING = (f"the blank national template is not at {TEMPLATE_PDF} "
           f"(put shared/pdf/{NAME} beside the repository or set {TEMPLATE_ENV})")


def available() -> bool:
    return TEMPLATE_PDF.is_file()
