"""Training recipes beyond the lesson's, and the registry ``cifar-cnn train`` reads.

:mod:`.registry` declares every recipe once (trainer, defaults, test-time scoring);
:mod:`.speedrun_recipe` is the CPU-sized speed-run (whitened first layer, one-cycle SGD,
flip test-time augmentation), the frontier ``benchmarks/speedrun.py`` measures. No page
of the lesson imports from here: a learner reading how ``train`` works never meets it.
"""

from .registry import OWN_FACTORIES, RECIPES, TRAINED_BY, Recipe, model_names, recipe_for, trainable
from .speedrun_recipe import create_model_speedrun, evaluate_speedrun, train_speedrun, whitening_filters

__all__ = [
    "Recipe", "RECIPES", "TRAINED_BY", "OWN_FACTORIES", "recipe_for", "trainable", "model_names",
    "create_model_speedrun", "whitening_filters", "train_speedrun", "evaluate_speedrun",
]
