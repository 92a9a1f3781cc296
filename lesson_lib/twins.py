"""The Chinese lessons (notebooks/zh/) and their English twins: one source of truth for code.

A twin has the English lesson's cells, in the same order and with the same ids, plus one cell of
its own just before the first code cell, LANGUAGE_CELL, which turns the package's labels, figures
and messages into Chinese. Its code cells are the English code cells, character for character; its
markdown cells are translations, each stamped (metadata "lesson_lib": {"translated_from": ...})
with a hash of the English text it translates. So when an English markdown cell changes, its
translation is stale until someone translates the new text, and `problems` says which cell.

Why parallel notebooks and not one notebook with both languages or markdown catalogs merged at build
time: students open, run and save the Chinese lesson as an ordinary notebook in JupyterLab, Voila
and the student edition, with its outputs executed in Chinese; the twins are built mechanically
from the English lesson (`sync`), so the code cannot drift, and the stamps make every later change
of the English text show up as a failing test (tests/test_twins.py) instead of a silent divergence.

    python -m lesson_lib.twins check            # every problem of every twin; exit status 1 if any
    python -m lesson_lib.twins sync [--translations T.json] NN_name.ipynb ...
        # rewrite the twins from the English lessons: code copied, translations kept (and those in
        # T.json, {"cells": {cell id: Chinese markdown}}, stamped as translating today's English)
"""

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LANGUAGE = "zh"
LANGUAGE_CELL_ID = "set-language"
LANGUAGE_CELL = ('from lesson_lib.i18n import set_language\n'
                 '\n'
                 'set_language("zh")  # 控件、图、进度条和提示信息改用中文显示')
STAMP = "lesson_lib"


def twin_path(english, language=LANGUAGE):
    """notebooks/zh/<name> for notebooks/<name>."""
    english = Path(english)
    return english.parent / language / english.name


def english_hash(source):
    """The stamp of an English markdown text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def _source(cell):
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _lines(text):
    return text.splitlines(keepends=True)


def read(path):
    return nbformat.read(path, as_version=4)


def write(notebook, path):
    """With nbformat, as Jupyter writes a notebook (validated; keys sorted, indent 1, UTF-8)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(notebook), path)


def language_cell():
    return {"cell_type": "code", "execution_count": None, "id": LANGUAGE_CELL_ID, "metadata": {},
            "outputs": [], "source": _lines(LANGUAGE_CELL)}


def _without_language_cell(cells):
    """(the twin's cells without its language cell, that cell's index or None)."""
    for i, cell in enumerate(cells):
        if cell.get("id") == LANGUAGE_CELL_ID:
            return cells[:i] + cells[i + 1:], i
    return cells, None


def problems(english, twin):
    """Every way the notebook `twin` is not in step with `english` (both read as dicts), one
    sentence each; [] when it is."""
    found = []
    cells, at = _without_language_cell(twin["cells"])
    first_code = next((i for i, c in enumerate(english["cells"]) if c["cell_type"] == "code"), None)
    if at is None:
        found.append(f"the language cell (id {LANGUAGE_CELL_ID!r}) is missing")
    elif _source(twin["cells"][at]) != LANGUAGE_CELL:
        found.append(f"the language cell must read exactly {LANGUAGE_CELL!r}")
    elif at != first_code:
        found.append(f"the language cell must come just before the first code cell (cell {first_code})")
    ids, twin_ids = [c.get("id") for c in english["cells"]], [c.get("id") for c in cells]
    if ids != twin_ids:
        missing, extra = set(ids) - set(twin_ids), set(twin_ids) - set(ids)
        found.append(f"the cells differ from the English lesson's (missing ids {sorted(missing)}, extra ids "
                     f"{sorted(extra)}, or another order): run `python -m lesson_lib.twins sync`")
        return found
    for i, (cell, twin_cell) in enumerate(zip(english["cells"], cells, strict=True)):
        where = f"cell {i} (id {cell.get('id')})"
        if cell["cell_type"] != twin_cell["cell_type"]:
            found.append(f"{where}: a {twin_cell['cell_type']} cell, the English one is {cell['cell_type']}")
        elif cell["cell_type"] == "code":
            if _source(cell) != _source(twin_cell):
                found.append(f"{where}: its code differs from the English lesson's: run "
                             f"`python -m lesson_lib.twins sync`")
        else:
            stamp = twin_cell.get("metadata", {}).get(STAMP, {}).get("translated_from")
            if stamp != english_hash(_source(cell)):
                state = "was never translated" if stamp is None else "changed since it was translated"
                found.append(f"{where}: the English text {state}: translate it")
    return found


