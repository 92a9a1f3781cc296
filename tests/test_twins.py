"""The Chinese lessons (notebooks/zh/) stay in step with their English twins (lesson_lib.twins):
the same code, every markdown cell translated from today's English."""

import copy
import json

import pytest

from lesson_lib import twins

LESSONS = [path.name for path in twins.lessons()]
# Lessons whose Chinese twin is still being written (issue: the Chinese edition). Adding a twin must
# remove its name here: the test below fails otherwise, and when this is empty every lesson has one.
PENDING = set()


def test_the_lessons_without_a_twin_are_exactly_the_pending_ones():
    without = {name for name in LESSONS if not twins.twin_path(twins.NOTEBOOKS / name).exists()}
    assert without == PENDING


@pytest.mark.parametrize("name", sorted(set(LESSONS) - PENDING))
def test_twin_is_in_step(name):
    english = twins.read(twins.NOTEBOOKS / name)
    assert twins.problems(english, twins.read(twins.twin_path(twins.NOTEBOOKS / name))) == []


def test_twins_are_counted_alike():
    twins_found = sorted(path.name for path in (twins.NOTEBOOKS / twins.LANGUAGE).glob("*.ipynb"))
    assert set(twins_found) <= set(LESSONS)  # no twin without its English lesson
    assert len(twins_found) + len(PENDING) == len(LESSONS)


@pytest.fixture
def pair():
    """A small English lesson and its fully translated twin."""
    english = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": ["# Lesson\n", "Hello."]},
        {"cell_type": "code", "id": "imports", "metadata": {}, "execution_count": 1, "outputs": [],
         "source": ["import lesson_lib\n", "x = 1"]},
        {"cell_type": "markdown", "id": "notice", "metadata": {}, "source": ["Notice x."]},
        {"cell_type": "code", "id": "show", "metadata": {"tags": ["solution"]}, "execution_count": 2,
         "outputs": [], "source": "print(x)"}]}
    twin = twins.build(english, None, {"title": "# 课\n你好。", "notice": "注意 x。"})
    return english, twin


def test_a_built_twin_is_in_step(pair):
    english, twin = pair
    assert twins.problems(english, twin) == []
    sources = ["".join(c["source"]) for c in twin["cells"]]
    assert sources == ["# 课\n你好。", twins.LANGUAGE_CELL, "import lesson_lib\nx = 1", "注意 x。",
                       "print(x)"]
    assert twin["cells"][4]["metadata"] == {"tags": ["solution"]}  # nbgrader's tags come along


def test_a_planted_code_difference_fails(pair):
    english, twin = pair
    twin["cells"][4]["source"] = ["print(x + 1)"]
    assert twins.problems(english, twin) == [
        "cell 3 (id show): its code differs from the English lesson's: run `python -m lesson_lib.twins sync`"]


def test_english_text_changed_after_translation_is_stale_until_translated_again(pair):
    english, twin = pair
    english["cells"][2]["source"] = ["Notice x, and y."]
    rebuilt = twins.build(english, twin)  # sync keeps the old translation and its old stamp
    assert "".join(rebuilt["cells"][3]["source"]) == "注意 x。"
    assert twins.problems(english, rebuilt) == [
        "cell 2 (id notice): the English text changed since it was translated: translate it"]
    assert twins.problems(english, twins.build(english, rebuilt, {"notice": "注意 x 和 y。"})) == []


def test_new_english_cells_and_a_missing_language_cell_are_reported(pair):
    english, twin = pair
    english["cells"].append({"cell_type": "markdown", "id": "more", "metadata": {}, "source": ["More."]})
    assert twins.problems(english, twin)[0].startswith("the cells differ from the English lesson's (missing "
                                                       "ids ['more']")
    assert twins.problems(english, twins.build(english, twin)) == [
        "cell 4 (id more): the English text was never translated: translate it"]
    alone = copy.deepcopy(twin)
    alone["cells"] = [c for c in alone["cells"] if c["id"] != twins.LANGUAGE_CELL_ID]
    assert "the language cell (id 'set-language') is missing" in twins.problems(english, alone)


def test_sync_keeps_outputs_of_unchanged_code(pair):
    english, twin = pair
    twin["cells"][4]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
    assert twins.build(english, twin)["cells"][4]["outputs"] == twin["cells"][4]["outputs"]
    english["cells"][3]["source"] = "print(2 * x)"
    assert twins.build(english, twin)["cells"][4]["outputs"] == []


def test_check_command_reports_and_fails(tmp_path, monkeypatch, pair, capsys):
    english, twin = pair
    (tmp_path / "zh").mkdir()
    (tmp_path / "01_a.ipynb").write_text(json.dumps(english), encoding="utf-8")
    twins.write(twin, tmp_path / "zh" / "01_a.ipynb")
    (tmp_path / "02_b.ipynb").write_text(json.dumps(english), encoding="utf-8")
    monkeypatch.setattr(twins, "NOTEBOOKS", tmp_path)
    assert twins.main(["check"]) == 1
    out = capsys.readouterr().out
    assert "02_b.ipynb:\n  - no Chinese twin" in out and "1 of 2 lessons have a Chinese twin in step" in out


def article_terms(root):
    """The Chinese terms of the article's glossary (../shared/reference/article.md); "任务 / 元任务"
    counts as two."""
    article = root.parent / "shared" / "reference" / "article.md"
    if not article.exists():
        pytest.skip(f"the article's glossary is read from {article}, which is not here")
    glossary = article.read_text(encoding="utf-8").split("## Glossary", 1)[1]
    rows = [line.split("|")[1].strip() for line in glossary.splitlines() if line.startswith("| ")]
    return [term.strip() for row in rows[1:] for term in row.split("/")]


def test_lesson_0_teaches_every_term_of_the_article_in_both_editions(root):
    terms = article_terms(root)
    assert len(terms) >= 20 and "内循环" in terms and "支持集" in terms
    for path in (twins.NOTEBOOKS / "00_welcome.ipynb", twins.twin_path(twins.NOTEBOOKS / "00_welcome.ipynb")):
        cells = twins.read(path)["cells"]
        text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert [term for term in terms if term not in text] == [], path
