"""Column names of the tidy frames that cross layers.

>>> from mkbidx import schemas
>>> schemas.UNIT_PERIOD_COLUMNS[:2]
['period', 'unit_code']
"""

from __future__ import annotations

UNIT_COLUMNS = ["unit_code", "unit_name", "level", "parent_code"]
"""A unit's identity and labels: official code, name, level and parent's code."""

UNIT_PERIOD_COLUMNS = ["period", *UNIT_COLUMNS]
"""A unit's labels in one period (the registry changes on 1/7/2025)."""

COUNT_COLUMNS = ["period", "unit_code", "group", "metric", "numerator", "denominator"]
"""The raw counts of a metric for a unit and period (long format)."""
