"""Run one lesson top to bottom in a fresh kernel, in the notebook's folder:
`python -m lesson_lib.bench.run_notebook PATH` prints one JSON object (notebook, seconds, peak
kernel memory in MB). The notebook file is not changed."""

import argparse
import json
import resource
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def run_notebook(path, timeout=600):
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the kernel is our child
    return {"notebook": path.name, "seconds": round(seconds, 1), "peak_mb": round(peak_kib / 1024)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.bench.run_notebook", description=__doc__)
    parser.add_argument("path", type=Path)
    print(json.dumps(run_notebook(parser.parse_args().path)))
