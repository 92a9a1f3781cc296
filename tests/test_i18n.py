"""The language setting (lesson_lib.i18n), its catalog, and Chinese glyphs in figures (lesson_lib.fonts)."""

import ast
import string
import warnings
from pathlib import Path

import matplotlib
import polib
import pytest

from lesson_lib import checks, fonts, i18n
from lesson_lib.i18n import _

PACKAGE = Path(i18n.__file__).parent


@pytest.fixture
def chinese():
    i18n.set_language("zh")
    yield
    i18n.set_language("en")


def fields(text):
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def messages_in_code():
    """{message: file} of every _("literal") and N_("literal") call in the package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path.name} line {node.lineno}: {node.func.id}() must be called with a string literal, "
                    f"so the catalog can list it")
                found[first.value] = path.relative_to(PACKAGE.parent).as_posix()
    return found


def test_english_is_the_default_and_messages_pass_through():
    assert i18n.language() == "en"
    assert _("at the first step") == "at the first step"
    assert _("last finite loss {loss}", loss="0.5") == "last finite loss 0.5"
    assert _("a message nobody translated") == "a message nobody translated"


def test_chinese_messages_with_their_fields(chinese):
    assert _("last finite loss {loss}", loss="0.5") == "最后一个有限的损失值为 0.5"
    with pytest.raises(ValueError, match="K 必须是不小于 1 的整数，但收到的是 0"):
        checks.integer("K", 0, 1)
    assert _("a message nobody translated") == "a message nobody translated"  # shown in English


def test_bad_language_names_the_choices():
    with pytest.raises(ValueError, match=r"language must be one of \['en', 'zh'\]"):
        i18n.set_language("fr")
    assert i18n.language() == "en"


def test_the_environment_sets_the_language(monkeypatch):
    monkeypatch.setenv("LESSON_LIB_LANG", "zh")
    monkeypatch.setattr(i18n, "_language", None)
    try:
        assert i18n.language() == "zh"
        assert _("at the first step") == "在第一步就已发生"
    finally:
        i18n.set_language("en")


def test_every_message_in_the_code_has_a_chinese_translation():
    catalog = i18n.translations("zh")
    code = messages_in_code()
    assert len(code) >= 10
    missing = {message: where for message, where in code.items() if message not in catalog}
    assert not missing, f"add these to {i18n.catalog_path('zh')}: {missing}"
    unused = sorted(set(catalog) - set(code))
    assert not unused, f"no code shows these messages any more; remove them from the catalog: {unused}"


def test_translations_keep_every_field_and_are_final():
    for entry in polib.pofile(str(i18n.catalog_path("zh"))):
        assert entry.msgstr, f"untranslated: {entry.msgid!r}"
        assert "fuzzy" not in entry.flags, f"marked fuzzy (needs review): {entry.msgid!r}"
        assert fields(entry.msgstr) == fields(entry.msgid), f"fields differ: {entry.msgid!r}"


def test_every_translation_formats_as_its_english_does():
    """A field's format spec ({acc:.1%}, {n:d}) copied wrong, or a lone brace, would raise when the
    message is shown; every message is formatted here, in both languages, with the same values."""
    failed = []
    for entry in polib.pofile(str(i18n.catalog_path("zh"))):
        names = fields(entry.msgid)
        if not names:
            continue
        for value in (1, 1.5, "x"):
            try:
                entry.msgid.format(**dict.fromkeys(names, value))
            except (ValueError, TypeError):
                continue
            try:
                entry.msgstr.format(**dict.fromkeys(names, value))
            except (ValueError, TypeError, KeyError, IndexError) as error:
                failed.append(f"{entry.msgid!r} -> {entry.msgstr!r}: {error}")
            break
    assert not failed, "\n".join(failed)


def test_a_translation_that_drops_a_field_is_caught(tmp_path):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="{name} diverged at {i}", msgstr="{name} 发散了"))
    assert fields(po[0].msgstr) != fields(po[0].msgid)


def test_chinese_figure_text_has_its_glyphs(chinese):
    """Fails on matplotlib's "Glyph ... missing from font(s)" warning: a font with Chinese glyphs
    must be installed (apt.txt: fonts-noto-cjk) and chosen."""
    import matplotlib.pyplot as plt

    assert fonts.cjk_family() is not None, f"no font with Chinese glyphs: {fonts.INSTALL}"
    figure, axes = plt.subplots(figsize=(3, 2))
    try:
        axes.set_title("元学习：内循环与外循环")
        axes.set_xlabel("内循环步数 (steps)")
        axes.plot([0, 1], [0, -1], label="支持集 −1")
        axes.legend()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figure.canvas.draw()
    finally:
        plt.close(figure)


def test_without_a_chinese_font_the_student_is_told_how_to_get_one(monkeypatch):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such Font",))
    before = list(matplotlib.rcParams["font.family"])
    with pytest.warns(UserWarning, match="fonts-noto-cjk"):
        fonts.use_for("zh")
    assert list(matplotlib.rcParams["font.family"]) == before


def test_english_figures_keep_matplotlib_s_default_font(chinese):
    assert matplotlib.rcParams["font.family"][0] == fonts.LATIN
    i18n.set_language("en")
    assert matplotlib.rcParams["font.family"] == matplotlib.rcParamsDefault["font.family"]


def test_the_sinusoid_playground_in_chinese(chinese):
    """Lesson 0's playground: its sliders, readout and figure in Chinese, every glyph drawn."""
    from lesson_lib.recipes import sinusoid
    from lesson_lib.widgets import SinusoidPlayground

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # matplotlib's "Glyph ... missing from font(s)"
        playground = SinusoidPlayground({"scratch": sinusoid.learner("scratch")}, show=("scratch",), K=5,
                                        steps=3, amplitude=2.0, phase=1.0)
        png, readout = playground.render()
    assert playground.steps.description == "内循环步数" and playground.new_task.description == "新任务"
    assert readout.startswith("scratch：查询集 MSE 适应前") and png[:4] == b"\x89PNG"
    assert playground.figure.ax_curve.get_title() == "适应曲线"


def test_exercise_feedback_in_chinese(chinese):
    """A checker's verdict, and its title (marked N_ where the checker is defined), in Chinese."""
    from lesson_lib import exercises

    def stub(*args):
        raise NotImplementedError()

    def broken(*args):
        return [][0]

    feedback = exercises.check_maml_task_loss(stub)
    assert feedback.status == "not yet implemented" and feedback.message.startswith("尚未实现")
    assert i18n.translate(feedback.exercise) != feedback.exercise  # the title has a translation
    assert str(feedback).startswith(f"… {i18n.translate(feedback.exercise)}：")
    feedback = exercises.check_maml_task_loss(broken)
    assert feedback.status == "error" and feedback.message.startswith("你的函数抛出了 IndexError")
    assert "（在你的函数第 2 行）" in feedback.message
