"""The recipes are the one place learners are configured and papers' numbers written: loading
applies the manifest's test-time settings, learners state their capabilities, and no lesson
types a paper's number."""

import re

import numpy as np
import pytest

from lesson_lib import checkpoints
from lesson_lib.learners import MAML
from lesson_lib.models import mlp
from lesson_lib.omniglot_playground import OmniglotPlayground
from lesson_lib.recipes import arm, language, navigation, omniglot, sinusoid
from lesson_lib.tasks import Omniglot


def test_omniglot_load_applies_the_test_time_steps():
    """MAML trains with 1 inner step and is tested with 3; Reptile 5 and 10 (their manifests)."""
    for name, trained, tested in (("MAML", 1, 3), ("FOMAML", 1, 3), ("Reptile", 5, 10),
                                  ("fine-tuned", 50, 50)):
        assert omniglot.learner(name).inner_steps == trained
        learner, manifest = omniglot.load(name)
        assert learner.inner_steps == manifest["test_steps"] == tested, name
        assert manifest["hyperparameters"]["inner_steps"] == trained  # what it was meta-trained with


def test_omniglot_load_builds_the_learner_its_manifest_records(tmp_path):
    """The recipe's Reptile carries its inner Adam state, and so does the shipped checkpoint; a
    checkpoint made with the state reset (the first shipped one) loads into a learner built that
    way, and a carried one into a carried one, also when narrowed to fewer ways."""
    assert omniglot.learner("Reptile").adam_state == "carried"
    shipped, manifest = omniglot.load("Reptile")
    assert manifest["hyperparameters"]["adam_state"] == shipped.adam_state == "carried"
    for state in ("reset", "carried"):
        made = omniglot.learner("Reptile", adam_state=state)
        checkpoints.save(tmp_path / state / omniglot.checkpoint_name("Reptile"), made, test_steps=10)
        loaded, _manifest = omniglot.load("Reptile", tmp_path / state)
        assert loaded.adam_state == omniglot.with_ways(loaded, 3).adam_state == state


def test_omniglot_playground_opens_each_learner_at_its_test_time_steps(fake_images):
    learners = {name: omniglot.load(name)[0] for name in ("MAML", "Reptile", "ProtoNet")}
    playground = OmniglotPlayground(learners, Omniglot("test", images=fake_images(40)), learner="MAML")
    assert playground.steps.value == 3 and playground.alpha.value == pytest.approx(0.4)
    playground.chooser.value = "Reptile"
    assert playground.steps.value == 10 and playground.alpha.value == pytest.approx(1e-3)
    playground.chooser.value = "ProtoNet"
    assert playground.steps.disabled and playground.alpha.disabled and playground.ways.max == 20


def test_language_load_applies_the_test_rule():
    """Language MAML and FOMAML train with 1 step of alpha 50 and are tested with the recipe's 10
    steps of alpha 1 (their manifests); untrained MAML is built with that rule."""
    for name in ("MAML", "FOMAML"):
        recipe = language.RECIPES[name]
        assert (recipe.test_steps, recipe.test_alpha) == (10, 1.0)
        learner, manifest = language.load(name)
        assert (learner.inner_steps, learner.alpha) == (manifest["test_steps"], manifest["test_alpha"])
        assert (learner.inner_steps, learner.alpha) == (10, 1.0)
        trained_with = manifest["hyperparameters"]
        assert (trained_with["alpha"], trained_with["inner_steps"]) == (50.0, 1)
    untrained = language.learner("untrained MAML")
    assert (untrained.inner_steps, untrained.alpha) == (10, 1.0)


def test_sinusoid_load_applies_the_tuned_alpha():
    learner, manifest = sinusoid.load("pretrained")
    assert learner.alpha == manifest["test_alpha"] and learner.inner_steps == 0


def test_factory_overrides_and_refuses_what_does_not_apply():
    maml = sinusoid.learner("MAML", inner_steps=3, second_order=False)
    assert (maml.name, maml.inner_steps, maml.alpha) == ("FOMAML", 3, 0.01)
    assert sinusoid.learner("Reptile", iterations=100).anneal_iterations == 100
    with pytest.raises(ValueError, match=r"name must be one of \('MAML'"):
        sinusoid.learner("maml")
    with pytest.raises(TypeError, match=r"model does not apply to CNP"):
        sinusoid.learner("CNP", model=mlp())
    with pytest.raises(TypeError):  # settings after the model are keyword-only
        MAML(mlp(), 0.1)


