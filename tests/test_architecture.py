"""The layers of docs/architecture.md, checked on the source: every import of every module is
parsed (ast, including imports inside functions and under TYPE_CHECKING), so a cycle, an import
that goes up a layer, SQL outside the data layer or a UI library outside `interfaces` fails
here rather than in review."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "reelproof"

# Lowest first; a module may import only from its own rank or below.
RANKS = {
    "reelproof._version": 0,
    "reelproof.verify": 0,
    "reelproof.core": 1,
    "reelproof.adapters": 2,
    "reelproof.services": 3,
    "reelproof._api": 4,
    "reelproof.interfaces": 5,
    "reelproof.__main__": 6,
}
# The package itself is the public API (it re-exports `_api`); exact name, not a prefix.
PACKAGE_RANK = 4
# Data-only packages (bundled YAML) import nothing.
DATA = ("reelproof.examples", "reelproof.packs")
SQL_FREE = ("reelproof.services", "reelproof._api", "reelproof.interfaces")
SQL_TEXT = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")
# Modules that hold tables or raw SQL: only the data layer uses them.
STORE_INTERNALS = ("reelproof.adapters.store.schema",)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _rank(name: str) -> int | None:
    if name == "reelproof":
        return PACKAGE_RANK
    best = None
    for prefix, rank in RANKS.items():
        if _within(name, prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, rank)
    return None if best is None else best[1]


def _imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the module; `from pkg import sub` names
    the submodule when there is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if sub in MODULES else target), node.lineno


GRAPH = {
    name: sorted({(t, line) for t, line in _imports(name, path)}) for name, path in MODULES.items()
}


def _internal(edges: list[tuple[str, int]]) -> set[str]:
    return {t for t, _ in edges if t in MODULES}


def test_the_source_is_found() -> None:
    assert "reelproof.core.documents" in MODULES
    assert "reelproof.services.decisions" in MODULES
    assert len(MODULES) > 50


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in MODULES if _rank(m) is None and not m.startswith(DATA)]
    assert not unplaced, f"modules outside every layer: {unplaced}"


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over the module graph: any component with more
    than one module (or a module importing itself) is a cycle."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in _internal(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in _internal(GRAPH[v]):
                cycles.append(sorted(component))

    for v in MODULES:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_imports_go_down_the_layers() -> None:
    upward = []
    for name, edges in GRAPH.items():
        own = _rank(name)
        for target, line in edges:
            if not target.startswith("reelproof"):
                continue
            if name.startswith(DATA):
                upward.append(f"{name}:{line} imports {target} (data packages import nothing)")
                continue
            theirs = _rank(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{name}:{line} imports {target}, a higher layer")
    assert not upward, "\n".join(upward)


def _top(module: str) -> str:
    return module.split(".")[0]


def test_verify_stands_alone() -> None:
    """`verify` runs on an auditor's machine: the standard library and `cryptography` only."""
    allowed = set(sys.stdlib_module_names) | {"cryptography", "__future__"}
    foreign = [
        f"reelproof.verify:{line} imports {t}"
        for t, line in GRAPH["reelproof.verify"]
        if _top(t) not in allowed
    ]
    assert not foreign, foreign


def test_no_sql_outside_the_data_layer() -> None:
    found = []
    for name, edges in GRAPH.items():
        if not name.startswith(SQL_FREE):
            continue
        for target, line in edges:
            if _top(target) == "sqlalchemy" or target in STORE_INTERNALS:
                found.append(f"{name}:{line} imports {target}")
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and SQL_TEXT.search(node.value)
            ):
                found.append(f"{name}:{node.lineno} holds SQL text {node.value[:60]!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("library", ["rich", "typer"])
def test_ui_libraries_only_in_interfaces(library: str) -> None:
    found = [
        f"{name}:{line} imports {target}"
        for name, edges in GRAPH.items()
        for target, line in edges
        if _top(target) == library and not _within(name, "reelproof.interfaces")
    ]
    assert not found, "\n".join(found)


def test_relative_imports_resolve(tmp_path: Path) -> None:
    """The parser itself: relative imports in a package resolve against the package."""
    pkg = tmp_path / "reelproof" / "core"
    pkg.mkdir(parents=True)
    init = pkg / "__init__.py"
    init.write_text("from . import a\nfrom ..services import x\n")
    edges = {t for t, _ in _imports("reelproof.core", init)}
    assert edges == {"reelproof.core", "reelproof.services"}
    assert _rank("reelproof.services.x") == 3 > (_rank("reelproof.core.a") or 0)


def undocumented(source: str, where: str = "<source>") -> list[str]:
    """Public functions, classes and methods (no leading underscore, at module or class level)
    that have no docstring, as `where:line name`."""
    found: list[str] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if node.name.startswith("_"):
                continue
            if ast.get_docstring(node) is None:
                found.append(f"{where}:{node.lineno} {prefix}{node.name}")
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(source, where).body, "")
    return found


