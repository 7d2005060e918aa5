"""The model commands: ``cifar-cnn models``, ``summary`` and ``train``."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from .. import lesson
from ..messages import one_line
from .common import (
    MAX_BATCH_SIZE,
    CliError,
    batch_size_type,
    epochs_type,
    non_negative_int,
    positive_int,
    quiet_tensorflow,
)

__all__ = ["cmd_models", "cmd_summary", "cmd_train", "require_out_folder", "rescue_model", "add_parsers"]


def cmd_models(args):
    quiet_tensorflow()
    from ..models import MODELS

    print(f"{'name':<10} {'factory':<24} {'params':>9}  description")
    for name, factory in MODELS.items():
        model = factory()
        first_line = (factory.__doc__ or "").strip().splitlines()[0]
        print(f"{name:<10} {factory.__name__:<24} {model.count_params():>9,}  {first_line}")
    return 0


def cmd_summary(args):
    quiet_tensorflow()
    from ..arithmetic import format_layer_table, layer_table
    from ..models import get_factory

    model = get_factory(args.model)()
    model.summary()
    print("\nThe same numbers from the formulas (cifar_cnn.arithmetic):")
    print(format_layer_table(layer_table(model)))
    return 0


def _artifact_paths(out_dir, model_name):
    out_dir = Path(out_dir)
    return out_dir / f"{model_name}.keras", out_dir / f"{model_name}_history.png", out_dir / f"{model_name}_history.json"


def require_out_folder(out):
    """Make sure the model can be saved to the folder `out`, before a long training run."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise CliError(f"--out {out} is a file, not a folder: give a folder for the model, e.g. --out runs")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):  # the only sure test: really write there
            pass
    except OSError as e:
        raise CliError(
            f"cannot write to the --out folder {out} ({e.strerror or e}): give a folder you can "
            "write to, e.g. --out runs"
        ) from None
    return out


def rescue_model(model, model_name, error):
    """Save the trained model somewhere else after saving to --out failed; say where."""
    from ..sharing import save_model

    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        target = folder / f"{model_name}-rescued-{stamp}.keras"
        try:
            save_model(model, target)
        except Exception:  # try the next place
            continue
        raise CliError(f"{one_line(error)}; the trained model was saved to {target} instead")
    raise CliError(f"{one_line(error)}; the trained model could not be saved anywhere else either")


def _after_the_model(path, error, *saved):
    """A write after the model was saved failed: one line naming it and what is kept."""
    reason = error.strerror or one_line(error)
    if isinstance(error, IsADirectoryError) or path.is_dir():
        reason = "a folder has that name"
    kept = " and ".join(str(p) for p in saved)
    raise CliError(f"cannot save {path} ({reason}); kept what was saved before it: {kept}")


