"""What a model declares about its data: outputs, loss, vocabulary and length (SPEC §12).

The model already knows the bounds a label or a token id must respect: a
Keras ``Dense(5)`` trained with ``sparse_categorical_crossentropy`` accepts
class ids 0..4, a PyTorch ``nn.Embedding(30522, 768)`` token ids 0..30521.
:func:`read_model` reads them duck-typed: neither torch nor keras is imported
here (the object's classes say which library made it), so ``import labelcheck``
stays light. :func:`with_model` fills the options the user did not give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from labelcheck.errors import InputError
from labelcheck.options import CLASSIFICATION_LOSSES, LOSS_ALIASES, ScanOptions

#: Losses whose targets are class ids (one output per class): the output size is n_classes.
#: Binary cross-entropy is left out: Dense(5) with it is five independent yes/no outputs.
_CLASS_ID_LOSSES = CLASSIFICATION_LOSSES - {"binary_crossentropy"}

#: Layers after the last one with a size that keep it (Keras: Activation, Softmax, Dropout ...).
_SIZE_KEEPING = ("Activation", "Softmax", "Dropout", "Normalization", "ReLU", "Flatten")


#: How every origin read from a model starts ("the model's last layer Dense(5)").
FROM_MODEL = "the model's "

#: The options a model can set.
MODEL_KEYS = ("n_classes", "loss", "vocab_size", "max_length")


def stated(options: ScanOptions) -> list[str]:
    """The settings read from a model, as reports state them:
    ``n_classes 5 from the model's last layer Dense(5)``."""
    return [
        options.said(key, key)
        for key in MODEL_KEYS
        if options.origins.get(key, "").startswith(FROM_MODEL)
    ]


@dataclass(frozen=True)
class ModelFacts:
    """What :func:`read_model` found, each with where (for the report's "from ...")."""

    library: str  # "keras" or "torch"
    outputs: int | None = None
    loss: str | None = None  # canonical (options.LOSS_ALIASES), None when unknown
    vocab_size: int | None = None  # the token embedding's num_embeddings (SPEC §11)
    max_length: int | None = None  # the position embedding's size (SPEC §11)
    origins: dict[str, str] = field(default_factory=dict)


def library_of_model(model: Any) -> str | None:
    """``"torch"``, ``"keras"`` or None, from the modules of the model's classes (its MRO):
    a user's ``class Net(nn.Module)`` lives in ``__main__`` but inherits from torch."""
    for cls in type(model).__mro__:
        top = cls.__module__.split(".")[0]
        if top == "torch":
            return "torch"
        if top in ("keras", "tf_keras") or cls.__module__.startswith("tensorflow.python.keras"):
            return "keras"
    return None


def read_model(model: Any) -> ModelFacts:
    """The sizes ``model`` declares; an :class:`InputError` when it is not a model we read."""
    library = library_of_model(model)
    try:
        if library == "torch":
            return _torch_facts(model)
        if library == "keras":
            return _keras_facts(model)
    except (AttributeError, TypeError, ValueError):  # a model of an unexpected shape
        pass
    raise InputError(
        f"model={type(model).__name__}: labelcheck cannot read its outputs (it reads Keras "
        "models and PyTorch nn.Modules); pass n_classes= instead"
    )


def with_model(options: ScanOptions, model: Any) -> ScanOptions:
    """``options`` with what ``model`` declares where the user gave nothing (theirs wins).

    The output size becomes ``n_classes`` unless the loss or the task says the
    outputs are not classes (a regression loss, ``task="regression"``, binary
    cross-entropy) or there is one output (a sigmoid or a regression head).
    """
    try:
        facts = read_model(model)
    except InputError:
        if options.n_classes is not None:
            return options  # nothing more was needed from it
        raise
    updates: dict[str, Any] = {}
    origins = dict(options.origins)
    if options.loss is None and facts.loss is not None:
        updates["loss"] = facts.loss
        origins["loss"] = facts.origins["loss"]
    n_classes = classes_of(facts, updates.get("loss", options.loss), options.task)
    if options.n_classes is None and n_classes is not None:
        updates["n_classes"] = n_classes
        origins["n_classes"] = facts.origins["outputs"]
    for key in ("vocab_size", "max_length"):
        if getattr(options, key) is None and getattr(facts, key) is not None:
            updates[key] = getattr(facts, key)
            origins[key] = facts.origins[key]
    return replace(options, **updates, origins=origins) if updates else options


