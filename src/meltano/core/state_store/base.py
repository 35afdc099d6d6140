"""4.4.1's import path for what state backend add-ons subclass and exchange.

`StateStoreManager`, `MeltanoState` and the errors are defined in `meltano.core.state.addon_api`
and driven through our StateBackend protocol by `meltano.core.state.backends.addon`. Only
re-exports.
"""

from __future__ import annotations

from meltano.core.state.addon_api import (
    MeltanoState,
    MissingStateBackendSettingsError,
    StateIDLockedError,
    StateStoreManager,
    UnsupportedStateBackendURIError,
)

__all__ = [
    "MeltanoState",
    "MissingStateBackendSettingsError",
    "StateIDLockedError",
    "StateStoreManager",
    "UnsupportedStateBackendURIError",
]
