"""Data: DataLoader, datasets and their files, downloads, transforms."""

import gzip
import hashlib
import http.server
import importlib.util
import os
import threading

import numpy
import pytest

import autograd_core as ag
from autograd_core.data import (
    CIFAR10,
    MNIST,
    DataLoader,
    Dataset,
    DatasetFileError,
    Digits,
    Subset,
    TensorDataset,
    download_url,
    random_split,
    read_idx,
    transforms,
)
from checks import host

needs_scipy = pytest.mark.skipif(importlib.util.find_spec("scipy") is None,
                                 reason="rotation and resizing use scipy.ndimage")
MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist")


# --- DataLoader ------------------------------------------------------------------------------------
def _dataset(n=103, device="cpu"):
    x = ag.arange(n, device=device).float().reshape(n, 1) * ag.ones(1, 3, device=device)
    y = ag.arange(n, device=device)
    return TensorDataset(x, y)


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_once_per_epoch(shuffle, device):
    loader = DataLoader(_dataset(device=device), batch_size=10, shuffle=shuffle)
    assert len(loader) == 11
    for _ in range(2):
        seen = numpy.concatenate([host(yb) for _, yb in loader])
        assert sorted(seen.tolist()) == list(range(103))
    sizes = [len(yb) for _, yb in loader]
    assert sizes == [10] * 10 + [3]


def test_same_seed_same_order_and_drop_last(device):
    ds = _dataset(device=device)
    orders = []
    for _ in range(2):
        ag.manual_seed(11)
        orders.append([host(yb).tolist() for _, yb in DataLoader(ds, batch_size=16, shuffle=True)])
    assert orders[0] == orders[1]
    assert [sorted(b) for b in orders[0]] != [list(range(i, min(i + 16, 103))) for i in range(0, 103, 16)]
    g1 = ag.Generator().manual_seed(3)
    g2 = ag.Generator().manual_seed(3)
    a = [host(yb).tolist() for _, yb in DataLoader(ds, batch_size=16, shuffle=True, generator=g1)]
    b = [host(yb).tolist() for _, yb in DataLoader(ds, batch_size=16, shuffle=True, generator=g2)]
    assert a == b
    dropped = DataLoader(ds, batch_size=16, drop_last=True)
    assert len(dropped) == 6 and [len(yb) for _, yb in dropped] == [16] * 6


def test_batches_are_moved_to_device(device):
    loader = DataLoader(_dataset(), batch_size=8, device=device)
    xb, yb = next(iter(loader))
    assert xb.device == device and yb.device == device and xb.shape == (8, 3)


def test_per_sample_datasets_and_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": ag.tensor([float(i)]), "y": i * i}

    batch = next(iter(DataLoader(Squares(), batch_size=5)))
    assert batch["x"].shape == (5, 1) and host(batch["y"]).tolist() == [0, 1, 4, 9, 16]
    custom = next(iter(DataLoader(Squares(), batch_size=2, collate_fn=lambda s: len(s))))
    assert custom == 2
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(Squares(), batch_size=0)


def test_subset_and_random_split():
    ds = _dataset(10)
    a, b = random_split(ds, [7, 3], generator=ag.Generator().manual_seed(0))
    ids = sorted(host(a[i][1]).item() for i in range(7)) + sorted(host(b[i][1]).item() for i in range(3))
    assert sorted(ids) == list(range(10))
    f = random_split(ds, [0.5, 0.5])
    assert [len(s) for s in f] == [5, 5]
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(ds, [4, 5])
    sub = Subset(ds, [9, 0])
    assert host(next(iter(DataLoader(sub, batch_size=2)))[1]).tolist() == [9, 0]
    with pytest.raises(IndexError, match="out of range"):
        Subset(ds, [10])
    with pytest.raises(ValueError, match="different first dimensions"):
        TensorDataset(ag.ones(3), ag.ones(4))


# --- transforms ------------------------------------------------------------------------------------
def _images(device, n=6, c=3, h=9, w=11):
    return ag.rand(n, c, h, w, device=device)


def test_flip_twice_is_identity(device):
    x = _images(device)
    flip = transforms.RandomHorizontalFlip(p=1.0)
    once = flip(x)
    numpy.testing.assert_array_equal(host(once), host(x)[..., ::-1])
    numpy.testing.assert_array_equal(host(flip(once)), host(x))
    numpy.testing.assert_array_equal(host(transforms.RandomHorizontalFlip(p=0.0)(x)), host(x))


