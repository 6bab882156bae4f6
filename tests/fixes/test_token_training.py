"""Proof on a real model that the token rules catch what breaks training (SPEC §11).

Real text (the docstrings of the standard library), tokenized by a BPE trained here with
the ``tokenizers`` library (offline), fed to a tiny PyTorch model written the usual way:
token and position embeddings, one ``nn.MultiheadAttention`` layer masking padding with
``-inf`` (``key_padding_mask``), mean pooling over the attention mask, a per-token head and
``CrossEntropyLoss(ignore_index=-100)``. On the raw data it raises on ids beyond the
embedding and on rows beyond the positions, and its loss is NaN on a batch holding an
all-zero mask or only ignored labels; labelcheck names each; after `fix` (and, for LC501,
what its message says: resize the embeddings to the tokenizer) it trains with finite loss.
"""

from __future__ import annotations

import inspect
import json
import math
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from needs import needed
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app

torch = needed("torch")
tokenizers = needed("tokenizers")  # in the test extra

MAX_LEN = 24


def _sentences() -> list[str]:
    import argparse
    import collections
    import difflib
    import email
    import json as json_module
    import textwrap
    import unittest

    text = " ".join(
        inspect.getdoc(m) or ""
        for m in (argparse, collections, difflib, email, json_module, textwrap, unittest)
    )
    parts = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text)]
    return [s for s in parts if 3 <= len(s.split()) <= 14]


def _tokenizer(path) -> tuple[object, int, int]:
    """A BPE trained on the text, plus a token added afterwards (embeddings not resized)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["[PAD]", "[UNK]"])
    tok.train_from_iterator(_sentences(), trainer)
    base = tok.get_vocab_size()
    tok.add_tokens(["<tool_call>"])
    tok.save(str(path))
    return tok, base, tok.get_vocab_size()


class Tiny(torch.nn.Module):
    def __init__(self, vocab: int, max_len: int, d: int = 16) -> None:
        super().__init__()
        self.tok = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(max_len, d)
        self.attn = torch.nn.MultiheadAttention(d, 2, batch_first=True)
        self.head = torch.nn.Linear(d, vocab)

    def forward(self, ids, mask):
        h = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        h, _ = self.attn(h, h, h, key_padding_mask=mask == 0)  # -inf on padding
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1)  # mean pooling: 0/0 on an empty mask
        return self.head(h + pooled.unsqueeze(1))


def _batch(rows: list[dict]) -> tuple:
    width = max(len(r["input_ids"]) for r in rows)

    def pad(key, value):
        return torch.tensor([r[key] + [value] * (width - len(r[key])) for r in rows])

    return pad("input_ids", 0), pad("attention_mask", 0), pad("labels", -100)


def _loss(model, rows: list[dict]) -> torch.Tensor:
    ids, mask, labels = _batch(rows)
    logits = model(ids, mask)
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100
    )


def _train(model, rows: list[dict], steps: int = 40) -> list[float]:
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for step in range(steps):
        start = (step * 8) % max(len(rows) - 8, 1)
        loss = _loss(model, rows[start : start + 8])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_the_raw_data_breaks_the_model_labelcheck_names_why_and_fixed_data_trains(tmp_path):
    tok, base_vocab, tok_vocab = _tokenizer(tmp_path / "tokenizer.json")
    rows = []
    for sentence in _sentences()[:160]:
        ids = tok.encode(sentence).ids[:MAX_LEN]
        rows.append(
            {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": [-100, *ids[1:]]}
        )
    # What goes wrong in real pipelines:
    rows[3]["input_ids"] = [*rows[3]["input_ids"][:-1], tok.token_to_id("<tool_call>")]
    long_text = " ".join(_sentences()[:20])
    long_ids = tok.encode(long_text).ids[: MAX_LEN + 9]  # truncation forgotten
    rows[7] = {"input_ids": long_ids, "attention_mask": [1] * len(long_ids), "labels": long_ids}
    rows[11]["attention_mask"] = [0] * len(rows[11]["input_ids"])  # a broken collator
    rows[15]["labels"] = [-100] * len(rows[15]["input_ids"])  # the response cut off
    src = tmp_path / "tokenized.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src)

    torch.manual_seed(0)
    model = Tiny(base_vocab, MAX_LEN)
    model.train()
    with pytest.raises(IndexError, match="index out of range"):
        _loss(model, rows[0:4])  # the added token's id is beyond the embedding
    with pytest.raises(IndexError, match="index out of range"):
        _loss(model, rows[6:8])  # 33 positions, 24 embeddings
    assert math.isnan(_loss(model, rows[10:12]).item())  # one row attends to nothing
    assert math.isnan(_loss(model, [rows[15]]).item())  # zero tokens trained on

    flags = ["--vocab-size", str(base_vocab), "--tokenizer", str(tmp_path / "tokenizer.json")]
    flags += ["--max-length", str(MAX_LEN), "--no-row-checks"]
    report = labelcheck.scan(
        src,
        vocab_size=base_vocab,
        tokenizer=str(tmp_path / "tokenizer.json"),
        max_length=MAX_LEN,
        row_checks=False,
    )
    found = {f.code: f for f in report.findings}
    assert found["LC501"].row_numbers == (3,) and found["LC501"].values == (base_vocab,)
    assert found["LC502"].row_numbers == (7,)
    assert found["LC503"].row_numbers == (11,)
    assert found["LC505"].row_numbers == (15,)

    out = tmp_path / "fixed.parquet"
    result = CliRunner().invoke(app, ["fix", str(src), "-o", str(out), *flags])
    # Written, and exit 1: LC501 is an error no step fixes (the embeddings must change).
    assert result.exit_code == 1 and "LC501" in result.output, result.output
    plan = json.loads((tmp_path / "fixed.plan.json").read_text())
    assert any("resize" in note for note in plan["unfixed"])  # LC501: what to do, not done
    fixed = pq.read_table(out).to_pylist()
    assert len(fixed) == len(rows) - 3  # rows 7, 11 and 15

    # LC501's advice: the embeddings sized to the tokenizer's range.
    model = Tiny(tok_vocab, MAX_LEN)
    model.train()
    losses = _train(model, fixed)
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
