"""The commands around the lesson: ``cifar-cnn plan``, ``figures`` and ``doctor``."""

from __future__ import annotations

import json
import time

from .common import EXIT_ERROR, can_print, positive_int, positive_number, quiet_tensorflow

__all__ = ["cmd_plan", "cmd_figures", "cmd_doctor", "add_plan_and_figures_parsers", "add_doctor_parser"]


def cmd_plan(args):
    quiet_tensorflow()
    from ..planning import plan_training

    if not args.json:
        print(f"Measuring this machine for about {args.seconds:g} s ...", flush=True)
    plan = plan_training(args.minutes, seconds=args.seconds)
    print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.describe())
    return 0


def cmd_figures(args):
    quiet_tensorflow()
    from ..figures import make_figures

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
    from ..doctor import FAIL, format_result, iter_checks, report_dict, summary_line

    checks = iter_checks(args.data_dir, speed=not args.skip_speed)
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
    p.add_argument("--minutes", type=positive_number, required=True,
                   help="minutes the training run may take, e.g. 5")
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
