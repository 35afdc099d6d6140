"""4.4.1's import path for MeltanoError, for add-ons written against it (see docs/state.md).

Part of the small compatibility surface for state backend add-ons: `meltano.core.error`,
`meltano.core.setting_definition` and `meltano.core.state_store.base`. Nothing in Meltano
imports these modules; they only re-export.
"""

from __future__ import annotations

from meltano.core.errors import MeltanoError

__all__ = ["MeltanoError"]
