"""The workshop's tools: what the people running a workshop use, not the lesson's API.

The doctor (:mod:`.doctor`, ``cifar-cnn doctor``), the planner (:mod:`.planning`,
``cifar-cnn plan``, with the measured :mod:`.memory_needs` and :mod:`.frontier_runs`), the
hints for learners' mistakes (:mod:`.friendly`, :mod:`.slips`, :mod:`.folding`;
``friendly_errors`` is also offered at the top level), the figures (:mod:`.figures`) and
the kit everything an instructor copies to a USB stick or a shared drive.

``cifar-cnn workshop DIR`` writes (see :func:`make_stick`)::

    DIR/README.md                     for learners: install, data, notebooks, in that order
    DIR/wheels/                       the package's wheel (+ every dependency with --wheelhouse)
    DIR/data/cifar-10-python.tar.gz   the data, with its .sha256 next to it
    DIR/notebooks/                    the learner notebooks
    DIR/instructor/answer-key/        the answer key (keep it off the learners' copy)

``cifar-cnn notebooks DIR`` copies the learner notebooks out of the installed package
(:func:`copy_notebooks`): the wheel carries them, so a learner with only the wheel has them.
"""

from .notebooks import ANSWER_KEY_DIR, answer_key_notebooks, copy_notebooks, learner_notebooks
from .stick import make_stick
from .wheels import PLATFORMS, build_package_wheel, download_wheelhouse

__all__ = [
    "ANSWER_KEY_DIR", "PLATFORMS", "answer_key_notebooks", "build_package_wheel", "copy_notebooks",
    "download_wheelhouse", "learner_notebooks", "make_stick",
]
