"""The scenario format and everything that reads it.

Owns the shared vocabulary (partner variables, threat and initiative kinds,
outcomes), the pydantic models of a scenario and a policy file, the parameter
tables, the YAML source that keeps every node's position, the condition
language, cross-reference checks and the loader that turns a file into a
validated :class:`~sim.scenario.models.Scenario` or a list of
``FILE:LINE:COL`` problems. It describes *what* an exercise is, never how it
runs: it may import only :mod:`sim.errors` and the standard library,
pydantic and PyYAML.
"""
