"""CSV / TSV import: sniffing, column choice, categorical encoding, malformed files."""

import numpy as np
import pytest

from nnstudio.core.data import (
    ColumnError,
    DataFileNotFoundError,
    DataFormatError,
    MissingValuesError,
    load_dataset,
    read_table_preview,
)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _csv(path, **params):
    return load_dataset(
        {
            "source": "csv",
            "params": {"path": path, **params},
            "split": {"validation": 0.0, "test": 0.0, "shuffle": False},
        }
    )


GOOD = "height,weight,species\n" + "".join(
    f"{1 + i * 0.1:.1f},{10 + i},{'cat' if i % 2 else 'dog'}\n" for i in range(20)
)


def test_csv_with_text_target_becomes_label_encoded_classification(tmp_path):
    dataset = _csv(_write(tmp_path, "pets.csv", GOOD))
    assert dataset.task == "classification" and dataset.class_names == ("cat", "dog")
    assert dataset.feature_names == ("height", "weight")
    np.testing.assert_allclose(dataset.x_train[0], [1.0, 10.0])
    np.testing.assert_array_equal(dataset.y_train[:4], [1, 0, 1, 0])


def test_csv_numeric_target_with_many_values_is_regression(tmp_path):
    dataset = _csv(_write(tmp_path, "pets.csv", GOOD), target="height", features=["weight"])
    assert dataset.task == "regression" and dataset.y_train.shape == (20, 1)
    assert dataset.suggested_loss() == "mse"


def test_csv_categorical_features_onehot_and_ordinal(tmp_path):
    text = "colour,size,label\n" + "".join(
        f"{colour},{size},{label}\n"
        for colour, size, label in [("red", 1, 0), ("blue", 2, 1), ("green", 3, 0), ("red", 4, 1)] * 3
    )
    path = _write(tmp_path, "c.csv", text)
    onehot = _csv(path)
    assert onehot.feature_names == ("colour=blue", "colour=green", "colour=red", "size")
    np.testing.assert_array_equal(onehot.x_train[0], [0, 0, 1, 1])
    ordinal = _csv(path, categorical="ordinal")
    assert ordinal.feature_names == ("colour", "size")
    np.testing.assert_array_equal(ordinal.x_train[:3, 0], [2, 0, 1])
    assert ordinal.task == "classification" and ordinal.class_names == ("0", "1")


def test_tsv_and_semicolon_files_are_sniffed(tmp_path):
    tsv = _csv(_write(tmp_path, "t.tsv", GOOD.replace(",", "\t")))
    semi = _csv(_write(tmp_path, "s.csv", GOOD.replace(",", ";")))
    np.testing.assert_array_equal(tsv.x_train, semi.x_train)
    preview = read_table_preview(str(tmp_path / "t.tsv"))
    assert preview.delimiter == "\t" and preview.columns == ("height", "weight", "species")
    assert preview.has_header and preview.rows[0] == ("1.0", "10", "dog")


def test_csv_without_header_names_columns_and_uses_last_as_target(tmp_path):
    dataset = _csv(_write(tmp_path, "n.csv", "".join(f"{i},{i * 2},{i % 3}\n" for i in range(30))))
    assert dataset.feature_names == ("column_1", "column_2") and dataset.num_classes == 3


def test_csv_ragged_row_names_the_file_and_line_when_bad_rows_stop_the_load(tmp_path):
    path = _write(tmp_path, "ragged.csv", "a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(DataFormatError, match=r"`ragged.csv` line 3 has 2 fields but the header has 3"):
        _csv(path, bad_samples="stop")


def test_csv_ragged_rows_are_skipped_and_counted(tmp_path):
    rows = "".join(f"{i},{i * 2},{i % 2}\n" for i in range(20))
    dataset = _csv(_write(tmp_path, "ragged.csv", "a,b,c\n" + rows + "4,5\n7,8,9,10\n"))
    assert dataset.summary()["total"] == 20 and dataset.skips.count == 2
    assert [r.where for r in dataset.skips.records] == ["ragged.csv:22", "ragged.csv:23"]
    assert dataset.skips.records[0].reason == "2 fields but the header has 3"


def test_csv_missing_column_lists_the_columns(tmp_path):
    path = _write(tmp_path, "pets.csv", GOOD)
    with pytest.raises(
        ColumnError,
        match=r"`pets.csv` has no column 'age'; its columns are height, weight, "
        r"species. Received: target='age'",
    ):
        _csv(path, target="age")
    with pytest.raises(ColumnError, match="features="):
        _csv(path, features=["height", "nope"])


def test_csv_missing_values_are_reported_then_dropped_or_filled(tmp_path):
    path = _write(tmp_path, "gaps.csv", "a,b,y\n1,2,0\n,3,1\n5,NA,0\n7,8,1\n9,10,0\n")
    with pytest.raises(MissingValuesError, match=r"`gaps.csv`: column `a` has 1 missing value\(s\), first on line 3"):
        _csv(path)
    assert _csv(path, missing="drop").x_train.shape == (3, 2)
    filled = _csv(path, missing="mean")
    np.testing.assert_allclose(filled.x_train[1], [5.5, 3.0])
    np.testing.assert_allclose(filled.x_train[2], [5.0, 5.75])


def test_csv_unsupervised_keeps_all_columns(tmp_path):
    dataset = _csv(_write(tmp_path, "pets.csv", GOOD), task="unsupervised", categorical="ordinal")
    assert dataset.task == "unsupervised" and dataset.y_train is None and dataset.input_shape == (3,)


def test_csv_missing_file_and_empty_file(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="No such file"):
        _csv(str(tmp_path / "nope.csv"))
    with pytest.raises(DataFormatError, match="`empty.csv` holds no data rows"):
        _csv(_write(tmp_path, "empty.csv", "a,b\n"))
