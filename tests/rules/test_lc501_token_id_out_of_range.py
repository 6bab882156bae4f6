"""LC501 token-id-out-of-range: ids beyond --vocab-size / a tokenizer.json, or, with no
vocabulary declared, a few ids far above all the others."""

import json

import numpy as np
from lc_helpers import cli_codes, codes, one, scan, scan_cli


def _ids(rng, n=300, high=4096):
    return [rng.integers(0, high, int(rng.integers(3, 12))).tolist() for _ in range(n)]


def test_ids_beyond_the_declared_vocabulary_name_ids_and_rows(write, rng):
    ids = _ids(rng, high=32000)
    ids[7][1], ids[91][0], ids[91][2] = 32000, 32001, 32000
    path = write({"input_ids": ids})
    finding = one(scan(path, vocab_size=32000), "LC501")
    assert finding.rows == 2
    assert finding.values == (32000, 32001)
    assert finding.row_numbers == (7, 91)
    assert "--vocab-size 32,000" in finding.message and "rows 7 and 91" in finding.message
    code, report = scan_cli(path, "--vocab-size", "32000")  # the flag, through the CLI
    assert code == 1 and "LC501" in cli_codes(report)


def test_the_tokenizer_range_is_its_largest_id_plus_one(write, rng, tmp_path):
    tok = tmp_path / "tokenizer.json"
    vocab = {f"t{i}": i for i in range(100)}  # ids 0..99 ...
    added = [{"id": 120, "content": "<extra>"}]  # ... and an added token with a hole
    tok.write_text(json.dumps({"model": {"type": "BPE", "vocab": vocab}, "added_tokens": added}))
    ids = [[1, 2, 3], [120, 4], [121, 5]] + [[i % 100] for i in range(20)]
    finding = one(scan(write({"input_ids": ids}), tokenizer=str(tok)), "LC501")
    assert finding.values == (121,)  # 120 is in range: 121 ids, not 101 entries
    assert finding.row_numbers == (2,)
    assert "tokenizer's range 121" in finding.message


def test_causal_lm_labels_are_checked_as_ids_apart_from_the_ignore_index(write):
    ids = [[1, 2, 3]] * 20
    labels = [[-100, 2, 3]] * 19 + [[-100, 2, 999]]
    finding = one(scan(write({"input_ids": ids, "labels": labels}), vocab_size=500), "LC501")
    assert finding.column == "labels" and finding.values == (999,)


def test_without_a_vocabulary_a_far_id_is_caught_and_ids_next_to_the_bulk_are_not(write, rng):
    ids = _ids(rng)
    ids[5][0] = ids[90][1] = 50256
    finding = one(scan(write({"input_ids": ids})), "LC501")
    assert finding.values == (50256,)
    assert finding.row_numbers == (5, 90) and "rows 5 and 90" in finding.message
    near = _ids(rng)
    near[5][0], near[9][1] = 4096, 4097
    assert "LC501" not in codes(scan(write({"input_ids": near}, name="near")))


def test_near_miss_every_id_below_the_vocabulary(write, rng):
    ids = _ids(rng, high=1000)
    ids[0][0] = 999
    assert "LC501" not in codes(scan(write({"input_ids": ids}), vocab_size=1000))
    X = np.asarray([row[:3] for row in ids])  # an (N, T) id array with a pad id
    assert "LC501" not in codes(scan(X, pad_id=0, vocab_size=1000))
