"""Show the package's own source in a lesson, so the notebook and the code cannot drift.

A lesson stores its outputs, so the source a `show_source(...)` cell shows is also stored, and it
goes stale when the function changes. `python -m lesson_lib.source check` names every stored
listing that differs from today's source (tests/test_lesson_structure.py runs it), and
`python -m lesson_lib.source refresh` rewrites those outputs in place, without running the lessons:
a listing depends only on the source.
"""

import argparse
import ast
import importlib
import inspect
import sys
from pathlib import Path

import nbformat
from IPython.core.formatters import DisplayFormatter
from IPython.display import Code

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def show_source(*objects):
    """Syntax-highlighted source of functions, classes or methods of lesson_lib, one after another
    (a cell shows only its last expression, so several listings go in one call)."""
    if not objects:
        raise TypeError("show_source needs at least one function, class or method, e.g. show_source(adapt)")
    return Code("\n\n".join(inspect.getsource(obj).rstrip("\n") for obj in objects) + "\n", language="python")


def _imported_names(cells):
    """{name: object} of the lesson's `from lesson_lib... import ...` statements (read, not run)."""
    names = {}
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:  # IPython magics
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lesson_lib"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    value = getattr(module, alias.name, None)
                    if value is None:  # a submodule
                        value = importlib.import_module(f"{node.module}.{alias.name}")
                    names[alias.asname or alias.name] = value
    return names


def _shown(cell):
    """The dotted names in a cell that is one `show_source(a, b.c, ...)` call, else None."""
    try:
        tree = ast.parse("".join(cell["source"]))
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "show_source" and call.args):
        return None
    return [ast.unparse(arg) for arg in call.args]


def _listing(objects):
    """The output show_source(*objects) stores: its mime bundle."""
    data, _metadata = DisplayFormatter().format(show_source(*objects))
    return {mime: text for mime, text in data.items() if isinstance(text, str)}


def _is_stale(cell, data):
    """Whether the cell's stored outputs differ from the one listing `data` (compared as text/plain;
    nbformat joins a stored list of lines)."""
    stored = ["".join(output.get("data", {}).get("text/plain", "")) for output in cell.get("outputs", [])]
    return stored != [data["text/plain"]]


def _resolve(dotted, names):
    obj = names[dotted.split(".")[0]]
    for attribute in dotted.split(".")[1:]:
        obj = getattr(obj, attribute)
    return obj


def listings(notebook):
    """[(cell, "a, b.c", today's output data)] of every show_source cell of a notebook dict."""
    names = _imported_names(notebook["cells"])
    found = []
    for cell in notebook["cells"]:
        shown = _shown(cell) if cell["cell_type"] == "code" else None
        if shown:
            found.append((cell, ", ".join(shown), _listing([_resolve(name, names) for name in shown])))
    return found


def stale(path):
    """The names whose stored listing in the lesson at `path` differs from today's source."""
    notebook = nbformat.read(path, as_version=4)
    return [shown for cell, shown, data in listings(notebook) if _is_stale(cell, data)]


def refresh(path):
    """Rewrite the lesson's stale listings in place (nothing else changes); returns their names."""
    notebook = nbformat.read(path, as_version=4)
    changed = []
    for cell, shown, data in listings(notebook):
        if _is_stale(cell, data):
            count = cell.get("execution_count")
            cell["outputs"] = [nbformat.v4.new_output("execute_result", data=data, execution_count=count)]
            changed.append(shown)
    if changed:
        nbformat.write(notebook, path)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.source", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("check", "refresh"))
    parser.add_argument("lessons", nargs="*", type=Path,
                        help="notebooks (default: every lesson, English and Chinese)")
    args = parser.parse_args(argv)
    lessons = args.lessons or sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("zh/*.ipynb"))
    found = {path: (stale if args.command == "check" else refresh)(path) for path in lessons}
    for path, names in found.items():
        if names:
            print(f"{path}: {'stale' if args.command == 'check' else 'refreshed'}: {', '.join(names)}")
    return 1 if args.command == "check" and any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
