"""After a failed ``fit``, ``evaluate`` or ``predict``: make the next, corrected call work.

On the TensorFlow backend Keras builds a model's training step the first time ``fit`` runs,
by tracing it into a ``tf.function`` and creating the optimizer's and the metrics'
variables inside that first trace. When the first trace fails (labels forgotten, one-hot
labels with the sparse loss), the half-traced function stays on the model as
``model.train_function``, and the next ``fit`` traces it again, which TensorFlow refuses:
"Creating variables on a non-first call to a function decorated with tf.function", and
after that "Attr 'Toutput_types' of 'OptionalFromValue' Op passed list of length 0". The
weights themselves are untouched: only the step functions are stale (and, when the trace
failed after the optimizer had built its variables, those variables). Keras's public
``make_train_function(force=True)`` (and its test and predict twins) replaces them with
fresh ones, whose first trace may create variables again. Measured with Keras 3.12 and
3.15 (``tests/test_recovery.py``).
"""

from __future__ import annotations

__all__ = ["forget_failed_steps", "calls_in_traceback", "models_in_traceback", "reset_on_failure"]

# The Keras calls that trace a step function, by the name of their frame.
_TRACING_CALLS = frozenset({
    "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
})
_MAKERS = ("make_train_function", "make_test_function", "make_predict_function")


def _is_model(value):
    return all(callable(getattr(type(value), name, None)) for name in _MAKERS) and hasattr(value, "train_function")


def forget_failed_steps(model) -> bool:
    """Replace ``model``'s compiled train/test/predict steps by fresh ones; True if done.

    Cheap (the next call traces once more, about a second) and harmless for a model that
    trained well: its variables exist already, so the fresh trace creates none.
    """
    if not _is_model(model):
        return False
    try:
        _replace_broken_optimizer(model)
        for name in _MAKERS:
            getattr(model, name)(force=True)
    except Exception:  # a half-constructed or foreign model: leave it as it is
        return False
    return True


def _unreadable(variable):
    import keras

    try:
        return tuple(keras.ops.convert_to_numpy(variable).shape) != tuple(variable.shape)
    except Exception:
        return True


def _replace_broken_optimizer(model):
    """A trace that failed after the optimizer built its variables (e.g. in a metric) leaves
    them uninitialised (a value of shape (0,)): a fresh optimizer of the same settings
    replaces it. Only one that never made a step: a trained one's state is kept."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False) or int(optimizer.iterations) != 0:
        return
    if any(_unreadable(variable) for variable in optimizer.variables):
        model.optimizer = type(optimizer).from_config(optimizer.get_config())


def calls_in_traceback(tb):
    """``(name, model)`` for each Keras ``fit``/``evaluate``/``predict``... that ``tb`` passes
    through. Keras filters its own frames out of the tracebacks it raises, keeping only its
    ``error_handler`` wrapper: the call is then read from that wrapper's ``fn`` and ``args``."""
    calls = []
    while tb is not None:
        code, local = tb.tb_frame.f_code, tb.tb_frame.f_locals
        if code.co_name in _TRACING_CALLS:
            calls.append((code.co_name, local.get("self")))
        elif code.co_name == "error_handler":
            name, args = getattr(local.get("fn"), "__name__", None), local.get("args") or (None,)
            if name in _TRACING_CALLS:
                calls.append((name, args[0]))
        tb = tb.tb_next
    return calls


def models_in_traceback(tb):
    """The Keras models whose ``fit``/``evaluate``/``predict`` calls ``tb`` passes through."""
    found = {id(model): model for _, model in calls_in_traceback(tb) if _is_model(model)}
    return list(found.values())


class reset_on_failure:  # noqa: N801 - used as a context manager, reads like a function
    """``with reset_on_failure(model): model.fit(...)``: on an exception the model's step
    functions are reset (:func:`forget_failed_steps`) and the exception goes on."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        return self.model

    def __exit__(self, etype, value, tb):
        if etype is not None and issubclass(etype, Exception):
            forget_failed_steps(self.model)
        return False
