"""Standards packs on disk: the bundled ones shipped in the package, and users' files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reelproof.core.errors import DocumentError
from reelproof.core.standards import CompiledPack, load_pack_text


def bundled_pack_files() -> list[Path]:
    folder = resources.files("reelproof.packs")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_pack_file(path: Path) -> CompiledPack:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocumentError(str(path), None, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(str(path), None, None, f"cannot read: {exc}") from None
    return load_pack_text(text, str(path))