def build(english, twin=None, translations=None):
    """The twin of `english` (a notebook dict): its code cells copied (outputs kept from `twin`
    where the code is unchanged), its markdown cells from `translations` ({cell id: text},
    stamped as translating today's English) or else from `twin` as they were (their stamps too,
    so a translation of older English stays stale), or else the English text, unstamped."""
    translations = translations or {}
    old = {c.get("id"): c for c in (twin or {"cells": []})["cells"]}
    cells = []
    for cell in english["cells"]:
        new = copy.deepcopy(cell)
        previous = old.get(cell.get("id"))
        if cell["cell_type"] == "code":
            if previous is not None and _source(previous) == _source(cell):
                new["outputs"], new["execution_count"] = previous.get("outputs", []), previous.get(
                    "execution_count")
            else:
                new["outputs"], new["execution_count"] = [], None
        elif cell.get("id") in translations:
            new["source"] = _lines(translations[cell["id"]])
            new.setdefault("metadata", {})[STAMP] = {"translated_from": english_hash(_source(cell))}
        elif previous is not None and previous["cell_type"] == "markdown":
            new["source"] = previous["source"]
            stamp = previous.get("metadata", {}).get(STAMP)
            new.setdefault("metadata", {}).pop(STAMP, None)
            if stamp is not None:
                new["metadata"][STAMP] = stamp
        cells.append(new)
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    previous = old.get(LANGUAGE_CELL_ID)
    language = language_cell()
    if previous is not None and _source(previous) == LANGUAGE_CELL:
        language["outputs"], language["execution_count"] = previous.get("outputs", []), previous.get(
            "execution_count")
    cells.insert(first_code, language)
    return {**copy.deepcopy({k: v for k, v in english.items() if k != "cells"}), "cells": cells}


def lessons(notebooks=None):
    """The English lessons (in `notebooks`, default NOTEBOOKS), sorted."""
    return sorted(Path(notebooks or NOTEBOOKS).glob("*.ipynb"))


def check_all(notebooks=None):
    """{lesson name: [problem, ...]} for every English lesson whose twin is missing or out of step."""
    notebooks, report = notebooks or NOTEBOOKS, {}
    for english in lessons(notebooks):
        twin = twin_path(english)
        if not twin.exists():
            report[english.name] = [f"no Chinese twin {twin.relative_to(Path(notebooks).parent)}"]
        elif found := problems(read(english), read(twin)):
            report[english.name] = found
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.twins", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="list what is out of step; exit status 1 if anything is")
    sync = commands.add_parser("sync", help="rewrite twins from their English lessons")
    sync.add_argument("lessons", nargs="+", help="English lessons' file names (e.g. 02_maml.ipynb)")
    sync.add_argument("--translations", type=Path, help='JSON {"cells": {cell id: Chinese markdown}}')
    args = parser.parse_args(argv)
    if args.command == "check":
        report = check_all()
        for name, found in report.items():
            print(f"{name}:")
            for problem in found:
                print(f"  - {problem}")
        print(f"{len(lessons()) - len(report)} of {len(lessons())} lessons have a Chinese twin in step")
        return 1 if report else 0
    translations = {}
    if args.translations:
        translations = json.loads(args.translations.read_text(encoding="utf-8"))["cells"]
    for name in args.lessons:
        english = NOTEBOOKS / Path(name).name
        if not english.exists():
            parser.error(f"no English lesson {english}")
        twin = twin_path(english)
        ours = {k: v for k, v in translations.items() if k in {c.get("id") for c in read(english)["cells"]}}
        write(build(read(english), read(twin) if twin.exists() else None, ours), twin)
        left = problems(read(english), read(twin))
        print(f"{twin.relative_to(NOTEBOOKS.parent)}: {len(ours)} cells translated now, "
              f"{len(left)} problems left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
