"""Wall time and peak kernel memory of each lesson run top to bottom (as nbval does), each in
its own process (`python -m lesson_lib.bench.run_notebook`)."""

import json
import subprocess
import sys

from ..recipes import DATA
from .table import Table

HELP = "time and peak memory of each lesson"
NOTEBOOKS = DATA.parent / "notebooks"


def add_arguments(parser):
    pass


def run(args):
    rows = []
    table = Table([("notebook", "notebook"), ("seconds", lambda r: f"{r['seconds']:.1f}"),
                   ("peak memory MB", "peak_mb")])
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        done = subprocess.run([sys.executable, "-m", "lesson_lib.bench.run_notebook", str(path)],
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        table.row(rows[-1])
    return rows
