"""`model=` on check_arrays and scan: the model's outputs, loss and embeddings (SPEC §12)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

import labelcheck
from labelcheck.report.render import render


def _seed_model(keras):
    """The seed's model: a classifier of 5 classes trained with integer labels."""
    model = keras.Sequential(
        [
            keras.Input(shape=(10,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(5),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_keras_seed_example_names_8000_and_the_models_5_outputs(keras):
    X = np.random.default_rng(0).random((21, 10)).astype("float32")
    y = np.r_[np.arange(20) % 5, 8000]
    with pytest.raises(labelcheck.DataValidationError) as info:
        labelcheck.check_arrays(X, y, model=_seed_model(keras))
    message = str(info.value)
    assert "LC204" in message and "8000" in message
    assert "5 outputs" in message and "the model's last layer Dense(5)" in message
    (finding,) = info.value.report.by_code("LC204")
    assert finding.values == (8000,) and finding.rows == 1
    text = render([info.value.report], "text")
    assert "n_classes 5 from the model's last layer Dense(5)" in text
    assert "loss sparse_categorical_crossentropy from the model's compile()" in text


def test_keras_labels_1_to_5_name_5_out_of_range(keras):
    """The off-by-one no heuristic sees: labels 1..K for K outputs."""
    X = np.random.default_rng(1).random((100, 10)).astype("float32")
    y = np.arange(100) % 5 + 1
    assert labelcheck.check_arrays(X, y).ok  # without the model it looks fine
    with pytest.raises(labelcheck.DataValidationError) as info:
        labelcheck.check_arrays(X, y, model=_seed_model(keras))
    (finding,) = info.value.report.by_code("LC204")
    assert finding.values == (5,)
    assert finding.rows == int((y == 5).sum()) == 20
    assert [f.code for f in info.value.report.findings if f.severity == "error"] == ["LC204"]


def test_an_explicit_n_classes_wins_over_the_model(keras):
    X = np.random.default_rng(2).random((100, 10)).astype("float32")
    y = np.arange(100) % 6  # 0..5: out of range for Dense(5), not for n_classes=6
    report = labelcheck.check_arrays(X, y, model=_seed_model(keras), n_classes=6)
    assert report.ok and report.options.n_classes == 6
    assert "n_classes" not in report.options.origins


def test_one_output_or_a_regression_loss_sets_no_n_classes(keras):
    X = np.random.default_rng(3).random((100, 10)).astype("float32")
    binary = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(1, "sigmoid")])
    binary.compile(loss="binary_crossentropy")
    report = labelcheck.check_arrays(X, np.arange(100) % 2, model=binary)
    assert report.ok and report.options.n_classes is None
    assert report.options.loss == "binary_crossentropy"
    regression = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(3)])
    regression.compile(loss=keras.losses.MeanSquaredError())
    report = labelcheck.check_arrays(X, np.linspace(0, 9, 100), model=regression)
    assert report.ok and report.options.n_classes is None and report.options.loss == "mse"
    assert report.task.task == "regression"


def test_torch_module_outputs_and_embeddings(torch):
    nn = torch.nn

    class TinyTransformer(nn.Module):  # a user's module: its class lives in this test file
        def __init__(self) -> None:
            super().__init__()
            self.tok_embeddings = nn.Embedding(1000, 16)
            self.token_type_embeddings = nn.Embedding(2, 16)
            self.position_embeddings = nn.Embedding(128, 16)
            self.body = nn.Sequential(nn.Linear(16, 16), nn.ReLU())
            self.classifier = nn.Linear(16, 3)

    X = np.random.default_rng(4).random((60, 4))
    y = np.arange(60) % 4  # class 3 for 3 outputs
    with pytest.raises(labelcheck.DataValidationError) as info:
        labelcheck.scan((X, y), label="y", model=TinyTransformer()).raise_for_errors()
    options = info.value.report.options
    assert (options.n_classes, options.vocab_size, options.max_length) == (3, 1000, 128)
    assert options.origins["n_classes"] == "the model's last layer Linear(16, 3)"
    assert "Embedding(1000, 16)" in options.origins["vocab_size"]
    assert "position_embeddings" in options.origins["max_length"]
    assert info.value.report.by_code("LC204")[0].values == (3,)


def test_torch_conv_head(torch):
    nn = torch.nn
    segmenter = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 1))
    X = np.random.default_rng(5).random((40, 2))
    report = labelcheck.check_arrays(X, np.arange(40) % 4, model=segmenter)
    assert report.ok and report.options.n_classes == 4
    assert report.options.origins["n_classes"] == "the model's last layer Conv2d(8, 4)"


def test_findings_say_the_bound_came_from_the_model(torch):
    # a library user never typed --vocab-size: the finding names the layer it came from
    nn = torch.nn

    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed_tokens = nn.Embedding(100, 8)
            self.embed_positions = nn.Embedding(6, 8)
            self.lm_head = nn.Linear(8, 100)

    ids = pa.table({"input_ids": [[1, 2, 3], [4, 150, 6], [1, 2, 3, 4, 5, 6, 7, 8]]})
    report = labelcheck.scan(ids, model=LM())
    assert report.by_code("LC501")[0].message.startswith(
        "1 row holds ids beyond vocab_size 100 from the model's token embedding "
        "(embed_tokens: Embedding(100, 8)): 150"
    )
    assert report.by_code("LC502")[0].message.startswith(
        "1 row longer than max_length 6 from the model's position embedding "
        "(embed_positions: Embedding(6, 8))"
    )
    given = labelcheck.scan(ids, model=LM(), vocab_size=100, max_length=6)
    assert "beyond --vocab-size 100: 150" in given.by_code("LC501")[0].message
    # segmentation masks against the last Conv2d's outputs
    segmenter = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 1))
    images = np.zeros((6, 8, 8, 3), dtype=np.uint8)
    masks = np.zeros((6, 8, 8), dtype=np.uint8)
    masks[2, 1, 1] = 4
    with pytest.raises(labelcheck.DataValidationError) as info:
        labelcheck.check_arrays(images, masks, model=segmenter)
    assert "(n_classes 4 from the model's last layer Conv2d(8, 4))" in (
        info.value.report.by_code("LC406")[0].message
    )


def test_an_unreadable_model_is_one_line_saying_pass_n_classes():
    X = np.random.default_rng(6).random((40, 2))
    y = np.arange(40) % 4
    with pytest.raises(labelcheck.InputError) as info:
        labelcheck.check_arrays(X, y, model=object())
    message = str(info.value)
    assert "\n" not in message and "model=object" in message and "n_classes=" in message
    # with n_classes given, nothing more is needed from the model
    assert labelcheck.check_arrays(X, y, model=object(), n_classes=4).ok


def test_model_keyword_imports_neither_torch_nor_keras():
    """Reading a model is duck-typed: a scan with a model of neither library imports none."""
    probe = (
        "import sys, numpy as np, labelcheck\n"
        "try:\n"
        "    labelcheck.check_arrays(np.ones((4, 2)), np.arange(4) % 2, model=object())\n"
        "except labelcheck.InputError:\n"
        "    pass\n"
        "print(','.join(m for m in ('torch', 'keras', 'tensorflow', 'jax') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