def cmd_train(args):
    quiet_tensorflow()
    from ..recipes import trainable

    factory, recipe = trainable(args.model)  # unknown names fail before any data is read
    require_out_folder(args.out)  # a bad --out fails now, not after the training
    from .._files import atomic_path
    from ..data import find_data_dir, load_cifar10
    from ..plots import plot_history
    from ..sharing import save_model
    from ..training import compile_model, set_seed

    if args.epochs is None:
        args.epochs = recipe.epochs
    if args.batch_size is None:
        args.batch_size = recipe.batch_size
    started = time.perf_counter()
    folder, source = find_data_dir(args.data_dir)
    if folder is not None:
        print(f"Reading CIFAR-10 from {folder} ({source})")
    # uint8: a quarter of the memory; train() and evaluate() scale each batch to 0-1 exactly
    # as load_cifar10 would, so the numbers are the same as with the float32 default.
    data = load_cifar10(folder, n_train=args.n_train, n_val=args.n_val, seed=args.seed, dtype="uint8")
    print(
        f"CIFAR-10: {len(data.x_train):,} training, {len(data.x_val):,} validation, "
        f"{len(data.y_test):,} test images"
    )
    set_seed(args.seed)  # before building: the initial weights depend on it
    model = factory() if recipe.compiles_itself else compile_model(factory())
    print(
        f"Training {model.name} ({model.count_params():,} parameters) for {args.epochs} epochs"
        + (f" with its recipe ({recipe.trainer.__name__})" if recipe.own else "")
    )
    # One line per epoch when the output is a log file rather than a terminal.
    verbose = 1 if sys.stdout.isatty() else 2
    fit_started = time.perf_counter()
    history = recipe.trainer(model, data, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, verbose=verbose)
    fit_seconds = time.perf_counter() - fit_started

    model_name = args.model.replace("-", "_")
    model_path, plot_path, json_path = _artifact_paths(args.out, model_name)
    try:
        save_model(model, model_path)
    except OSError as e:  # the folder changed during training (removed, full, read-only)
        rescue_model(model, model_name, e)
    # Saved first: the test images are read from disk only now, and a data folder that
    # changed during training must not cost the trained model.
    scores = recipe.score(model, data.x_test, data.y_test)
    fig = plot_history(history, title=f"{model.name}: {args.epochs} epochs")
    try:
        with atomic_path(plot_path) as tmp:
            fig.savefig(tmp, dpi=100)
    except OSError as e:  # full disk, file-size limit, a folder with the PNG's name
        _after_the_model(plot_path, e, model_path)
    record = {
        "model": model.name,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "n_train": len(data.x_train),
        "seed": args.seed,
        "train_seconds": round(fit_seconds, 1),
        "test_loss": scores["loss"],
        "test_accuracy": scores["accuracy"],
        "history": history.history,
    }
    try:
        with atomic_path(json_path) as tmp:
            tmp.write_text(json.dumps(record, indent=2))
    except OSError as e:
        _after_the_model(json_path, e, model_path, plot_path)

    val_accuracy = history.history.get("val_accuracy", [float("nan")])[-1]
    print(f"\nTraining time: {fit_seconds:.0f} s ({time.perf_counter() - started:.0f} s in all)")
    print(f"Final validation accuracy: {val_accuracy:.4f}")
    print(f"Test accuracy: {scores['accuracy']:.4f} on {len(data.y_test):,} test images"
          + recipe.score_note)
    # the test set is for the one model finally chosen: a score to report, never to choose by
    print("  (a final score: compare models on the validation accuracy, not on this)")
    print(f"Saved the model to {model_path}")
    print(f"Saved the training curves to {plot_path}")
    return 0


def add_parsers(commands):
    """Add ``models``, ``summary`` and ``train`` to the ``cifar-cnn`` parser."""
    p = commands.add_parser("models", help="list the model factories with their parameter counts")
    p.set_defaults(func=cmd_models)

    p = commands.add_parser("summary", help="show a model's layers, shapes and parameters")
    p.add_argument("model", help="a model name from `cifar-cnn models`, e.g. intro")
    p.set_defaults(func=cmd_summary)

    from ..recipes import OWN_FACTORIES, RECIPES, TRAINED_BY

    def defaults(attribute):  # "10; fast: 15; speedrun: 12", from the trainers' signatures
        own = [f"{model}: {getattr(RECIPES[recipe], attribute)}" for model, recipe in TRAINED_BY.items()]
        return "; ".join([str(getattr(RECIPES["lesson"], attribute)), *own])

    p = commands.add_parser("train", help="train a model, score it once on the test set (a final score) and save it")
    p.add_argument("model", help="a model name from `cifar-cnn models`, e.g. intro, or "
                   f"{', '.join(OWN_FACTORIES)} (a recipe of cifar_cnn.recipes)")
    p.add_argument("--epochs", type=epochs_type, default=None,
                   help=f"passes over the training set (default {defaults('epochs')})")
    p.add_argument("--batch-size", type=batch_size_type, default=None,
                   help=f"images per step, at most {MAX_BATCH_SIZE:,}: about 1.7 GB of memory for the "
                   f"intro model, what a laptop can spare (default {defaults('batch_size')})")
    p.add_argument("--n-train", type=positive_int, default=None,
                   help=f"train on a stratified subset of this many images (default: all {lesson.N_TRAIN:,})")
    p.add_argument("--n-val", type=positive_int, default=lesson.N_VAL,
                   help=f"validation images held out of the 50,000 training images (default {lesson.N_VAL:,})")
    p.add_argument("--seed", type=non_negative_int, default=lesson.SEED, help=f"random seed (default {lesson.SEED})")
    p.add_argument("--out", default="runs", help="folder for the model, plot and history (default runs/)")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.set_defaults(func=cmd_train)
