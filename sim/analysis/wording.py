"""How numbers and findings are said in words, for every report and screen.

One place decides how many decimals a figure deserves, how a signed
difference, an interval or a probability is written and how a difference
becomes a sentence, so the terminal, Markdown, HTML and the debrief agree.
Nothing here escapes: each renderer escapes the text for its own format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only annotated: keep numpy out of commands that merely print
    from sim.stats import Difference


def num(v: float) -> str:
    """A figure with as many decimals as its size deserves (0.61, 12.4, 393)."""
    size = abs(v)
    return f"{v:.0f}" if size >= 100 else f"{v:.1f}" if size >= 10 else f"{v:.2f}"


def fixed(v: float, decimals: int = 3) -> str:
    """A figure with a fixed number of decimals, for columns that must line up; never ``-0.000``."""
    return f"{v:z.{decimals}f}"


def signed(v: float, decimals: int | None = None) -> str:
    """:func:`num` (or ``decimals`` places) with an explicit sign; never ``-0.00``."""
    if decimals is not None:
        return f"{v:+z.{decimals}f}"
    return num(v) if v < 0 else "+" + num(v)


def percent(v: float, decimals: int = 1) -> str:
    """A fraction as a percentage: ``0.25`` -> ``25.0%``."""
    return f"{v * 100:.{decimals}f}%"


def span(low: float, high: float, decimals: int = 3) -> str:
    """Two bounds as ``low to high`` with :func:`fixed` decimals."""
    return f"{fixed(low, decimals)} to {fixed(high, decimals)}"


def ordinal(n: int) -> str:
    """``1`` -> ``1st``, ``82`` -> ``82nd``, ``13`` -> ``13th``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def interval(x: Mapping[str, Any]) -> str:
    """A mean with its interval, compactly: ``0.61 (0.58–0.64)``."""
    return f"{num(x['mean'])} ({num(x['ci_low'])}–{num(x['ci_high'])})"


def proportion(x: Mapping[str, Any]) -> str:
    """A success probability with its interval: ``0.50 (0.40–0.60)``."""
    return f"{x['p']:.2f} ({x['ci_low']:.2f}–{x['ci_high']:.2f})"


def diff_decimals(d: Mapping[str, Any]) -> int:
    """Decimals that show a difference and its interval without rounding them to zero."""
    m = max(abs(d["estimate"]), abs(d["ci_low"]), abs(d["ci_high"]))
    if m == 0 or m >= 10:
        return 0 if m >= 100 else 1 if m >= 10 else 2
    return 2 if m >= 0.05 else 3 if m >= 0.005 else 4


def difference(d: Mapping[str, Any]) -> str:
    """A difference with its interval, every bound signed: ``+0.08 (+0.05 to +0.11)``."""
    n = diff_decimals(d)
    return f"{signed(d['estimate'], n)} ({signed(d['ci_low'], n)} to {signed(d['ci_high'], n)})"


def method_phrase(method: str) -> str:
    """How a difference was computed, for readers."""
    return {
        "paired": "paired by seed (common random numbers)",
        "welch": "Welch, independent runs",
        "newcombe": "Newcombe, independent runs",
    }.get(method, method)


