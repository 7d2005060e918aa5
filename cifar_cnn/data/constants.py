"""Names the whole data package shares: the ten classes, the folder and its files."""

__all__ = [
    "CLASS_NAMES", "FOLDER_NAME", "ENV_VAR", "META_FILE", "TRAIN_FILES", "TEST_FILE",
    "REQUIRED_FILES",
]


CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
FOLDER_NAME = "cifar-10-batches-py"
ENV_VAR = "CIFAR_CNN_DATA"

META_FILE = "batches.meta"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
REQUIRED_FILES = (META_FILE, *TRAIN_FILES, TEST_FILE)
