"""Singer catalogs: validation, the discovery cache, and select/metadata/schema rules.

- `document`: parse/validate a catalog (`InvalidCatalogError` names its source), atomic writes.
- `rules.apply_rules`: the extractor's `schema`, `select`, `metadata`, `select_filter` extras,
  in 4.4.1's order, built from `schema_extra`, `select`, `metadata_extra` over `metadata` passes.
- `listing`: the rows and text/JSON of `meltano select --list/--json`.
- `cache`: the cache key (equal to 4.4.1's) and `CatalogCache` in the plugin's run directory.
- `run_catalog.catalog_for_run`: custom file, cache or discovery, then the rules, for one run.
- `discovery`: capability decisions, the `--discover` command line, discovery errors.
- `edits`: add/remove patterns of the `select` list (`meltano select`).

Everything is pure (a catalog is a plain JSON dict) except the file reads and writes in
`document`, `cache` and `run_catalog`.
"""

from __future__ import annotations
