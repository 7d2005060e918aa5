"""cifar_cnn.validation: the package's one set of argument checks."""

import numpy as np
import pytest

from cifar_cnn.validation import require_count, require_int_tuple, require_rate, is_int


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_any_integer_type_is_a_count_and_comes_back_as_int(value):
    assert is_int(value)
    assert require_count("epochs", value) == 3 and type(require_count("epochs", value)) is int


@pytest.mark.parametrize(
    "value, message",
    [
        (True, "epochs must be a whole number, got True"),
        (2.0, "epochs must be a whole number, got 2.0"),
        ("3", "epochs must be a whole number, got '3'"),
        (0, "epochs must be at least 1, got 0"),
        (np.int64(-1), "epochs must be at least 1, got -1"),
        (201, "epochs must be at most 200, got 201"),
    ],
)
def test_require_count_refuses_in_one_line(value, message):
    with pytest.raises(ValueError) as error:
        require_count("epochs", value, maximum=200)
    assert str(error.value) == message


def test_require_rate():
    assert require_rate("rate", np.float32(0.5)) == 0.5
    for bad in (1.0, -0.1, True, "0.5"):
        with pytest.raises(ValueError, match="rate must be a number from 0 up to"):
            require_rate("rate", bad)


def test_require_int_tuple():
    assert require_int_tuple("filters", [np.int64(16), 32]) == (16, 32)
    assert require_int_tuple("hidden", (), allow_empty=True) == ()
    with pytest.raises(ValueError, match=r"filters\[1\] must be at least 1, got 0"):
        require_int_tuple("filters", (16, 0))
    with pytest.raises(ValueError, match="filters must be a tuple of whole numbers such as"):
        require_int_tuple("filters", 16)


# ------------------------------------------------------------- on/off flags (issue 25)

@pytest.mark.parametrize("value", ["no", "False", "", 0, 1, None, [True], 1.0])
def test_require_flag_refuses_everything_but_a_bool(value):
    from cifar_cnn.validation import require_flag

    with pytest.raises(TypeError, match="trust_code must be True or False"):
        require_flag("trust_code", value)


def test_require_flag_accepts_bools_and_numpy_bools():
    import numpy as np

    from cifar_cnn.validation import require_flag

    assert require_flag("x", True) is True and require_flag("x", np.False_) is False
    assert require_flag("x", None, allow_none=True) is None


def test_trust_code_no_is_refused_before_the_file_is_opened(tmp_path):
    from cifar_cnn.sharing import load_model

    with pytest.raises(TypeError, match=r"without quotes\), got 'no'"):
        load_model(tmp_path / "absent.keras", trust_code="no")
