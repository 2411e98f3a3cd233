import gzip
import os

import pytest

from spin_detect.input.decode import decode_bytes, read_text_file
from spin_detect.input.errors import InputError
from spin_detect.input.files import FoundFile, PathError, iter_files


def _text_files(paths):
    return list(iter_files(paths, ("text",)))


def test_decode_utf8_bom_and_utf16():
    assert decode_bytes("café".encode()) == ("café", "utf-8")
    assert decode_bytes(b"\xef\xbb\xbfhi") == ("hi", "utf-8")
    assert decode_bytes("naïve".encode("utf-16")) == ("naïve", "utf-16")


def test_decode_falls_back_to_cp1252_for_invalid_utf8():
    text, enc = decode_bytes(b"caf\xe9 \x93quoted\x94")
    assert enc == "cp1252"
    assert text == "café “quoted”"


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary", bytes(range(1, 9)) * 100])
def test_binary_is_refused(data):
    with pytest.raises(InputError, match="binary"):
        decode_bytes(data, "x.bin")


def test_read_text_file_gz_and_limits(tmp_path):
    p = tmp_path / "a.txt.gz"
    with gzip.open(p, "wb") as f:
        f.write(b"Hello world.")
    assert read_text_file(p) == "Hello world."
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        read_text_file(big, max_bytes=1000)
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(gzip.compress(b"hello world" * 100)[:30])
    with pytest.raises(InputError, match="cannot read"):
        read_text_file(bad)
    with pytest.raises(InputError, match="cannot read"):
        read_text_file(tmp_path / "missing.txt")


def test_walk_is_sorted_recursive_and_reports_missing(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("two")
    (tmp_path / "1.txt").write_text("one")
    (tmp_path / "skip.jpg").write_bytes(b"\xff\xd8")
    items = _text_files([tmp_path, tmp_path / "nope"])
    assert [i.doc_id for i in items if isinstance(i, FoundFile)] == ["1.txt", "b/2.txt"]
    assert isinstance(items[-1], PathError) and "no such file" in str(items[-1])
    assert items[-1].where == str(tmp_path / "nope")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any folder")
def test_unreadable_folder_is_reported(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.txt").write_text("x")
    locked.chmod(0)
    try:
        items = _text_files([tmp_path])
        assert any(isinstance(i, InputError) for i in items)
    finally:
        locked.chmod(0o755)


def test_symlink_loop_terminates(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("a")
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    items = _text_files([tmp_path])
    assert [i.doc_id for i in items] == ["d/a.txt"]
