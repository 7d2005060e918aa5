"""Every way ``cifar-cnn train`` can train a model, declared once: the recipe registry.

A :class:`Recipe` says which trainer runs, whether it compiles the model itself, how the
test set is scored and what the command prints about it. Its default epochs and batch
size are *read* from the trainer's signature (``train``: the lesson's 10 and 32;
``train_fast``: 15 and 128; ``train_speedrun``: 12 and 256), so they are written once,
where a learner reading ``help(train_fast)`` sees them; the command line's help reads
them from here. :data:`TRAINED_BY` names the models that have their own recipe; every
other model of :data:`cifar_cnn.models.MODELS` trains with the lesson's.

Importing this module imports no Keras (``cifar-cnn train --help`` reads it): the trainers
and factories import Keras when called, and the lesson's factories (``cifar_cnn.models``,
which imports Keras) are looked up only by :func:`trainable` and :func:`model_names`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from ..training import evaluate, train, train_fast
from .speedrun_recipe import create_model_speedrun, evaluate_speedrun, train_speedrun

__all__ = ["Recipe", "RECIPES", "TRAINED_BY", "OWN_FACTORIES", "recipe_for", "trainable", "model_names"]


def _test_score(model, x, y) -> dict:
    """The lesson's test score: :func:`cifar_cnn.evaluate`'s loss and accuracy."""
    return evaluate(model, x, y)


def _test_score_with_flips(model, x, y) -> dict:
    """The speed-run's test score: accuracy averaged over each image and its mirror image
    (no loss: the averaged predictions are not the model's)."""
    return {"loss": None, **evaluate_speedrun(model, x, y)}


@dataclass(frozen=True)
class Recipe:
    """How ``cifar-cnn train`` trains and scores a model.

    ``trainer(model, data, *, epochs, batch_size, seed, verbose)`` returns a Keras
    ``History``; a trainer that does not ``compiles_itself`` gets a model compiled with
    :func:`cifar_cnn.compile_model`. ``score(model, x_test, y_test)`` returns
    ``{"loss": float or None, "accuracy": float}``; ``score_note`` is printed after the
    test accuracy. ``own`` is False only for the lesson's plain ``train``.
    """

    name: str
    trainer: Callable
    compiles_itself: bool
    score: Callable[..., dict] = _test_score
    score_note: str = ""
    own: bool = True

    def _default(self, argument: str) -> int:
        return inspect.signature(self.trainer).parameters[argument].default

    @property
    def epochs(self) -> int:
        """The trainer's default number of epochs."""
        return self._default("epochs")

    @property
    def batch_size(self) -> int:
        """The trainer's default batch size."""
        return self._default("batch_size")


RECIPES: dict[str, Recipe] = {
    "lesson": Recipe("lesson", train, compiles_itself=False, own=False),
    "fast": Recipe("fast", train_fast, compiles_itself=True),
    # The learning rate warms up over 2 epochs, or over all of a shorter run.
    "speedrun": Recipe("speedrun", train_speedrun, compiles_itself=True, score=_test_score_with_flips,
                       score_note=" (each averaged with its mirror image)"),
}

# Models trained with their own recipe; every other model trains with RECIPES["lesson"].
TRAINED_BY: dict[str, str] = {"fast": "fast", "speedrun": "speedrun"}

# Factories `cifar-cnn train` knows besides cifar_cnn.models.MODELS (research models that
# no page of the lesson builds, so they are not listed by `cifar-cnn models`).
OWN_FACTORIES: dict[str, Callable] = {"speedrun": create_model_speedrun}


def _key(name) -> str:
    return str(name).strip().lower().replace("-", "_").removeprefix("create_model_")


def recipe_for(model_name) -> Recipe:
    """The recipe that trains the model called ``model_name`` (no Keras imported)."""
    return RECIPES[TRAINED_BY.get(_key(model_name), "lesson")]


def model_names() -> list[str]:
    """Every name ``cifar-cnn train`` accepts: the lesson's models, then the recipes' own."""
    from ..models import MODELS

    return [*MODELS, *OWN_FACTORIES]


def trainable(model_name) -> tuple[Callable, Recipe]:
    """(factory, recipe) for a model name; an unknown name fails here, naming the choices."""
    from ..models import MODELS

    key = _key(model_name)
    factory = OWN_FACTORIES.get(key) or MODELS.get(key)
    if factory is None:
        *first, last = model_names()
        raise ValueError(f"unknown model {model_name!r}; choose one of: {', '.join(first)}, or {last}")
    return factory, recipe_for(key)
