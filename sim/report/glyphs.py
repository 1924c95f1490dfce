"""Keep matplotlib's font complaints off the terminal.

A title in Arabic or Chinese drawn with a font that lacks those characters
makes matplotlib warn once per missing glyph, on stderr, in the middle of a
run's output. The chart still shows a placeholder box for each, and the
HTML page around it shows the text itself, so the warning tells the user
nothing they can act on.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_glyphs() -> Iterator[None]:
    """Silence glyph, font-lookup and layout warnings while charts are drawn.

    Usable as a decorator (``@quiet_glyphs()``) on the function that draws.
    """
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
            warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
            # Very long titles squeeze the axes; the chart is still drawn.
            warnings.filterwarnings("ignore", message=r"constrained_layout not applied")
            yield
    finally:
        logger.setLevel(level)
