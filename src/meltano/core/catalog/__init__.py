"""Singer catalogs: validation, the discovery cache, and select/metadata/schema rules.

Everything here is pure (a catalog is a plain JSON dict) except `document.read_catalog` and
`document.write_catalog`, which touch one file each.
"""

from __future__ import annotations
