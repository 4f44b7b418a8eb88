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


def documented_layers(doc: Path = DOC, project: Path = PROJECT) -> dict[str, tuple[set[str], set[str]]]:
    """app → (may import, also imports today) from the table. A row may also name one module of an app
    (``api.urls``, the mounting): that module is then a layer of its own, apart from the rest of its app."""
    rows = {}
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4:
            continue
        name = cells[0].strip("`")
        if (project / name / "__init__.py").exists() or (
                "." in name and (project / name.split(".")[0] / "__init__.py").exists()
                and (project / (name.replace(".", "/") + ".py")).exists()):
            allowed, today = ({x.strip() for x in c.split(",") if x.strip() not in {"", "—"}} for c in cells[2:])
            rows[name] = (allowed, today)
    return rows


TYPES_ONLY = "(types only)"


def imported_modules(node: ast.AST, package: list[str]) -> list[str]:
    """The dotted modules an import statement names (relative ones resolved from ``package``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = package[: len(package) - node.level + 1] if node.level else []
    if node.module:
        return [".".join([*base, node.module])]
    return [".".join([*base, a.name]) for a in node.names]  # from . import x


def app_imports(project: Path = PROJECT, modules: frozenset[str] = frozenset()) -> dict[str, set[str]]:
    """app → the other apps its code (not its tests or migrations) imports, top level or inside functions.
    Each of ``modules`` ("app.module") counts as a layer of its own, both importing and imported."""
    apps = {p.name for p in project.iterdir() if (p / "apps.py").exists() or p.name == "formats"}
    graph: dict[str, set[str]] = {a: set() for a in apps} | {m: set() for m in modules}

    def type_only_nodes(tree: ast.AST) -> set[int]:
        """The import statements under ``if TYPE_CHECKING:``: read by the type checker, never run."""
        found: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                found |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
        return found

    def layer(bits: list[str]) -> str:
        return f"{bits[0]}.{bits[1]}" if len(bits) > 1 and f"{bits[0]}.{bits[1]}" in modules else bits[0]

    for path in project.rglob("*.py"):
        parts = path.relative_to(project).parts
        if len(parts) < 2 or parts[0] not in apps or "tests" in parts or "migrations" in parts:
            continue
        source = layer([*parts[:-1], path.stem] if parts[-1] != "__init__.py" else list(parts[:-1]))
        package = ["rectify", *parts[:-1]]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = type_only_nodes(tree)
        for node in ast.walk(tree):
            for module in imported_modules(node, package):
                bits = module.split(".")
                if len(bits) > 1 and bits[0] == "rectify" and bits[1] in apps:
                    target = layer(bits[1:])
                    if target != source:
                        graph[source].add(f"{target} {TYPES_ONLY}" if id(node) in type_only else target)
    for used in graph.values():  # an app also imported at run time is not "types only"
        used -= {name for name in used if name.endswith(TYPES_ONLY) and name.split()[0] in used}
    return graph


def layering_breaks(layers: dict[str, tuple[set[str], set[str]]], graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Imports the table does not allow (neither in "may import" nor in "also today"). An app allowed at
    run time may also be imported for types only; "x (types only)" allows nothing that runs."""

    def allowed(app: str, name: str) -> bool:
        listed = layers[app][0] | layers[app][1]
        return name in listed or name.split()[0] in listed

    unlisted = {app: sorted(n for n in used if not allowed(app, n)) for app, used in graph.items() if app in layers}
    return {app: extra for app, extra in unlisted.items() if extra}


def module_rows() -> frozenset[str]:
    return frozenset(name for name in documented_layers() if "." in name)


def test_apps_import_only_what_the_table_allows() -> None:
    layers = documented_layers()
    graph = app_imports(modules=module_rows())
    assert set(graph) == set(layers), f"apps missing from (or unknown to) the table: {set(graph) ^ set(layers)}"
    unlisted = layering_breaks(layers, graph)
    assert not unlisted, f"imports the architecture table does not allow: {unlisted}"


def test_the_table_lists_no_import_that_is_gone() -> None:
    layers = documented_layers()
    graph = app_imports(modules=module_rows())
    stale = {app: sorted(today - graph[app]) for app, (_, today) in layers.items() if today - graph[app]}
    stale |= {app: [n for n in allowed if n.endswith(TYPES_ONLY) and n not in graph[app]]
              for app, (allowed, _) in layers.items() if any(n.endswith(TYPES_ONLY) and n not in graph[app] for n in allowed)}
    assert not stale, f"imports the table says happen today but no longer do (remove them from the table): {stale}"
    unused = {app: sorted(allowed - graph[app]) for app, (allowed, _) in layers.items() if "." in app and allowed - graph[app]}
    assert not unused, f"a module row allows imports it does not make: {unused}"


def test_the_layer_check_finds_a_new_import(tmp_path: Path) -> None:
    """A new import between apps, at top level, inside a function or relative, is a break until the table
    lists it; a module row is a layer of its own."""
    for app in ("low", "high"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "apps.py").write_text("", encoding="utf-8")
        (tmp_path / app / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "high" / "urls.py").write_text("import rectify.low.models\n", encoding="utf-8")
    (tmp_path / "low" / "models.py").write_text("def f():\n    from rectify.high import views\n", encoding="utf-8")
    (tmp_path / "low" / "types.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rectify.high.models import User\n", encoding="utf-8")
    (tmp_path / "low" / "tests").mkdir()
    (tmp_path / "low" / "tests" / "test_x.py").write_text("from ...high import urls\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text("| low | x | — | — |\n| high | x | low | — |\n| high.urls | x | low | — |\n", encoding="utf-8")
    layers = documented_layers(doc, tmp_path)
    assert set(layers) == {"low", "high", "high.urls"}
    graph = app_imports(tmp_path, frozenset({"high.urls"}))
    assert graph == {"low": {"high"}, "high": set(), "high.urls": {"low"}}  # the types-only import is covered
    assert layering_breaks(layers, graph) == {"low": ["high"]}
    (tmp_path / "low" / "models.py").unlink()
    graph = app_imports(tmp_path, frozenset({"high.urls"}))
    assert graph["low"] == {"high (types only)"}
    assert layering_breaks(layers, graph) == {"low": ["high (types only)"]}
    doc.write_text("| low | x | high (types only) | — |\n| high | x | — | — |\n| high.urls | x | low | — |\n", encoding="utf-8")
    assert layering_breaks(documented_layers(doc, tmp_path), graph) == {}
    (tmp_path / "low" / "models.py").write_text("from rectify.high import views\n", encoding="utf-8")  # now it runs
    assert layering_breaks(documented_layers(doc, tmp_path), app_imports(tmp_path, frozenset({"high.urls"}))) == {"low": ["high"]}
    doc.write_text("| low | x | — | high |\n| high | x | — | — |\n| high.urls | x | low | — |\n", encoding="utf-8")
    assert layering_breaks(documented_layers(doc, tmp_path), graph) == {}
