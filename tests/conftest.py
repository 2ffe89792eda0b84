import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def cell(li, table, key, column="amount", side=None):
    """The one amount of a clean line_items frame at (table, row key, column[, side])."""
    part = li[(li.table == table) & (li.row_key == key) & (li.column == column)]
    if side:
        part = part[part.side == side]
    assert len(part) == 1, (table, key, column, side, len(part))
    return part.amount_yuan.iloc[0]


@pytest.fixture(scope="module")
def rep(request):
    """The parsed and validated report of the test module's ``RAW`` folder."""
    from juesuan.clean.pipeline import parse_report
    return parse_report(request.module.RAW)


@pytest.fixture(scope="module")
def frames(rep):
    from juesuan.clean.frames import build_frames
    return build_frames(rep)
