"""Exploration: does a scenario's policy ranking survive other plausible numbers?

Owns sampling designs over a scenario's ``uncertainties:`` (:mod:`.design`),
running every policy at every point on common seeds through the run
executors (:mod:`.execute`) with per-point checkpoints (:mod:`.checkpoint`),
the Parquet results file (:mod:`.store`), and what is built on that file:
robustness, sensitivity and scenario discovery (:mod:`.robustness`,
:mod:`.sensitivity`, :mod:`.discovery`), their combined findings
(:mod:`.findings`), the report and its charts (:mod:`.report`,
:mod:`.charts`) and the use case ``ttx explore`` calls (:mod:`.job`). It
sits at the jobs level: it may import :mod:`sim.report` and every layer
below it, never :mod:`sim.play`, :mod:`sim.authoring` or :mod:`sim.cli`.
Inside it, imports point down: job -> report -> (findings | charts) ->
(robustness | sensitivity | discovery) -> execute -> checkpoint -> store ->
design.
"""
