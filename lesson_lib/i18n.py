"""The language a student reads: English by default, Simplified Chinese with `LESSON_LIB_LANG=zh`
in the environment or `set_language("zh")` at the top of a lesson (the Chinese lessons in
notebooks/zh/ start with that call).

Messages are English in the code and looked up at display time with `_`:

    _("accuracy after {k} steps", k=5)    # "accuracy after 5 steps", or "5 步后的准确率"

A message written down before it is shown (an exercise's title, a table of labels) is marked with
`N_` where it is written, so the catalog lists it, and looked up with `translate` where it is shown:

    TITLE = N_("MAML's per-task meta-loss")   # stays English here
    translate(TITLE)                           # "MAML 的单任务元损失" when the language is Chinese

The translations are gettext catalogs, lesson_lib/locale/<language>/LC_MESSAGES/lesson_lib.po,
the format translators' tools read (Poedit, Weblate), read here with polib. A message with no
translation is shown in English; tests/test_i18n.py fails when a message in the code has none,
or when a translation drops or adds a {field}.
"""

import functools
import os
from pathlib import Path

LANGUAGES = {"en": "English", "zh": "简体中文"}
LOCALE = Path(__file__).parent / "locale"
DOMAIN = "lesson_lib"
_language = None


def catalog_path(code):
    """The .po file of language `code`."""
    return LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def _check(code):
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {sorted(LANGUAGES)} ({', '.join(LANGUAGES.values())}), "
                         f"got {code!r}")
    return code


def language():
    """The current language's code: set_language's, else LESSON_LIB_LANG's, else "en"."""
    global _language
    if _language is None:
        _language = _check(os.environ.get("LESSON_LIB_LANG", "en").strip().lower() or "en")
        if _language != "en":  # English leaves matplotlib's fonts as they are
            _on_change(_language)
    return _language


def set_language(code):
    """Show every label, readout, figure text, progress bar and message in language `code`
    ("en" or "zh") from now on; figures with Chinese text get a font with Chinese glyphs."""
    global _language
    _language = _check(code)
    _on_change(_language)
    return _language


def _on_change(code):
    from . import fonts

    fonts.use_for(code)


@functools.cache
def translations(code):
    """{English message: translation} of language `code` (none for English)."""
    if code == "en":
        return {}
    import polib

    path = catalog_path(code)
    if not path.exists():
        return {}
    return {entry.msgid: entry.msgstr for entry in polib.pofile(str(path))
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags}


def _(message, /, **fields):
    """`message` in the current language, its {fields} filled in."""
    text = translate(message)
    return text.format(**fields) if fields else text


def N_(message, /):
    """Mark `message` for the catalog without translating it (gettext's no-op marker): it is
    translated later, where it is shown, with `translate`."""
    return message


def translate(message, /):
    """A message marked with N_ (or any message of the catalog) in the current language."""
    return translations(language()).get(message, message)
