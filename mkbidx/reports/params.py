"""Parameters of the monthly report template, validated once at the edge.

The notebook's first cell after ``parameters`` calls :func:`validate_parameters`; the runner
(:mod:`mkbidx.run.runner`) calls it before it starts a kernel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mkbidx import methodology as _methodology
from mkbidx import periods as _periods
from mkbidx.errors import MkbidxError
from mkbidx.inputs import readers
from mkbidx.paths import DEFAULT_DATA

SCOPE_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")


@dataclass(frozen=True)
class ReportParameters:
    """The validated parameters of a report template (see :func:`validate_parameters`)."""

    period: str
    scope: str
    data_path: Path
    output_dir: Path | None
    methodology: str | None
    dossiers: Path | None = None
    procedures: Path | None = None
    provisional: bool = False

    def as_dict(self) -> dict[str, str | bool | None]:
        """The parameters as JSON-ready text (for the manifest); the dossier parameters only
        when a dossier table is given (a report without one is the same as before)."""
        out: dict[str, str | bool | None] = {
            "period": self.period,
            "scope": self.scope,
            "data_path": str(self.data_path),
            "output_dir": str(self.output_dir) if self.output_dir is not None else None,
            "methodology": self.methodology,
        }
        if self.dossiers is not None:
            out["dossiers"] = str(self.dossiers)
            out["procedures"] = str(self.procedures) if self.procedures is not None else ""
            out["provisional"] = self.provisional
        return out


def validate_parameters(
    *,
    period: str,
    scope: str,
    data_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    methodology: str | None = None,
    dossiers: str | Path | None = None,
    procedures: str | Path | None = None,
    provisional: bool = False,
) -> ReportParameters:
    """Check the parameters of a report template and normalise them.

    Parameters
    ----------
    period
        The report month, ``"YYYY-MM"`` (``"8/2024"`` and ``"tháng 8/2024"`` are accepted).
    scope
        Code of the unit whose units are ranked (``"083"``: the communes of Mường Khương).
    data_path
        A data file or folder; empty or None: the project's embedded data (``data/sample``).
    output_dir
        Folder the report's figures and tables are written to; empty or None: write nothing.
    methodology
        A methodology id or YAML path; empty or None: the current version.
    dossiers, procedures
        A dossier table (``../shared/dossiers.md``) and its optional procedures side table;
        empty or None: none (the portal's counts only).
    provisional
        With a dossier table: a running month is counted as of the table's latest time.

    Returns
    -------
    ReportParameters

    Raises
    ------
    MkbidxError
        A period that is not a month, a scope that is not a unit code, a missing data path, an
        unknown methodology.

    Examples
    --------
    >>> p = validate_parameters(period="8/2024", scope=" 083 ")
    >>> p.period, p.scope, p.data_path.name, p.output_dir
    ('2024-08', '083', 'sample', None)
    """
    text = str(period).strip() if period is not None else ""
    normalized = readers.normalize_period(text, column="period")
    if _periods.period_kind(normalized) != "month":
        raise MkbidxError(
            f"báo cáo tháng cần một tháng, không phải '{period}' (monthly period)",
            column="period",
            expected='"YYYY-MM", vd. "2024-08"',
        )
    code = str(scope).strip() if scope is not None else ""
    if not SCOPE_PATTERN.fullmatch(code):
        raise MkbidxError(
            f"mã phạm vi (scope) không hợp lệ: '{scope}'",
            column="scope",
            expected='mã đơn vị cha, vd. "083" (chữ, số, ".", "-", "_")',
        )
    data = Path(data_path).expanduser() if data_path not in (None, "") else DEFAULT_DATA
    if not data.exists():
        raise MkbidxError(
            "không tìm thấy dữ liệu (data path not found)",
            file=data,
            expected="một tệp hoặc thư mục dữ liệu (.json, .csv, .xlsx)",
        )
    out = Path(output_dir).expanduser() if output_dir not in (None, "") else None
    method = str(methodology).strip() if methodology not in (None, "") else None
    _methodology.load(method)  # raises MkbidxError for an unknown id or a bad YAML
    files = []
    for given, what in ((dossiers, "tệp hồ sơ"), (procedures, "tệp danh mục TTHC")):
        path = Path(given).expanduser() if given not in (None, "") else None
        if path is not None and not path.exists():
            raise MkbidxError(
                f"không tìm thấy {what} (file not found)",
                file=path,
                expected="một tệp .csv hoặc .parquet (xem dossiers.md)",
            )
        files.append(path.resolve() if path is not None else None)
    return ReportParameters(
        normalized, code, data.resolve(), out, method, *files, bool(provisional)
    )
