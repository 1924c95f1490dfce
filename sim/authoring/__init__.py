"""Tools for scenario authors: lints, trial runs, briefs, scaffolds and schemas.

Owns the authoring lints behind ``ttx validate`` (and the trial run behind
``--strict``, which calls the runner), satisfiability of conditions over
value intervals, the participants' brief and the controllers' events list
(MSEL), the ``ttx new`` scaffold, the JSON
Schema export and the generated field reference. It sits beside
:mod:`sim.play` on top of the library and may import any layer below
(:mod:`sim.jobs` and down), never :mod:`sim.play` or :mod:`sim.cli`.
"""
