"""Dev CA, signing and reading back self-made files: needs no corpus (fresh clones pass)."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from reelproof.adapters import c2pa_reader
from reelproof.adapters.c2pa_reader import (
    ProvenanceSettings,
    inspect_file,
    inspect_many,
)
from reelproof.adapters.c2pa_signer import (
    CLEARANCE_LABEL,
    TRAINING_MINING_ENTRIES,
    TRAINING_MINING_LABEL,
    sign_file,
)
from reelproof.adapters.devca import DOCUMENT_SIGNING_EKU, DevCA, make_dev_ca
from reelproof.core.errors import ReelproofError
from reelproof.core.provenance import C2paState, Classification
from tests.provenance.conftest import CLEARANCE, Signed
from tests.provenance.makers import (
    jpeg_bytes,
    mp4_bytes,
    png_bytes,
    png_itxt_xmp,
    write_wav,
    xmp_packet,
)

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _sign(src: Path, dst: Path, ca: DevCA, dst_type: str = "digitalCapture", **kw: object) -> None:
    sign_file(
        src,
        dst,
        key_pem=kw.pop("key_pem", ca.signer_key),  # type: ignore[arg-type]
        chain_pem=kw.pop("chain_pem", ca.chain_pem),  # type: ignore[arg-type]
        alg=str(kw.pop("alg", ca.alg)),
        digital_source_type=dst_type,
        software_agent={"name": "test", "version": "1"},
        reelproof_assertion={"decision": "t"},
        title=dst.name,
        **kw,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- dev CA


def test_dev_ca_files_and_extensions(dev_ca: DevCA) -> None:
    assert stat.S_IMODE(dev_ca.signer_key.stat().st_mode) == 0o600
    key_pem = dev_ca.signer_key.read_bytes()
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    key = serialization.load_pem_private_key(key_pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"

    root = x509.load_pem_x509_certificate(dev_ca.root_pem.read_bytes())
    leaf, inter = x509.load_pem_x509_certificates(dev_ca.chain_pem.read_bytes())
    assert root.subject == root.issuer and root.fingerprint(root.signature_hash_algorithm)  # type: ignore[arg-type]
    assert leaf.issuer == inter.subject and inter.issuer == root.subject
    assert root.subject not in (leaf.subject, inter.subject)  # the root is not in the chain
    for cert in (root, inter, leaf):
        org = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        assert "not for production" in str(org) and "development" in str(org)

    inter_bc = inter.extensions.get_extension_for_class(x509.BasicConstraints)
    assert inter_bc.critical and inter_bc.value.ca and inter_bc.value.path_length == 0
    bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku and DOCUMENT_SIGNING_EKU in eku
    ski = leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    inter_ski = inter.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest and aki.key_identifier == inter_ski.digest


def test_dev_ca_refuses_to_overwrite(dev_ca: DevCA) -> None:
    with pytest.raises(ReelproofError, match="already exists"):
        make_dev_ca(dev_ca.root_pem.parent)
    with pytest.raises(ReelproofError, match="unsupported"):
        make_dev_ca(dev_ca.root_pem.parent / "x", alg="rsa1024")


def test_ed25519_chain_signs_and_reads_trusted(tmp_path: Path) -> None:
    ca = make_dev_ca(tmp_path / "ca", alg="ed25519")
    key = serialization.load_pem_private_key(ca.signer_key.read_bytes(), None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    src, dst = tmp_path / "a.png", tmp_path / "b.png"
    src.write_bytes(png_bytes())
    _sign(src, dst, ca, "trainedAlgorithmicMedia")
    r = inspect_file(dst, ProvenanceSettings(trust_anchors_pem=ca.root_pem.read_text()))
    assert r.c2pa_state is C2paState.TRUSTED
    assert r.classification is Classification.AI_GENERATED


# --------------------------------------------------------------------------- read back


def test_generated_png_reads_trusted_and_ai_generated(signed: Signed) -> None:
    r = inspect_file(signed.generated, signed.anchored)
    assert r.c2pa_state is C2paState.TRUSTED and r.codes == ()
    assert r.classification is Classification.AI_GENERATED
    assert r.digital_source_types == (IPTC + "trainedAlgorithmicMedia",)
    assert r.claim_generator and r.claim_generator.startswith("reelproof/")
    assert any("trainedAlgorithmicMedia" in reason for reason in r.reasons)
    assert r.media_type == "image/png"


def test_without_anchors_the_same_file_is_only_valid(signed: Signed) -> None:
    r = inspect_file(signed.generated)
    assert r.c2pa_state is C2paState.VALID
    assert "signingCredential.untrusted" in r.codes
    assert r.classification is Classification.AI_GENERATED  # disclosure is still believed


def test_assertions_read_back(signed: Signed) -> None:
    r = inspect_file(signed.generated, signed.anchored)
    assert r.assertions[CLEARANCE_LABEL] == CLEARANCE
    entries = r.assertions[TRAINING_MINING_LABEL]["entries"]
    assert set(entries) == set(TRAINING_MINING_ENTRIES)
    assert all(v == {"use": "notAllowed"} for v in entries.values())
    actions = r.assertions["c2pa.actions.v2"]["actions"]
    assert actions[0]["action"] == "c2pa.created"
    assert actions[0]["softwareAgent"] == {"name": "ImageGen", "version": "2.1"}


def test_composite_of_ai_ingredient_into_capture_is_ai_edited(signed: Signed) -> None:
    r = inspect_file(signed.composite, signed.anchored)
    assert r.c2pa_state is C2paState.TRUSTED
    assert r.classification is Classification.AI_EDITED
    (ing,) = r.ingredients
    assert ing.title == "generated.png" and ing.relationship == "componentOf"
    assert ing.state is C2paState.TRUSTED and ing.codes == ()
    assert ing.manifest_label and ing.parent_manifest == r.active_manifest
    assert r.assertions[CLEARANCE_LABEL]["decision"] == "composite-ok"
    actions = [a["action"] for a in r.assertions["c2pa.actions.v2"]["actions"]]
    assert actions == ["c2pa.created", "c2pa.placed"]
    doc = r.to_json()
    assert doc["c2pa"]["ingredients"] == [
        {"title": "generated.png", "relationship": "componentOf", "state": "trusted", "codes": []}
    ]
    json.dumps(doc)  # JSON-serialisable as is


def test_report_json_has_exactly_the_documented_keys(signed: Signed) -> None:
    doc = inspect_file(signed.composite).to_json()
    assert list(doc) == [
        "path",
        "sha256",
        "media_type",
        "c2pa",
        "digital_source_types",
        "classification",
        "reasons",
    ]
    assert list(doc["c2pa"]) == [
        "state",
        "codes",
        "active_manifest",
        "claim_generator",
        "ingredients",
    ]
    assert list(doc["c2pa"]["ingredients"][0]) == ["title", "relationship", "state", "codes"]


def test_unsigned_file_is_no_manifest_and_unknown_never_human(signed: Signed) -> None:
    r = inspect_file(signed.unsigned)
    assert r.c2pa_state is C2paState.NO_MANIFEST and r.codes == ()
    assert r.classification is Classification.UNKNOWN
    assert r.active_manifest is None and r.ingredients == ()


def test_tampered_signed_file_is_invalid(signed: Signed, tmp_path: Path) -> None:
    data = bytearray(signed.generated.read_bytes())
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # change image data covered by the hard binding
    bad = tmp_path / "tampered.png"
    bad.write_bytes(bytes(data))
    r = inspect_file(bad, signed.anchored)
    assert r.c2pa_state is C2paState.INVALID
    assert any(code.startswith("assertion.dataHash") for code in r.codes)
    # A broken manifest's AI disclosure still counts (never lose a disclosure).
    assert r.classification is Classification.AI_GENERATED


def test_broken_ingredient_does_not_change_top_state(signed: Signed, tmp_path: Path) -> None:
    """Composite of an ingredient whose own claim no longer matches: reported per ingredient."""
    data = bytearray(signed.generated.read_bytes())
    pos = data.index(b"ImageGen")
    data[pos : pos + 8] = b"ImageGeX"  # corrupt the ingredient's signed claim
    broken = tmp_path / "broken.png"
    broken.write_bytes(bytes(data))
    assert inspect_file(broken, signed.anchored).c2pa_state is C2paState.INVALID
    plate, out = tmp_path / "plate.png", tmp_path / "out.png"
    plate.write_bytes(png_bytes())
    _sign(plate, out, signed.ca, ingredients=[broken])
    r = inspect_file(out, signed.anchored)
    assert r.c2pa_state is C2paState.TRUSTED
    (ing,) = r.ingredients
    assert ing.state is C2paState.INVALID and ing.codes
    assert r.classification is not Classification.HUMAN


def test_wav_jpeg_and_mp4_sign_and_read_trusted(signed: Signed, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "tone.wav")
    jpg, mp4 = tmp_path / "still.jpg", tmp_path / "clip.mp4"
    jpg.write_bytes(jpeg_bytes())
    mp4.write_bytes(mp4_bytes())
    outs = []
    for src in (wav, jpg, mp4):
        out = tmp_path / f"signed-{src.name}"
        _sign(src, out, signed.ca, "digitalCapture")
        outs.append(out)
    reports = list(inspect_many(outs, signed.anchored, workers=2))
    assert [r.media_type for r in reports] == ["audio/wav", "image/jpeg", "video/mp4"]
    assert all(r.c2pa_state is C2paState.TRUSTED for r in reports), [r.codes for r in reports]
    assert all(r.classification is Classification.HUMAN for r in reports)


def test_renamed_file_is_read_by_content(signed: Signed, tmp_path: Path) -> None:
    disguised = tmp_path / "song.mp3"
    disguised.write_bytes(signed.generated.read_bytes())
    r = inspect_file(disguised, signed.anchored)
    assert r.media_type == "image/png"
    assert r.c2pa_state is C2paState.TRUSTED


# --------------------------------------------------------------------------- XMP


@pytest.mark.parametrize("compressed", [False, True])
def test_png_xmp_source_type_without_c2pa(tmp_path: Path, compressed: bool) -> None:
    packet = xmp_packet(IPTC + "trainedAlgorithmicMedia", style="element")
    f = tmp_path / "xmp.png"
    f.write_bytes(png_bytes(extra_chunks=[png_itxt_xmp(packet, compressed=compressed)]))
    r = inspect_file(f)
    assert r.c2pa_state is C2paState.NO_MANIFEST
    assert r.digital_source_types == (IPTC + "trainedAlgorithmicMedia",)
    assert r.classification is Classification.AI_GENERATED
    assert any("XMP" in reason for reason in r.reasons)


def test_jpeg_xmp_capture_without_c2pa_is_human_from_declaration(tmp_path: Path) -> None:
    f = tmp_path / "xmp.jpg"
    f.write_bytes(jpeg_bytes(xmp=xmp_packet(IPTC + "digitalCapture", prefix="iptcExt")))
    r = inspect_file(f)
    assert r.c2pa_state is C2paState.NO_MANIFEST
    assert r.classification is Classification.HUMAN
    assert any("unsigned" in reason for reason in r.reasons)


# --------------------------------------------------------------------------- bad input


@pytest.fixture()
def src_png(tmp_path: Path) -> Path:
    p = tmp_path / "in.png"
    p.write_bytes(png_bytes())
    return p


def test_sec1_key_is_rejected_naming_the_file(dev_ca: DevCA, src_png: Path) -> None:
    key = serialization.load_pem_private_key(dev_ca.signer_key.read_bytes(), None)
    sec1 = src_png.parent / "sec1.key"
    sec1.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(ReelproofError, match=r"sec1\.key.*SEC1.*PKCS#8"):
        _sign(src_png, src_png.parent / "o.png", dev_ca, key_pem=sec1)


def test_der_chain_is_rejected_naming_the_file(dev_ca: DevCA, src_png: Path) -> None:
    leaf = x509.load_pem_x509_certificates(dev_ca.chain_pem.read_bytes())[0]
    der = src_png.parent / "chain.der"
    der.write_bytes(leaf.public_bytes(serialization.Encoding.DER))
    with pytest.raises(ReelproofError, match=r"chain\.der.*PEM"):
        _sign(src_png, src_png.parent / "o.png", dev_ca, chain_pem=der)


def test_der_key_and_bytes_inputs_are_rejected_clearly(dev_ca: DevCA, src_png: Path) -> None:
    key = serialization.load_pem_private_key(dev_ca.signer_key.read_bytes(), None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ReelproofError, match=r"signing key.*not PEM.*PKCS#8"):
        _sign(src_png, src_png.parent / "o.png", dev_ca, key_pem=der)


def test_key_not_matching_chain_or_alg(dev_ca: DevCA, src_png: Path, tmp_path: Path) -> None:
    other = make_dev_ca(tmp_path / "other")
    with pytest.raises(ReelproofError, match="first certificate"):
        _sign(src_png, tmp_path / "o.png", dev_ca, key_pem=other.signer_key)
    with pytest.raises(ReelproofError, match="does not fit signing algorithm ed25519"):
        _sign(src_png, tmp_path / "o.png", dev_ca, alg="ed25519")
    with pytest.raises(ReelproofError, match="unsupported signing algorithm"):
        _sign(src_png, tmp_path / "o.png", dev_ca, alg="md5")


def test_unknown_source_type_and_unsupported_format(dev_ca: DevCA, src_png: Path) -> None:
    with pytest.raises(ReelproofError, match="unknown digital source type"):
        _sign(src_png, src_png.parent / "o.png", dev_ca, "compositedWithTrainedAlgorithmicMedia")
    txt = src_png.parent / "notes.png"
    txt.write_text("just text")
    with pytest.raises(ReelproofError, match="cannot embed C2PA"):
        _sign(txt, src_png.parent / "o.png", dev_ca)
    with pytest.raises(ReelproofError, match="no such file"):
        _sign(src_png.parent / "missing.png", src_png.parent / "o.png", dev_ca)


# --------------------------------------------------------------------------- robustness


def test_corrupt_and_truncated_files_become_states_not_tracebacks(
    signed: Signed, tmp_path: Path
) -> None:
    data = signed.generated.read_bytes()
    files = []
    for name, blob in {
        "trunc.png": data[: len(data) // 2],
        "garbage.jpg": b"\xff\xd8\xff\xe1" + bytes(range(256)) * 20,
        "empty.wav": b"",
        "header-only.mp4": mp4_bytes()[:20],
        "zero.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    }.items():
        (tmp_path / name).write_bytes(blob)
        files.append(tmp_path / name)
    for r in inspect_many(files, workers=2):
        assert r.c2pa_state in set(C2paState), r
        assert r.classification is not Classification.HUMAN
        assert len(r.sha256) == 64


def test_timeout_kills_the_worker_and_still_hashes(signed: Signed) -> None:
    # 1 ms is far less than a worker needs to start, so the limit always fires.
    fast = ProvenanceSettings(timeout_s=0.001)
    reports = list(inspect_many([signed.generated, signed.composite], fast, workers=1))
    assert [r.c2pa_state for r in reports] == [C2paState.ERROR, C2paState.ERROR]
    assert all(r.codes == ("timeout",) for r in reports)
    assert all(len(r.sha256) == 64 for r in reports)
    assert reports[0].classification is Classification.UNKNOWN
    # A fresh pool after kills works normally.
    assert inspect_file(signed.generated).c2pa_state is C2paState.VALID


def test_dead_worker_is_reported_not_raised(signed: Signed) -> None:
    with c2pa_reader._ValidatorPool(1, ProvenanceSettings(timeout_s=30)) as pool:
        worker = pool.idle()
        assert worker is not None
        worker.proc.kill()
        worker.proc.wait()
        pool.submit(worker, 0, signed.generated, signed.generated.stat().st_size)
        deadline = time.monotonic() + 10
        done: list[tuple[int, c2pa_reader._Validation]] = []
        while not done and time.monotonic() < deadline:
            done = pool.collect(1.0)
    ((job, result),) = done
    assert job == 0 and result.state is C2paState.ERROR and result.codes == ("worker.crashed",)


def test_reports_come_back_in_input_order(signed: Signed) -> None:
    paths = [signed.unsigned, signed.generated, signed.composite] * 4
    reports = list(inspect_many(paths, signed.anchored, workers=3))
    assert [r.path for r in reports] == [str(p) for p in paths]


def test_bad_user_input_raises_reelproof_error(signed: Signed, tmp_path: Path) -> None:
    with pytest.raises(ReelproofError, match="no such file"):
        inspect_file(tmp_path / "nope.png")
    with pytest.raises(ReelproofError, match="not a regular file"):
        inspect_file(tmp_path)
    with pytest.raises(ReelproofError, match="trust anchors"):
        inspect_file(signed.generated, ProvenanceSettings(trust_anchors_pem="not a pem"))
    with pytest.raises(ReelproofError, match="timeout"):
        inspect_file(signed.generated, ProvenanceSettings(timeout_s=0))


def test_context_settings_always_pin_the_network_switches() -> None:
    d = c2pa_reader.c2pa_context_settings(ProvenanceSettings())
    assert d["verify"] == {"remote_manifest_fetch": False, "ocsp_fetch": False}
    assert "trust" not in d
    d = c2pa_reader.c2pa_context_settings(
        ProvenanceSettings(trust_anchors_pem="PEM", allow_remote_manifests=True, allow_ocsp=True)
    )
    assert d["verify"] == {"remote_manifest_fetch": True, "ocsp_fetch": True}
    assert d["trust"] == {"trust_anchors": "PEM"}
