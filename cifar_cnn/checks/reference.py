"""The reference networks from :mod:`cifar_cnn.models`, described as layer chains: built
once per set of arguments, cached, and without disturbing the learner's random numbers."""

from __future__ import annotations

import contextlib
import inspect
import random
from dataclasses import dataclass

import numpy as np

from . import graph
from .verdict import FAIL, Problem

__all__ = ["REFERENCES", "rng_preserved", "Reference", "defaults", "reference"]

REFERENCES: dict = {}


@contextlib.contextmanager
def rng_preserved():
    """Building a reference draws initial weights from the global random state; restore
    it, so that calling a check never changes the learner's seeded numbers. Keras has no
    public getter for its global seed generator, hence the one private import, guarded."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    generator, generator_state = None, None
    try:
        from keras.src.backend.common import global_state

        generator = global_state.get_global_attribute("global_seed_generator")
        if generator is not None:
            generator_state = np.array(generator.state.value)
    except Exception:
        generator = None
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        try:
            if generator is not None and generator_state is not None:
                generator.state.assign(generator_state)
        except Exception:
            pass


@dataclass
class Reference:
    chain: list
    params: int
    name: str
    call: str  # how the learner would build it, e.g. "create_model_vgg(filters=(16, 32))"


def defaults(factory_name):
    from .. import models

    signature = inspect.signature(getattr(models, factory_name))
    return {name: p.default for name, p in signature.parameters.items() if p.default is not p.empty}


def _same(x, y):
    try:
        return type(x) is type(y) and bool(x == y)
    except Exception:
        return False


def reference(factory_name, kwargs):
    """The described reference ``factory_name(**kwargs)``; a ✗ verdict if it cannot be built."""
    key = (factory_name, repr(sorted(kwargs.items())))
    cached = REFERENCES.get(key)
    if cached is not None:
        return cached
    from .. import models

    factory = getattr(models, factory_name)
    known = defaults(factory_name)
    shown = {k: v for k, v in kwargs.items() if k not in known or not _same(v, known[k])}
    call = f"{factory_name}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"
    with rng_preserved():
        try:
            model = factory(**kwargs)
        except (TypeError, ValueError) as error:
            raise Problem(f"{FAIL} the reference {call} cannot be built: {error}") from None
        chain, _ = graph.describe_model(model, model.outputs, list(model.inputs))
        result = Reference(chain, int(model.count_params()), model.name, call)
    REFERENCES[key] = result
    return result
