"""What the row rules (LC301-LC303) share: the low-cardinality judgement."""

from __future__ import annotations

from labelcheck.options import Thresholds
from labelcheck.stats.rows import RowSummary


def low_cardinality(summary: RowSummary, thresholds: Thresholds) -> bool:
    """True when repeats are what the data is made of, not a defect.

    A handful of binary features has at most a few hundred distinct rows, so
    thousands of rows must repeat: at most ``low_cardinality_rows`` distinct
    feature rows, and at least four rows per distinct one.
    """
    distinct = summary.distinct_features
    return distinct <= thresholds.low_cardinality_rows and summary.rows >= 4 * distinct
