"""Every public keyword is checked up front: InputError names keyword, value, type (item 18)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import labelcheck
from labelcheck.rules import RULES

X = np.random.default_rng(0).random((30, 2))
Y = np.arange(30) % 3


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"n_classes": "eleven"}, "n_classes='eleven': expected an integer, got str"),
        ({"n_classes": True}, "n_classes=True: expected an integer, got bool"),
        ({"ignore_index": "abc"}, "ignore_index='abc': expected a number, got str"),
        ({"label": 3}, "label=3: expected a string, got int"),
        ({"select": [1]}, "select=[1]: expected a list of strings"),
        ({"features": 7}, "features=7: expected a list of strings, got int"),
        ({"thresholds": 3}, "thresholds=3: expected a mapping, got int"),
        ({"n_clases": 3}, "unknown keyword 'n_clases'"),
    ],
)
def test_bad_keywords_are_input_errors_naming_them(keywords, message):
    with pytest.raises(labelcheck.InputError) as info:
        labelcheck.scan((X, Y), **keywords)
    assert message in str(info.value)


def test_a_string_where_a_list_is_expected_is_one_element():
    report = labelcheck.scan((X, Y), select="LC2")  # not L, C, 2
    assert report.options.select == tuple(c for c in RULES if c.startswith("LC2"))
    only = labelcheck.scan((X, Y), features="x0")
    assert list(only.stats.plan.features) == ["x0"]


def test_fix_checks_its_keywords_too():
    with pytest.raises(labelcheck.InputError, match="nan_strategy"):
        labelcheck.fix((X, Y), nan_strategy="mean")
    with pytest.raises(labelcheck.InputError, match="unknown keyword 'nan'"):
        labelcheck.fix((X, Y), nan="drop")


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (np.array([[1 + 2j, 3]]), "complex numbers"),
        (np.array([[1, "a"]], dtype=object), "object array holding non-numbers (e.g. 'a')"),
    ],
)
def test_unusable_feature_arrays_are_input_errors(features, message):
    with pytest.raises(labelcheck.InputError, match=re.escape(message)):
        labelcheck.scan((features, np.array([0])))


def test_an_object_array_of_numbers_is_scanned():
    report = labelcheck.scan((np.array([[1, 2.5], [3, 4]], dtype=object), np.array([0, 1])))
    assert report.rows == 2
