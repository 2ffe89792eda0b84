"""Make the venv's kernel log only errors (ipykernel 7 warns about TCP transport on every start,
which would clutter the batch output). Usage: python tools/quiet_kernel.py <kernel.json>"""
import json
import sys
from pathlib import Path

path = Path(sys.argv[1])
spec = json.loads(path.read_text())
flag = "--IPKernelApp.log_level=ERROR"
if flag not in spec["argv"]:
    spec["argv"].append(flag)
path.write_text(json.dumps(spec, indent=1) + "\n")
