"""The ``cifar-cnn`` command line.

    cifar-cnn models                         the model factories and their sizes
    cifar-cnn summary intro                  Keras summary plus the formula table
    cifar-cnn train intro --epochs 10        train, evaluate on the test set, save
    cifar-cnn data download | verify | info  fetch, check and locate CIFAR-10
    cifar-cnn data pack FILE                 archive the data for a USB stick
    cifar-cnn data download --from FILE      install that archive offline
    cifar-cnn doctor                         is this machine ready for the lesson?
    cifar-cnn plan --minutes 5               what training fits in 5 minutes here?

Errors the user can fix (unknown model, bad number, missing data) are printed as
``cifar-cnn: error: ...`` with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from . import lesson

EXIT_ERROR = 1  # a problem with the data or the arguments' values
EXIT_USAGE = 2  # argparse's code for malformed command lines


class CliError(Exception):
    """A problem to report in one line, without a traceback."""


def _quiet_tensorflow():
    """Import Keras with TensorFlow's C++ start-up banner kept off the terminal.

    TensorFlow writes its oneDNN/absl notices straight to file descriptor 2, past
    Python's ``sys.stderr``, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. They are noise for
    learners, so stderr is parked in a temporary file during the import and replayed
    only if the import fails.
    """
    if "keras" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import keras  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _whole_number(minimum, wording, maximum=None, why=""):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {wording}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}{why}, got {text}")
        return value

    return convert


# A batch cannot hold more images than the training set has.
MAX_BATCH_SIZE = 50_000
_positive_int = _whole_number(1, "at least 1")
_batch_size = _whole_number(1, "at least 1", MAX_BATCH_SIZE, " (the number of CIFAR-10 training images)")
_non_negative_int = _whole_number(0, "0 or more")


def _positive_number(text):
    """An argparse type: a number greater than 0, such as 5 or 2.5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 5 or 2.5, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _sha256_hex(text):
    value = text.strip()
    if len(value) != 64 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise argparse.ArgumentTypeError(f"expected a SHA-256: 64 hexadecimal digits, got {text!r}")
    return value.lower()


# ------------------------------------------------------------------ commands


def cmd_models(args):
    _quiet_tensorflow()
    from .models import MODELS

    print(f"{'name':<10} {'factory':<24} {'params':>9}  description")
    for name, factory in MODELS.items():
        model = factory()
        first_line = (factory.__doc__ or "").strip().splitlines()[0]
        print(f"{name:<10} {factory.__name__:<24} {model.count_params():>9,}  {first_line}")
    return 0


def cmd_summary(args):
    _quiet_tensorflow()
    from .arithmetic import format_layer_table, layer_table
    from .models import get_factory

    model = get_factory(args.model)()
    model.summary()
    print("\nThe same numbers from the formulas (cifar_cnn.arithmetic):")
    print(format_layer_table(layer_table(model)))
    return 0


def _artifact_paths(out_dir, model_name):
    out_dir = Path(out_dir)
    return out_dir / f"{model_name}.keras", out_dir / f"{model_name}_history.png", out_dir / f"{model_name}_history.json"


def _check_out_folder(out):
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


def _rescue_model(model, model_name, error):
    """Save the trained model somewhere else after saving to --out failed; say where."""
    from .sharing import save_model

    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        target = folder / f"{model_name}-rescued-{stamp}.keras"
        try:
            save_model(model, target)
        except Exception:  # try the next place
            continue
        raise CliError(f"{_one_line(error)}; the trained model was saved to {target} instead")
    raise CliError(f"{_one_line(error)}; the trained model could not be saved anywhere else either")


