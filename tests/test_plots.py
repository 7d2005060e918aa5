"""The plots package as a whole: what it exports, and what importing it costs.

Each module of ``cifar_cnn.plots`` has its own test file: test_plots_gallery.py,
test_plots_conv_figures.py, test_plots_confusion.py and test_plots_history.py.
"""

import subprocess
import sys

from cifar_cnn import plots


def test_every_figure_function_is_exported():
    for name in ["plot_images", "plot_convolution", "plot_feature_maps", "plot_filters",
                 "plot_confusion_matrix", "plot_predictions",
                 "plot_augmentation", "plot_gradient_flow", "plot_history", "plot_feature_map_pairs"]:
        assert name in plots.__all__
        assert callable(getattr(plots, name))


def test_importing_the_plots_imports_no_keras():
    code = "import sys, cifar_cnn.plots; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
