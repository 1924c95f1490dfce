"""Interactive play: teams decide at injects while the model runs.

Owns the session logic (:mod:`~sim.play.session`, no terminal I/O), the
terminal front end that draws it (:mod:`~sim.play.terminal`) and the
command that ties a session to recording, replay and the debrief
(:mod:`~sim.play.command`). Inside the package the layers point down:
command -> terminal -> session. It may import any layer from
:mod:`sim.jobs` down, never :mod:`sim.authoring` or :mod:`sim.cli`.
"""
