"""Fonts for figures in Chinese: matplotlib's default font (DejaVu Sans) has no Chinese glyphs and
draws boxes. With Chinese on, figures use DejaVu Sans for Latin letters and digits and fall back to
the first CJK font found (matplotlib >= 3.6 falls back glyph by glyph along a list of families).

`make lab` and `make test` install Debian's Noto CJK (fonts-noto-cjk, listed in apt.txt, which Binder
reads too); macOS and Windows have PingFang SC or Microsoft YaHei already.
"""

import warnings

from .i18n import N_, _, translate

LATIN = "DejaVu Sans"  # matplotlib's own default, shipped with it
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
                "WenQuanYi Zen Hei", "Heiti SC", "SimHei")  # Simplified Chinese first
INSTALL = N_("install a font with Chinese glyphs: on Debian or Ubuntu `sudo apt-get install fonts-noto-cjk` "
             "(`make lab` does it when it may), on conda `conda install -c conda-forge font-ttf-noto-cjk`; "
             "then restart the kernel")


def cjk_family():
    """The first of CJK_FAMILIES that matplotlib knows, or None."""
    from matplotlib import font_manager

    known = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in known), None)


def use_for(language):
    """Set matplotlib's fonts for `language`: DejaVu Sans alone for English; for Chinese, DejaVu
    Sans then a CJK font (a warning says how to install one when there is none)."""
    import matplotlib

    if language == "en":
        matplotlib.rcParams["font.family"] = matplotlib.rcParamsDefault["font.family"]
        return
    family = cjk_family()
    if family is None:
        warnings.warn(_("No font with Chinese glyphs was found, so Chinese text in figures will show as "
                        "boxes; {install}.", install=translate(INSTALL)), stacklevel=3)
        return
    matplotlib.rcParams["font.family"] = [LATIN, family]
