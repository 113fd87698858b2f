"""The studio's configuration file (TOML): trust anchors, signing key, network switches.

Found at $REELPROOF_CONFIG or ./.reelproof/config.toml. Unknown keys are errors, as in
documents: a typo must not silently turn a check off.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelproof.adapters.c2pa_reader import ProvenanceSettings
from reelproof.core.errors import DocumentError

DEFAULT_PATH = Path(".reelproof") / "config.toml"

_KEYS = {
    "provenance": {"trust_anchors", "allow_remote_manifests", "allow_ocsp", "timeout_s"},
    "signing": {"key", "chain", "alg"},
    "roles": {"approvers"},
}


@dataclass(frozen=True)
class SigningConfig:
    key: Path
    chain: Path
    alg: str = "es256"


@dataclass(frozen=True)
class Config:
    path: Path | None
    trust_anchors: Path | None = None
    allow_remote_manifests: bool = False
    allow_ocsp: bool = False
    timeout_s: float = 30.0
    signing: SigningConfig | None = None
    approvers: tuple[str, ...] | None = None  # None: approvals are not restricted (yet)

    def provenance(self) -> ProvenanceSettings:
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
    return Path(os.environ.get("REELPROOF_CONFIG", DEFAULT_PATH))


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.exists():
        return Config(None)
    name = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(name, None, None, f"invalid TOML: {exc}") from None
    for section, value in data.items():
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
    prov: dict[str, Any] = data.get("provenance", {})
    base = path.parent

    def rel(value: Any, field: str) -> Path:
        if not isinstance(value, str):
            raise DocumentError(name, None, field, "expected a file path (string)")
        p = Path(value)
        return p if p.is_absolute() else base / p

    def flag(section: dict[str, Any], key: str, default: bool) -> bool:
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
    approvers = None
    if "roles" in data and "approvers" in data["roles"]:
        listed = data["roles"]["approvers"]
        if not isinstance(listed, list) or not all(isinstance(a, str) for a in listed):
            raise DocumentError(name, None, "roles.approvers", "expected a list of names")
        approvers = tuple(listed)
    return Config(
        path,
        rel(prov["trust_anchors"], "provenance.trust_anchors") if "trust_anchors" in prov else None,
        flag(prov, "allow_remote_manifests", False),
        flag(prov, "allow_ocsp", False),
        float(timeout),
        signing,
        approvers,
    )