@needs_scipy
def test_identity_cases(device):
    x = _images(device)
    numpy.testing.assert_allclose(host(transforms.RandomRotation((0, 0))(x)), host(x), atol=1e-6)
    numpy.testing.assert_array_equal(host(transforms.RandomCrop((9, 11))(x)), host(x))
    numpy.testing.assert_allclose(host(transforms.RandomResizedCrop((9, 11), scale=(1, 1), ratio=(11 / 9, 11 / 9))(x)),
                                  host(x), atol=1e-5)
    numpy.testing.assert_allclose(host(transforms.ColorJitter(0, 0)(x)), host(x))


@needs_scipy
def test_shapes_dtypes_and_single_images(device):
    x = _images(device)
    pipeline = transforms.Compose([transforms.RandomCrop(8, padding=2), transforms.RandomHorizontalFlip(),
                                   transforms.RandomRotation(15), transforms.RandomResizedCrop(7),
                                   transforms.ColorJitter(0.3, 0.3), transforms.Normalize([0.5] * 3, [0.2] * 3)])
    out = pipeline(x)
    assert out.shape == (6, 3, 7, 7) and out.dtype == ag.float32 and out.device == device
    single = pipeline(x[0])
    assert single.shape == (3, 7, 7)
    x64 = x.double()
    assert transforms.RandomRotation(5)(x64).dtype == ag.float64
    with pytest.raises(TypeError, match="floating-point"):
        transforms.RandomHorizontalFlip()(ag.ones(2, 1, 3, 3, dtype=ag.uint8))
    with pytest.raises(ValueError, match="larger than the padded image"):
        transforms.RandomCrop(20)(x)


@needs_scipy
def test_same_seed_same_augmentation(device):
    x = _images(device)
    t = transforms.Compose([transforms.RandomCrop(8, padding=1), transforms.RandomRotation(20),
                            transforms.RandomHorizontalFlip(), transforms.ColorJitter(0.5, 0.5)])
    ag.manual_seed(5)
    a = host(t(x))
    ag.manual_seed(5)
    b = host(t(x))
    ag.manual_seed(6)
    c = host(t(x))
    numpy.testing.assert_array_equal(a, b)
    assert not numpy.array_equal(a, c)


@needs_scipy
def test_rotation_by_90_degrees_moves_pixels(device):
    x = ag.zeros(1, 1, 5, 5, device=device)
    x[0, 0, 0, 2] = 1.0  # top middle
    out = host(transforms.RandomRotation((90, 90))(x))[0, 0]
    assert out.argmax() in (2 * 5 + 0, 2 * 5 + 4)  # now at the middle of the left or right edge
    assert abs(out.sum() - 1.0) < 1e-5


def test_normalize(device):
    x = ag.ones(2, 2, 3, 3, device=device)
    out = host(transforms.Normalize([0.5, 1.0], [0.5, 2.0])(x))
    assert (out[:, 0] == 1.0).all() and (out[:, 1] == 0.0).all()


# --- files -----------------------------------------------------------------------------------------
def _write_idx(path, array, compress=False):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(numpy.uint8).tobytes()
    (gzip.open if compress else open)(path, "wb").write(data)
    return data


def test_idx_reading_and_errors(tmp_path):
    images = numpy.arange(2 * 3 * 4, dtype=numpy.uint8).reshape(2, 3, 4)
    data = _write_idx(str(tmp_path / "ok"), images)
    numpy.testing.assert_array_equal(read_idx(str(tmp_path / "ok")), images)
    _write_idx(str(tmp_path / "ok.gz"), images, compress=True)
    numpy.testing.assert_array_equal(read_idx(str(tmp_path / "ok.gz")), images)
    (tmp_path / "short").write_bytes(data[:-5])
    with pytest.raises(DatasetFileError, match="truncated"):
        read_idx(str(tmp_path / "short"))
    (tmp_path / "bad").write_bytes(b"\x01\x02" + data[2:])
    with pytest.raises(DatasetFileError, match="not an IDX file"):
        read_idx(str(tmp_path / "bad"))
    (tmp_path / "cut.gz").write_bytes(gzip.compress(data)[:20])
    with pytest.raises(DatasetFileError, match="truncated|can't be read"):
        read_idx(str(tmp_path / "cut.gz"))