def classes_of(facts: ModelFacts, loss: str | None = None, task: str = "auto") -> int | None:
    """The model's outputs as a number of classes, or None when they are not classes."""
    loss = loss if loss is not None else facts.loss
    classes = task != "regression" and (loss is None or loss in _CLASS_ID_LOSSES)
    outputs = facts.outputs
    return outputs if classes and outputs is not None and outputs > 1 else None


# ------------------------------------------------------------------- torch
def _torch_facts(model: Any) -> ModelFacts:
    """The last Linear/Conv's out features (registration order: how the model is written),
    and the embeddings: one named for positions is the length, the largest other one the
    vocabulary (BERT's token-type embedding of 2 is not)."""
    last: tuple[str, int] | None = None
    tokens: tuple[str, int] | None = None
    positions: tuple[str, int] | None = None
    for name, module in model.named_modules():
        kind = type(module).__name__
        if isinstance(getattr(module, "out_features", None), int):
            last = (f"{kind}({module.in_features}, {module.out_features})", module.out_features)
        elif isinstance(getattr(module, "out_channels", None), int):
            last = (f"{kind}({module.in_channels}, {module.out_channels})", module.out_channels)
        elif isinstance(getattr(module, "num_embeddings", None), int):
            size = module.num_embeddings
            said = f"{name or 'the model'}: {kind}({size}, {module.embedding_dim})"
            if "pos" in name.lower():
                positions = positions or (said, size)
            elif tokens is None or size > tokens[1]:
                tokens = (said, size)
    if last is None and tokens is None:
        raise ValueError("no Linear, Conv or Embedding layer")
    origins = {}
    if last is not None:
        origins["outputs"] = f"{FROM_MODEL}last layer {last[0]}"
    if tokens is not None:
        origins["vocab_size"] = f"{FROM_MODEL}token embedding ({tokens[0]})"
    if positions is not None:
        origins["max_length"] = f"{FROM_MODEL}position embedding ({positions[0]})"
    return ModelFacts(
        "torch",
        outputs=last[1] if last else None,
        vocab_size=tokens[1] if tokens else None,
        max_length=positions[1] if positions else None,
        origins=origins,
    )


# ------------------------------------------------------------------- keras
def _keras_layers(model: Any) -> Iterator[Any]:
    """Every layer, nested models flattened, in order."""
    for layer in getattr(model, "layers", ()):
        if getattr(layer, "layers", None):
            yield from _keras_layers(layer)
        else:
            yield layer


def _keras_facts(model: Any) -> ModelFacts:
    layers = list(_keras_layers(model))
    origins: dict[str, str] = {}
    outputs = None
    for layer in reversed(layers):  # past trailing Softmax/Dropout to the layer with a size
        kind = type(layer).__name__
        size = getattr(layer, "units", None) or getattr(layer, "filters", None)
        if isinstance(size, int):
            outputs = size
            origins["outputs"] = f"{FROM_MODEL}last layer {kind}({size})"
            break
        if not any(word in kind for word in _SIZE_KEEPING):
            break
    loss = _keras_loss(getattr(model, "loss", None))
    if loss is not None:
        origins["loss"] = f"{FROM_MODEL}compile()"
    vocab = length = None
    for layer in layers:
        kind = type(layer).__name__
        if isinstance(getattr(layer, "input_dim", None), int) and "Embedding" in kind:
            if vocab is None or layer.input_dim > vocab:
                vocab = layer.input_dim
                origins["vocab_size"] = f"{FROM_MODEL}{kind}({vocab}, {layer.output_dim})"
        elif isinstance(getattr(layer, "sequence_length", None), int) and "Position" in kind:
            length = layer.sequence_length
            origins["max_length"] = f"{FROM_MODEL}{kind}(sequence_length={length})"
    if outputs is None and vocab is None:
        raise ValueError("no Dense, Conv or Embedding layer")
    return ModelFacts(
        "keras", outputs=outputs, loss=loss, vocab_size=vocab, max_length=length, origins=origins
    )


def _keras_loss(loss: Any) -> str | None:
    """A compiled loss as a canonical name: a string, a Loss object's name, a function's."""
    if loss is None:
        return None
    name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    name = name or getattr(loss, "__name__", None)
    if not isinstance(name, str):
        return None
    return LOSS_ALIASES.get(name.lower().replace("-", "_"))
