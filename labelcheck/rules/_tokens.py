"""Small helpers shared by the token rules (pure functions of token statistics)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from labelcheck.rules.base import DropRows, Finding, Proposal, RuleContext, Unfixed

if TYPE_CHECKING:  # the kind's module loads with its first column (start-up)
    from labelcheck.stats.tokens import TokenStats

#: Row numbers named in a finding's message (the JSON lists every kept one).
SHOWN = 5


def token_columns(ctx: RuleContext, *roles: str) -> Iterable[tuple[str, TokenStats]]:
    """The token columns (of these roles, or all), with rows."""
    for name, stats in ctx.stats.of_kind("tokens").items():
        if stats.rows and (not roles or stats.role in roles):
            yield name, stats


def anchor(ctx: RuleContext) -> tuple[str, TokenStats] | None:
    """The column whose statistic holds the once-per-row flags (lengths, emptiness)."""
    plan = ctx.stats.plan.tokens
    if plan is None or plan.anchor is None:
        return None
    stats = ctx.stats.of_kind("tokens").get(plan.anchor)
    return (plan.anchor, stats) if stats is not None and stats.rows else None


def drop_failing(finding: Finding, check: str, **params: object) -> list[Proposal]:
    """The token rules' fix: drop the rows of the finding's column failing ``check``
    (``stats.tokens.failing_rows``: what the scan flagged); unfixed without a column."""
    if finding.column is None:
        return [Unfixed()]
    return [DropRows(finding.column, check, **params)]  # type: ignore[arg-type]


def rows_text(rows: Sequence[int], total: int, limit: int = SHOWN) -> str:
    """'rows 3, 17 and 40' / 'rows 3, 17, 40, 41, 52 and 1,204 more' / 'row 3'."""
    shown = [f"{r:,}" for r in rows[:limit]]
    more = total - len(shown)
    word = "row" if total == 1 else "rows"
    if more > 0:
        return f"{word} {', '.join(shown)} and {more:,} more"
    if len(shown) > 1:
        return f"{word} {', '.join(shown[:-1])} and {shown[-1]}"
    return f"{word} {shown[0]}" if shown else word


def verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many
