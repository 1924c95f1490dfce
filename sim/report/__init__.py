"""Presentation: Markdown, HTML, SVG charts, CSV and the terminal.

Owns every rendering of run, comparison and debrief reports, the jinja2
environment and templates (the brief's page too, which
:mod:`sim.authoring` fills), the Markdown escaping, the terminal progress
bar, and writing rendered files. It turns the plain data of :mod:`sim.runs`
and :mod:`sim.analysis` into text and may import those layers and
everything below them; nothing in the library below it imports a renderer.
"""
