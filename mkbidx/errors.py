"""The one exception type for errors a user can cause: bad file, unknown unit, impossible counts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


class MkbidxError(Exception):
    """A problem with the user's input, explained so that a non-programmer can fix it.

    The message names where the problem is (file, row or unit, column) and what was expected.
    The command line prints it without a traceback and exits non-zero.

    Examples
    --------
    >>> str(MkbidxError("số âm (negative count)", file="a.csv", row=3, column="numerator",
    ...                 expected="một số nguyên ≥ 0"))
    'a.csv, dòng 3, cột "numerator": số âm (negative count); cần: một số nguyên ≥ 0'
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        unit: str | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.row = row
        self.unit = unit
        self.column = column
        self.expected = expected
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.unit:
            where.append(f"đơn vị {self.unit}")
        if self.column:
            where.append(f'cột "{self.column}"')
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.expected:
            text += f"; cần: {self.expected}"
        return text


def short_list(items: Iterable[Any], n: int = 8) -> str:
    """The first ``n`` items joined by commas, with "…" when there are more (the candidates a
    message names).

    Examples
    --------
    >>> short_list(["2024-07", "2024-08"]), short_list(range(10), 3)
    ('2024-07, 2024-08', '0, 1, 2, …')
    """
    items = [str(i) for i in items]
    return ", ".join(items[:n]) + (", …" if len(items) > n else "")
