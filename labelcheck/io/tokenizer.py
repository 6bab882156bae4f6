"""A local ``tokenizer.json`` (Hugging Face ``tokenizers``), read for its id range only."""

from __future__ import annotations

import json
from pathlib import Path

from labelcheck.errors import InputError


def tokenizer_vocab_size(path: str) -> int:
    """The tokenizer's id range: its largest id, in the model's vocabulary and among the
    added tokens, plus one (not a count of entries: ids may have holes).

    Read locally with the standard library (no hub, no ``tokenizers`` import).
    """
    where = f"--tokenizer {path}"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{where}: not a tokenizer.json ({type(exc).__name__})") from None
    model = data.get("model") if isinstance(data, dict) else None
    vocab = model.get("vocab") if isinstance(model, dict) else None
    ids: list[int] = []
    if isinstance(vocab, dict):  # BPE, WordPiece, WordLevel: token -> id
        ids.extend(v for v in vocab.values() if isinstance(v, int))
    elif isinstance(vocab, list):  # Unigram: [token, score] pairs, the id is the position
        ids.append(len(vocab) - 1)
    added = data.get("added_tokens") if isinstance(data, dict) else None
    for token in added if isinstance(added, list) else ():
        if isinstance(token, dict) and isinstance(token.get("id"), int):
            ids.append(token["id"])
    if not ids:
        raise InputError(
            f"{where}: not a tokenizer.json (no model.vocab nor added_tokens with ids)"
        )
    return max(ids) + 1
