"""The commands around the lesson: ``cifar-cnn plan``, ``figures``, ``doctor``, ``workshop``
and ``notebooks``."""

from __future__ import annotations

import json
import time

from .common import EXIT_ERROR, CliError, can_print, positive_int, positive_number, quiet_tensorflow

__all__ = [
    "cmd_plan", "cmd_figures", "cmd_doctor", "cmd_workshop", "cmd_notebooks",
    "add_plan_and_figures_parsers", "add_doctor_parser", "add_workshop_parsers",
]


def cmd_plan(args):
    quiet_tensorflow()
    from ..workshop.planning import plan_training

    if not args.json:
        print(f"Measuring this machine for about {args.seconds:g} s ...", flush=True)
    from ..lesson import TRAINING_SLOT_MINUTES

    minutes = TRAINING_SLOT_MINUTES if args.minutes is None else args.minutes
    plan = plan_training(minutes, seconds=args.seconds)
    print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
    return 0


def cmd_figures(args):
    quiet_tensorflow()
    from ..workshop.figures import make_figures

    started = time.perf_counter()
    from ..lesson import EPOCHS

    paths = make_figures(
        args.out, data_dir=args.data_dir, n_train=args.n_train, n_test=args.n_test,
        epochs=args.epochs or EPOCHS,
    )
    print(f"{len(paths)} figures in {time.perf_counter() - started:.0f} s")
    return 0


def cmd_doctor(args):
    try:
        quiet_tensorflow()
    except Exception:
        pass  # the doctor's Keras check reports why
    from ..workshop.doctor import FAIL, format_result, iter_probes, report_dict, summary_line

    checks = iter_probes(args.data_dir, speed=not args.skip_speed)
    if args.json:
        results = list(checks)
        print(json.dumps(report_dict(results), indent=2))
    else:
        ascii = not can_print("✓⚠✗—")
        results = []
        for result in checks:  # each line as soon as its check is done
            results.append(result)
            print(format_result(result, ascii=ascii), flush=True)
        print()
        print(summary_line(results))
    return EXIT_ERROR if any(r.status == FAIL for r in results) else 0


def add_plan_and_figures_parsers(commands):
    """Add ``plan`` and ``figures`` to the ``cifar-cnn`` parser."""
    p = commands.add_parser(
        "plan", help="measure this machine and say what training fits in a workshop's minutes"
    )
    p.add_argument("--minutes", type=positive_number, default=None,
                   help="minutes the training run may take (default: the lesson's training slot, "
                        "cifar_cnn.lesson.TRAINING_SLOT_MINUTES)")
    p.add_argument("--seconds", type=positive_number, default=10.0,
                   help="how long to measure this machine (default 10)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(func=cmd_plan)

    p = commands.add_parser("figures", help="redraw every lesson figure into fig/")
    p.add_argument("--out", default="fig", help="folder for the PNG files (default fig/)")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.add_argument("--n-train", type=positive_int, default=None,
                   help="training images for the model figures (default: the lesson's 40,000; "
                        "fewer only for a quick look, not for fig/)")
    p.add_argument("--n-test", type=positive_int, default=None,
                   help="test images for the confusion matrix and predictions (default: all 10,000)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="epochs for the model figures (default: the lesson's 10)")
    p.set_defaults(func=cmd_figures)


def add_doctor_parser(commands):
    """Add ``doctor`` to the ``cifar-cnn`` parser."""
    p = commands.add_parser("doctor", help="check that this machine is ready for the lesson")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    p.add_argument("--skip-speed", action="store_true", help="do not time the training speed (saves a few seconds)")
    p.add_argument("--json", action="store_true", help="print the results as JSON (for collecting a class's reports)")
    p.set_defaults(func=cmd_doctor)


def cmd_workshop(args):
    from ..workshop.stick import make_stick

    if bool(args.wheelhouse) != bool(args.platform or args.python_version):
        raise CliError("--wheelhouse goes with --platform and --python-version (e.g. --wheelhouse "
                       "--platform linux-x86_64 --python-version 3.11), and they only with it")
    try:
        made = make_stick(args.folder, data_dir=args.data_dir, platforms=args.platform or (),
                          pythons=args.python_version or ())
    except (RuntimeError, FileExistsError, OSError) as error:
        if isinstance(error, (FileNotFoundError, PermissionError)):
            raise
        raise CliError(error.strerror if isinstance(error, OSError) and error.strerror else str(error)) from None
    print(f"Wrote {made['folder']} ({made['bytes'] / 1e6:,.0f} MB): {made['wheels']} wheel(s), "
          f"{made['notebooks']} learner notebooks, the answer key in instructor/, the data "
          f"(SHA-256 {made['sha256'][:12]}...)")
    print(f"Copy the folder to the stick; learners follow {made['folder'] / 'README.md'}")
    return 0


def cmd_notebooks(args):
    from ..workshop.notebooks import copy_notebooks

    try:
        done = copy_notebooks(args.folder, force=args.force)
    except FileExistsError as error:
        raise CliError(str(error)) from None
    for old_new in done["renamed"]:
        print(f"Kept your edited notebook as {old_new.split(' -> ')[1]}")
    print(f"{len(done['copied'])} notebook(s) copied into {args.folder}, "
          f"{len(done['unchanged'])} already there and unchanged")
    if done["kept"]:
        print(f"Not replaced, because you worked in them: {', '.join(done['kept'])}. "
              "For a fresh copy add --force (yours is kept as NAME.mine.ipynb)")
    return 0


def add_workshop_parsers(commands):
    """Add ``workshop`` and ``notebooks`` to the ``cifar-cnn`` parser."""
    from ..workshop.wheels import PLATFORMS

    p = commands.add_parser("workshop", help="write the workshop folder for a USB stick: wheels, data, notebooks")
    p.add_argument("folder", metavar="DIR", help="the folder to write (new or empty)")
    p.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py (default: the one found)")
    p.add_argument("--wheelhouse", action="store_true",
                   help="also download every dependency's wheel, for installs without internet")
    p.add_argument("--platform", action="append", choices=sorted(PLATFORMS), default=None,
                   help="a platform for the wheelhouse (repeat for several)")
    p.add_argument("--python-version", action="append", default=None, metavar="3.X",
                   help="a Python version for the wheelhouse, e.g. 3.11 (repeat for several)")
    p.set_defaults(func=cmd_workshop)

    p = commands.add_parser("notebooks", help="copy the lesson notebooks into a folder (keeps your edited ones)")
    p.add_argument("folder", metavar="DIR", help="where to put them, e.g. notebooks")
    p.add_argument("--force", action="store_true",
                   help="replace notebooks you edited with fresh copies (yours are kept as NAME.mine.ipynb)")
    p.set_defaults(func=cmd_notebooks)
