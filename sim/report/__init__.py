"""Run and comparison reports: JSON files, Markdown and HTML renderings."""
