"""Gram files written by `gram` open with Python's safetensors, with the layout the README documents.

Runs the gram executable built by `swift test`/`swift build` (STYLIZE_BIN, else .build/debug or .build/release).
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "fixtures" / "images"


def gram_binary():
    candidates = [os.environ.get("STYLIZE_BIN", "")]
    scratch = os.environ.get("STYLIZE_SCRATCH_PATH")
    if scratch:
        candidates += [f"{scratch}/debug", f"{scratch}/release"]
    candidates += [ROOT / ".build/debug", ROOT / ".build/release"]
    for folder in candidates:
        if folder and (Path(folder) / "gram").is_file():
            return Path(folder) / "gram"
    pytest.fail("no gram executable: run swift build first")


def test_python_safetensors_reads_a_gram_file(tmp_path):
    style = IMAGES / "style-starry.ppm"
    out = tmp_path / "starry.gram"
    with open(style, "rb") as stdin, open(out, "wb") as stdout:
        subprocess.run([str(gram_binary()), "--size", "64"], stdin=stdin, stdout=stdout, check=True)
    with safe_open(str(out), "np") as f:
        meta = f.metadata()
        assert sorted(f.keys()) == ["gram.relu1_1", "gram.relu2_1", "gram.relu3_1", "gram.relu4_1", "gram.relu5_1"]
        grams = {k: f.get_tensor(k) for k in f.keys()}
    assert meta["format"] == "stylize-gram" and meta["format_version"] == "1"
    assert meta["layers"] == "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"
    assert meta["channels"] == "64,128,256,512,512"
    assert meta["style_size"] == "64x51"  # style-starry.ppm, 512x405, at --size 64
    assert meta["network"] == "vgg16"
    g = grams["gram.relu2_1"]
    assert g.dtype == np.float32 and g.shape == (128, 128)
    np.testing.assert_allclose(g, g.T, rtol=1e-4, atol=1e-3)
    assert (np.diag(g) >= 0).all() and np.diag(g).sum() > 0
