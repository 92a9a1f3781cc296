"""How an exercise answers a student: one friendly sentence, never a traceback.

A checker is a function `check_x(student_fn) -> Feedback` decorated with `@checker(N_("title"))`
(the title is shown in the student's language, lesson_lib.i18n; so is every sentence, `_("...")`).
Inside it, `call(student_fn, ...)` runs the student's code (an exception there becomes a
sentence naming it, and a stub's NotImplementedError becomes "not yet implemented"), and
`wrong("...")` stops with what is wrong. Returning a sentence means the answer is right.
"""

import functools
import html
import traceback
from dataclasses import dataclass

from ..i18n import _, translate

COLORS = {"correct": "#1a7f37", "wrong": "#b35900", "not yet implemented": "#57606a", "error": "#b35900"}
ICONS = {"correct": "✔", "wrong": "✘", "not yet implemented": "…", "error": "✘"}


@dataclass(frozen=True)
class Feedback:
    """What a checker found: `status` is "correct", "wrong", "not yet implemented" or "error"
    (the student's code raised); `message` says it in one sentence."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self):
        return self.status == "correct"

    def title(self):
        """The exercise's title in the student's language, with its colon ("title:", "标题：")."""
        return _("{title}:", title=translate(self.exercise))

    def __str__(self):
        return f"{ICONS[self.status]} {self.title()} {self.message}"

    def _repr_html_(self):
        title = html.escape(self.title())
        return (f"<div class='exercise-feedback exercise-{self.status.replace(' ', '-')}' "
                f"style='border-left: 4px solid {COLORS[self.status]}; padding: 4px 10px; "
                f"color: {COLORS[self.status]}'><b>{ICONS[self.status]} {title}</b> "
                f"{html.escape(self.message)}</div>")

    def __repr__(self):
        return str(self)


class Wrong(Exception):
    """Raised by a checker with the sentence that says what is wrong."""


class NotYet(Exception):
    """The student's function still raises NotImplementedError (the stub)."""


class StudentError(Exception):
    """The student's function raised; the message names the exception and the line."""


def wrong(message):
    raise Wrong(message)


def call(student_fn, *args, **kwargs):
    """Run the student's function; its exceptions become a sentence, not a traceback."""
    try:
        return student_fn(*args, **kwargs)
    except NotImplementedError:
        raise NotYet() from None
    except Exception as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__)
                  if f.name == getattr(student_fn, "__name__", None)]
        if frames and hasattr(student_fn, "__code__"):
            raise StudentError(_("your function raised {name}: {error} (line {line} of your function)",
                                 name=type(error).__name__, error=error,
                                 line=frames[-1].lineno - student_fn.__code__.co_firstlineno + 1)) from None
        raise StudentError(_("your function raised {name}: {error}", name=type(error).__name__,
                             error=error)) from None


def checker(exercise):
    """Turn `check(student_fn, ...)`, which returns a sentence of praise or raises Wrong, into a
    function that returns Feedback and never raises for anything the student wrote."""

    def wrap(check):
        @functools.wraps(check)
        def run(student_fn, *args, **kwargs):
            if not callable(student_fn):
                return Feedback(exercise, "wrong", _("pass your function itself, got {type}",
                                                     type=type(student_fn).__name__))
            try:
                return Feedback(exercise, "correct", check(student_fn, *args, **kwargs))
            except NotYet:
                return Feedback(exercise, "not yet implemented",
                                _("not yet implemented: replace `raise NotImplementedError()` with your "
                                  "code, then run this cell again"))
            except Wrong as verdict:
                return Feedback(exercise, "wrong", str(verdict))
            except StudentError as error:
                return Feedback(exercise, "error", str(error))

        run.exercise = exercise
        return run

    return wrap
