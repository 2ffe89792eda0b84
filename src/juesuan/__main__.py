import sys

from .cli import main
from .run.executor import SchedulerLost

try:
    sys.exit(main())
except SchedulerLost as exc:      # the Dask scheduler went away mid-batch: one line, exit 1
    print(f"FAILED — {exc}", file=sys.stderr)
    sys.exit(1)
