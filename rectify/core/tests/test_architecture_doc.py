"""docs/architecture.md stays true: its code names exist and the apps import only what its table allows."""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "architecture.md"
STEP_DOC = REPO / "docs" / "development" / "adding-a-step.md"
PROJECT = REPO / "rectify"


def code_names(doc: Path = DOC) -> list[str]:
    return re.findall(r"`([^`]+)`", doc.read_text(encoding="utf-8"))


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and follow the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(dotted)


def project_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PROJECT.rglob("*.py") if "tests" not in p.relative_to(PROJECT).parts)


def missing_names(names: list[str]) -> list[str]:
    source = project_source()
    missing = []
    for token in names:
        if "=" in token:  # an environment variable and its value
            found = token.split("=")[0] in source
        elif "/" in token:  # a file or directory of the repository
            found = (REPO / token.rstrip("/")).exists()
        elif re.fullmatch(r"(rectify|ingest)(\.\w+)+", token):
            try:
                resolve(token)
                found = True
            except (ImportError, AttributeError):
                found = False
        elif re.fullmatch(r"\w+(\.\w+)+", token) and (PROJECT / token.split(".")[0]).is_dir():
            try:
                resolve(f"rectify.{token}")
                found = True
            except (ImportError, AttributeError):
                found = False
        else:  # an attribute, a call or a lookup path: it must occur in the code
            name = re.findall(r"\w+", token.split("(")[0])[-1]
            found = re.search(rf"\b{re.escape(name)}\b", source) is not None
        if not found:
            missing.append(token)
    return missing


def test_every_code_name_in_the_architecture_doc_exists() -> None:
    names = code_names()
    assert len(names) > 30
    assert not missing_names(names), f"names in docs/architecture.md that do not exist: {missing_names(names)}"


def test_every_code_name_in_the_adding_a_step_guide_exists() -> None:
    names = [n for n in code_names(STEP_DOC) if not n.startswith(('"', "scope_path =", "objects ="))]
    assert len(names) > 30
    assert not missing_names(names), f"names in docs/development/adding-a-step.md that do not exist: {missing_names(names)}"


def test_the_name_check_can_fail() -> None:
    assert missing_names(["rectify.accounts.scope.NoSuchThing", "rectify/no_such_file.py", "no_such_identifier_here()"]) == [
        "rectify.accounts.scope.NoSuchThing", "rectify/no_such_file.py", "no_such_identifier_here()"]


def documented_layers() -> dict[str, tuple[set[str], set[str]]]:
    """app → (may import, also imports today) from the table."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (PROJECT / cells[0] / "__init__.py").exists():
            allowed, today = ({x.strip() for x in c.split(",") if x.strip() not in {"", "—"}} for c in cells[2:])
            rows[cells[0]] = (allowed, today)
    return rows


def app_imports() -> dict[str, set[str]]:
    """app → the other apps its code (not its tests or migrations) imports, top level or inside functions."""
    apps = {p.name for p in PROJECT.iterdir() if (p / "apps.py").exists() or p.name == "formats"}
    graph: dict[str, set[str]] = {a: set() for a in apps}
    for path in PROJECT.rglob("*.py"):
        parts = path.relative_to(PROJECT).parts
        if len(parts) < 2 or parts[0] not in apps or "tests" in parts or "migrations" in parts:
            continue
        package = ["rectify", *parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                modules = [".".join([*base, *([node.module] if node.module else [])])]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                bits = module.split(".")
                if len(bits) > 1 and bits[0] == "rectify" and bits[1] in apps and bits[1] != parts[0]:
                    graph[parts[0]].add(bits[1])
    return graph


def test_apps_import_only_what_the_table_allows() -> None:
    layers = documented_layers()
    graph = app_imports()
    assert set(graph) == set(layers), f"apps missing from (or unknown to) the table: {set(graph) ^ set(layers)}"
    unlisted = {app: sorted(used - layers[app][0] - layers[app][1]) for app, used in graph.items()}
    unlisted = {app: extra for app, extra in unlisted.items() if extra}
    assert not unlisted, f"imports the architecture table does not allow: {unlisted}"


def test_the_table_lists_no_import_that_is_gone() -> None:
    layers = documented_layers()
    graph = app_imports()
    stale = {app: sorted(today - graph[app]) for app, (_, today) in layers.items() if today - graph[app]}
    assert not stale, f"imports the table says happen today but no longer do (remove them from the table): {stale}"
