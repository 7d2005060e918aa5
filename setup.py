"""Puts the learner notebooks into the wheel (pyproject.toml holds everything else), and
the IPython startup file of cifar_cnn/workshop/restart_hint.py into {sys.prefix}/etc/ipython/startup/.

The build copies ``notebooks/NN-*.ipynb`` (the learner notebooks, never the answer key) into
``cifar_cnn/lesson_notebooks/`` of the wheel, so ``cifar-cnn notebooks DIR`` works for a
learner who installed only the wheel. A source checkout reads them from ``notebooks/``.
"""

from pathlib import Path
import shutil

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class build_py_with_notebooks(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads them from the repository
            return
        target = Path(self.build_lib) / "cifar_cnn" / "lesson_notebooks"
        target.mkdir(parents=True, exist_ok=True)
        for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
            shutil.copyfile(notebook, target / notebook.name)


class DistributionWithEditableData(Distribution):
    # setuptools' editable_wheel installs data_files only if the distribution answers
    # has_data() (it asks for "has_" + "data"; distutils names it has_data_files), so
    # without this `pip install -e .` silently skips the startup file (seen with setuptools 84).
    def has_data(self):
        return self.has_data_files()


# data_files land under the environment's prefix, where IPython looks for startup files.
STARTUP = "etc/ipython/startup"
setup(
    distclass=DistributionWithEditableData,
    cmdclass={"build_py": build_py_with_notebooks},
    data_files=[(STARTUP, [f"{STARTUP}/50-cifar-cnn-restart-hint.py"])],
)
