"""cifar-cnn: teach convolutional neural networks with Keras on CIFAR-10.

Everything a lesson needs is importable from the top level::

    from cifar_cnn import create_model_intro, load_cifar10, train

``import cifar_cnn`` is quick: Keras and TensorFlow are imported only when a function
that needs them is first used (PEP 562 lazy attributes). The ``if TYPE_CHECKING:`` block
repeats the same names as static imports, which never run, so that editors and type
checkers follow ``from cifar_cnn import train`` to :func:`cifar_cnn.training.train`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    **dict.fromkeys(
        [
            "create_model_intro", "create_model_dropout", "create_model_one_conv",
            "create_model_two_conv", "create_model_vgg", "create_model_residual",
            "create_model_dense", "create_model_deep", "create_model_fast", "MODELS", "get_factory",
        ],
        "cifar_cnn.models",
    ),
    **dict.fromkeys(
        ["load_cifar10", "download_cifar10", "CLASS_NAMES", "DataError", "DataNotFoundError"],
        "cifar_cnn.data",
    ),
    **dict.fromkeys(
        [
            "conv_output_size", "pool_output_size", "conv_params", "dense_params",
            "layer_table", "format_layer_table",
        ],
        "cifar_cnn.arithmetic",
    ),
    **dict.fromkeys(["set_seed", "compile_model", "train", "train_fast", "evaluate"], "cifar_cnn.training"),
    **dict.fromkeys(
        ["save_model", "load_model", "ModelFileError", "UnsafeModelError"], "cifar_cnn.sharing"
    ),
    **dict.fromkeys(
        [
            "ConvExample", "CellComputation", "conv1d_worked_example", "conv2d_worked_example",
            "multiple_filters_example", "multiple_channels_example", "apply_kernel",
            "apply_kernel_to_rgb", "to_grayscale", "chelsea_image", "cat_horizontal_edges",
            "cifar_horizontal_edges", "convolve_cell", "convolve1d_valid", "convolve2d_valid",
            "HORIZONTAL_EDGE_KERNEL", "VERTICAL_LINE_KERNEL", "HORIZONTAL_LINE_KERNEL",
        ],
        "cifar_cnn.convolution",
    ),
    **dict.fromkeys(
        [
            "plot_history", "plot_images", "plot_convolution", "plot_feature_map_pairs",
            "plot_feature_maps", "plot_filters", "confusion_matrix", "plot_confusion_matrix",
            "plot_predictions", "plot_augmentation", "plot_gradient_flow",
        ],
        "cifar_cnn.plots",
    ),
    "quick_mode": "cifar_cnn.lesson",
    **dict.fromkeys(
        [
            "Verdict", "check_input", "check_conv2d", "check_pooling", "check_second_block",
            "check_flatten", "check_dense", "check_output", "check_model_intro",
            "check_model_dropout", "check_model_one_conv", "check_model_two_conv",
            "check_model_vgg", "check_compile",
        ],
        "cifar_cnn.checks",
    ),
    "friendly_errors": "cifar_cnn.workshop.friendly",
    **dict.fromkeys(["gradient_norms", "gradient_flow", "conv_layers"], "cifar_cnn.gradients"),
}

if TYPE_CHECKING:  # static imports for editors and type checkers; never run
    # Keep in step with _EXPORTS (tests/test_package.py checks it).
    from .models import (
        MODELS,
        create_model_deep,
        create_model_dense,
        create_model_dropout,
        create_model_fast,
        create_model_intro,
        create_model_one_conv,
        create_model_residual,
        create_model_two_conv,
        create_model_vgg,
        get_factory,
    )
    from .data import (
        CLASS_NAMES,
        DataError,
        DataNotFoundError,
        download_cifar10,
        load_cifar10,
    )
    from .arithmetic import (
        conv_output_size,
        conv_params,
        dense_params,
        format_layer_table,
        layer_table,
        pool_output_size,
    )
    from .training import (
        compile_model,
        evaluate,
        set_seed,
        train,
        train_fast,
    )
    from .sharing import (
        ModelFileError,
        UnsafeModelError,
        load_model,
        save_model,
    )
    from .convolution import (
        CellComputation,
        ConvExample,
        HORIZONTAL_EDGE_KERNEL,
        HORIZONTAL_LINE_KERNEL,
        VERTICAL_LINE_KERNEL,
        apply_kernel,
        apply_kernel_to_rgb,
        cat_horizontal_edges,
        chelsea_image,
        cifar_horizontal_edges,
        conv1d_worked_example,
        conv2d_worked_example,
        convolve1d_valid,
        convolve2d_valid,
        convolve_cell,
        multiple_channels_example,
        multiple_filters_example,
        to_grayscale,
    )
    from .plots import (
        confusion_matrix,
        plot_augmentation,
        plot_confusion_matrix,
        plot_convolution,
        plot_feature_map_pairs,
        plot_feature_maps,
        plot_filters,
        plot_gradient_flow,
        plot_history,
        plot_images,
        plot_predictions,
    )
    from .lesson import (
        quick_mode,
    )
    from .checks import (
        Verdict,
        check_compile,
        check_conv2d,
        check_dense,
        check_flatten,
        check_input,
        check_model_dropout,
        check_model_intro,
        check_model_one_conv,
        check_model_two_conv,
        check_model_vgg,
        check_output,
        check_pooling,
        check_second_block,
    )
    from .workshop.friendly import (
        friendly_errors,
    )
    from .gradients import (
        conv_layers,
        gradient_flow,
        gradient_norms,
    )

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cifar_cnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
