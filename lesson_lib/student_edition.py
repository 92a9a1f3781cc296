"""The student edition of the lessons: `python -m lesson_lib.student_edition [SOURCE] [DEST]`
(`make student`).

The lessons as committed are the teacher's edition: every exercise holds its solution between
nbgrader's markers `### BEGIN SOLUTION` / `### END SOLUTION`, in a cell carrying nbgrader's
metadata, collapsed so a student reading the teacher's edition reveals it by choice. The
student edition is made by nbgrader's own preprocessors (so a teacher can also run nbgrader's
`generate_assignment` and autograde the same notebooks): solutions become
`raise NotImplementedError()` stubs, hidden tests are removed, outputs and stored widget state
are cleared, and exercise cells are shown expanded. Each checker then answers "not yet
implemented" until the student writes the function.

The Chinese edition: `make student LESSON_LIB_LANG=zh` writes the student edition of notebooks/zh
to student/zh (one folder deeper, as notebooks/zh is, so the lessons' relative links still work),
with the stub's comment in Chinese.
"""

import argparse
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions

from . import twins

ROOT = Path(__file__).resolve().parent.parent
# nbgrader's stub, by the lesson's language (a Chinese twin starts with twins.LANGUAGE_CELL_ID's cell)
STUBS = {"en": "# YOUR CODE HERE: the docstring says what to return\nraise NotImplementedError()",
         "zh": "# YOUR CODE HERE：在这里写代码，文档字符串说明要返回什么\nraise NotImplementedError()"}


def is_exercise(cell):
    return cell.metadata.get("nbgrader", {}).get("solution", False)


def language_of(notebook):
    """"zh" for a Chinese twin (lesson_lib.twins), else "en"."""
    return twins.LANGUAGE if any(c.get("id") == twins.LANGUAGE_CELL_ID for c in notebook.cells) else "en"


def student_notebook(notebook):
    """The student edition of one lesson (a new notebook; the argument is not changed)."""
    notebook = nbformat.from_dict(notebook)
    resources = {"language": "python"}
    stub = {"python": STUBS[language_of(notebook)]}
    for preprocessor in (ClearSolutions(code_stub=stub), ClearHiddenTests(), ClearOutput()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # the teacher's run's timings
        if is_exercise(cell) and "jupyter" in cell.metadata:
            cell.metadata["jupyter"].pop("source_hidden", None)
            if not cell.metadata["jupyter"]:
                del cell.metadata["jupyter"]
    notebook.metadata.pop("widgets", None)  # the teacher's run's widget state
    return notebook


def write_student_edition(source=ROOT / "notebooks", dest=ROOT / "student"):
    """Write the student edition of every lesson in `source` to `dest`, replacing those lessons
    there and touching nothing else (so `student/zh`, the Chinese edition, survives a new
    `student/`); returns {lesson name: number of exercises}."""
    source, dest = Path(source), Path(dest)
    lessons = sorted(source.glob("*.ipynb"))
    if not lessons:
        raise ValueError(f"source must be a folder of lessons (.ipynb), found none in {source}")
    if dest.resolve() == source.resolve():
        raise ValueError("dest must differ from source: the student edition would overwrite the solutions")
    dest.mkdir(parents=True, exist_ok=True)
    counts = {}
    for path in lessons:
        teacher = nbformat.read(path, as_version=4)
        counts[path.name] = sum(map(is_exercise, teacher.cells))
        nbformat.write(student_notebook(teacher), dest / path.name)
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m lesson_lib.student_edition", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "notebooks")
    parser.add_argument("dest", nargs="?", type=Path, default=ROOT / "student")
    args = parser.parse_args()
    for name, count in write_student_edition(args.source, args.dest).items():
        print(f"{name}: {count} exercises")
    print(f"student edition written to {args.dest}")
