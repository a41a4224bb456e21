"""The DVCQG reporting API over HTTP: requests, a polite session, and checks of every answer.

Verified against public clients (``ChippedTopaz/qd766`` ``collection.py``/``periods.py`` and
``docs/API_CONTRACT_M0.md``, ``hauphanquoc/766-Analyze`` ``collector.js``,
``duynghiaqn/Crawler-766``'s discovery of ``service-results``):

- ``POST {base}/api/v1/reporting/evaluation/<endpoint>`` with a JSON body; success is HTTP 201
  (200 accepted) with ``{"code": "OK", "data": {...}}``; no login.
- Body ``{"timeType": "month", "year": 2026, "month": 8, "rootDepartmentId": ..., "currentPage":
  1, "pageSize": 200}``; a quarter has ``"quarter": 3``, a year neither. ``handling-satisfaction``
  takes ``fromDate``/``toDate`` (the period's first and last day) instead of ``timeType``.
  ``dvc-progress-tree`` and ``formality-online-payment-tree`` are asked with ``pageSize`` 100
  (what the portal's own page sends). A procedure adds ``formalityId`` (``formalityID`` for
  ``dossier-digitized``; ``handling-satisfaction`` has no procedure filter).
- ``service-results`` with ``"departmentType": "ADMINISTRATIVE_UNIT"`` and no root: the national
  overview ("Cả nước") and the 34 provinces.
- The non-tree endpoints (and ``service-results``) end with ``"pagination": {"total",
  "currentPage", "pageSize", "totalPages"}``; page ``k`` is asked with ``"currentPage": k``
  (:func:`request_body` ``page``) and :func:`check_pages` verifies that the pages hold every
  child once. Tree endpoints answer every child at once.
- The procedure catalogue ``POST {base}/api/v1/reporting/formalities`` with ``{"q": "2.000815",
  "currentPage": 1, "pageSize": 10}`` answers ``data.items`` (``id``, ``code``, ``name``, ...) and
  ``data.pagination`` (``ChippedTopaz/qd766`` ``docs/API_CONTRACT_M0.md`` and its fixture
  ``formalities/code-2.000815-page-1.json``): :func:`find_formality`.
- A web application firewall may answer 403/406/429, or an HTML page ("Request Rejected",
  "Support ID") even with a 2xx status, or reset the connection. The client stops at once on
  those: no retry, no evasion.

The session sends one request at a time, waits at least ``delay`` seconds (plus jitter) between
requests, retries (at most twice, with backoff) only connection errors and 5xx, and has a
timeout on every request. All names here are English; messages for the user are Vietnamese.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from mkbidx import __version__
from mkbidx.periods import parse, period_bounds

__all__ = [
    "DEFAULT_BASE_URL",
    "GROUP_ENDPOINTS",
    "MIN_DELAY",
    "PAGINATED",
    "Formality",
    "PortalRefused",
    "PortalSession",
    "PortalUnreachable",
    "Reply",
    "WrongAnswer",
    "check_pages",
    "check_reply",
    "envelope",
    "find_formality",
    "page_count",
    "request_body",
]

DEFAULT_BASE_URL = "https://dichvucong.gov.vn"
API_PREFIX = "/api/v1/reporting/evaluation/"
GROUP_ENDPOINTS = (
    "transparency",
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
    "handling-satisfaction",
    "dossier-digitized",
)
NATIONAL = "service-results"
TREE_ENDPOINTS = frozenset(e for e in GROUP_ENDPOINTS if e.endswith("-tree"))
PAGINATED = frozenset(e for e in (*GROUP_ENDPOINTS, NATIONAL) if e not in TREE_ENDPOINTS)
"""Endpoints whose answer ends with ``pagination`` (every page is fetched)."""
CATALOGUE = "/api/v1/reporting/formalities"
CATALOGUE_PAGE_SIZE = 10  # what the portal's own page asks
CATALOGUE_MAX_PAGES = 3  # a code search that has not found the code by then will not
PAGE_SIZE = {"dvc-progress-tree": 100, "formality-online-payment-tree": 100}
DEFAULT_PAGE_SIZE = 200
FORMALITY_KEY = {"dossier-digitized": "formalityID", "handling-satisfaction": None}
MIN_DELAY = 0.5
MAX_RETRIES = 2
REFUSAL_STATUSES = frozenset({403, 406, 429})
WAF_MARKERS = ("request rejected", "support id", "the requested url was rejected", "ndc waf")
NATIONAL_NAMES = ("ca nuoc", "toan quoc")
HEADERS = {
    "Accept": "application/json, text/plain, */*",
    "Content-Type": "application/json",
    "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5",
    "User-Agent": f"mkbidx/{__version__} (Bo chi so 766; one request at a time)",
}


class PortalRefused(Exception):
    """The portal (or its firewall) refused: stop at once, keep what was fetched."""


class PortalUnreachable(Exception):
    """Connection errors, timeouts or 5xx after the retries."""


class WrongAnswer(Exception):
    """An answer that is not what was asked (not JSON, not OK, another unit, incomplete)."""


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, kept byte for byte."""

    url: str
    body: dict[str, Any]
    status: int
    content_type: str
    content: bytes
    received_at: str
    attempts: int


