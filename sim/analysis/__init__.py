"""What the numbers mean: the KPI catalogue, comparisons, the debrief and their wording.

Owns the KPI catalogue (names, labels, which direction is better),
comparison of run reports, the debrief of a played session and how figures
and differences are put into words (:mod:`sim.analysis.wording`); the
estimators themselves are in :mod:`sim.stats`. Its results are plain data
that :mod:`sim.report` renders. It may import :mod:`sim.runs` and
everything below it, never a renderer or a terminal.
"""
