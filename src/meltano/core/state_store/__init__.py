"""4.4.1's package for state stores; add-ons import `meltano.core.state_store.base` from it.

Our state backends live in `meltano.core.state`; this package only keeps 4.4.1's import paths.
"""
