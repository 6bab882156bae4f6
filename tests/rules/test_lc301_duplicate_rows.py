"""LC301 duplicate-rows: rows identical in every checked column, counted exactly."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from lc_helpers import codes, one

import labelcheck


def test_planted_copies_across_row_groups_and_column_groups(tmp_path, rng):
    n, width = 3_000, 20  # 20 features: the local engine hashes them in column groups
    frame = pd.DataFrame({f"f{i}": rng.random(n) for i in range(width)})
    frame["y"] = rng.integers(0, 4, n)
    copies_of = rng.choice(n, 40, replace=False)
    frame = pd.concat([frame, frame.iloc[copies_of]], ignore_index=True)  # 40 copies at the end
    frame.loc[5, "f0"] = np.nan
    frame.loc[n + 40 - 1, :] = frame.loc[5, :]  # a copy with NaN: NaN equals NaN
    path = tmp_path / "dups.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=700)
    finding = one(labelcheck.scan(path), "LC301")
    expected = int(frame.duplicated().sum())
    assert finding.rows == expected
    assert finding.groups == int(frame[frame.duplicated(keep=False)].drop_duplicates().shape[0])
    assert finding.severity == "warning" and finding.fix == "drop-rows"
    assert finding.row_numbers[0] == int(sorted(frame.index[frame.duplicated(keep=False)])[0])
    assert f"{expected:,} rows repeat an earlier row" in finding.message


def test_low_cardinality_features_make_it_info(write, rng):
    # Three binary features: at most 8 distinct rows, so 600 rows must repeat.
    data = {f"b{i}": rng.integers(0, 2, 600) for i in range(3)}
    data["y"] = data["b0"]
    finding = one(labelcheck.scan(write(data)), "LC301")
    assert finding.severity == "info"
    assert "only 8 distinct values over 600 rows" in finding.message
    raised = labelcheck.scan(write(data), severity={"LC301": "warning"})
    assert one(raised, "LC301").severity == "warning"


def test_near_miss_same_features_other_label_and_row_checks_off(write, rng):
    x = rng.random(50)
    data = {"x": np.r_[x, x[:3]], "y": np.r_[np.zeros(50, int), np.ones(3, int)]}
    report = labelcheck.scan(write(data))
    assert "LC301" not in codes(report)  # the label differs: LC302's, not a duplicate
    assert "LC302" in codes(report)
    same = {"x": np.r_[x, x[:3]], "y": np.zeros(53, int)}
    assert "LC301" in codes(labelcheck.scan(write(same)))
    assert "LC301" not in codes(labelcheck.scan(write(same), row_checks=False))
    assert "LC301" not in codes(labelcheck.scan(write(same), ignore=["LC3"]))
    # -0.0 and 0.0 are one value; null and NaN are not.
    signed = labelcheck.scan(pa.table({"x": [0.0, -0.0, None, float("nan")], "y": [1] * 4}))
    assert one(signed, "LC301").rows == 1
