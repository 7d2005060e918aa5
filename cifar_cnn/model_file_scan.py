"""Budgets a ``.keras`` file must meet before Keras (or even ``zipfile``) reads it.

Each check costs time linear in the bytes it looks at, and none trusts a size the
file declares without comparing it with what is there:

* the zip's central directory (read from its last 64 kB): few members, small directory
  (``zipfile`` would otherwise parse a million entries first);
* how deeply ``config.json`` nests, counted in one pass that stops at the limit;
* the weights the configuration declares (shapes from each layer's ``build_config``)
  against the size of the weights file actually in the archive, and a cap: Keras
  allocates every declared weight when it builds the model, before reading the file.
"""

from __future__ import annotations

import math
import re
import struct
from pathlib import Path

__all__ = [
    "MAX_DIRECTORY_BYTES", "MAX_FILE_BYTES", "MAX_JSON_DEPTH",
    "MAX_DECLARED_WEIGHT_BYTES", "WEIGHTS_SLACK", "scan_zip_directory", "json_depth_exceeds",
    "declared_weight_bytes", "weights_mismatch",
]

MAX_MEMBERS = 16  # a .keras file holds 3 (metadata.json, config.json, model.weights.h5)
MAX_DIRECTORY_BYTES = 64 * 2**10
MAX_FILE_BYTES = 512 * 2**20
MAX_JSON_DEPTH = 100
# The lesson's largest model has under 2 million weights (8 MB); a learner's own bigger
# model still fits.  Keras needs about 5 times the weights' size to build a model.
MAX_DECLARED_WEIGHT_BYTES = 256 * 2**20
WEIGHTS_SLACK = 2**20  # the h5 file's own headers and names
_EOCD = b"PK\x05\x06"
_TOKENS = re.compile(rb'[][{}"\\]')


def scan_zip_directory(path: Path) -> str | None:
    """Why the zip directory is outside the budget (or None), from the file's tail only."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"it is {size:,} bytes, more than this package loads (at most {MAX_FILE_BYTES:,})"
    with open(path, "rb") as f:
        f.seek(max(0, size - (MAX_DIRECTORY_BYTES + 22)))
        tail = f.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None  # not a zip: the caller says so
    entries, directory = struct.unpack("<HI", tail[at + 10:at + 16])
    if entries > MAX_MEMBERS or entries == 0xFFFF:
        return f"its zip directory lists {entries:,} members; a .keras file has 3"
    if directory > MAX_DIRECTORY_BYTES:
        return f"its zip directory is {directory:,} bytes; a .keras file's is under 1 kB"
    return None


def json_depth_exceeds(text: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` nests lists and objects deeper than `limit`: one pass, linear time.

    Only brackets, quotes and backslashes are looked at; brackets inside strings do not count.
    """
    depth = 0
    in_string = False
    skip = -1
    for match in _TOKENS.finditer(text):
        at = match.start()
        if at < skip:
            continue
        char = text[at]
        if in_string:
            if char == 0x5C:  # backslash: the next character is escaped
                skip = at + 2
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif char in b"]}":
            depth -= 1
    return False


def _ints(values) -> list[int] | None:
    if not isinstance(values, list) or len(values) > 8:
        return None
    out = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return out if len(out) == len([v for v in values if v is not None]) else None


def _layer_weights(kind: str, config: dict, input_shape: list) -> int:
    """Weights one layer declares, from its configuration and input shape (an upper bound
    for layer types it does not know)."""
    last = input_shape[-1] if input_shape and isinstance(input_shape[-1], int) else 0
    def number(key):
        value = config.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
    kernel = _ints(config.get("kernel_size")) if "kernel_size" in config else [1]
    kernel = math.prod(kernel) if kernel else 0
    if kind in ("Dense", "EinsumDense"):
        return (last + 1) * number("units")
    if kind in ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"):
        return (kernel * last + 1) * number("filters")
    if kind in ("SeparableConv1D", "SeparableConv2D"):
        return kernel * last * max(number("depth_multiplier"), 1) + (last + 1) * number("filters")
    if kind in ("DepthwiseConv1D", "DepthwiseConv2D"):
        return (kernel + 1) * last * max(number("depth_multiplier"), 1)
    if kind == "Embedding":
        return number("input_dim") * number("output_dim")
    if kind in ("BatchNormalization", "LayerNormalization", "GroupNormalization"):
        return 4 * last
    # Any other layer with a size (recurrent layers, attention, layers from elsewhere): bounded
    # as generously as an LSTM, four gates on the input and on itself, so no size slips by.
    size = max(number(key) for key in _SIZE_KEYS)
    return 4 * size * (last + size + 1)


# The configuration keys that set a layer's width, for the layers sized generically.
_SIZE_KEYS = ("units", "filters", "output_dim", "key_dim", "value_dim", "num_heads", "latent_dim")


def declared_weight_bytes(config) -> int:
    """Bytes of float32 weights the configuration's layers declare (a lower bound for Keras)."""
    total = 0
    stack = [config]
    while stack:  # iterative: the depth was checked, but no recursion is needed
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            kind, inner, build = node.get("class_name"), node.get("config"), node.get("build_config")
            if isinstance(kind, str) and isinstance(inner, dict) and isinstance(build, dict):
                shape = build.get("input_shape")
                if isinstance(shape, list) and len(shape) <= 8:
                    total += 4 * _layer_weights(kind, inner, shape)
            stack.extend(node.values())
    return total


def weights_mismatch(config, weights_size: int | None, weights_stored: int | None) -> str | None:
    """Why the declared weights do not fit the weights file (or None)."""
    declared = declared_weight_bytes(config)
    if declared > MAX_DECLARED_WEIGHT_BYTES:
        return f"it declares {declared:,} bytes of weights (at most {MAX_DECLARED_WEIGHT_BYTES:,} are loaded)"
    if weights_size is None:
        return None if declared <= WEIGHTS_SLACK else "it holds no model.weights.h5"
    # Keras stores weights uncompressed; compare with what the zip really holds as well.
    if declared > weights_size + WEIGHTS_SLACK or declared > 8 * (weights_stored or 0) + WEIGHTS_SLACK:
        return f"it declares {declared:,} bytes of weights but holds {weights_stored:,}"
    return None