CAPABILITIES = {  # name: (uses_alpha, adapts_by_steps, fixed_ways, has an outer optimizer)
    "MAML": (True, True, 5, True), "FOMAML": (True, True, 5, True), "Reptile": (True, True, 5, False),
    "ProtoNet": (False, False, None, True), "fine-tuned": (True, True, None, True)}


@pytest.mark.parametrize("name", omniglot.LEARNERS)
def test_omniglot_capabilities(name):
    learner = omniglot.learner(name)
    uses_alpha, adapts, ways, optimizer = CAPABILITIES[name]
    assert (learner.uses_alpha, learner.adapts_by_steps, learner.fixed_ways) == (uses_alpha, adapts, ways)
    assert hasattr(learner, "optimizer") == optimizer and ("beta" in learner.hyperparameters) == optimizer


SINUSOID_CAPABILITIES = {  # name: (uses_alpha, adapts_by_steps, has an outer optimizer)
    "MAML": (True, True, True), "FOMAML": (True, True, True), "Reptile": (True, True, False),
    "Meta-LSTM": (False, True, True), "CNP": (False, False, True), "HyperNetwork": (False, False, True),
    "Meta-SGD": (False, True, True), "MAML++": (False, True, True), "pretrained": (True, True, True)}


@pytest.mark.parametrize("name", sinusoid.LEARNERS)
def test_sinusoid_capabilities(name):
    learner = sinusoid.learner(name)
    uses_alpha, adapts, optimizer = SINUSOID_CAPABILITIES[name]
    assert (learner.uses_alpha, learner.adapts_by_steps) == (uses_alpha, adapts)
    assert hasattr(learner, "optimizer") == optimizer
    assert ("beta" in learner.learning_rates.__repr__()) == optimizer


def paper_spellings(value):
    """How a paper's number could be typed: as written, with two decimals, and (for
    percentages) rounded to one."""
    spellings = {repr(value), f"{value:.2f}"}
    if value > 10:
        spellings.add(f"{value:.1f}")
    return spellings


def test_no_lesson_types_a_papers_number(root):
    import nbformat

    numbers = {s for family in (sinusoid, omniglot) for steps in family.PAPER.values()
               for v in steps.values() for s in paper_spellings(v)}
    numbers |= {s for v in navigation.PAPER.values() for s in paper_spellings(v)}
    numbers |= {s for v in arm.PAPER_ML.values() for s in paper_spellings(v)}
    pattern = re.compile(r"(?<![\d.])(" + "|".join(re.escape(n) for n in sorted(numbers)) + r")(?![\d])")
    found = [f"{path.name} cell {i}: {m.group(0)}" for path in sorted((root / "notebooks").rglob("*.ipynb"))
             for i, cell in enumerate(nbformat.read(path, as_version=4).cells)
             for m in pattern.finditer(cell.source)]
    assert not found, f"paper numbers typed in lessons (read them from lesson_lib.recipes): {found}"


def test_readme_quotes_the_recipes_paper_numbers(root):
    readme = (root / "README.md").read_text()
    for name, paper in sinusoid.PAPER.items():
        assert " / ".join(f"{paper[s]:.2f}" for s in sinusoid.TEST_STEPS) in readme, name
    for name, paper in [*omniglot.PAPER.items(), *omniglot.PAPER_TRANSDUCTIVE.items()]:
        shown = " / ".join(f"{np.round(paper[K], 1):g}" for K in omniglot.TEST_SHOTS)
        assert shown in readme, (name, shown)
    for (name, steps), paper in navigation.PAPER.items():
        assert f"| {paper:g} (ANIL paper" in readme, (name, steps, paper)


def test_scratch_is_the_untrained_network_adapted_by_sgd():
    from lesson_lib.tasks import Episode, Sinusoid
    from lesson_lib.training import meta_train

    scratch = sinusoid.learner("scratch", seed=3)
    assert "scratch" not in sinusoid.LEARNERS  # nothing shipped or benchmarked
    assert (scratch.uses_alpha, scratch.adapts_by_steps, scratch.alpha) == (True, True, 0.01)
    fresh = mlp(seed=3)
    assert all(np.array_equal(a, b)
               for a, b in zip(scratch.model.get_weights(), fresh.get_weights(), strict=True))
    ep = Sinusoid(0).sample(3, K=5)
    on_support = scratch.adaptation_curve(Episode(ep.support_x, ep.support_y, ep.support_x, ep.support_y), 3)
    assert on_support.shape == (3, 4) and np.all(np.diff(on_support, axis=1) < 0)  # SGD descends the support
    with pytest.raises(TypeError, match="scratch learner is never meta-trained"):
        meta_train(scratch, Sinusoid(0), 2, K=5, progress=False)
