"""A throw-away development certificate authority for signing C2PA manifests locally.

C2PA refuses self-signed signing certificates, so even a demo needs a real chain:
root CA -> intermediate CA (pathlen 0) -> leaf with the key usages c2pa-rs checks.
Every subject says "development only"; the CA private keys are never written, so the
CA cannot issue more certificates after this call. Not for production.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from reelproof.core.errors import ReelproofError

DevAlg = Literal["es256", "es384", "es512", "ed25519"]

DEV_ORGANIZATION = "reelproof development CA — not for production"
DOCUMENT_SIGNING_EKU = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

_PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
_Digest = hashes.SHA256 | hashes.SHA384 | hashes.SHA512
_CURVES: dict[str, tuple[ec.EllipticCurve, _Digest]] = {
    "es256": (ec.SECP256R1(), hashes.SHA256()),
    "es384": (ec.SECP384R1(), hashes.SHA384()),
    "es512": (ec.SECP521R1(), hashes.SHA512()),
}


@dataclass(frozen=True)
class DevCA:
    """Where the development CA's files were written, and for which signing algorithm."""

    alg: str
    root_pem: Path
    chain_pem: Path
    signer_key: Path


def _new_key(alg: str) -> _PrivateKey:
    if alg == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(_CURVES[alg][0])


def _hash_for(alg: str) -> _Digest | None:
    # Ed25519 signs the message itself; cryptography wants no hash for it.
    return None if alg == "ed25519" else _CURVES[alg][1]


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "development only"),
        ]
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes) -> None:
    """Create the key file as 0600 from the start, never readable by others even briefly."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


def make_dev_ca(
    out_dir: Path,
    alg: str = "es256",
    *,
    valid_days: int = 825,
    overwrite: bool = False,
) -> DevCA:
    """Write root.pem (trust anchor), chain.pem (leaf + intermediate) and signer.key (PKCS#8).

    Refuses to replace existing files unless ``overwrite`` is set, so a studio's real
    key can't be clobbered by a typo'd directory.
    """
    alg = alg.lower()
    if alg not in (*_CURVES, "ed25519"):
        raise ReelproofError(
            f"unsupported development CA algorithm {alg!r}: expected es256, es384, es512 or ed25519"
        )
    if valid_days < 1:
        raise ReelproofError(f"valid_days must be at least 1, got {valid_days}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root_path, chain_path, key_path = (
        out_dir / "root.pem",
        out_dir / "chain.pem",
        out_dir / "signer.key",
    )
    existing = [p for p in (root_path, chain_path, key_path) if p.exists()]
    if existing and not overwrite:
        raise ReelproofError(
            f"{existing[0]} already exists; refusing to replace an existing CA "
            "(choose another folder or remove it first)"
        )
    for p in existing:
        p.unlink()

    digest = _hash_for(alg)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # tolerate small clock skew
    root_key, inter_key, leaf_key = _new_key(alg), _new_key(alg), _new_key(alg)

    def issue(
        subject: x509.Name,
        key: _PrivateKey,
        issuer: x509.Name,
        issuer_key: _PrivateKey,
        days: int,
        extensions: list[tuple[x509.ExtensionType, bool]],
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        )
        if issuer_key is not key:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
            )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical)
        return builder.sign(issuer_key, digest)

    root_name = _name("reelproof development root CA")
    inter_name = _name("reelproof development intermediate CA")
    root = issue(
        root_name,
        root_key,
        root_name,
        root_key,
        valid_days + 2,
        [(x509.BasicConstraints(ca=True, path_length=1), True), (_ca_usage(), True)],
    )
    inter = issue(
        inter_name,
        inter_key,
        root_name,
        root_key,
        valid_days + 1,
        [(x509.BasicConstraints(ca=True, path_length=0), True), (_ca_usage(), True)],
    )
    leaf = issue(
        _name("reelproof development signer"),
        leaf_key,
        inter_name,
        inter_key,
        valid_days,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_leaf_usage(), True),
            (
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING_EKU]),
                False,
            ),
        ],
    )

    root_path.write_bytes(_pem(root))
    chain_path.write_bytes(_pem(leaf) + _pem(inter))  # leaf first; the root is never in it
    _write_private(
        key_path,
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    return DevCA(alg=alg, root_pem=root_path, chain_pem=chain_path, signer_key=key_path)
