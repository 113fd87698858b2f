"""Sign media with a C2PA manifest carrying reelproof's clearance and a no-training notice.

The manifest says how the asset was made (``c2pa.created`` with an IPTC digital source
type), which ingredients were placed in it, which reelproof decision cleared it
(``org.reelproof.clearance``) and that it may not be used for AI training or mining
(``cawg.training-mining``, every entry ``notAllowed``). Key and chain problems are
checked with ``cryptography`` first, because the SDK's own messages ("expecting PRIVATE
KEY", "COSE Signer does not contain signing certificate") don't say which file is wrong.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from reelproof._version import __version__
from reelproof.adapters.media import sniff_media_type
from reelproof.core.errors import ReelproofError
from reelproof.core.json_types import JsonMapping, JsonObject
from reelproof.core.provenance import C2PA_DST_BASE, IPTC_DST_BASE, SOURCE_TYPES, source_term

CLEARANCE_LABEL = "org.reelproof.clearance"
TRAINING_MINING_LABEL = "cawg.training-mining"
TRAINING_MINING_ENTRIES = (
    "cawg.ai_generative_training",
    "cawg.ai_training",
    "cawg.ai_inference",
    "cawg.data_mining",
)
_C2PA_TERMS = {"empty", "trainedAlgorithmicData"}
_EC_CURVES = {"es256": "secp256r1", "es384": "secp384r1", "es512": "secp521r1"}
_ALGS = (*_EC_CURVES, "ps256", "ps384", "ps512", "ed25519")


def _material(value: bytes | Path | str, what: str) -> tuple[bytes, str]:
    """Bytes plus a name for messages: the file's path when given one."""
    if isinstance(value, bytes):
        return value, what
    path = Path(value)
    try:
        return path.read_bytes(), f"{what} {path}"
    except OSError as exc:
        raise ReelproofError(f"{what} {path}: cannot read ({exc.strerror or exc})") from exc


def _load_key(data: bytes, name: str) -> Any:  # Any: any private key cryptography loads
    if b"-----BEGIN" not in data:
        raise ReelproofError(
            f"{name}: not PEM (binary DER?); expected a PKCS#8 PEM key "
            "('-----BEGIN PRIVATE KEY-----')"
        )
    if b"BEGIN ENCRYPTED PRIVATE KEY" in data:
        raise ReelproofError(
            f"{name}: the key is encrypted; expected an unencrypted PKCS#8 PEM key "
            "('-----BEGIN PRIVATE KEY-----')"
        )
    for legacy, kind in ((b"BEGIN EC PRIVATE KEY", "SEC1"), (b"BEGIN RSA PRIVATE KEY", "PKCS#1")):
        if legacy in data:
            raise ReelproofError(
                f"{name}: {kind} key ('-----{legacy.decode()}-----'); expected PKCS#8 "
                "('-----BEGIN PRIVATE KEY-----'); convert with "
                "'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'"
            )
    if b"BEGIN PRIVATE KEY" not in data:
        raise ReelproofError(f"{name}: no '-----BEGIN PRIVATE KEY-----' block (PKCS#8 PEM)")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ReelproofError(f"{name}: unreadable PKCS#8 PEM key ({exc})") from exc


def _load_chain(data: bytes, name: str) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise ReelproofError(
            f"{name}: not a PEM certificate chain (binary DER?); expected PEM "
            "'-----BEGIN CERTIFICATE-----' blocks, signing certificate first, then "
            "intermediates, without the root"
        )
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ReelproofError(f"{name}: unreadable PEM certificate chain ({exc})") from exc


def _check_alg(alg: str, key: Any, name: str) -> None:  # Any: a cryptography private key
    if alg == "ed25519":
        ok = isinstance(key, ed25519.Ed25519PrivateKey)
    elif alg in _EC_CURVES:
        ok = isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == _EC_CURVES[alg]
    else:
        ok = isinstance(key, rsa.RSAPrivateKey)
    if not ok:
        raise ReelproofError(f"{name}: the key does not fit signing algorithm {alg}")


def _same_public_key(key: Any, cert: x509.Certificate) -> bool:  # Any: a private key
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return bool(key.public_key().public_bytes(*fmt) == cert.public_key().public_bytes(*fmt))


def source_type_uri(value: str) -> str:
    """Full URI for a digital source type given as a bare IPTC/C2PA term or as a URI."""
    term = source_term(value)
    if term not in SOURCE_TYPES:
        raise ReelproofError(
            f"unknown digital source type {value!r}; expected an IPTC term such as "
            "trainedAlgorithmicMedia, compositeWithTrainedAlgorithmicMedia or digitalCapture"
        )
    return (C2PA_DST_BASE if term in _C2PA_TERMS else IPTC_DST_BASE) + term


