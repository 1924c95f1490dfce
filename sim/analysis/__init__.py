"""What the numbers mean: statistics, comparison and the play debrief.

Owns the estimators (intervals, paired and unpaired differences, running
statistics), the KPI catalogue (names, labels, which direction is better),
comparison of run reports and the debrief of a played session. Its
results are plain data that :mod:`sim.report` renders. It may import
:mod:`sim.runs` and everything below it, never a renderer or a terminal.
"""
