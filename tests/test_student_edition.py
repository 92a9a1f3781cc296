"""`make student`: every exercise of the teacher's edition becomes a stub in the student edition
(nbgrader's markers and preprocessors), every other cell stays as it is, outputs are cleared, and
a student lesson runs with every checker answering "not yet implemented" (no error, no
traceback). Only the cells that differ from the teacher's edition (with the lesson's imports)
are run here: nbval already runs every other cell of the teacher's edition."""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lesson_lib.student_edition import is_exercise, write_student_edition

LESSONS = sorted(p.name for p in (Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def edition(root, tmp_path_factory):
    dest = tmp_path_factory.mktemp("student")
    return dest, write_student_edition(root / "notebooks", dest)


def test_every_exercise_becomes_a_stub(root, edition):
    dest, counts = edition
    assert set(counts) == {p.name for p in (root / "notebooks").glob("*.ipynb")}
    assert all(count >= 2 for count in counts.values()), counts  # every lesson has exercises
    for name, count in counts.items():
        teacher = nbformat.read(root / "notebooks" / name, as_version=4)
        student = nbformat.read(dest / name, as_version=4)
        assert len(student.cells) == len(teacher.cells) and "widgets" not in student.metadata
        exercises = [(t, s) for t, s in zip(teacher.cells, student.cells, strict=True) if is_exercise(t)]
        assert len(exercises) == count
        assert all(t.source == s.source for t, s in zip(teacher.cells, student.cells, strict=True)
                   if not is_exercise(t))
        for t, s in exercises:
            solution = t.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].strip()
            assert "raise NotImplementedError()" in s.source and solution not in s.source, s.source
            # the signature and docstring (the exercise's statement) stay as they are
            assert s.source.split("# YOUR CODE HERE")[0] == t.source.split("### BEGIN SOLUTION")[0]
            assert t.metadata["jupyter"]["source_hidden"]  # revealed by a click in the teacher's edition
            assert "source_hidden" not in s.metadata.get("jupyter", {})
        assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")


def test_the_chinese_student_edition_goes_beside_the_english_one(root, tmp_path):
    """`make student LESSON_LIB_LANG=zh` writes student/zh: the same exercises as stubs whose comment
    is Chinese, the language cell kept; a later English `make student` leaves student/zh alone."""
    chinese = write_student_edition(root / "notebooks" / "zh", tmp_path / "student" / "zh")
    (tmp_path / "student" / "zh" / "my_notes.txt").write_text("a teacher's file")
    english = write_student_edition(root / "notebooks", tmp_path / "student")
    assert chinese == english and len(chinese) == len(LESSONS)
    for name in chinese:
        student = nbformat.read(tmp_path / "student" / "zh" / name, as_version=4)
        assert student.cells[[c.get("id") for c in student.cells].index("set-language")].source.count("zh")
        stubs = [c.source for c in student.cells if is_exercise(c)]
        assert len(stubs) == chinese[name] and all("在这里写代码" in s and "raise NotImplementedError()" in s
                                                   for s in stubs), name
    assert (tmp_path / "student" / "zh" / "my_notes.txt").read_text() == "a teacher's file"


def test_the_teacher_edition_is_correct(root):
    """Every checker's stored output in the teacher's edition says "correct" (nbval compares it
    again on every run: those cells carry the nbval-check-output tag)."""
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        checks = [c for c in cells if "nbval-check-output" in c.metadata.get("tags", [])]
        assert len(checks) == sum(map(is_exercise, cells)), path.name
        for cell in checks:
            text = json.dumps(cell.outputs)
            assert "exercise-correct" in text and ": correct: " in text, (path.name, cell.source)


def exercise_section(notebook):
    """The lesson's first code cell (its imports) and the code cells of its exercise section."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    start = next(i for i, c in enumerate(notebook.cells) if c.source.startswith("## Exercises"))
    end = max(i for i, c in enumerate(notebook.cells) if "nbval-check-output" in c.metadata.get("tags", []))
    notebook.cells = [code[0]] + [c for c in notebook.cells[start:end + 1] if c.cell_type == "code"]
    return notebook


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_a_student_lesson_runs_and_says_not_yet_implemented(edition, root, name):
    dest, counts = edition
    notebook = exercise_section(nbformat.read(dest / name, as_version=4))
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(root / "notebooks")}}).execute()
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    checks = [c for c in notebook.cells if "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checks) == counts[name]
    for cell in checks:
        text = json.dumps(cell.outputs)
        assert "exercise-not-yet-implemented" in text and "Traceback" not in text, cell.source
