"""Section 9, fan-out: one 1M-record tap into two targets, against the same in a shell.

Arms, interleaved round by round:
- `shell tee`: `tap | tee fifo | target > /dev/null` with a second target reading the FIFO,
  which is `tap | tee >(target) | target` in bash with the second target waited for, so its CPU
  is counted (bash does not wait for a process substitution);
- `meltano fan-out`: `meltano run --full-refresh tap-counter target-jsonl target-b`, the
  tap's output copied to both targets in the kernel (tee(2) + splice(2));
- `bare pipe`: one `tap | target`, for scale.
"""

from __future__ import annotations

import shlex
from functools import partial

from measure import measure
from sections import LINE_WIDTH, STATE_EVERY, Plan, Summary, cell, progress, run_arms
from workspace import MELTANO_YML, Workspace, init_project, tap_env

RECORDS = 1_000_000
SECOND_TARGET = """\
  - name: target-b
    inherit_from: target-jsonl
"""


def shell_tee(ws: Workspace) -> list[str]:
    """Both targets to /dev/null, the second fed through a FIFO, both waited for."""
    config = ws.root / "target.json"
    config.write_text('{"path": "/dev/null"}')
    fifo = ws.root / "fan-out.fifo"
    target = shlex.join([str(ws.target), "--config", str(config)])
    script = (
        f"rm -f {shlex.quote(str(fifo))} && mkfifo {shlex.quote(str(fifo))} && "
        f"{{ {target} < {shlex.quote(str(fifo))} > /dev/null & }} && "
        f"{shlex.quote(str(ws.tap))} | tee {shlex.quote(str(fifo))} | {target} > /dev/null && wait"
    )
    return ["sh", "-c", script]


def fan_out(ws: Workspace, plan: Plan) -> dict[str, Summary]:
    progress(f"fan-out: {RECORDS:,} records into two targets")
    text = MELTANO_YML.format(project_id="bench-fan-out", tap=ws.tap, target=ws.target)
    text = text.replace("jobs:\n", SECOND_TARGET + "jobs:\n", 1)
    project = init_project(ws.ours.executable, ws.root / "fan-out", "ours", text)
    env = tap_env(records=RECORDS, state_every=STATE_EVERY, width=LINE_WIDTH)
    command = [
        str(project.executable),
        "run",
        "--full-refresh",
        "tap-counter",
        "target-jsonl",
        "target-b",
    ]
    arms = {
        "bare pipe": partial(measure, ws.bare_pipe(), cwd=ws.root, env=env),
        "shell tee": partial(measure, shell_tee(ws), cwd=ws.root, env=env),
        "meltano fan-out": partial(measure, command, cwd=project.project, env=env),
    }
    results = run_arms(arms, plan.big_rounds)
    tee = results["shell tee"]
    print(
        f"\n9. Fan-out: tap-counter into two target-jsonl, {RECORDS:,} records of ~100 bytes, "
        f"a STATE every {STATE_EVERY:,}\n   cpu = user+sys of every process of the arm; "
        "ratios against the shell's `tap | tee >(target) | target`"
    )
    print(f"{'arm':<17}{'cpu s':>9}{'wall s':>9}{'own s':>8}{'cpu/tee':>9}{'wall/tee':>10}")
    for name, summary in results.items():
        print(
            f"{name:<17}{cell(summary, summary.cpu)}{cell(summary, summary.wall)}"
            f"{cell(summary, summary.own_cpu, '.2f', 8)}"
            f"{cell(summary, summary.cpu / tee.cpu, '.3f', 9)}"
            f"{cell(summary, summary.wall / tee.wall, '.3f', 10)}"
        )
    return results
