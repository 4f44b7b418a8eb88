"""docs/states.md is generated from the code's own choices, so the two cannot drift apart."""
from __future__ import annotations

from rectify.accounts.roles import Role

from .models import Assignment
from .states import DONE_STATES, OPEN_STATES, TASK_TRANSITIONS, AssignmentState, TaskState


def states_markdown() -> str:
    lines = [
        "# States, transitions and roles",
        "",
        "Generated from `rectify/tasks/states.py` and `rectify/accounts/roles.py` by",
        "`rectify manage docs_states > docs/states.md`; a test fails when this file and the code differ.",
        "",
        "## Task states",
        "",
        "| code | 中文 | may change to | counts as |",
        "|---|---|---|---|",
    ]
    for state in TaskState:
        targets = "、".join(f"{TaskState(t).label} (`{t}`)" for t in sorted(TASK_TRANSITIONS[state])) or "—"
        kind = "open (a passed deadline makes it overdue)" if state in OPEN_STATES else "done" if state in DONE_STATES else ""
        lines.append(f"| `{state.value}` | {state.label} | {targets} | {kind} |")
    lines += ["", "## Assignment states", "", "| code | 中文 |", "|---|---|"]
    lines += [f"| `{s.value}` | {s.label} |" for s in AssignmentState]
    lines += ["", "## Assignment roles", "", "| code | 中文 |", "|---|---|"]
    lines += [f"| `{r.value}` | {r.label} |" for r in Assignment.Role]
    lines += ["", "## User roles", "", "| code | 中文 |", "|---|---|"]
    lines += [f"| `{r.value}` | {r.label} |" for r in Role]
    return "\n".join(lines) + "\n"
