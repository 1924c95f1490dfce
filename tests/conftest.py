"""Shared test configuration.

Hypothesis profiles: ``ci`` (the default) keeps property tests bounded so
``.ci/run`` stays fast; ``long`` is for hunting bugs locally::

    HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,  # a loaded CI machine must not turn slowness into failures
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,  # a CI failure prints the line that reproduces it locally
)
settings.register_profile(
    "long",
    max_examples=3_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.json from the current engine (tests/test_engine_golden.py)",
    )
