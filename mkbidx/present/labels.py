"""Short Vietnamese labels of flags the core computes (shown in tables, charts and notes).

The core flags rows with neutral columns (e.g. ``reconstructed=True`` from
:func:`mkbidx.core.history.reconstruct_merged`); the words shown for them live here.

>>> RECONSTRUCTED_LABEL
'số liệu dựng lại'
"""

from __future__ import annotations

RECONSTRUCTED_LABEL = "số liệu dựng lại"
"""Label of reconstructed history (rows with ``reconstructed=True``) in tables and charts."""
