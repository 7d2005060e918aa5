"""Exercise checks: a short, friendly verdict on each step of building the lesson's CNN.

Learners build the network one line at a time with the functional API and, after each
step, call the matching check::

    inputs = keras.Input(shape=(32, 32, 3), name="images")
    check_input(inputs)
    x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")(inputs)
    check_conv2d(x)
    ...
    model = keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_intro")
    check_model_intro(model)

Every check prints its verdict, one line per fact, ``✓`` for what matches the challenge,
``✗`` for what differs with what to write instead, ``•`` for a note, and returns it as a
:class:`Verdict` (``.ok``, ``.messages``). A verdict with a ``✗`` is never "all correct".
Whatever a learner passes becomes a verdict; no check raises.

The modules, one job each:

- :mod:`.graph` reads the learner's layer chain as it really is (including layers left by
  a cell that ran twice, and a step called on ``inputs`` instead of ``x``);
- :mod:`.compare` aligns two chains and lists their differences;
- :mod:`.wording` words layers, settings and fixes;
- :mod:`.passed` turns what was passed into a chain, or says what to pass instead;
- :mod:`.reference` builds and caches the reference networks from :mod:`cifar_cnn.models`;
- :mod:`.steps` the building episode's step checks, derived from ``create_model_intro()``;
- :mod:`.networks` the whole-model checks; :mod:`.compile` the compile check;
- :mod:`.verdict` the :class:`Verdict` and the wrapper that makes a check never raise;
- :mod:`.progress` which checks have passed: the guard of a notebook's reference solutions.
"""

from .compile import check_compile
from .networks import (
    check_model_dropout,
    check_model_intro,
    check_model_one_conv,
    check_model_two_conv,
    check_model_vgg,
)
from .steps import (
    check_conv2d,
    check_dense,
    check_flatten,
    check_input,
    check_output,
    check_pooling,
    check_second_block,
)
from .progress import checked, defined, passed
from .verdict import Verdict

__all__ = [
    "Verdict",
    "check_input",
    "check_conv2d",
    "check_pooling",
    "check_second_block",
    "check_flatten",
    "check_dense",
    "check_output",
    "check_model_intro",
    "check_model_dropout",
    "check_model_one_conv",
    "check_model_two_conv",
    "check_model_vgg",
    "check_compile",
    "passed",
    "checked",
    "defined",
]
