"""docs/permissions.md is generated from the permission table, so the two cannot drift apart."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .permissions import ACTIONS
from .roles import DESCRIPTIONS, Role


@dataclass
class Grant:
    """What an expression of predicates grants: a condition per role (``None``: whatever the role),
    conditions on the record that hold for every role, and the exceptions."""

    per_role: dict[str, str] | None = None
    requires: list[str] = field(default_factory=list)
    excepts: list[str] = field(default_factory=list)


def _leaf(name: str) -> Grant:
    if name not in DESCRIPTIONS:
        raise KeyError(f"predicate {name!r} has no describe(...) entry: say what it grants next to its definition")
    d = DESCRIPTIONS[name]
    return Grant(per_role=dict(d["who"])) if d["who"] else Grant(requires=[d["condition"]])


def _negate(g: Grant) -> Grant:
    if g.per_role is not None or g.excepts:
        raise NotImplementedError("only a condition predicate may be negated in the table")
    return Grant(excepts=list(g.requires))


def _and(a: Grant, b: Grant) -> Grant:
    if a.per_role is None or b.per_role is None:
        per_role = a.per_role if b.per_role is None else b.per_role
    else:
        per_role = {r: f"{a.per_role[r]}，且{b.per_role[r]}" for r in a.per_role if r in b.per_role}
    return Grant(per_role, a.requires + b.requires, a.excepts + b.excepts)


def _or(a: Grant, b: Grant) -> Grant:
    if a.per_role is None and b.per_role is None and not a.excepts and not b.excepts:
        return Grant(requires=["，或".join(a.requires + b.requires)])
    if a.requires or a.excepts or b.requires or b.excepts or a.per_role is None or b.per_role is None:
        raise NotImplementedError("an | of conditions cannot be shown per role; describe a predicate for it")
    per_role = dict(a.per_role)
    for r, text in b.per_role.items():
        per_role[r] = f"{per_role[r]}；或{text}" if r in per_role else text
    return Grant(per_role)


def _parse(tokens: list[str]) -> Grant:
    """Read a rules predicate name such as ``((a & b) & ~c)`` (as ``rules`` composes them)."""
    head = tokens.pop(0)
    if head == "~":
        return _negate(_parse(tokens))
    if head != "(":
        return _leaf(head)
    left = _parse(tokens)
    op = tokens.pop(0)
    right = _parse(tokens)
    if tokens.pop(0) != ")":
        raise ValueError("unbalanced predicate name")
    return _and(left, right) if op == "&" else _or(left, right)


def grant_of(predicate: Any) -> Grant:
    return _parse(re.findall(r"[()~&|]|\w+", predicate.name))


def permissions_markdown() -> str:
    roles = list(Role)
    lines = [
        "# Who may do what",
        "",
        "Generated from `rectify/accounts/permissions.py` (the actions), `rectify/accounts/roles.py` and",
        "`rectify/accounts/predicates.py` (what each predicate grants) by",
        "`rectify manage docs_permissions > docs/permissions.md`; a test fails when this file and the code differ.",
        "",
        "Every check in views, services, the API and templates asks `can(user, action, obj)` with one of",
        "these actions. A cell names the condition on the record under which a holder of the role may act",
        "(— : never); a user holding several roles may act when any of them allows it. Anonymous visitors",
        "may do none of these. Seeing a record at all is the scope's part (`docs/architecture.md`).",
        "",
        "| action | 中文 | record | " + " | ".join(f"{r.label} (`{r.value}`)" for r in roles) + " | also required | never |",
        "|---|---|---|" + "---|" * len(roles) + "---|---|",
    ]
    for name, action in ACTIONS.items():
        g = grant_of(action.predicate)
        cells = [("任意" if g.per_role is None else g.per_role.get(r.value, "—")) for r in roles]
        lines.append(f"| `{name}` | {action.label} | {action.obj or '—'} | " + " | ".join(cells)
                     + f" | {'；'.join(g.requires) or '—'} | {'；'.join(g.excepts) or '—'} |")
    lines += ["", "## Predicates", "", "| predicate | grants |", "|---|---|"]
    for name, d in sorted(DESCRIPTIONS.items()):
        text = "；".join(f"{Role(r).label}：{c}" for r, c in d["who"].items()) if d["who"] else d["condition"]
        lines.append(f"| `{name}` | {text} |")
    return "\n".join(lines) + "\n"