def cmd_train(args):
    _quiet_tensorflow()
    from .models import get_factory

    factory = get_factory(args.model)  # unknown names fail before any data is read
    _check_out_folder(args.out)  # a bad --out fails now, not after the training
    from ._files import atomic_path
    from .data import find_data_dir, load_cifar10
    from .plots import plot_history
    from .sharing import save_model
    from .training import compile_model, evaluate, set_seed, train, train_fast

    # create_model_fast comes with its own recipe (batch size, learning-rate schedule).
    recipe = args.model.replace("-", "_") == "fast"
    if args.epochs is None:
        args.epochs = 15 if recipe else lesson.EPOCHS
    if args.batch_size is None:
        args.batch_size = 128 if recipe else lesson.BATCH_SIZE
    started = time.perf_counter()
    folder, source = find_data_dir(args.data_dir)
    if folder is not None:
        print(f"Reading CIFAR-10 from {folder} ({source})")
    # uint8: a quarter of the memory; train() and evaluate() scale each batch to 0-1 exactly
    # as load_cifar10 would, so the numbers are the same as with the float32 default.
    data = load_cifar10(folder, n_train=args.n_train, n_val=args.n_val, seed=args.seed, dtype="uint8")
    print(
        f"CIFAR-10: {len(data.x_train):,} training, {len(data.x_val):,} validation, "
        f"{len(data.x_test):,} test images"
    )
    set_seed(args.seed)  # before building: the initial weights depend on it
    model = compile_model(factory())
    print(
        f"Training {model.name} ({model.count_params():,} parameters) for {args.epochs} epochs"
        + (" with its recipe (train_fast)" if recipe else "")
    )
    # One line per epoch when the output is a log file rather than a terminal.
    verbose = 1 if sys.stdout.isatty() else 2
    fit_started = time.perf_counter()
    fit = train_fast if recipe else train
    history = fit(model, data, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, verbose=verbose)
    fit_seconds = time.perf_counter() - fit_started
    scores = evaluate(model, data.x_test, data.y_test)

    model_name = args.model.replace("-", "_")
    model_path, plot_path, json_path = _artifact_paths(args.out, model_name)
    try:
        save_model(model, model_path)
    except OSError as e:  # the folder changed during training (removed, full, read-only)
        _rescue_model(model, model_name, e)
    fig = plot_history(history, title=f"{model.name}: {args.epochs} epochs")
    with atomic_path(plot_path) as tmp:
        fig.savefig(tmp, dpi=100)
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
    with atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps(record, indent=2))

    val_accuracy = history.history.get("val_accuracy", [float("nan")])[-1]
    print(f"\nTraining time: {fit_seconds:.0f} s ({time.perf_counter() - started:.0f} s in all)")
    print(f"Final validation accuracy: {val_accuracy:.4f}")
    print(f"Test accuracy: {scores['accuracy']:.4f} on {len(data.x_test):,} test images")
    print(f"Saved the model to {model_path}")
    print(f"Saved the training curves to {plot_path}")
    return 0


def cmd_plan(args):
    _quiet_tensorflow()
    from .planning import plan_training

    if not args.json:
        print(f"Measuring this machine for about {args.seconds:g} s ...", flush=True)
    plan = plan_training(args.minutes, seconds=args.seconds)
    print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
    return 0


def cmd_figures(args):
    _quiet_tensorflow()
    from .figures import make_figures

    started = time.perf_counter()
    paths = make_figures(
        args.out, data_dir=args.data_dir, n_train=args.n_train, n_test=args.n_test, epochs=args.epochs
    )
    print(f"{len(paths)} figures in {time.perf_counter() - started:.0f} s")
    return 0


def cmd_data_download(args):
    if args.sha256 is not None and args.from_archive is None:
        raise CliError("--sha256 checks an archive given with --from FILE; a download is always checked")
    if args.from_archive is None:
        _quiet_tensorflow()  # the download uses Keras's downloader
    from .data import download_cifar10, find_data_dir

    folder, source = find_data_dir(args.data_dir, data_home=args.data_home)
    if folder is not None and not args.force:
        print(f"CIFAR-10 is already here ({source}): {folder}")
        print("Nothing to download. Check it with `cifar-cnn data verify`.")
        return 0
    if args.from_archive is not None:
        return _install_from(args)
    folder = download_cifar10(args.data_home)
    print(f"CIFAR-10 is ready in {folder}")
    return 0