def test_the_docstring_check_finds_what_it_asks_for() -> None:
    source = '''
def f(): pass
def _private(): pass
class C:
    """Why C."""
    def m(self): pass
    def _n(self): pass
    class D:
        def deep(self): pass
def g():
    """Why g."""
    def nested(): pass
'''
    assert undocumented(source) == [
        "<source>:2 f",
        "<source>:6 C.m",
        "<source>:8 C.D",
        "<source>:9 C.D.deep",
    ]


def test_every_public_name_says_why() -> None:
    """Every public function and class has a docstring (issue 9: they say why, not what)."""
    missing = [
        entry
        for name, path in MODULES.items()
        for entry in undocumented(path.read_text(encoding="utf-8"), name)
    ]
    assert missing == [], f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


# What the command line may import besides `reelproof`'s public names and
# `reelproof.interfaces.*`: the use cases the public API does not cover yet, each with why.
# A new entry needs a reason; an entry nothing imports any more fails the test.
CLI_ALLOWED = {
    # The standalone offline verifier: auditors' own public surface (docs/audit-log-bundle.md).
    "reelproof.verify": "verify-bundle and its errors",
    # One unit of work per command (store, clock, actor, log): what every use case takes.
    "reelproof.services.context": "the use cases below take a Context",
    # Use cases of commands the public API does not expose yet; the web app needs them too,
    # so each moves behind `reelproof._api` with its first second caller.
    "reelproof.services.approvals": "approve/reject with the CLI's own text",
    "reelproof.services.assets": "inspect, asset add/list, sign",
    "reelproof.services.auditlog": "log show/prove/export/rotate-key",
    "reelproof.services.decisions": "decide FILE with --dry-run, status rows",
    "reelproof.services.delivery": "check",
    "reelproof.services.demo": "demo",
    "reelproof.services.disclosure": "disclose",
    "reelproof.services.documents": "apply -f DIR/-R/stdin with progress, kind names",
    "reelproof.services.init": "init's report of what it made",
    "reelproof.services.likeness": "scan, enrol, findings",
    "reelproof.services.registry": "consent/replica listings",
    "reelproof.services.report": "report",
    "reelproof.services.roles": "role grant/revoke/list",
    "reelproof.services.standards": "standards list/show/test/diff/impact/publish",
    "reelproof.services.talent": "consent/replica/performer views and cascades",
    "reelproof.services.contributions": "contribution add|shares",
    "reelproof.services.feedback": "standards feedback",
    "reelproof.services.pilot_demo": "demo --pilot",
    "reelproof.services.pilot_report": "pilot report, creators",
    "reelproof.services.pilots": "pilot list|metrics",
    "reelproof.services.surveys": "survey import",
    # Local tools that are no use case: files, servers and keys on this machine.
    "reelproof.adapters.config": "the configuration file's provenance and signing settings",
    "reelproof.adapters.devca": "keys dev-ca writes a development CA",
    "reelproof.adapters.httpd": "witness serve, log signer serve",
    "reelproof.adapters.likeness": "scan checks its optional models are installed",
    "reelproof.adapters.likeness.executors": "scan --executor local|ray",
    "reelproof.adapters.likeness.scanner": "scan's settings",
    "reelproof.adapters.packs": "standards test/show/diff of a pack file",
    "reelproof.adapters.signer": "log signer serve|use",
    "reelproof.adapters.trust": "log trust add|list (a file in the user's config)",
    "reelproof.adapters.witness": "witness init|cosign, log witness add|sync",
    "reelproof.adapters.store.db": "handle_errors names a lost database (Unavailable)",
    # Pure domain values the text shows and the API does not name yet.
    "reelproof.core.documents": "the outcome order of --fail-on; doc keys of a file",
    "reelproof.core.provenance": "a provenance report's type",
    "reelproof.core.standards": "pack diffs",
    "reelproof.core.pilots": "the arm names and minimum group size pilot metrics show",
}


def _cli_imports() -> dict[str, set[str]]:
    """Every reelproof module the command line imports outside the public API, and where."""
    found: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        if not _within(name, "reelproof.interfaces.cli"):
            continue
        for target, line in _imports(name, path):
            if target == "reelproof" or not _within(target, "reelproof"):
                continue
            if not _within(target, "reelproof.interfaces"):
                found.setdefault(target, set()).add(f"{name}:{line}")
    return found


def test_the_cli_uses_the_public_api_and_a_short_allow_list() -> None:
    used = _cli_imports()
    assert used, "the check must see the command line's imports"
    not_allowed = {t: sorted(w) for t, w in used.items() if t not in CLI_ALLOWED}
    assert not_allowed == {}, "import these through `reelproof` (extend _api.py) or justify"
    stale = sorted(set(CLI_ALLOWED) - set(used))
    assert stale == [], "no longer imported: drop from CLI_ALLOWED"


def test_the_cli_imports_only_public_names_from_reelproof() -> None:
    import reelproof

    for name, path in MODULES.items():
        if not _within(name, "reelproof.interfaces.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "reelproof" and not node.level:
                names = {a.name for a in node.names}
                assert names <= set(reelproof.__all__), (name, names - set(reelproof.__all__))
