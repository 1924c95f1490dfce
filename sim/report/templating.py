"""The one jinja2 environment every HTML page is rendered in.

Run and comparison reports, the play debrief and the participants' brief
share its settings, so none can forget one: autoescaping (scenario text is
always shown as text, never run as markup), undefined names as errors
instead of blanks, and the number filters of :mod:`sim.analysis.wording`,
so a figure reads the same on every page and on the terminal. Every page
extends ``base.html.j2``: one self-contained document with inline CSS, no
scripts and no external assets.

jinja2 is imported on first use, so commands that write no HTML never load it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sim import __version__
from sim.analysis.verdict import difference_figures, estimate_text, verdict_word
from sim.analysis.wording import (
    difference,
    fixed,
    interval,
    method_phrase,
    num,
    pct,
    percent,
    proportion,
    signed,
)


@cache
def environment() -> Any:
    """The shared ``jinja2.Environment`` over ``sim/report/templates``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=num,
        fixed=fixed,
        signed=signed,
        percent=percent,
        interval=interval,
        proportion=proportion,
        difference=difference,
        pct=pct,
    )
    env.globals.update(method_phrase=method_phrase, ttx_version=__version__)
    # The comparison's verdicts, worded as in Markdown and on the terminal.
    env.globals.update(
        verdict_word=verdict_word, difference_figures=difference_figures, estimate=estimate_text
    )
    return env


def render(template: str, **context: Any) -> str:
    """``template`` rendered with ``context``."""
    return str(environment().get_template(template).render(**context))
