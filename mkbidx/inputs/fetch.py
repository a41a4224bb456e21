"""``mkbidx fetch``: a province's six group responses and the national summary, kept as served.

One folder per fetch (default ``data/raw/portal/<province code>/<period>/``) holds each answer
byte for byte as ``<endpoint>.json`` (a paginated answer's pages 2.. as
``<endpoint>.page-2.json``, ...) and ``manifest.json`` (URL, request body, status, content
type, time, SHA-256, bytes, mkbidx version, complete or not). The manifest is rewritten after
every file, so an interrupted run can resume: a rerun keeps every file whose hash verifies and
fetches only what is missing or damaged. A complete folder is never touched again; ``refresh``
makes a new dated snapshot beside it. Readers take the folder as it is (period and notes from
the manifest, :mod:`mkbidx.inputs.snapshot`).

The HTTP side (polite session, request bodies, checks) is :mod:`mkbidx.inputs.portal_client`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkbidx import __version__
from mkbidx.errors import MkbidxError
from mkbidx.inputs import portal_client as pc
from mkbidx.inputs import units
from mkbidx.inputs.portal_ids import PortalProvince, lookup_keys, name_keys, portal_province
from mkbidx.inputs.snapshot import (
    MANIFEST_KIND,
    MANIFEST_NAME,
    page_file,
    read_manifest,
    sha256,
)
from mkbidx.inputs.text import normalize_period
from mkbidx.io import write_atomic
from mkbidx.paths import DATA
from mkbidx.periods import period_bounds

__all__ = [
    "EXIT_PORTAL",
    "RAW_PORTAL",
    "FetchResult",
    "check_connection",
    "default_folder",
    "fetch",
    "last_ended_month",
    "resolve_formality",
    "resolve_province",
]

RAW_PORTAL = DATA / "raw" / "portal"
EXIT_PORTAL = 3
"""Exit status when the portal refused or could not be reached (what was fetched is kept)."""
VN_TIME = timezone(timedelta(hours=7))
FORMALITY_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
FORMALITY_CODE = re.compile(r"\d{1,2}\.\d{3,7}")
"""A procedure code of the national database, e.g. ``1.001234`` or ``2.000815``."""
MANIFEST_VERSION = 1
LAST_MONTH_OF_63_PROVINCES = "2025-06"
"""The provinces before the reorganisation of 1/7/2025 are those of this month."""


@dataclass
class FetchResult:
    """What :func:`fetch` did."""

    folder: Path
    complete: bool
    fetched: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else EXIT_PORTAL


def resolve_province(text: str) -> PortalProvince:
    """The province by official code, portal code, ``departmentId`` or name; a province before
    1/7/2025 ("10", "Yên Bái") is refused with the province it is in now (the portal has only
    the 34)."""
    try:
        return portal_province(text)
    except MkbidxError:
        former = _former_province(text)
        if former is None:
            raise
    old_code, old_name, code_now = former
    now = portal_province(code_now)
    raise MkbidxError(
        f"{str(text).strip()!r} là {old_name} (mã {old_code}) trước 1/7/2025, nay thuộc "
        f"{now.code} {now.name}; Cổng DVCQG chỉ còn 34 tỉnh, thành phố (former province)",
        column="--province",
        expected=f"--province {now.code}",
    )


def _former_province(text: str) -> tuple[str, str, str] | None:
    """(old code, old name, code now) of the province before 1/7/2025 that ``text`` codes or
    names ("10", "Yên Bái", "tỉnh Hà Giang"); None if it names none.

    Examples
    --------
    >>> _former_province("10"), _former_province("Vinh Phuc")
    (('10', 'Tỉnh Lào Cai', '15'), ('26', 'Tỉnh Vĩnh Phúc', '25'))
    """
    registry = units.default_registry()
    wanted = set(lookup_keys(text))
    frame = registry.frame(LAST_MONTH_OF_63_PROVINCES)
    for row in frame[frame["level"] == "province"].itertuples():
        successors = registry.successors(row.unit_code)
        if wanted & {row.unit_code, *name_keys(row.unit_name)} and successors:
            return row.unit_code, row.unit_name, successors[0]
    return None


MAX_SECONDS = 3600.0
"""The longest --delay or --timeout taken (an hour): beyond it a number is a typo."""


def check_connection(base_url: str | None, *, delay: float, timeout: float) -> str:
    """The portal address to use (default :data:`~mkbidx.inputs.portal_client.DEFAULT_BASE_URL`)
    after checking the options of a fetch: an http(s) address with a host, a ``delay`` of at
    least :data:`~mkbidx.inputs.portal_client.MIN_DELAY` seconds and a ``timeout`` above 0, both
    at most :data:`MAX_SECONDS`.

    >>> check_connection(None, delay=1, timeout=30)
    'https://dichvucong.gov.vn'
    >>> check_connection("ftp://x", delay=1, timeout=30)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mkbidx.errors.MkbidxError: cột "--base-url": địa chỉ 'ftp://x' không phải http(s)://máy chủ ...
    """
    base = (base_url or pc.DEFAULT_BASE_URL).strip().rstrip("/")
    parts = urlsplit(base)
    try:
        port_ok = parts.port is None or parts.port >= 0  # a port above 65535 raises
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or any(c.isspace() for c in base)
    ):
        raise MkbidxError(
            f"địa chỉ {base_url!r} không phải http(s)://máy chủ (invalid URL)",
            column="--base-url",
            expected=f"vd. {pc.DEFAULT_BASE_URL} hoặc http://127.0.0.1:8000",
        )
    most = f"{MAX_SECONDS:g}"
    checks = (  # each comparison is False for NaN
        (
            "--delay",
            delay,
            pc.MIN_DELAY <= float(delay) <= MAX_SECONDS,
            f"từ {pc.MIN_DELAY:g} đến {most}",
        ),
        ("--timeout", timeout, 0 < float(timeout) <= MAX_SECONDS, f"lớn hơn 0, tối đa {most}"),
    )
    for option, value, ok, bounds in checks:
        if not ok:
            raise MkbidxError(
                f"{option} {value} không hợp lệ (out of range)",
                column=option,
                expected=f"số giây {bounds}",
            )
    return base


def resolve_formality(text: str | None, session: pc.PortalSession) -> pc.Formality | None:
    """``--formality``: a ``formalityId`` (UUID) as it is, a procedure code looked up in the
    portal's catalogue (one request), None for none.

    Raises
    ------
    MkbidxError
        Neither a UUID nor a procedure code, or a code the catalogue does not have.
    PortalRefused, PortalUnreachable, WrongAnswer
        The catalogue could not be asked.
    """
    if text is None or not str(text).strip():
        return None
    value = str(text).strip()
    if FORMALITY_UUID.fullmatch(value):
        return pc.Formality(value.lower(), "", "", {})
    if not FORMALITY_CODE.fullmatch(value):
        raise MkbidxError(
            f"--formality '{value}' không phải mã TTHC hay formalityId (not a procedure)",
            column="--formality",
            expected="mã TTHC như 2.000815 hoặc formalityId dạng UUID",
        )
    found = pc.find_formality(session, value)
    if found is None:
        raise MkbidxError(
            f"không có TTHC mã {value} trong danh mục của Cổng (unknown procedure code)",
            column="--formality",
            expected="mã TTHC có trên dichvucong.gov.vn, vd. 2.000815, hoặc formalityId",
        )
    return found


def today_vn() -> date:
    return datetime.now(VN_TIME).date()


def last_ended_month(today: date | None = None) -> str:
    """The last month that has ended (Vietnam time).

    >>> last_ended_month(date(2026, 9, 5)), last_ended_month(date(2026, 1, 1))
    ('2026-08', '2025-12')
    """
    d = (today or today_vn()).replace(day=1) - timedelta(days=1)
    return f"{d.year:04d}-{d.month:02d}"


def _check_period(period: str, *, provisional: bool, today: date) -> str:
    period = normalize_period(period, column="--period")
    first, last = period_bounds(period)
    if first > today:
        raise MkbidxError(
            f"kỳ {period} chưa bắt đầu (future period)",
            column="--period",
            expected=f"một kỳ đã kết thúc, vd. {last_ended_month(today)}",
        )
    if last >= today and not provisional:
        raise MkbidxError(
            f"kỳ {period} chưa kết thúc (period not ended): số liệu còn thay đổi",
            column="--period",
            expected=f"kỳ đã kết thúc, vd. {last_ended_month(today)}, "
            "hoặc --provisional để lấy số liệu tạm tính",
        )
    return period


def default_folder(
    province: PortalProvince,
    period: str,
    *,
    provisional: bool = False,
    formality_id: str | None = None,
    root: Path = RAW_PORTAL,
) -> Path:
    """``data/raw/portal/<code>/<period>/`` (``-provisional``, ``-tthc-<id>`` variants apart).

    >>> p = PortalProvince("25", "H44", "019d", "Tỉnh Phú Thọ")
    >>> default_folder(p, "2026-08", root=Path("raw")).as_posix()
    'raw/25/2026-08'
    >>> default_folder(p, "2026-12", provisional=True, root=Path("raw")).name
    '2026-12-provisional'
    """
    name = period
    if formality_id:
        name += f"-tthc-{formality_id}"
    if provisional:
        name += "-provisional"
    return Path(root) / province.code / name


def _plan(formality_id: str | None) -> list[str]:
    """Endpoints to fetch; a procedure drill-down has no satisfaction filter and no national
    summary."""
    if formality_id:
        return [e for e in pc.GROUP_ENDPOINTS if pc.FORMALITY_KEY.get(e, "") is not None]
    return [*pc.GROUP_ENDPOINTS, pc.NATIONAL]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    write_atomic(folder / MANIFEST_NAME, lambda p: p.write_text(text, encoding="utf-8"))


def _verified(folder: Path, entry: dict[str, Any]) -> bool:
    path = folder / entry["file"]
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return len(data) == entry.get("bytes") and sha256(data) == entry.get("sha256")


def _identity(province: PortalProvince, period: str, formality_id: str | None, prov: bool):
    return {
        "province": {
            "code": province.code,
            "portal_code": province.portal_code,
            "department_id": province.department_id,
            "name": province.name,
        },
        "period": period,
        "formality_id": formality_id,
        "provisional": prov,
    }


def _snapshot_folder(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder.with_name(f"{folder.name}_snapshot-{stamp}")


def fetch(
    province: PortalProvince,
    period: str,
    *,
    folder: str | Path | None = None,
    formality_id: str | None = None,
    base_url: str | None = None,
    delay: float = 1.0,
    timeout: float = 30.0,
    refresh: bool = False,
    provisional: bool = False,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    session: pc.PortalSession | None = None,
) -> FetchResult:
    """Fetch ``period`` of ``province`` into a folder (resume, never overwrite a complete set).

    Parameters
    ----------
    province
        From :func:`resolve_province` (its ``department_id`` is the ``rootDepartmentId``).
    period
        ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; it must have ended unless ``provisional``.
    folder
        Where the files go (default :func:`default_folder`).
    formality_id
        A procedure: its ``formalityId`` (UUID) or its code (``"2.000815"``, looked up in the
        portal's catalogue).
    base_url
        Replaces ``https://dichvucong.gov.vn`` (a replay server in tests).
    delay, timeout
        Seconds between requests (at least 0.5, plus jitter) and per request.
    refresh
        A complete folder gets a new dated snapshot beside it instead of being kept as is.

    Returns
    -------
    FetchResult
        ``complete`` False when the portal refused, failed or answered something else: the
        files fetched so far are kept and verified, the manifest says incomplete and why.

    Raises
    ------
    MkbidxError
        Bad arguments: a period that has not ended (without ``provisional``), a folder that
        holds something else, an unknown procedure code.
    """
    say = progress or (lambda line: print(line, file=sys.stderr))
    period = _check_period(period, provisional=provisional, today=today or today_vn())
    base = check_connection(base_url, delay=delay, timeout=timeout)
    own = session is None
    session = session or pc.PortalSession(base, delay=delay, timeout=timeout)
    try:
        try:
            formality = resolve_formality(formality_id, session)
        except (pc.PortalRefused, pc.PortalUnreachable, pc.WrongAnswer) as exc:
            where = Path(folder) if folder is not None else RAW_PORTAL / province.code
            return FetchResult(
                where,
                False,
                message=f"Cổng trả lời danh mục TTHC (formalities): {exc}; dừng lại, chưa lấy "
                "tệp nào",
            )
        if formality is not None and formality.code:
            say(f"mkbidx fetch: TTHC {formality.code}: {formality.name} ({formality.id})")
        return _fetch(
            province,
            period,
            folder=folder,
            formality=formality,
            base=base,
            refresh=refresh,
            provisional=provisional,
            say=say,
            session=session,
        )
    finally:
        if own:
            session.close()


def _entry(name: str, endpoint: str, body: dict[str, Any], reply: pc.Reply, page: int) -> dict:
    return {
        "file": name,
        "endpoint": endpoint,
        "page": page,
        "method": "POST",
        "url": reply.url,
        "request_body": body,
        "status": reply.status,
        "content_type": reply.content_type,
        "received_at": reply.received_at,
        "attempts": reply.attempts,
        "bytes": len(reply.content),
        "sha256": sha256(reply.content),
    }


def _fetch(
    province: PortalProvince,
    period: str,
    *,
    folder: str | Path | None,
    formality: pc.Formality | None,
    base: str,
    refresh: bool,
    provisional: bool,
    say: Callable[[str], None],
    session: pc.PortalSession,
) -> FetchResult:
    formality_id = formality.id if formality else None
    target = (
        Path(folder)
        if folder is not None
        else default_folder(province, period, provisional=provisional, formality_id=formality_id)
    )
    identity = _identity(province, period, formality_id, provisional)
    plan = _plan(formality_id)
    expected = [f"{e}.json" for e in plan]
    old = read_manifest(target) if target.is_dir() else None
    if old is None and target.is_dir() and any(target.iterdir()):
        raise MkbidxError(
            "thư mục đã có tệp khác, không phải bản lấy từ Cổng (folder not empty)",
            file=target,
            expected="một thư mục trống hoặc thư mục do mkbidx fetch tạo",
        )
    entries: dict[str, dict[str, Any]] = {}
    if old is not None:
        if any(old.get(k) != v for k, v in identity.items()):
            raise MkbidxError(
                "thư mục chứa bản lấy khác (another fetch in folder): "
                f"{old.get('province', {}).get('name')} kỳ {old.get('period')}",
                file=target / MANIFEST_NAME,
                expected=f"thư mục của {province.name} kỳ {period}, hoặc một thư mục khác",
            )
        good = {e["file"]: e for e in old.get("files", []) if _verified(target, e)}
        if old.get("complete") and (refresh or len(good) < len(old.get("files", []))):
            why = "--refresh" if refresh else "tệp bị hỏng (hash differs)"
            target = _snapshot_folder(target)
            say(f"mkbidx fetch: bản đầy đủ cũ được giữ nguyên; {why}: lấy bản mới vào {target}")
        elif old.get("complete"):
            say(f"mkbidx fetch: {target} đã đủ {len(good)} tệp, mã băm khớp; không lấy lại")
            return FetchResult(target, True, kept=sorted(good), message="đã đủ")
        else:
            entries = good
            for name in sorted({e["file"] for e in old.get("files", [])} - set(good)):
                say(f"mkbidx fetch: {name} hỏng hoặc mất (hash differs): lấy lại")
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "kind": MANIFEST_KIND,
        "manifest_version": MANIFEST_VERSION,
        "mkbidx_version": __version__,
        **identity,
        "formality": (
            {"id": formality.id, "code": formality.code, "name": formality.name, **formality.lookup}
            if formality is not None and formality.code
            else (old or {}).get("formality")
        ),
        "base_url": base,
        "started_at": (old or {}).get("started_at") if entries else _now(),
        "finished_at": None,
        "complete": False,
        "stopped": None,
        "expected_files": expected,
        "files": [],
    }

    def save() -> None:
        manifest["expected_files"] = expected
        manifest["files"] = sorted(
            (e for e in entries.values() if e["file"] in expected),
            key=lambda e: expected.index(e["file"]),
        )
        _write_manifest(target, manifest)

    save()
    result = FetchResult(target, False, kept=sorted(entries))
    endpoint, page, body = plan[0], 1, {}
    try:
        for i, endpoint in enumerate(plan, start=1):
            root = None if endpoint == pc.NATIONAL else province.department_id
            bodies: list[dict[str, Any]] = []
            pages, size, page = 1, None, 1
            while page <= pages:
                name = page_file(endpoint, page)
                body = pc.request_body(
                    endpoint,
                    period,
                    root_department_id=root,
                    formality_id=formality_id,
                    page=page,
                    page_size=size,
                )
                of = f" trang {page}/{pages}" if pages > 1 else ""
                if name in entries:
                    parsed = pc.envelope((target / name).read_bytes())
                    say(f"mkbidx fetch: [{i}/{len(plan)}] {endpoint}{of}: đã có, mã băm khớp")
                else:
                    reply = session.post(endpoint, body)
                    pc.check_reply(
                        endpoint,
                        reply,
                        root_department_id=root,
                        portal_code=province.portal_code,
                        page=page,
                    )
                    write_atomic(target / name, lambda p, c=reply.content: p.write_bytes(c))
                    entries[name] = _entry(name, endpoint, body, reply, page)
                    result.fetched.append(name)
                    parsed = reply.body
                if page == 1:
                    pages, size = pc.page_count(endpoint, parsed)
                    at = expected.index(name) + 1
                    expected[at:at] = [page_file(endpoint, k) for k in range(2, pages + 1)]
                    of = f" trang 1/{pages}" if pages > 1 else ""
                save()
                if name in result.fetched:
                    n_bytes = entries[name]["bytes"]
                    say(
                        f"mkbidx fetch: [{i}/{len(plan)}] {endpoint}{of}: HTTP "
                        f"{entries[name]['status']}, {n_bytes:,} byte".replace(",", ".")
                    )
                bodies.append(parsed)
                page += 1
            try:
                pc.check_pages(endpoint, bodies)
            except pc.WrongAnswer:
                # pages that do not add up: none of them is kept, a rerun asks them all again
                for k in range(1, pages + 1):
                    entries.pop(page_file(endpoint, k), None)
                    (target / page_file(endpoint, k)).unlink(missing_ok=True)
                page = 1
                raise
    except (
        pc.PortalRefused,
        pc.PortalUnreachable,
        pc.WrongAnswer,
        KeyboardInterrupt,
    ) as exc:
        kind = {
            pc.PortalRefused: "refused",
            pc.PortalUnreachable: "unreachable",
            pc.WrongAnswer: "wrong_answer",
            KeyboardInterrupt: "interrupted",
        }[type(exc)]
        manifest["stopped"] = {
            "endpoint": endpoint,
            "page": page,
            "reason": kind,
            "detail": str(exc),
            "request_body": body,
            "at": _now(),
        }
        save()
        n = len(manifest["files"])
        where = f"{endpoint} trang {page}" if page > 1 else endpoint
        said = f"Cổng trả lời {where}: {exc}" if str(exc) else f"{where}: bị ngắt"
        result.message = (
            f"{said}; dừng lại (stopped, {kind}). Đã giữ {n}/"
            f"{len(expected)} tệp đã kiểm tra trong {target} (chưa đủ, incomplete); "
            "chạy lại lệnh để lấy nốt"
        )
        return result
    manifest["complete"] = (
        all(_verified(target, e) for e in manifest["files"])
        and [e["file"] for e in manifest["files"]] == expected
    )
    manifest["finished_at"] = _now()
    save()
    result.complete = manifest["complete"]
    result.message = (
        f"đã lấy đủ {len(expected)} tệp của {province.name} kỳ {period} vào {target}"
        if result.complete
        else f"chưa đủ tệp trong {target} (incomplete)"
    )
    return result
