"""Commands build result objects; the modules in `reelproof.interfaces.formats` render them.

Parsed from the source (ast), so a command that grows its own `if fmt == "json"` or writes
JSON itself fails here rather than drifting from the other commands' output.
"""

from __future__ import annotations

import ast
from pathlib import Path

from reelproof.interfaces import formats

CLI = Path(__file__).resolve().parents[2] / "src" / "reelproof" / "interfaces" / "cli"
FORMAT_NAMES = frozenset(formats.BUILT_IN)
# Names a command gives the chosen format (the `--format` option's parameter and its kin).
FORMAT_VARIABLES = frozenset({"fmt", "format", "output_format", "OutputFormat"})
# Writing structured text is a format module's job.
SERIALISERS = {"json": {"dump", "dumps"}, "yaml": {"dump", "safe_dump", "dump_all"}}


def _is_format_value(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in FORMAT_VARIABLES
    if isinstance(node, ast.Attribute):
        return node.attr in FORMAT_VARIABLES or _is_format_value(node.value)
    if isinstance(node, ast.Constant):
        return node.value in FORMAT_NAMES
    return False


def format_branches(source: str, filename: str = "<source>") -> list[str]:
    """Every comparison of a format value, and every serialiser call, in `source`, by line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            if any(_is_format_value(x) for x in (node.left, *node.comparators)):
                found.append((node.lineno, "compares a format value"))
        elif isinstance(node, ast.Match) and _is_format_value(node.subject):
            found.append((node.lineno, "matches on a format value"))
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.attr in SERIALISERS.get(func.value.id, ())
            ):
                found.append((node.lineno, f"calls {func.value.id}.{func.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module in SERIALISERS:
            names = {a.name for a in node.names} & SERIALISERS[node.module]
            if names:
                found.append((node.lineno, f"imports {node.module}.{min(names)}"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(found)]


def test_the_check_finds_what_it_forbids() -> None:
    bad = """
import json
from yaml import safe_dump
def cmd(fmt, settings):
    if fmt == "json":
        print(json.dumps({}))
    if settings.fmt is not OutputFormat.text:
        pass
    match fmt:
        case "yaml":
            pass
    color = "text" != fmt
"""
    found = format_branches(bad)
    assert [f.split(": ", 1)[1] for f in found] == [
        "imports yaml.safe_dump",
        "compares a format value",
        "calls json.dumps",
        "compares a format value",
        "matches on a format value",
        "compares a format value",
    ], found
    assert format_branches("import json\nx = json.loads('{}')\nif kind == 'Consent': pass\n") == []


def test_no_command_module_branches_on_the_format() -> None:
    modules = sorted(CLI.glob("*.py"))
    assert len(modules) > 10, modules
    found = [f for p in modules for f in format_branches(p.read_text(encoding="utf-8"), p.name)]
    assert found == [], "\n".join(found)
