"""Running deliverables: the notebook runner, its registry of report kinds, batch and index.

Importing this package keeps jsonschema from building its IRI grammar. ``nbformat`` (through
papermill, nbclient and nbconvert) imports ``jsonschema``, whose format checkers import the
optional ``rfc3987_syntax`` when it is installed (Jupyter Server pulls it in, for the explorer
app); that module builds a 38-rule Earley parser at import, about 1.1 s of every process that
reads a notebook. No notebook schema checks the ``iri`` format, so the checker is left out: a
``None`` in ``sys.modules`` makes the import fail as if the package were absent, and jsonschema
skips it. A process that imported jsonschema before this package keeps its checker.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
