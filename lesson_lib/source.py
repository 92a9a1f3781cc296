"""Show the package's own source in a lesson, so the notebook and the code cannot drift."""

import inspect

from IPython.display import Code


def show_source(obj):
    """Syntax-highlighted source of a function, class or method of lesson_lib."""
    return Code(inspect.getsource(obj), language="python")
