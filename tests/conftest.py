"""Shared fixtures. Tests run on the CPU in float32 unless a test asks for float64."""

from pathlib import Path

import numpy as np
import pytest

import lesson_lib  # noqa: F401  (sets quiet TensorFlow logging before TF is imported)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root():
    return ROOT


@pytest.fixture
def fake_images():
    """fake_images(characters) -> uint8 [characters, 20, 28, 28] Omniglot-shaped drawings:
    character c, drawing d has pixel (0, 0) = c, (0, 1) = d and an asymmetric mark, so every
    rotation is distinguishable."""

    def make(characters=30):
        images = np.zeros((characters, 20, 28, 28), np.uint8)
        images[:, :, 0, 0] = np.arange(characters)[:, None]
        images[:, :, 0, 1] = np.arange(20)[None, :]
        images[:, :, 5, 20] = 255
        return images

    return make


def pytest_collection_modifyitems(config, items):
    """Run the browser tests (tests/browser) last. Playwright's sync API leaves its event loop
    marked as running in this process until the session ends; widget tests that ran after it
    would see a "running" loop, schedule their coalesced redraws on it, and never see them drawn."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)
