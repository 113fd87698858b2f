"""Standards packs on disk: the bundled ones, a studio's pack packages, and users' files.

A pack's test cases live beside it in `<pack file stem>.tests.yaml`, so that adding a test
changes neither the pack's version nor its digest (as OPA keeps `_test.rego` files).

A studio ships its own packs as a Python distribution with a `reelproof.packs` entry point
naming a package (or a function returning a folder) that holds `*.yaml` packs and their tests,
as OpenTimelineIO finds adapter plugins (docs/plugins.md).
"""

from __future__ import annotations

from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from reelproof.adapters.pack_cache import PackFile
from reelproof.core.disclosure import LabelTable, parse_label_table
from reelproof.core.documents import PackTest, StandardsPackTests, parse_documents
from reelproof.core.errors import DocumentError, ReelproofError
from reelproof.core.standards import CompiledPack, load_pack_text

TESTS_SUFFIX = ".tests.yaml"
ENTRY_POINT_GROUP = "reelproof.packs"


def _bundled_folder() -> Path:
    return Path(str(resources.files("reelproof.packs")))


def _pack_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.name.endswith(".yaml") and not p.name.endswith(TESTS_SUFFIX)
    )


def bundled_pack_files() -> list[Path]:
    """The packs shipped in `reelproof.packs`, in file-name order."""
    return _pack_files(_bundled_folder())


def _plugin_folder(name: str, target: object) -> Path:
    """The folder an entry point names: a package, or a callable returning a path."""
    if isinstance(target, ModuleType):
        folder = Path(str(resources.files(target)))
    elif callable(target):
        folder = Path(target())
    else:
        folder = Path(str(target))
    if not folder.is_dir():
        raise ReelproofError(
            f"{ENTRY_POINT_GROUP} entry point {name!r} names {folder}, which is not a folder; "
            "expected a package (or a function returning a folder) holding *.yaml packs"
        )
    return folder


def plugin_pack_files() -> list[Path]:
    """The packs of every installed `reelproof.packs` entry point, by entry-point name."""
    found: list[Path] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            target = ep.load()
        except Exception as exc:  # a broken plugin: say which one, never a traceback
            raise ReelproofError(
                f"{ENTRY_POINT_GROUP} entry point {ep.name!r} ({ep.value}) cannot be loaded: {exc}"
            ) from None
        found += _pack_files(_plugin_folder(ep.name, target))
    return found


def available_pack_files() -> list[Path]:
    """The packs `init` loads: the bundled ones, then those of installed pack packages."""
    return bundled_pack_files() + plugin_pack_files()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(str(path), None, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(str(path), None, None, f"cannot read: {exc}") from None


def load_pack_file(path: Path) -> CompiledPack:
    """Compile a pack file; a bad condition is an error naming the file, rule and position.
    Rules an earlier process compiled from exactly this pack come from the compiled-pack
    cache (`init` reads the same bundled packs every time)."""
    text = _read(path)
    return load_pack_text(text, str(path), cache=PackFile(text, str(path)))


def tests_file(pack: CompiledPack) -> Path | None:
    """The tests beside the pack's file, else beside the bundled pack of the same file name."""
    source = Path(pack.file)
    name = source.name.rsplit(".", 1)[0] + TESTS_SUFFIX
    for candidate in (source.with_name(name), _bundled_folder() / name):
        if candidate.is_file():
            return candidate
    return None


def load_pack_tests(pack: CompiledPack) -> list[PackTest]:
    """The pack's own test cases; none when it has no tests file."""
    path = tests_file(pack)
    if path is None:
        return []
    docs = parse_documents(_read(path), str(path))
    found = [d for d in docs if isinstance(d, StandardsPackTests)]
    if len(found) != 1 or len(docs) != 1:
        raise DocumentError(str(path), None, "kind", "expected one StandardsPackTests document")
    if found[0].spec.pack != pack.id:
        raise DocumentError(
            str(path),
            None,
            "spec.pack",
            f"these tests are for pack {found[0].spec.pack!r}, not {pack.id!r}",
        )
    return list(found[0].spec.tests)


def read_test_file(pack: CompiledPack, name: str) -> str:
    """A test's `file:`, relative to the tests file (or to the pack when it has none)."""
    base = tests_file(pack) or Path(pack.file)
    return _read(base.parent / name)


def label_table_file() -> Path:
    """The bundled label wording (pack data beside the packs, not a pack itself)."""
    return _bundled_folder() / "disclosure" / "labels.yaml"


def load_label_table(path: Path | None = None) -> LabelTable:
    """Per-territory label wording with its rule-catalogue citations."""
    import yaml

    path = path or label_table_file()
    try:
        data = yaml.safe_load(_read(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DocumentError(str(path), line, None, f"not YAML: {exc}") from None
    return parse_label_table(data, str(path))