def describe_difference(label: str, kpi_label: str, diff: Difference, decimals: int = 2) -> str:
    """One plain-language sentence describing a :class:`Difference`.

    Written for a briefing slide, not a journal: a direction verb, the size of
    the effect, the interval of ``b - a`` and whether it could be chance
    (whether the interval includes zero). For example::

        Policy B raises final trust in Iraq by 0.08 (0.05 to 0.11); more than chance.
        Policy B lowers final trust in Iraq by 0.03 (-0.06 to 0.00); could be chance.
        Policy B makes no difference to final trust in Iraq.

    The verb follows the sign of the estimate and the magnitude is its
    absolute value; an estimate of exactly zero with a non-degenerate
    interval is reported as "changes ... by 0.00". Negative zero is printed
    as ``0.00``.

    Args:
        label: Who/what causes the difference, e.g. ``"Policy B"``.
        kpi_label: What is measured, e.g. ``"final trust in Iraq"``.
        diff: The difference (``b - a``) to describe.
        decimals: Decimal places for the numbers.

    Returns:
        The sentence, ending with a full stop.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals}")
    est, lo, hi = diff.estimate, diff.ci_low, diff.ci_high
    if est == 0.0 and lo == 0.0 and hi == 0.0:
        return f"{label} makes no difference to {kpi_label}."

    # A significant interval must not *read* as touching zero ("-0.20 to 0.00;
    # more than chance"), nor a non-zero effect as "by 0.00": add decimals
    # (up to 4) until every number that is not zero shows as non-zero.
    shown = (est, lo, hi) if diff.significant else (est,)
    nonzero = [v for v in shown if v != 0.0]
    while decimals < 4 and any(round(v, decimals) == 0 for v in nonzero):
        decimals += 1

    def fmt(v: float) -> str:
        return f"{v:z.{decimals}f}"

    verb = "raises" if est > 0 else "lowers" if est < 0 else "changes"
    verdict = "more than chance" if diff.significant else "could be chance"
    return f"{label} {verb} {kpi_label} by {fmt(abs(est))} ({fmt(lo)} to {fmt(hi)}); {verdict}."


def pct(p: float) -> str:
    """A probability as a whole percentage, for trainers: ``0.384`` -> ``38%``."""
    return f"{p * 100:.0f}%"


def points_interval(estimate: float, low: float, high: float, *, sign: bool = True) -> str:
    """A difference of probabilities in percentage points: ``+59 (+49 to +69)``.

    With ``sign=False`` the interval (which must exclude zero) is given as sizes for a
    verb, as in :func:`magnitude_interval`: ``-0.6 (-0.7 to -0.5)`` -> ``60 (50 to 70)``.
    """
    if not sign and estimate < 0:
        estimate, low, high = -estimate, -high, -low
    values = (estimate * 100, low * 100, high * 100)
    n = enough_decimals(values[1:], 0)
    fmt = f"+z.{n}f" if sign else f"z.{n}f"
    return f"{values[0]:{fmt}} ({values[1]:{fmt}} to {values[2]:{fmt}})"


def enough_decimals(values: Sequence[float], start: int) -> int:
    """``start`` or more decimals, until no non-zero value reads as zero and no two
    different values read the same (so neither "-0.04 to -0.04" nor "0.12 (0.12 to 0.13)"
    is printed); at most 6."""
    decimals = start
    while decimals < 6:
        shown = [f"{v:z.{decimals}f}" for v in values]
        reads_zero = any(v != 0 and float(s) == 0 for v, s in zip(values, shown, strict=True))
        merged = len(set(shown)) < len(set(values))
        if not (reads_zero or merged):
            break
        decimals += 1
    return decimals


def size_decimals(size: float) -> int:
    """Decimals a figure of this size deserves (as :func:`num`), before :func:`enough_decimals`."""
    size = abs(size)
    return 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.05 or size == 0 else 3


def magnitude_interval(estimate: float, low: float, high: float) -> str:
    """An interval that excludes zero, as sizes that agree with a verb: ``0.23 (0.22 to 0.25)``.

    A negative difference ``-0.23 (-0.25 to -0.22)`` is said "lowers by 0.23 (0.22 to
    0.25)": the bounds swap and lose their sign, so the sign never contradicts the verb.
    """
    if estimate < 0:
        estimate, low, high = -estimate, -high, -low
    n = enough_decimals(
        (low, estimate, high), size_decimals(max(abs(estimate), abs(low), abs(high)))
    )
    return f"{estimate:z.{n}f} ({low:z.{n}f} to {high:z.{n}f})"


def signed_interval(estimate: float, low: float, high: float) -> str:
    """A difference and its interval, every figure signed: ``+0.004 (-0.001 to +0.009)``."""
    n = enough_decimals(
        (estimate, low, high), size_decimals(max(abs(estimate), abs(low), abs(high)))
    )
    return f"{estimate:+z.{n}f} ({low:+z.{n}f} to {high:+z.{n}f})"


def count_noun(shown: str, label: str) -> str:
    """``1`` + ``incidents that succeeded`` -> ``1 incident that succeeded``; other counts
    keep the plural."""
    if shown == "1":
        label = label.replace("incidents", "incident", 1)
    return f"{shown} {label}"
