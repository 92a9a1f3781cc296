"""Shared fixtures. Tests run on the CPU in float32 unless a test asks for float64."""

from pathlib import Path

import pytest

import lesson_lib  # noqa: F401  (sets quiet TensorFlow logging before TF is imported)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root():
    return ROOT
