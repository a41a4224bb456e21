"""Dossier tables (one row per dossier) and the 766 counts derived from them.

See :mod:`.columns` for the table's contract.
"""
