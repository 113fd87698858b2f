"""The studio's configuration file (TOML): trust anchors, signing key, network switches.

Found at $REELPROOF_CONFIG or ./.reelproof/config.toml. Unknown keys are errors, as in
documents: a typo must not silently turn a check off; so is a file named in
$REELPROOF_CONFIG that does not exist. Who may approve is not configuration: roles are records
in the store (`reelproof role grant`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelproof.core.errors import DocumentError
from reelproof.core.json_types import JsonObject

if TYPE_CHECKING:
    from reelproof.adapters.c2pa_reader import ProvenanceSettings

DEFAULT_PATH = Path(".reelproof") / "config.toml"

_KEYS = {
    "provenance": {"trust_anchors", "allow_remote_manifests", "allow_ocsp", "timeout_s"},
    "signing": {"key", "chain", "alg"},
    "identity": {"user"},
    "likeness": {
        "key_file",
        "face_threshold",
        "voice_threshold",
        "samples_per_second",
        "production",
    },
}
_THRESHOLDS = ("face_threshold", "voice_threshold")


@dataclass(frozen=True)
class SigningConfig:
    """Where the C2PA signing certificate chain and key are, for `reelproof sign`."""

    key: Path
    chain: Path
    alg: str = "es256"


@dataclass(frozen=True)
class LikenessConfig:
    """Where the biometric key lives and how strict matching is (per production if set)."""

    key_file: Path | None = None
    face_threshold: float | None = None
    voice_threshold: float | None = None
    samples_per_second: float | None = None
    per_production: dict[str, dict[str, float]] = field(default_factory=dict)

    def threshold(self, production: str | None, which: str) -> float | None:
        """`which` is face_threshold or voice_threshold; a production's own value wins."""
        own = self.per_production.get(production or "", {}).get(which)
        return own if own is not None else getattr(self, which)


@dataclass(frozen=True)
class Config:
    """The studio's configuration file: identity, provenance and signing settings."""

    path: Path | None
    trust_anchors: Path | None = None
    allow_remote_manifests: bool = False
    allow_ocsp: bool = False
    timeout_s: float = 30.0
    signing: SigningConfig | None = None
    user: str | None = None  # the acting identity recorded with every write
    likeness: LikenessConfig = field(default_factory=LikenessConfig)

    def provenance(self) -> ProvenanceSettings:
        """The settings for reading provenance, with the trust anchors read from their file."""
        from reelproof.adapters.c2pa_reader import ProvenanceSettings  # provenance commands only

        pem = None
        if self.trust_anchors is not None:
            try:
                pem = self.trust_anchors.read_text(encoding="utf-8")
            except OSError as exc:
                raise DocumentError(
                    str(self.path), None, "provenance.trust_anchors", f"cannot read: {exc}"
                ) from None
        return ProvenanceSettings(pem, self.allow_remote_manifests, self.allow_ocsp, self.timeout_s)


def config_path() -> Path:
    """$REELPROOF_CONFIG, else reelproof.toml in the working folder."""
    return Path(os.environ.get("REELPROOF_CONFIG") or DEFAULT_PATH)


def load_config(path: Path | None = None) -> Config:
    """The configuration file parsed and checked; defaults when there is none."""
    named = os.environ.get("REELPROOF_CONFIG")
    path = path or config_path()
    if not path.exists():
        if named:
            raise DocumentError(
                named, None, None, "REELPROOF_CONFIG names a configuration file that does not exist"
            )
        return Config(None)
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(name, None, None, f"invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(name, None, None, f"cannot read the configuration: {exc}") from None
    for section, value in data.items():
        if section == "roles":
            raise DocumentError(
                name,
                None,
                "roles",
                "roles are no longer configured here: they are records in the store; use "
                "`reelproof role grant approver EMAIL [--production P]`",
            )
        if section not in _KEYS or not isinstance(value, dict):
            raise DocumentError(name, None, section, f"unknown section; expected {sorted(_KEYS)}")
        for key in value:
            if key not in _KEYS[section]:
                raise DocumentError(
                    name,
                    None,
                    f"{section}.{key}",
                    f"unknown key; expected {sorted(_KEYS[section])}",
                )
    prov: JsonObject = data.get("provenance", {})
    base = path.parent

    def rel(value: Any, field: str) -> Path:  # Any: a parsed TOML value
        if not isinstance(value, str):
            raise DocumentError(name, None, field, "expected a file path (string)")
        p = Path(value)
        return p if p.is_absolute() else base / p

    def flag(section: JsonObject, key: str, default: bool) -> bool:
        value = section.get(key, default)
        if not isinstance(value, bool):
            raise DocumentError(name, None, key, "expected true or false")
        return value

    signing = None
    if "signing" in data:
        s = data["signing"]
        for required in ("key", "chain"):
            if required not in s:
                raise DocumentError(name, None, f"signing.{required}", "required key is missing")
        signing = SigningConfig(
            rel(s["key"], "signing.key"),
            rel(s["chain"], "signing.chain"),
            str(s.get("alg", "es256")),
        )
    timeout = prov.get("timeout_s", 30.0)
    if not isinstance(timeout, int | float) or timeout <= 0:
        raise DocumentError(name, None, "provenance.timeout_s", "expected a positive number")
    user = data.get("identity", {}).get("user")
    if user is not None and (not isinstance(user, str) or not user.strip()):
        raise DocumentError(name, None, "identity.user", "expected a name or e-mail (string)")
    return Config(
        path,
        rel(prov["trust_anchors"], "provenance.trust_anchors") if "trust_anchors" in prov else None,
        flag(prov, "allow_remote_manifests", False),
        flag(prov, "allow_ocsp", False),
        float(timeout),
        signing,
        user.strip() if user else None,
        _likeness(name, data.get("likeness", {}), rel),
    )


def _positive(name: str, field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise DocumentError(name, None, field, "expected a positive number")
    return float(value)


def _likeness(name: str, section: dict[str, Any], rel: Any) -> LikenessConfig:
    """`[likeness]`, and `[likeness.production.<id>]` tables holding thresholds only."""
    per: dict[str, dict[str, float]] = {}
    for prod, table in section.get("production", {}).items():
        if not isinstance(table, dict):
            raise DocumentError(name, None, f"likeness.production.{prod}", "expected a table")
        for key, value in table.items():
            where = f"likeness.production.{prod}.{key}"
            if key not in _THRESHOLDS:
                raise DocumentError(name, None, where, f"unknown key; expected {list(_THRESHOLDS)}")
            per.setdefault(prod, {})[key] = _positive(name, where, value)

    def num(key: str) -> float | None:
        return _positive(name, f"likeness.{key}", section[key]) if key in section else None

    key_file = section.get("key_file")
    return LikenessConfig(
        rel(key_file, "likeness.key_file") if key_file is not None else None,
        num("face_threshold"),
        num("voice_threshold"),
        num("samples_per_second"),
        per,
    )
