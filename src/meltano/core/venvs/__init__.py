"""Plugin virtual environments: create them, install `pip_url` into them, know when to redo it.

- `paths`: where a plugin's venv, executables and install log are.
- `plan`: project plugins become install requests (shared venvs, interpreter, `$VAR`s).
- `install`: run the installs (uv or virtualenv + pip), in parallel, atomically.
- `backends`, `python`, `fingerprint`: the installer commands, the interpreter, when to redo.
"""

from __future__ import annotations
