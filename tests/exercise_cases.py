"""The tests every exercise checker gets, in one place: each reference answer passes, the stub is
"not yet implemented", and each planted wrong answer is answered "wrong" with its sentence. A
test file states its answers and binds the tests as its own:

    (test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
     test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT, WRONG)

RIGHT: [(checker name, a right answer)] (a checker may have several); WRONG: [(checker name, a
planted wrong answer, a regular expression its sentence must match)]. `crash_test(RIGHT)` adds
that an answer which raises gets one sentence naming the error, no traceback.
"""

import re

import pytest

from lesson_lib import exercises


def stub(*args):
    """The student edition's stub."""
    raise NotImplementedError()


def crash(*args):
    """An answer that fails with an IndexError."""
    return [][0]


def checker_tests(right, wrong):
    right, wrong = list(right), list(wrong)
    names = sorted({name for name, _ in right})
    assert names == sorted({name for name, _, _ in wrong}), "every checker needs right and wrong answers"

    @pytest.mark.parametrize("name, answer", right, ids=[f"{n}-{i}" for i, (n, _) in enumerate(right)])
    def test_the_reference_answer_passes(name, answer):
        feedback = getattr(exercises, name)(answer)
        assert feedback.passed and feedback.message.startswith("correct"), feedback

    @pytest.mark.parametrize("name", names)
    def test_the_stub_is_not_yet_implemented(name):
        feedback = getattr(exercises, name)(stub)
        assert feedback.status == "not yet implemented", feedback
        assert "NotImplementedError" in feedback.message, feedback
        assert "class='exercise-feedback exercise-not-yet-implemented'" in feedback._repr_html_()

    @pytest.mark.parametrize("name, answer, says", wrong,
                             ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(wrong)])
    def test_a_planted_wrong_answer_is_caught(name, answer, says):
        feedback = getattr(exercises, name)(answer)
        assert feedback.status == "wrong", feedback
        assert re.search(says, feedback.message), feedback

    return (test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
            test_a_planted_wrong_answer_is_caught)


def crash_test(right):
    """test_crash_is_one_sentence for every checker named in `right`."""

    @pytest.mark.parametrize("name", sorted({name for name, _ in right}))
    def test_crash_is_one_sentence(name):
        feedback = getattr(exercises, name)(crash)
        assert (feedback.status == "error" and "IndexError" in feedback.message
                and "\n" not in feedback.message)

    return test_crash_is_one_sentence