def test_mnist_layout_and_missing_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    _write_idx(str(raw / "t10k-images-idx3-ubyte"), numpy.full((3, 28, 28), 255, numpy.uint8))
    _write_idx(str(raw / "t10k-labels-idx1-ubyte"), numpy.array([1, 2, 3], numpy.uint8))
    ds = MNIST(str(tmp_path), train=False)
    assert ds.data.shape == (3, 1, 28, 28) and float(ds.data.max()) == 1.0 and ds.targets.dtype == ag.int64
    with pytest.raises(DatasetFileError, match="train-images-idx3-ubyte.*download=True"):
        MNIST(str(tmp_path), train=True)


def test_cifar_binary_and_errors(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = numpy.random.default_rng(0)
    records = numpy.concatenate([rng.integers(0, 10, (4, 1)), rng.integers(0, 256, (4, 3072))], 1).astype(numpy.uint8)
    (folder / "test_batch.bin").write_bytes(records.tobytes())
    ds = CIFAR10(str(tmp_path), train=False)
    assert ds.data.shape == (4, 3, 32, 32) and host(ds.targets).tolist() == records[:, 0].tolist()
    (folder / "test_batch.bin").write_bytes(records.tobytes()[:-7])
    with pytest.raises(DatasetFileError, match="truncated"):
        CIFAR10(str(tmp_path), train=False)
    bad = records.copy()
    bad[0, 0] = 42
    (folder / "test_batch.bin").write_bytes(bad.tobytes())
    with pytest.raises(DatasetFileError, match="label 42"):
        CIFAR10(str(tmp_path), train=False)


class _Server:
    """A loopback HTTP server for ``files`` (name -> bytes)."""

    def __init__(self, files):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def test_download_verifies_checksum_and_leaves_nothing(tmp_path):
    good = b"hello dataset" * 100
    server = _Server({"f.bin": good})
    try:
        md5 = hashlib.md5(good).hexdigest()
        path = download_url(server.url + "f.bin", str(tmp_path), "f.bin", md5)
        assert open(path, "rb").read() == good
        with pytest.raises(DatasetFileError, match="MD5"):
            download_url(server.url + "f.bin", str(tmp_path / "other"), "g.bin", "0" * 32)
        assert os.listdir(tmp_path / "other") == []
    finally:
        server.close()


def test_mnist_download_from_mirror(tmp_path):
    imgs = numpy.zeros((2, 28, 28), numpy.uint8)
    labels = numpy.array([3, 4], numpy.uint8)
    files = {}
    for name, arr in (("t10k-images-idx3-ubyte.gz", imgs), ("t10k-labels-idx1-ubyte.gz", labels),
                      ("train-images-idx3-ubyte.gz", imgs), ("train-labels-idx1-ubyte.gz", labels)):
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        files[name] = gzip.compress(header + arr.tobytes())
    server = _Server(files)

    class Small(MNIST):
        mirrors = ["http://127.0.0.1:1/", server.url]  # the first mirror refuses; the second serves
        resources = [(name, hashlib.md5(body).hexdigest()) for name, body in files.items()]

    try:
        ds = Small(str(tmp_path), train=False, download=True)
        assert host(ds.targets).tolist() == [3, 4]

        class Corrupt(MNIST):
            mirrors = [server.url]
            resources = [("t10k-images-idx3-ubyte.gz", "f" * 32)]

        with pytest.raises(DatasetFileError, match="MD5"):
            Corrupt(str(tmp_path / "c"), train=False, download=True)
        assert not any(files for _, _, files in os.walk(tmp_path / "c"))
    finally:
        server.close()


def test_real_mnist_test_set_checksums_and_loading():
    if not os.path.isdir(MNIST_DIR):
        pytest.skip("the shared MNIST test set is not beside the project")
    for name, md5 in [("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                      ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]:
        assert hashlib.md5(open(os.path.join(MNIST_DIR, name), "rb").read()).hexdigest() == md5
    ds = MNIST(MNIST_DIR, train=False)
    assert len(ds) == 10_000 and ds.data.shape == (10_000, 1, 28, 28)
    assert sorted(set(host(ds.targets).tolist())) == list(range(10))


def test_digits():
    pytest.importorskip("sklearn")
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) + len(test) == 1797 and train.data.shape[1:] == (1, 8, 8)
    assert float(train.data.max()) <= 1.0 and train.targets.dtype == ag.int64
    assert host(Digits(train=False).targets).tolist() == host(test.targets).tolist()