def request_body(
    endpoint: str,
    period: str,
    *,
    root_department_id: str | None,
    formality_id: str | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> dict[str, Any]:
    """The JSON body the portal's page sends for ``endpoint`` and ``period`` (page ``page``).

    ``page_size`` is the page size page 1 was answered with (for ``service-results``, whose
    first request sends none).

    Examples
    --------
    >>> request_body("transparency", "2026-08", root_department_id="R")
    {'timeType': 'month', 'year': 2026, 'month': 8, 'rootDepartmentId': 'R', 'currentPage': 1, \
'pageSize': 200}
    >>> request_body("handling-satisfaction", "2026-Q3", root_department_id="R")
    {'fromDate': '2026-07-01', 'toDate': '2026-09-30', 'rootDepartmentId': 'R', 'currentPage': 1, \
'pageSize': 200}
    >>> request_body("service-results", "2026", root_department_id=None)
    {'timeType': 'year', 'year': 2026, 'departmentType': 'ADMINISTRATIVE_UNIT'}
    >>> request_body("transparency", "2026", root_department_id="R", page=2)["currentPage"]
    2
    """
    p = parse(period)
    if endpoint == NATIONAL:
        body: dict[str, Any] = _time_fields(p)
        body["departmentType"] = "ADMINISTRATIVE_UNIT"
        if page > 1:
            body["currentPage"] = page
            body["pageSize"] = page_size or DEFAULT_PAGE_SIZE
        return body
    if endpoint == "handling-satisfaction":
        first, last = period_bounds(str(p))
        body = {"fromDate": first.isoformat(), "toDate": last.isoformat()}
    else:
        body = _time_fields(p)
    body["rootDepartmentId"] = root_department_id
    body["currentPage"] = page
    body["pageSize"] = PAGE_SIZE.get(endpoint, DEFAULT_PAGE_SIZE)
    if formality_id:
        key = FORMALITY_KEY.get(endpoint, "formalityId")
        if key is not None:
            body[key] = formality_id
    return body


def _time_fields(p: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"timeType": p.kind, "year": p.year}
    if p.kind == "month":
        body["month"] = p.index
    elif p.kind == "quarter":
        body["quarter"] = p.index
    return body


def _looks_like_html(content: bytes, content_type: str) -> bool:
    head = content[:2048].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<"))


def _waf_text(content: bytes) -> str:
    text = content[:4096].decode("utf-8", "replace").lower()
    found = [m for m in WAF_MARKERS if m in text]
    return f" ({', '.join(found)})" if found else ""


class PortalSession:
    """One polite connection to the portal: sequential, spaced, bounded in time.

    Parameters
    ----------
    base_url
        ``https://dichvucong.gov.vn`` or a replay server; the API paths are appended.
    delay
        Seconds between two requests (at least :data:`MIN_DELAY`), plus up to 25 % jitter.
    timeout
        Seconds for connecting and for reading each answer.
    sleep, clock
        Injected for tests of the spacing (default :func:`time.sleep`, :func:`time.monotonic`).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        delay: float = 1.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.delay = max(float(delay), MIN_DELAY)
        self._sleep, self._clock = sleep, clock
        self._rng = rng or random.Random()
        self._last: float | None = None
        self.requests = 0
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={
                **HEADERS,
                "Origin": self.base_url,
                "Referer": f"{self.base_url}/danh-gia-chat-luong-phuc-vu",
            },
            follow_redirects=False,
        )

    def __enter__(self) -> PortalSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def url(self, endpoint: str) -> str:
        """An evaluation endpoint's URL, or ``base_url`` + ``endpoint`` for a path ("/api/...")."""
        return f"{self.base_url}{'' if endpoint.startswith('/') else API_PREFIX}{endpoint}"

    def _wait(self) -> None:
        if self._last is None:
            return
        pause = self.delay * (1 + 0.25 * self._rng.random())
        remaining = self._last + pause - self._clock()
        if remaining > 0:
            self._sleep(remaining)

    def post(self, endpoint: str, body: dict[str, Any]) -> Reply:
        """POST ``body`` to ``endpoint``; the parsed envelope with the exact bytes.

        Raises
        ------
        PortalRefused
            403/406/429 or an HTML page: no retry.
        PortalUnreachable
            Connection errors, timeouts, 5xx, after :data:`MAX_RETRIES` retries with backoff.
        WrongAnswer
            Another 4xx, a body that is not a JSON envelope with ``code`` OK (a truncated body
            included).
        """
        url = self.url(endpoint)
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        problem = ""
        for attempt in range(1, MAX_RETRIES + 2):
            if attempt > 1:
                self._sleep(self.delay * 2 ** (attempt - 1) * (1 + 0.25 * self._rng.random()))
            self._wait()
            self.requests += 1
            try:
                response = self._client.post(url, content=payload)
                content = response.content
            except (httpx.TransportError, httpx.DecodingError) as exc:
                problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
                continue
            finally:
                self._last = self._clock()
            status = response.status_code
            ctype = response.headers.get("content-type", "")
            if status in REFUSAL_STATUSES:
                raise PortalRefused(f"HTTP {status}{_waf_text(content)}")
            if _looks_like_html(content, ctype):
                raise PortalRefused(f"HTTP {status}, trang HTML thay cho JSON{_waf_text(content)}")
            if status >= 500:
                problem = f"HTTP {status}"
                continue
            if status not in (200, 201):
                raise WrongAnswer(f"HTTP {status}")
            return Reply(
                url=url,
                body=envelope(content),
                status=status,
                content_type=ctype,
                content=content,
                received_at=datetime.now(UTC).isoformat(timespec="seconds"),
                attempts=attempt,
            )
        raise PortalUnreachable(f"{problem} (sau {MAX_RETRIES + 1} lần thử)")


def envelope(content: bytes) -> dict[str, Any]:
    """The parsed ``{"code": "OK", "data": {...}}`` answer; :class:`WrongAnswer` otherwise."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WrongAnswer(
            f"JSON không hợp lệ hoặc bị cắt cụt (malformed/truncated JSON): {exc}"
        ) from None
    ok = isinstance(doc, dict) and doc.get("code") == "OK" and isinstance(doc.get("data"), dict)
    if not ok:
        code = doc.get("code") if isinstance(doc, dict) else type(doc).__name__
        raise WrongAnswer(f"phong bì phản hồi không phải code OK (envelope code {code!r})")
    return doc


def _fold(text: Any) -> str:
    import unicodedata

    s = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in s if not unicodedata.combining(c)).lower().strip()


def _children_key(endpoint: str) -> tuple[str, str]:
    if endpoint == NATIONAL or endpoint not in TREE_ENDPOINTS:
        return "overview", "evaluation"
    return "parent", "children"


def check_reply(
    endpoint: str,
    reply: Reply,
    *,
    root_department_id: str | None,
    portal_code: str | None,
    page: int = 1,
) -> None:
    """Raise :class:`WrongAnswer` unless ``reply`` is page ``page`` of the requested unit's answer.

    The root (``parent`` or ``overview``) must be the requested unit: its ``departmentId`` equals
    the requested root, or (the portal sometimes relabels ids) its ``departmentCode`` equals the
    province's portal code; the national "Cả nước" answer is never accepted for a province.
    Every child has a ``departmentId``; a paginated answer says it is page ``page``. That the
    pages together hold every child is :func:`check_pages`.
    """
    data = reply.body["data"]
    if endpoint == NATIONAL:
        children = data.get("evaluation")
        if not isinstance(children, list) or not children:
            raise WrongAnswer("bảng xếp hạng toàn quốc rỗng (no provinces in service-results)")
        _check_children(children)
        _check_page(data, page)
        return
    root_key, children_key = _children_key(endpoint)
    root = data.get(root_key)
    children = data.get(children_key)
    if not isinstance(root, dict) or not isinstance(children, list):
        raise WrongAnswer(f"thiếu data.{root_key} hoặc data.{children_key} (unexpected shape)")
    name = root.get("departmentName")
    if _fold(name) in NATIONAL_NAMES or (not root.get("departmentId") and not children):
        raise WrongAnswer(f"Cổng trả số liệu toàn quốc ('{name}') thay cho tỉnh (national answer)")
    same_id = root.get("departmentId") == root_department_id
    same_code = portal_code is not None and root.get("departmentCode") == portal_code
    if not (same_id or same_code):
        raise WrongAnswer(
            f"phản hồi của đơn vị khác (another unit): '{name}' "
            f"departmentId {root.get('departmentId')}, departmentCode "
            f"{root.get('departmentCode')}; đã yêu cầu {root_department_id}"
            + (f" ({portal_code})" if portal_code else "")
        )
    _check_children(children)
    if endpoint in PAGINATED:
        _check_page(data, page)


def _check_children(children: list[Any]) -> None:
    for i, child in enumerate(children, start=1):
        if not isinstance(child, dict) or not child.get("departmentId"):
            raise WrongAnswer(f"đơn vị con thứ {i} không có departmentId (child without id)")


def _pagination(data: dict[str, Any]) -> dict[str, Any] | None:
    page = data.get("pagination")
    return page if isinstance(page, dict) else None


def _check_page(data: dict[str, Any], page: int) -> None:
    info = _pagination(data)
    if info is None:
        if page > 1:
            raise WrongAnswer(f"trang {page} không có pagination (page without pagination)")
        return  # the answer says nothing about pages: all of it came in one
    current, pages = info.get("currentPage"), info.get("totalPages")
    if isinstance(current, int) and current != page:
        raise WrongAnswer(f"Cổng trả trang {current} thay cho trang {page} (wrong page)")
    if isinstance(pages, int) and page > max(pages, 1):
        raise WrongAnswer(f"trang {page} vượt quá {pages} trang (page beyond totalPages)")


def page_count(endpoint: str, body: dict[str, Any]) -> tuple[int, int | None]:
    """``(totalPages, pageSize)`` of a parsed answer (``(1, None)`` without pagination).

    >>> page_count("transparency", {"data": {"pagination": {"total": 450, "currentPage": 1,
    ...     "pageSize": 200, "totalPages": 3}}})
    (3, 200)
    >>> page_count("dvc-progress-tree", {"data": {"children": []}})
    (1, None)
    """
    if endpoint not in PAGINATED:
        return 1, None
    info = _pagination(body.get("data") or {})
    if info is None:
        return 1, None
    pages, size = info.get("totalPages"), info.get("pageSize")
    pages = pages if isinstance(pages, int) and pages > 0 else 1
    return pages, size if isinstance(size, int) and size > 0 else None


def check_pages(endpoint: str, bodies: list[dict[str, Any]]) -> None:
    """Raise :class:`WrongAnswer` unless ``bodies`` (pages 1..n, parsed) are one whole answer.

    Pages 1..``totalPages`` each once, the same ``total`` and ``totalPages`` on every page, every
    child once across the pages, and the children add up to ``total``.
    """
    _, children_key = _children_key(endpoint)
    infos = [_pagination(b["data"]) for b in bodies]
    if endpoint not in PAGINATED or infos[0] is None:
        return
    first = infos[0]
    pages, total = first.get("totalPages"), first.get("total")
    for k, info in enumerate(infos, start=1):
        if info is None:
            raise WrongAnswer(f"trang {k} không có pagination (page without pagination)")
        if info.get("currentPage", k) != k:
            raise WrongAnswer(f"trang {k} tự ghi là trang {info.get('currentPage')} (wrong page)")
        if (info.get("totalPages"), info.get("total")) != (pages, total):
            raise WrongAnswer(
                f"các trang không khớp nhau (pages disagree): trang 1 ghi {total} đơn vị/"
                f"{pages} trang, trang {k} ghi {info.get('total')}/{info.get('totalPages')}; "
                "số liệu thay đổi giữa hai lần hỏi"
            )
    if isinstance(pages, int) and len(bodies) != max(pages, 1):
        raise WrongAnswer(f"có {len(bodies)}/{pages} trang (missing pages)")
    ids: list[Any] = [c.get("departmentId") for b in bodies for c in b["data"][children_key]]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise WrongAnswer(f"đơn vị {dup} có ở hai trang (duplicate child across pages)")
    if isinstance(total, int) and total != len(ids):
        raise WrongAnswer(f"phản hồi thiếu hoặc thừa đơn vị: {len(ids)}/{total} (pagination total)")


# ------------------------------------------------------------------------ procedure catalogue
@dataclass(frozen=True)
class Formality:
    """A procedure (thủ tục hành chính) of the portal's catalogue."""

    id: str
    code: str
    name: str
    lookup: dict[str, Any]  # the catalogue request: url, body, status, sha256, bytes


def find_formality(session: PortalSession, code: str) -> Formality | None:
    """The procedure whose ``code`` is exactly ``code`` (e.g. ``"2.000815"``), or None.

    Asks the catalogue with ``{"q": code, "currentPage": k, "pageSize": 10}``, page after page
    while the code is not found (at most :data:`CATALOGUE_MAX_PAGES`).

    Raises
    ------
    PortalRefused, PortalUnreachable, WrongAnswer
        As :meth:`PortalSession.post`; WrongAnswer also for a catalogue answer without
        ``data.items`` or with two procedures of the same code.
    """
    for page in range(1, CATALOGUE_MAX_PAGES + 1):
        body = {"q": code, "currentPage": page, "pageSize": CATALOGUE_PAGE_SIZE}
        reply = session.post(CATALOGUE, body)
        data = reply.body["data"]
        items = data.get("items")
        if not isinstance(items, list):
            raise WrongAnswer("danh mục TTHC không có data.items (unexpected catalogue shape)")
        hits = {
            str(i.get("id")): i
            for i in items
            if isinstance(i, dict) and str(i.get("code") or "").strip() == code and i.get("id")
        }
        if len(hits) > 1:
            raise WrongAnswer(
                f"mã TTHC {code} ứng với {len(hits)} thủ tục (ambiguous): " + ", ".join(hits)
            )
        if hits:
            fid, item = next(iter(hits.items()))
            lookup = {
                "url": reply.url,
                "request_body": body,
                "status": reply.status,
                "received_at": reply.received_at,
                "bytes": len(reply.content),
                "sha256": hashlib.sha256(reply.content).hexdigest(),
            }
            return Formality(fid, code, str(item.get("name") or ""), lookup)
        pages, _ = page_count(NATIONAL, reply.body)  # the catalogue paginates like the lists
        if page >= pages:
            return None
    return None