def training_mining_assertion() -> JsonObject:
    """CAWG training-and-data-mining assertion forbidding every listed use."""
    return {"entries": {entry: {"use": "notAllowed"} for entry in TRAINING_MINING_ENTRIES}}


def build_manifest(
    *,
    title: str,
    digital_source_type: str,
    software_agent: JsonMapping,
    reelproof_assertion: JsonMapping,
    ingredient_labels: Sequence[str] = (),
) -> JsonObject:
    """The manifest definition handed to the c2pa Builder (exposed for tests and review)."""
    actions: list[JsonObject] = [
        {
            "action": "c2pa.created",
            "digitalSourceType": source_type_uri(digital_source_type),
            "softwareAgent": dict(software_agent),
        }
    ]
    actions += [
        {"action": "c2pa.placed", "parameters": {"ingredientIds": [label]}}
        for label in ingredient_labels
    ]
    return {
        "claim_generator_info": [{"name": "reelproof", "version": __version__}],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions}},
            {"label": CLEARANCE_LABEL, "data": dict(reelproof_assertion)},
            {"label": TRAINING_MINING_LABEL, "data": training_mining_assertion()},
        ],
    }


def sign_file(
    src: Path | str,
    dst: Path | str,
    *,
    key_pem: bytes | Path,
    chain_pem: bytes | Path,
    alg: str,
    digital_source_type: str,
    software_agent: JsonMapping,
    reelproof_assertion: JsonMapping,
    title: str,
    ingredients: Sequence[Path | str] = (),
    trust_anchors_pem: str | None = None,
) -> None:
    """Write ``dst``: ``src`` with an embedded, signed C2PA manifest (no thumbnails, no TSA).

    ``key_pem``/``chain_pem`` may be bytes or paths (paths make error messages name the
    file). Each ingredient is added as ``componentOf`` with a ``c2pa.placed`` action.
    ``trust_anchors_pem`` lets ingredient validation be recorded against the studio's
    anchors. Nothing here uses the network.
    """
    import c2pa

    src_path, dst_path = Path(src), Path(dst)
    alg_name = str(alg).lower()
    if alg_name not in _ALGS:
        raise ReelproofError(f"unsupported signing algorithm {alg!r}; expected one of {_ALGS}")
    if not isinstance(software_agent.get("name"), str):
        raise ReelproofError("software_agent needs a 'name' (and usually a 'version')")
    key_bytes, key_name = _material(key_pem, "signing key")
    chain_bytes, chain_name = _material(chain_pem, "certificate chain")
    key = _load_key(key_bytes, key_name)
    _check_alg(alg_name, key, key_name)
    chain = _load_chain(chain_bytes, chain_name)
    if not _same_public_key(key, chain[0]):
        raise ReelproofError(
            f"{chain_name}: the first certificate is not the signing key's; expected the "
            f"signing (leaf) certificate first, matching {key_name}"
        )
    for path in (src_path, *map(Path, ingredients)):
        if not path.is_file():
            raise ReelproofError(f"{path}: no such file")

    media_type = sniff_media_type(src_path)
    if media_type not in c2pa.Builder.get_supported_mime_types():
        raise ReelproofError(f"{src_path}: cannot embed C2PA in {media_type} files")
    labels = [f"ingredient-{i}" for i in range(len(ingredients))]
    manifest = build_manifest(
        title=title,
        digital_source_type=digital_source_type,
        software_agent=software_agent,
        reelproof_assertion=reelproof_assertion,
        ingredient_labels=labels,
    )
    settings: JsonObject = {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "builder": {"thumbnail": {"enabled": False}},
    }
    if trust_anchors_pem:
        settings["trust"] = {"trust_anchors": trust_anchors_pem}

    dst_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst_path.name}.", dir=dst_path.parent)
    tmp = Path(tmp_name)
    try:
        info = c2pa.C2paSignerInfo(alg_name.encode(), chain_bytes, key_bytes, None)
        ctx = c2pa.Context.from_dict(settings)
        with (
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest, ctx) as builder,
        ):
            for label, ing in zip(labels, ingredients, strict=True):
                ing_path = Path(ing)
                with open(ing_path, "rb") as ing_fh:
                    builder.add_ingredient(
                        {"title": ing_path.name, "relationship": "componentOf", "label": label},
                        sniff_media_type(ing_path),
                        ing_fh,
                    )
            with open(src_path, "rb") as src_fh, os.fdopen(fd, "w+b") as out_fh:
                fd = -1
                builder.sign(signer, media_type, src_fh, out_fh)
        # mkstemp made it 0600; a signed deliverable should be as readable as its source.
        os.chmod(tmp, src_path.stat().st_mode & 0o777 | 0o600)
        os.replace(tmp, dst_path)
    except c2pa.C2paError as exc:
        raise ReelproofError(f"signing {src_path} failed: {exc}") from exc
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
