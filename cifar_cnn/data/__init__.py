"""Find, download, check and load the CIFAR-10 data set.

The data is the "python version" of CIFAR-10: a folder ``cifar-10-batches-py``
holding ``batches.meta``, ``data_batch_1`` .. ``data_batch_5`` and
``test_batch``, each a pickled dict.  :func:`load_cifar10` is the one call a
notebook needs: it splits the 50,000 training images into training and
validation sets (stratified, always the same for the same seed) and keeps the
10,000 test images apart.  The other public functions back the
``cifar-cnn data`` commands (``download``, ``verify``, ``info``).

Where the data comes from, first match wins:

1. the ``data_dir`` argument (``--data-dir`` on the command line);
2. the ``CIFAR_CNN_DATA`` environment variable;
3. the Keras dataset cache (``$KERAS_HOME/datasets``, else ``~/.keras/datasets``),
   including the folder that ``keras.datasets.cifar10.load_data()`` extracts;
4. a download of the official archive into that cache.

One module per job: ``constants`` (class and file names), ``errors``,
``unpickle`` (recognising a batch's pickle, opcode by opcode, without unpickling it),
``arrays`` (arrays built from its raw bytes), ``text`` (strings from files made safe to
print), ``batches`` (reading and checking the files), ``locate`` (finding the folder),
``tarscan`` (reading a .tar.gz with budgets), ``archive`` (installing it),
``download``, ``split`` (stratified subsets), ``load`` (:func:`load_cifar10`)
and ``report`` (``verify`` and ``info``). What the modules share with each other
(``batches.read_bytes``, ``errors.file_error``, ``locate.resolve_data_home``, ...) is a
public name of its module; what a module keeps to itself starts with ``_``. The names
in ``__all__`` below are the subpackage's API for learners and the command line.

Importing this package does not import Keras or TensorFlow (seconds of start-up
time); only :func:`download_cifar10` does, to use ``keras.utils.get_file``.
"""

from .archive import install_archive
from .batches import load_raw, read_batch, read_class_names
from .constants import (
    CLASS_NAMES,
    ENV_VAR,
    FOLDER_NAME,
    META_FILE,
    REQUIRED_FILES,
    TEST_FILE,
    TRAIN_FILES,
)
from .download import OFFICIAL_SHA256, OFFICIAL_URL, download_cifar10
from .errors import DataError, DataNotFoundError
from .load import CIFAR10, load_cifar10
from .locate import default_data_home, find_data_dir
from .pack import pack_data
from .data_report import OFFICIAL_MD5, FileStatus, VerifyReport, format_info, info, verify
from .split import stratified_indices

__all__ = [
    "CIFAR10",
    "CLASS_NAMES",
    "DataError",
    "DataNotFoundError",
    "ENV_VAR",
    "FOLDER_NAME",
    "FileStatus",
    "OFFICIAL_MD5",
    "OFFICIAL_SHA256",
    "OFFICIAL_URL",
    "VerifyReport",
    "default_data_home",
    "download_cifar10",
    "find_data_dir",
    "format_info",
    "info",
    "install_archive",
    "load_cifar10",
    "load_raw",
    "pack_data",
    "read_batch",
    "read_class_names",
    "stratified_indices",
    "verify",
]
