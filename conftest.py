"""pytest settings for the whole repository: unit tests in tests/, notebooks in notebooks/.

nbval executes every notebook in a fresh kernel that inherits this process's
environment, and compares what each cell prints with the output stored in the
notebook. Everything that would change those outputs without changing the lesson is
pinned here, before any kernel starts.
"""

import os
from pathlib import Path

os.environ["COLUMNS"] = "80"  # Keras 3 draws model.summary() min(88, COLUMNS - 4) wide
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # fewer TensorFlow C++ notices
os.environ["CIFAR_CNN_QUICK"] = "1"  # notebooks run the quick mode: small data, few epochs
os.environ.pop("MPLBACKEND", None)  # Agg would replace the inline figures the notebooks store

import pytest  # noqa: E402


def pytest_configure(config):
    # Episode 5 saves its quick-mode models (models/*-quick.keras next to the notebooks) and
    # episodes 7 and 8 load them, or train the same ones when they are missing. A file left
    # by an older version of the lesson would feed them a model this run did not make, so
    # the run starts without them. Only the controller does this, before any worker starts.
    if not hasattr(config, "workerinput"):
        root = Path(__file__).resolve().parent
        for folder in (root / "notebooks" / "models", root / "instructors" / "answer-key" / "models"):
            for path in folder.glob("*-quick.keras"):
                path.unlink(missing_ok=True)


def pytest_collectstart(collector):
    # stderr carries TensorFlow's start-up notices and Python warnings with machine-specific
    # paths; what the lesson shows is on stdout and in the rich outputs.
    if hasattr(collector, "skip_compare"):  # nbval's notebook collector only
        collector.skip_compare += ("stderr",)


def pytest_collection_modifyitems(config, items):
    notebook_cells = [item for item in items if type(item).__name__ == "IPyNbCell"]
    if not notebook_cells:
        return
    from cifar_cnn.data import find_data_dir

    try:
        folder, _ = find_data_dir()
    except Exception as error:  # a bad CIFAR_CNN_DATA: say so on every notebook cell
        folder, reason = None, f"CIFAR-10 data unusable: {error}"
    else:
        reason = "the notebooks read CIFAR-10: set CIFAR_CNN_DATA or run `cifar-cnn data download`"
    if folder is None:
        skip = pytest.mark.skip(reason=reason)
        for item in notebook_cells:
            item.add_marker(skip)


NOTEBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "instructors", "answer-key")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    # Two workers when the answer keys run (the bare `pytest`, or `pytest instructors/answer-key/...`),
    # none for a single test file. loadscope keeps a notebook's cells, which share one
    # kernel, on one worker. Runs before xdist reads -n; an explicit -n wins.
    if getattr(config.option, "numprocesses", "absent") is not None or hasattr(config, "workerinput"):
        return
    here = str(config.invocation_params.dir)
    paths = [os.path.abspath(os.path.join(here, str(arg).split("::")[0])) for arg in config.args]
    if any(path == NOTEBOOKS or path.startswith(NOTEBOOKS + os.sep) or NOTEBOOKS.startswith(path + os.sep)
           for path in paths):
        config.option.numprocesses = 2
        if config.option.dist == "no":
            config.option.dist = "loadscope"
