import numpy as np
import pytest

from spin_detect.tables.store import DataFormatError, read_arrays, write_arrays


def test_round_trip_and_determinism(tmp_path):
    arrays = {"a": np.arange(10, dtype=np.uint32), "b": np.array([[1.5, -2.0]], dtype=np.float64)}
    p1, p2 = tmp_path / "x.bin", tmp_path / "y.bin"
    write_arrays(p1, "test/fmt", 3, arrays, {"k": "v"})
    write_arrays(p2, "test/fmt", 3, dict(reversed(arrays.items())), {"k": "v"})
    assert p1.read_bytes() == p2.read_bytes()
    got = read_arrays(p1, "test/fmt", (3,))
    assert got.meta == {"k": "v"}
    np.testing.assert_array_equal(got.arrays["a"], arrays["a"])
    np.testing.assert_array_equal(got.arrays["b"], arrays["b"])
    assert not got.arrays["a"].flags.writeable


def test_refuses_wrong_format_version_and_corruption(tmp_path):
    p = tmp_path / "x.bin"
    write_arrays(p, "test/fmt", 1, {"a": np.arange(100, dtype=np.int64)})
    with pytest.raises(DataFormatError, match="expected 'other/fmt'"):
        read_arrays(p, "other/fmt", (1,))
    with pytest.raises(DataFormatError, match="version 1 cannot be read"):
        read_arrays(p, "test/fmt", (2,))
    data = bytearray(p.read_bytes())
    data[-5] ^= 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(DataFormatError, match="checksum mismatch"):
        read_arrays(p, "test/fmt", (1,))
    read_arrays(p, "test/fmt", (1,), verify=False)  # explicit opt-out still opens it


@pytest.mark.parametrize("content", [b"", b"hello world, not a table", b"SPINDET\0" + b"\xff" * 8])
def test_refuses_garbage(tmp_path, content):
    p = tmp_path / "g.bin"
    p.write_bytes(content)
    with pytest.raises(DataFormatError):
        read_arrays(p, "test/fmt", (1,))


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="cannot open"):
        read_arrays(tmp_path / "nope.bin", "test/fmt", (1,))
