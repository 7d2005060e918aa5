"""Fixtures shared by the test files (the repository's root conftest.py pins the environment)."""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from cifar_files import make_cifar_archive, write_cifar_folder


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """Keep a test away from the real ~/.keras and from CIFAR_CNN_DATA."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("CIFAR_CNN_DATA", raising=False)


@pytest.fixture
def tiny_cifar(clean_environment, tmp_path):
    """A real-format CIFAR-10 folder of 100 training and 20 test images."""
    return write_cifar_folder(tmp_path / "data", n_per_batch=20, n_test=20)


@pytest.fixture(scope="module")
def full_float32_precision():
    """On GPUs with TensorFloat-32 a conv rounds to 10 mantissa bits; keep full float32.

    Test files that compare Keras layers with NumPy use it for the whole module:
    ``pytestmark = pytest.mark.usefixtures("full_float32_precision")``.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    yield
    tf.config.experimental.enable_tensor_float_32_execution(before)


# ------------------------------------------------ data folders, archives and a local server


@pytest.fixture
def home(tmp_path) -> Path:
    """The Keras dataset cache that KERAS_HOME points at (not created yet)."""
    return tmp_path / "keras_home" / "datasets"


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A complete tiny folder: 5 x 20 training images, 20 test images."""
    return write_cifar_folder(tmp_path / "tiny")


@pytest.fixture
def archive(tmp_path) -> tuple[Path, str]:
    """A tiny cifar-10-python.tar.gz look-alike and its SHA-256."""
    path = tmp_path / "upload" / "cifar-10-python.tar.gz"
    path.parent.mkdir()
    return path, make_cifar_archive(path)


@pytest.fixture
def medium(tmp_path) -> Path:
    """5 x 100 training images (50 per class), 50 test images."""
    return write_cifar_folder(tmp_path / "medium", n_per_batch=100, n_test=50)


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.routes: path -> (body, declared Content-Length)."""

    def do_GET(self):
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        body, declared_length = route
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(declared_length))
        self.end_headers()
        self.wfile.write(body)  # then HTTP/1.0 closes the connection

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(monkeypatch):
    """serve(name, body, declared_length=None) -> URL on a local server."""
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes = {}
    poll = {"poll_interval": 0.05}  # a quick shutdown at teardown
    threading.Thread(target=server.serve_forever, kwargs=poll, daemon=True).start()

    def serve(name: str, body: bytes, declared_length: int | None = None) -> str:
        server.routes["/" + name] = (body, declared_length or len(body))
        return f"http://127.0.0.1:{server.server_port}/{name}"

    yield serve
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url() -> str:
    """A local URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


@pytest.fixture(scope="module")
def outcomes():
    """300 seeded (true, predicted) class numbers, half of them right: for confusion matrices."""
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 10, 300)
    y_pred = np.where(rng.random(300) < 0.5, y_true, rng.integers(0, 10, 300))
    return y_true, y_pred
