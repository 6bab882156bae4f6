"""One-pass, mergeable statistics (SPEC §3)."""

from labelcheck.stats.column import ColumnStats, kind_of
from labelcheck.stats.dataset import ColumnPlan, DatasetStats, plan_columns

__all__ = ["ColumnPlan", "ColumnStats", "DatasetStats", "kind_of", "plan_columns"]
