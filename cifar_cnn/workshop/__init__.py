"""The workshop's tools: what the people running a workshop use, not the lesson's API.

The doctor (:mod:`.doctor`, ``cifar-cnn doctor``), the planner (:mod:`.planning`,
``cifar-cnn plan``, with the measured :mod:`.memory_needs` and :mod:`.frontier_runs`), the
hints for learners' mistakes (:mod:`.friendly`, :mod:`.slips`, :mod:`.folding`;
``friendly_errors`` is also offered at the top level; :mod:`.restart_hint`, which a Jupyter
kernel loads at start), the figures (:mod:`.figures`) and
the kit everything an instructor copies to a USB stick or a shared drive.

``cifar-cnn workshop DIR`` writes (see :func:`.stick.make_stick`)::

    DIR/README.md                     for learners: install, data, notebooks, in that order
    DIR/wheels/                       the package's wheel (+ every dependency with --wheelhouse)
    DIR/data/cifar-10-python.tar.gz   the data, with its .sha256 next to it
    DIR/notebooks/                    the learner notebooks
    DIR/instructor/answer-key/        the answer key (keep it off the learners' copy)

``cifar-cnn notebooks DIR`` copies the learner notebooks out of the installed package
(:func:`.notebooks.copy_notebooks`): the wheel carries them, so a learner with only the wheel has them.

Each tool is imported from its own module (``from cifar_cnn.workshop.stick import
make_stick``): this package imports nothing itself, because a Jupyter kernel loads
:mod:`.restart_hint` from it at every start, and that must cost about a millisecond, not
the kit's imports.
"""

__all__: list[str] = []
