"""Every lesson has the same frame: a header with its prerequisites, the time it takes, the papers
it follows (linked) and its goals; at least two exercises, each followed by its checker; and a
closing "Check yourself" section that says which goals it checks."""

import re
from pathlib import Path

import nbformat
import pytest

from lesson_lib import source
from lesson_lib.student_edition import is_exercise

HEADER = ("**Prerequisites.**", "**Time.**", "**Papers.**", "**Goals.**")
LESSONS = sorted(p.name for p in (Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_lessons_exist(root):
    assert len(LESSONS) >= 11 and len(LESSONS) == len(list((root / "notebooks").glob("*.ipynb")))


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_frame(root, name):
    path = root / "notebooks" / name
    cells = nbformat.read(path, as_version=4).cells
    head = cells[0].source
    assert cells[0].cell_type == "markdown" and head.startswith("# Lesson "), path.name
    for field in HEADER:
        assert field in head, f"{path.name}: the header lacks {field}"
    papers = head.split("**Papers.**")[1].split("**Goals.**")[0]
    assert re.search(r"\]\(https://", papers), f"{path.name}: link the papers the lesson follows"
    goals = re.findall(r"\((\d)\)", head.split("**Goals.**")[1].split("\n\n")[0])
    assert len(goals) >= 2, f"{path.name}: number the goals (1), (2), ..."

    exercises = [i for i, c in enumerate(cells) if is_exercise(c)]
    assert len(exercises) >= 2, f"{path.name}: at least two exercises"
    for i in exercises:
        check = cells[i + 1]
        assert check.cell_type == "code" and "exercises.check_" in check.source, (path.name, i)
        assert "nbval-check-output" in check.metadata.get("tags", []), (path.name, i)

    closing = [c for c in cells if c.cell_type == "markdown" and c.source.startswith("## Check yourself")]
    assert closing, f"{path.name}: end with a 'Check yourself' section"
    assert re.search(r"goal", closing[-1].source, re.I), f"{path.name}: say which goals the checks cover"


@pytest.mark.parametrize("name", LESSONS + [f"zh/{name}" for name in LESSONS])
def test_stored_listings_show_today_s_source(root, name):
    """A show_source cell's stored output is today's source of what it shows (a lesson's listings
    go stale when the package changes): `python -m lesson_lib.source refresh` rewrites them."""
    stale = source.stale(root / "notebooks" / name)
    assert not stale, f"{name}: stored listings differ from the source of {stale}: run " \
                      f"`python -m lesson_lib.source refresh`"


def test_a_stale_listing_is_found_and_refreshed(root, tmp_path):
    lesson = tmp_path / "02.ipynb"
    notebook = nbformat.read(root / "notebooks" / "02_maml.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and c.source == "show_source(sgd_path)")
    cell.outputs[0].data["text/plain"] = cell.outputs[0].data["text/plain"].replace("phi", "psi")
    nbformat.write(notebook, lesson)
    assert source.stale(lesson) == ["sgd_path"]
    assert source.refresh(lesson) == ["sgd_path"] and source.stale(lesson) == []
    assert nbformat.read(lesson, as_version=4).cells == nbformat.read(root / "notebooks" / "02_maml.ipynb",
                                                                     as_version=4).cells


def test_several_listings_in_one_cell():
    from lesson_lib.functional import sgd_path, sgd_step

    shown = source.show_source(sgd_path, sgd_step).data
    assert shown.index("def sgd_path(") < shown.index("def sgd_step(")
    with pytest.raises(TypeError, match="at least one"):
        source.show_source()
