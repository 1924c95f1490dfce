"""Statistics for replicated simulation output, knowing nothing of ttx.

Owns estimators (means, paired and Welch differences, Wilson and Newcombe
intervals for proportions), online mean and variance that merge across
workers, and replication planning. The methods, with references, are in
``docs/statistics.md``. It sits at the bottom of the library, beside
:mod:`sim.errors`, because both the runs layer (aggregating replications)
and the analysis layer (comparing runs) need it; it imports numpy and,
lazily, scipy, and nothing of ttx.
"""

from sim.stats.estimators import (
    MAX_REPLICATIONS,
    Difference,
    Summary,
    paired_difference,
    summarize,
    t_quantile,
    welch_difference,
)
from sim.stats.planning import percentile_of, relative_half_width, replications_needed
from sim.stats.proportions import (
    Proportion,
    paired_proportion_difference,
    proportion_difference,
    wilson_interval,
)
from sim.stats.running import RunningStats

__all__ = [
    "MAX_REPLICATIONS",
    "Difference",
    "Proportion",
    "RunningStats",
    "Summary",
    "paired_difference",
    "paired_proportion_difference",
    "percentile_of",
    "proportion_difference",
    "relative_half_width",
    "replications_needed",
    "summarize",
    "t_quantile",
    "welch_difference",
    "wilson_interval",
]
