"""Plugin processes: the bottom layer every command that starts a plugin goes through.

- `pipes`: spawn processes, wire `tap | mapper | target` with OS pipes, stop them
  (`run_pipeline`), or run one attached to our terminal (`run_command`).
- `children`: the POSIX details: process groups, dying with us, reaping, raw reads.
- `lines`: split what a process writes into lines, with limits; keep the tail of stderr.
- `outcome`: turn exit codes into one `PipelineOutcome` that names who failed (pure).
- `plugin_logs`: a plugin's stderr lines become log lines under its name.

`run`, `el`, `invoke`, `test`, `config test`, catalog discovery, the Airflow database
migration and `schedule run` all start their processes here. Nothing here knows about
plugins, projects or settings: callers hand in a `PluginCommand`.
"""

from __future__ import annotations
