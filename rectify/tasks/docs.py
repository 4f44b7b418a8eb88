"""docs/states.md is generated from the code's own choices, so the two cannot drift apart."""
from __future__ import annotations

from rectify.accounts.roles import Role

from .models import Assignment
from .states import DONE_STATES, OPEN_STATES, STEP_ENDPOINTS, TRANSITIONS, AssignmentState, Step, TaskState


def states_markdown() -> str:
    lines = [
        "# States, transitions and roles",
        "",
        "Generated from `rectify/tasks/states.py` and `rectify/accounts/roles.py` by",
        "`rectify manage docs_states > docs/states.md`; a test fails when this file and the code differ.",
        "",
        "## Task states",
        "",
        "A transition marked *via* a step is reached only through that step, which leaves its own record;",
        "the generic state change (`POST /api/v1/tasks/{uuid}/transition`, the 开始整改 button) offers only",
        "the others and refuses these, naming the step.",
        "",
        "| code | 中文 | may change to | counts as |",
        "|---|---|---|---|",
    ]
    for state in TaskState:
        targets = "、".join(
            f"{TaskState(t.target).label} (`{t.target}`{f', via `{t.via}`' if t.via else ''})"
            for t in sorted((t for t in TRANSITIONS if t.source == state), key=lambda t: t.target)
        ) or "—"
        kind = "open (a passed deadline makes it overdue)" if state in OPEN_STATES else "done" if state in DONE_STATES else ""
        lines.append(f"| `{state.value}` | {state.label} | {targets} | {kind} |")
    lines += ["", "## Workflow steps", "", "| step | 中文 | API operation |", "|---|---|---|"]
    lines += [f"| `{s.value}` | {s.label} | `{STEP_ENDPOINTS[s]}` |" for s in Step]
    lines += ["", "## Assignment states", "", "| code | 中文 |", "|---|---|"]
    lines += [f"| `{s.value}` | {s.label} |" for s in AssignmentState]
    lines += ["", "## Assignment roles", "", "| code | 中文 |", "|---|---|"]
    lines += [f"| `{r.value}` | {r.label} |" for r in Assignment.Role]
    lines += ["", "## User roles", "", "| code | 中文 |", "|---|---|"]
    lines += [f"| `{r.value}` | {r.label} |" for r in Role]
    return "\n".join(lines) + "\n"
