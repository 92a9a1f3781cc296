"""Argument checks shared by every entry point: a bad value fails early with a message that
names the argument, the value and the accepted range."""

import math
import numbers

from .i18n import _


def positive_number(name, value):
    """A finite real number > 0 (learning rates, step sizes)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(_("{name} must be a finite number > 0, got {value!r} ({type})", name=name,
                          value=value, type=type(value).__name__))
    if not math.isfinite(value) or value <= 0:
        raise ValueError(_("{name} must be a finite number > 0, got {value!r}", name=name, value=value))
    return float(value)


def integer(name, value, minimum, maximum=None):
    """An int in [minimum, maximum] (steps, shots, batch sizes)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(_("{name} must be an integer, got {value!r} ({type})", name=name, value=value,
                          type=type(value).__name__))
    if maximum is None and value < minimum:
        raise ValueError(_("{name} must be an integer >= {minimum}, got {value!r}", name=name,
                           minimum=minimum, value=value))
    if maximum is not None and not minimum <= value <= maximum:
        raise ValueError(_("{name} must be an integer >= {minimum} and <= {maximum}, got {value!r}",
                           name=name, minimum=minimum, maximum=maximum, value=value))
    return int(value)


def probability(name, value):
    """A real number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(_("{name} must be a number in [0, 1], got {value!r} ({type})", name=name, value=value,
                          type=type(value).__name__))
    if not 0 <= value <= 1:
        raise ValueError(_("{name} must be a number in [0, 1], got {value!r}", name=name, value=value))
    return float(value)


def interval(name, value):
    """A (low, high) pair of finite numbers with low <= high."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(_("{name} must be a pair (low, high) of numbers, got {value!r}", name=name,
                          value=value)) from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(_("{name} must be finite with low <= high, got {value!r}", name=name, value=value))
    return low, high
