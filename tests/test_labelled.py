import gzip
import json

import pandas as pd
import pytest

from spin_detect.learning.labelled import LabelledDataError, load_labelled


def write_csv(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_csv_with_word_labels(tmp_path):
    p = write_csv(tmp_path / "d.csv", [{"text": "The council met.", "label": "original", "doc_id": "a"},
                                       {"text": "The authority met.", "label": "SPUN", "doc_id": "a"}])
    df = load_labelled(p)
    assert df["label"].tolist() == [0, 1]
    assert df["doc_id"].tolist() == ["a", "a"]


def test_jsonl_gz_and_numeric_labels(tmp_path):
    p = tmp_path / "d.jsonl.gz"
    with gzip.open(p, "wt") as f:
        for row in [{"text": "One.", "label": 0}, {"text": "Two.", "label": 1}, {"text": "Three.", "label": True}]:
            f.write(json.dumps(row) + "\n")
    df = load_labelled(p)
    assert df["label"].tolist() == [0, 1, 1]
    assert df["doc_id"].tolist() == ["0", "1", "2"]  # each row its own document


def test_csv_with_embedded_newlines_and_quotes(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('text,label\n"He said ""no""\nand left.",spun\n"Fine, really.",0\n')
    df = load_labelled(p)
    assert df["text"].tolist() == ['He said "no"\nand left.', "Fine, really."]


def test_all_problems_reported_at_once(tmp_path):
    p = write_csv(tmp_path / "d.csv", [
        {"id": "1", "text": "Fine.", "label": "spun"},
        {"id": "1", "text": "  ", "label": "maybe"},
        {"id": "3", "text": "Also fine.", "label": "2"},
    ])
    with pytest.raises(LabelledDataError) as e:
        load_labelled(p)
    msg = str(e.value)
    assert "empty text in rows 2" in msg
    assert "unknown label(s) '2', 'maybe' in rows 2, 3" in msg
    assert "duplicated id in rows 1, 2" in msg


def test_missing_column(tmp_path):
    p = write_csv(tmp_path / "d.csv", [{"sentence": "x", "label": 1}])
    with pytest.raises(LabelledDataError, match="missing column.*text.*found sentence, label"):
        load_labelled(p)


def test_broken_jsonl_and_non_string_text(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "ok", "label": 0}\n{broken\n')
    with pytest.raises(LabelledDataError, match="line 2 is not valid JSON"):
        load_labelled(p)
    p.write_text('{"text": 5, "label": 0}\n{"text": "fine", "label": 1}\n')
    with pytest.raises(LabelledDataError, match="text is not a string in rows 1"):
        load_labelled(p)


def test_unknown_file_type_and_empty(tmp_path):
    p = tmp_path / "d.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(LabelledDataError, match="unknown file type"):
        load_labelled(p)
    p = tmp_path / "e.csv"
    p.write_text("text,label\n")
    with pytest.raises(LabelledDataError, match="no rows"):
        load_labelled(p)


def test_changes_as_json_strings_or_lists_and_their_problems_by_row(tmp_path):
    # JSONL may hold the list itself; a CSV holds a JSON string. Both come out as JSON strings.
    p = tmp_path / "ok.jsonl"
    p.write_text(json.dumps({"text": "The council met.", "label": 0, "changes": []}) + "\n"
                 + json.dumps({"text": "The councillors met.", "label": 1, "changes": [[4, 15, "council", "councillors"]]})
                 + "\n", encoding="utf-8")
    assert load_labelled(p)["changes"].tolist() == ["[]", '[[4, 15, "council", "councillors"]]']
    # every problem of the column is named with its rows, before any training (it was a bare JSON error,
    # after feature extraction, and a span outside the text passed)
    bad = write_csv(tmp_path / "bad.csv", [
        {"text": "The council met on Monday.", "label": 0, "changes": ""},
        {"text": "The councillors met.", "label": 1, "changes": "not json"},
        {"text": "The board met.", "label": 1, "changes": '[[0, 500, "a", "b"]]'},
        {"text": "A note.", "label": 0, "changes": '[[0, 1, "a", "b"]]'},
        {"text": "The panel met.", "label": 1, "changes": '{"start": 4}'}])
    with pytest.raises(LabelledDataError) as err:
        load_labelled(bad)
    msg = str(err.value)
    assert "changes is not a JSON list of [start, end, original, replacement] in rows 2, 5" in msg
    assert "outside its text in rows 3" in msg and "labelled original in rows 4" in msg


def test_files_without_doc_id_given_together_keep_their_documents_apart(tmp_path):
    # Without doc_id each row is its own document, numbered in its file: two files given together would
    # otherwise share document 0, 1, ... (one document made of rows of both).
    from spin_detect.cli.training import _load_labelled_or_fail

    a = write_csv(tmp_path / "a.csv", [{"text": "The council met.", "label": 0}, {"text": "It agreed.", "label": 0}])
    b = write_csv(tmp_path / "b.csv", [{"text": "The board met.", "label": 1, "doc_id": "0"}])
    df = _load_labelled_or_fail([a, b])
    assert df["doc_id"].tolist() == [f"{a}:0", f"{a}:1", "0"]  # b's own doc_id is kept as given
    assert load_labelled(a)["doc_id"].tolist() == ["0", "1"]  # one file alone: as before


def test_split_values_doc_ids_and_ids_are_checked_not_dropped(tmp_path):
    rows = [{"text": "One.", "label": 0, "doc_id": "a", "split": "Train", "id": "r1"},
            {"text": "Two.", "label": 1, "doc_id": "", "split": "validation", "id": ""},
            {"text": "Three.", "label": 0, "doc_id": "c", "split": "", "id": "r3"}]
    with pytest.raises(LabelledDataError) as e:
        load_labelled(write_csv(tmp_path / "d.csv", rows))
    msg = str(e.value)
    assert "unknown split value(s) '', 'validation' in rows 2, 3; use train, dev, test" in msg
    assert "empty doc_id in rows 2" in msg and "empty id in rows 2" in msg
    rows[1].update(doc_id="b", split="DEV ", id="r2")
    rows[2].update(split="test")
    df = load_labelled(write_csv(tmp_path / "d.csv", rows))
    assert df["split"].tolist() == ["train", "dev", "test"]  # any case, as the trainer compares them


def test_a_document_in_two_splits_is_refused(tmp_path):
    rows = [{"text": "One.", "label": 0, "doc_id": "a", "split": "train"},
            {"text": "Two.", "label": 0, "doc_id": "a", "split": "test"},
            {"text": "Three.", "label": 1, "doc_id": "b", "split": "dev"}]
    with pytest.raises(LabelledDataError, match="documents in more than one split: 'a'"):
        load_labelled(write_csv(tmp_path / "d.csv", rows))


def test_changes_must_point_at_their_replacement(tmp_path):
    text = "The authority met on Monday."
    good = json.dumps([[4, 13, "council", "authority"]])
    shifted = json.dumps([[6, 15, "council", "authority"]])
    p = write_csv(tmp_path / "d.csv", [{"text": text, "label": 1, "changes": good},
                                       {"text": text, "label": 1, "changes": shifted}])
    with pytest.raises(LabelledDataError, match=r"replacement is not the text at its \[start, end\].* in rows 2$"):
        load_labelled(p)


def test_encodings_a_byte_order_mark_and_a_json_array(tmp_path):
    rows = [{"text": "Café owners met.", "label": "original"}, {"text": "Two.", "label": "spun"}]
    p = tmp_path / "excel.csv"
    pd.DataFrame(rows).to_csv(p, index=False, encoding="cp1252")  # a spreadsheet's export
    assert load_labelled(p)["text"].tolist() == ["Café owners met.", "Two."]
    p = tmp_path / "bom.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8-sig")
    assert load_labelled(p)["label"].tolist() == [0, 1]
    p = tmp_path / "rows.json"
    p.write_text(json.dumps(rows))
    assert load_labelled(p)["label"].tolist() == [0, 1]
    p.write_text(json.dumps([rows[0], "x"]))
    with pytest.raises(LabelledDataError, match="item 2 of the array is not a JSON object"):
        load_labelled(p)


def test_a_sentence_repeated_word_for_word_counts_once_and_two_texts_for_one_sentence_are_refused(tmp_path):
    # Several `spin --labelled` runs of one article appended to one file repeat its original rows.
    row = {"doc_id": "a.txt", "variant": "original", "sent_id": 0, "text": "The talks resume.", "label": 0}
    spun = [{**row, "variant": f"spun:{s}", "text": f"The negotiations resume {s}.", "label": 1} for s in "xy"]
    p = tmp_path / "rows.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in (row, spun[0], row, spun[1])) + "\n")
    df = load_labelled(p)
    assert len(df) == 3 and df.attrs["repeated"] == 1 and list(df["variant"]) == ["original", "spun:x", "spun:y"]
    p.write_text("\n".join(json.dumps(r) for r in (row, {**row, "text": "Other words."})) + "\n")
    with pytest.raises(LabelledDataError, match="one sentence .* with different text"):
        load_labelled(p)
    # a repeat that differs in another field is no repeat: refused, not dropped; rows without a sentence number
    # are nobody's repeat
    p.write_text("\n".join(json.dumps(r) for r in ({**row, "split": "train"}, {**row, "split": "test"})) + "\n")
    with pytest.raises(LabelledDataError, match="one sentence"):
        load_labelled(p)
    p.write_text("\n".join(json.dumps({**r, "sent_id": ""}) for r in (row, {**row, "text": "Other words."})) + "\n")
    assert len(load_labelled(p)) == 2