def _install_from(args):
    from .data import FOLDER_NAME
    from .data.locate import _data_home
    from .data.pack import install_packed

    destination = _data_home(args.data_home) / FOLDER_NAME
    if destination.exists():
        raise CliError(
            f"{destination} already exists; nothing was replaced. To replace it, delete that "
            "folder and run this command again."
        )
    folder, how = install_packed(args.from_archive, args.data_home, sha256=args.sha256)
    print(f"Checked the archive: {how}.")
    print(f"CIFAR-10 is ready in {folder}")
    return 0


def _interrupt_on_termination():
    """Turn `kill` and a closed terminal into Ctrl-C, so half-written files are removed."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def cmd_data_pack(args):
    _interrupt_on_termination()
    from .data import find_data_dir, pack_data
    from .data.pack import _archive_target

    _archive_target(args.file)  # a bad name fails before the data is read
    folder, source = find_data_dir(args.data_dir)
    if folder is not None:
        print(f"Packing CIFAR-10 from {folder} ({source})")
    path, sha256 = pack_data(args.file, folder)
    size = path.stat().st_size
    print(f"Wrote {path} ({size / 1e6:.1f} MB, {size:,} bytes)")
    print(f"SHA-256: {sha256}")
    print(f"Checksum saved to {path.name}.sha256 next to it: copy both files.")
    print(f"On each machine: cifar-cnn data download --from <where the stick is>/{path.name}")
    return 0


def cmd_doctor(args):
    try:
        _quiet_tensorflow()
    except Exception:
        pass  # the doctor's Keras check reports why
    from .doctor import FAIL, format_result, iter_checks, report_dict, summary_line

    checks = iter_checks(args.data_dir, speed=not args.skip_speed)
    if args.json:
        results = list(checks)
        print(json.dumps(report_dict(results), indent=2))
    else:
        ascii = not _can_print("✓⚠✗—")
        results = []
        for result in checks:  # each line as soon as its check is done
            results.append(result)
            print(format_result(result, ascii=ascii), flush=True)
        print()
        print(summary_line(results))
    return EXIT_ERROR if any(r.status == FAIL for r in results) else 0


def _can_print(text):
    """Whether stdout's encoding (e.g. a Windows console's cp1252) can show `text`."""
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def cmd_data_verify(args):
    from .data import verify

    report = verify(args.folder)
    print(report.format())
    return 0 if report.ok and (report.official or not args.strict) else EXIT_ERROR


def cmd_data_info(args):
    from .data import format_info, info

    found = info(args.data_dir, data_home=args.data_home)
    print(format_info(found))
    # Scripts (and setup checks) can test the exit code: 0 only when the data is usable.
    return 0 if found["found"] and not found["error"] else EXIT_ERROR


# ------------------------------------------------------------------ parser


def build_parser():
    parser = argparse.ArgumentParser(
        prog="cifar-cnn",
        description="Convolutional neural networks on CIFAR-10: models, training and data.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"cifar-cnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("models", help="list the model factories with their parameter counts")
    p.set_defaults(func=cmd_models)

    p = commands.add_parser("summary", help="show a model's layers, shapes and parameters")
    p.add_argument("model", help="a model name from `cifar-cnn models`, e.g. intro")
    p.set_defaults(func=cmd_summary)

    p = commands.add_parser("train", help="train a model, evaluate it on the test set and save it")
    p.add_argument("model", help="a model name from `cifar-cnn models`, e.g. intro")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help=f"passes over the training set (default {lesson.EPOCHS}; fast: 15)")
    p.add_argument("--batch-size", type=_batch_size, default=None,
                   help=f"images per step, at most {MAX_BATCH_SIZE:,} (default {lesson.BATCH_SIZE}; fast: 128)")
    p.add_argument("--n-train", type=_positive_int, default=None,
                   help=f"train on a stratified subset of this many images (default: all {lesson.N_TRAIN:,})")
    p.add_argument("--n-val", type=_positive_int, default=lesson.N_VAL,
                   help=f"validation images held out of the 50,000 training images (default {lesson.N_VAL:,})")
    p.add_argument("--seed", type=_non_negative_int, default=lesson.SEED, help=f"random seed (default {lesson.SEED})")
    p.add_argument("--out", default="runs", help="folder for the model, plot and history (default runs/)")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.set_defaults(func=cmd_train)

    p = commands.add_parser(
        "plan", help="measure this machine and say what training fits in a workshop's minutes"
    )
    p.add_argument("--minutes", type=_positive_number, required=True,
                   help="minutes the training run may take, e.g. 5")
    p.add_argument("--seconds", type=_positive_number, default=10.0,
                   help="how long to measure this machine (default 10)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(func=cmd_plan)

    p = commands.add_parser("figures", help="redraw every lesson figure into fig/")
    p.add_argument("--out", default="fig", help="folder for the PNG files (default fig/)")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.add_argument("--n-train", type=_positive_int, default=10_000,
                   help="training images for the model figures (default 10,000)")
    p.add_argument("--n-test", type=_positive_int, default=None,
                   help="test images for the confusion matrix and predictions (default: all 10,000)")
    p.add_argument("--epochs", type=_positive_int, default=5, help="epochs for the model figures (default 5)")
    p.set_defaults(func=cmd_figures)

    data = commands.add_parser("data", help="download, verify or locate CIFAR-10")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    data_commands.required = True

    p = data_commands.add_parser("download", help="fetch CIFAR-10 into the Keras cache (do it before a workshop)")
    p.add_argument("--data-home", default=None, help="where to put it (default: the Keras cache, ~/.keras/datasets)")
    p.add_argument("--data-dir", default=None, help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true", help="download even if a copy is already found")
    p.add_argument("--from", dest="from_archive", metavar="FILE", default=None,
                   help="install from an archive (made by `cifar-cnn data pack`, or the official "
                        "cifar-10-python.tar.gz) instead of downloading")
    p.add_argument("--sha256", metavar="HEX", type=_sha256_hex, default=None,
                   help="expected SHA-256 of the --from archive (default: FILE.sha256 next to it, if any)")
    p.set_defaults(func=cmd_data_download)

    p = data_commands.add_parser("pack", help="write the data into one archive, e.g. for a USB stick")
    p.add_argument("file", metavar="FILE",
                   help="the archive to write (NAME.tar.gz), or a folder to write cifar-10-python.tar.gz into")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py (default: the one found)")
    p.set_defaults(func=cmd_data_pack)

    p = data_commands.add_parser("verify", help="check every file of a CIFAR-10 folder")
    p.add_argument("folder", nargs="?", default=None, help="folder to check (default: the one the package would use)")
    p.add_argument("--strict", action="store_true", help="also fail when a checksum differs from the official download")
    p.set_defaults(func=cmd_data_verify)

    p = data_commands.add_parser("info", help="say where the data is and how big it is")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.add_argument("--data-home", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_data_info)

    p = commands.add_parser("doctor", help="check that this machine is ready for the lesson")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.add_argument("--skip-speed", action="store_true", help="do not time the training speed (saves a few seconds)")
    p.add_argument("--json", action="store_true", help="print the results as JSON (for collecting a class's reports)")
    p.set_defaults(func=cmd_doctor)
    return parser


def _one_line(message):
    return " ".join(str(message).split())


def _tolerant_output():
    """Never fail on printing: a path or message the terminal's encoding cannot show
    (e.g. PYTHONIOENCODING=ascii) is printed with backslash escapes instead."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a text file (e.g. replaced in tests)
            pass


def _stdout_gone():
    """The reader of our output went away (`cifar-cnn data info | head -1`): stop quietly.

    Python would otherwise report a BrokenPipeError when it flushes stdout at exit.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv=None) -> int:
    _tolerant_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    from .data import DataError

    try:
        result = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, where it is handled
        return result
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_ERROR
    except (CliError, DataError, ValueError, FileNotFoundError, PermissionError) as error:
        print(f"cifar-cnn: error: {_one_line(error)}", file=sys.stderr)
        from .friendly import explain

        hint = explain(error)  # a known Keras mistake: what it means and the fix
        if hint:
            print(f"cifar-cnn: hint: {hint}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("cifar-cnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
