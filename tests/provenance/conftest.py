"""Fixtures for provenance tests: a development CA and signed files, made fresh per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reelproof.adapters.c2pa_reader import ProvenanceSettings
from reelproof.adapters.c2pa_signer import sign_file
from reelproof.adapters.devca import DevCA, make_dev_ca
from tests.provenance.makers import png_bytes

CLEARANCE = {
    "declaration": "decl-0001",
    "decision": "approved",
    "approval": "appr-0042",
    "log_index": 17,
}


@dataclass(frozen=True)
class Signed:
    """A dev CA plus the files signed with it."""

    ca: DevCA
    generated: Path  # trainedAlgorithmicMedia PNG
    composite: Path  # digitalCapture PNG with ``generated`` placed as componentOf
    unsigned: Path

    @property
    def anchored(self) -> ProvenanceSettings:
        return ProvenanceSettings(trust_anchors_pem=self.ca.root_pem.read_text())


@pytest.fixture(scope="session")
def dev_ca(tmp_path_factory: pytest.TempPathFactory) -> DevCA:
    return make_dev_ca(tmp_path_factory.mktemp("devca"))


@pytest.fixture(scope="session")
def signed(dev_ca: DevCA, tmp_path_factory: pytest.TempPathFactory) -> Signed:
    d = tmp_path_factory.mktemp("signed")
    raw_gen, raw_plate = d / "gen-raw.png", d / "plate-raw.png"
    raw_gen.write_bytes(png_bytes(rgb=(10, 200, 10)))
    raw_plate.write_bytes(png_bytes(rgb=(10, 10, 200)))
    generated, composite = d / "generated.png", d / "composite.png"
    common = {"key_pem": dev_ca.signer_key, "chain_pem": dev_ca.chain_pem, "alg": "es256"}
    sign_file(
        raw_gen,
        generated,
        digital_source_type="trainedAlgorithmicMedia",
        software_agent={"name": "ImageGen", "version": "2.1"},
        reelproof_assertion=CLEARANCE,
        title="generated.png",
        **common,  # type: ignore[arg-type]
    )
    sign_file(
        raw_plate,
        composite,
        digital_source_type="digitalCapture",
        software_agent={"name": "Camera", "version": "1.0"},
        reelproof_assertion={**CLEARANCE, "decision": "composite-ok"},
        title="composite.png",
        ingredients=[generated],
        **common,  # type: ignore[arg-type]
    )
    unsigned = d / "unsigned.png"
    unsigned.write_bytes(png_bytes())
    return Signed(dev_ca, generated, composite, unsigned)
