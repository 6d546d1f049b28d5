"""Datasets: Digits (bundled with scikit-learn, the default: no network), MNIST and FashionMNIST (IDX
files), CIFAR-10 (the binary version). Images come as float32 in [0, 1], shape (N, C, H, W); labels
as int64. Never pickle: CIFAR's Python version is not read, only its binary one.

Downloads (``download=True``) try each mirror in turn, stream to a temporary file beside the
target, check the MD5 against the published one, and only then rename it into place: a failed or
corrupt download leaves no file behind.
"""

import gzip
import hashlib
import os
import tarfile
import urllib.request

import numpy

from ..factories import tensor
from .dataset import Dataset


class DatasetFileError(ValueError):
    """A dataset file that is missing, truncated, corrupt or of the wrong format."""


# --- downloading -----------------------------------------------------------------------------------
def _md5(path):
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_url(url, root, filename, md5, timeout=60):
    """Fetch ``url`` into ``root/filename`` atomically, verifying ``md5``; returns the path."""
    os.makedirs(root, exist_ok=True)
    target = os.path.join(root, filename)
    tmp = f"{target}.part-{os.getpid()}"
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != md5:
            raise DatasetFileError(f"download of {url} has MD5 {digest.hexdigest()}, expected {md5}: the file is "
                                   f"corrupt or not the published one (nothing was kept)")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def _fetch(mirrors, root, filename, md5):
    errors = []
    for base in mirrors:
        try:
            return download_url(base + filename, root, filename, md5)
        except DatasetFileError:
            raise
        except OSError as exc:
            errors.append(f"{base + filename}: {exc}")
    raise RuntimeError(f"could not download {filename}:\n  " + "\n  ".join(errors))


# --- IDX (MNIST) -----------------------------------------------------------------------------------
_IDX_TYPES = {0x08: numpy.uint8, 0x09: numpy.int8, 0x0B: numpy.dtype(">i2"), 0x0C: numpy.dtype(">i4"),
              0x0D: numpy.dtype(">f4"), 0x0E: numpy.dtype(">f8")}


def read_idx(path):
    """Read an IDX file (optionally .gz) into a NumPy array, checking its header and size."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DatasetFileError(f"{path}: can't be read ({exc}); it may be truncated or not gzip data") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DatasetFileError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'in an empty file'})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFileError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    dims = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = numpy.dtype(_IDX_TYPES[raw[2]])
    expected = header + int(numpy.prod(dims, dtype=numpy.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise DatasetFileError(f"{path}: the header says shape {dims} ({expected} bytes) but the file has "
                               f"{len(raw)} bytes: it is {'truncated' if len(raw) < expected else 'corrupt'}")
    return numpy.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


class _ArrayDataset(Dataset):
    """Images (N, C, H, W) float32 in [0, 1] and int64 labels, with optional batch transforms."""

    def __init__(self, images, labels, transform=None, target_transform=None):
        self.data = tensor(images)
        self.targets = tensor(labels)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return self.data.shape[0]

    def _apply(self, x, y):
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def __getitem__(self, index):
        return self._apply(self.data[index], self.targets[index])

    def __getitems__(self, indices):
        return self._apply(self.data[indices], self.targets[indices])

    def tensors(self):
        return self.data, self.targets


class MNIST(_ArrayDataset):
    """The MNIST digits, 28x28, from the four IDX files in ``root`` (or ``root/MNIST/raw``), gzipped or not.

    train=True reads the 60,000 training images, False the 10,000 test images.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    folder = "MNIST"

    def __init__(self, root, train=True, download=False, transform=None, target_transform=None):
        self.root = os.fspath(root)
        self.train = train
        prefix = "train" if train else "t10k"
        if download:
            self.download()
        images = read_idx(self._find(f"{prefix}-images-idx3-ubyte"))
        labels = read_idx(self._find(f"{prefix}-labels-idx1-ubyte"))
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DatasetFileError(f"{self.root}: images {images.shape} and labels {labels.shape} don't match")
        super().__init__((images[:, None] / 255.0).astype(numpy.float32), labels.astype(numpy.int64),
                         transform, target_transform)

    def _dirs(self):
        return [self.root, os.path.join(self.root, self.folder, "raw"), os.path.join(self.root, self.folder)]

    def _find(self, stem):
        for d in self._dirs():
            for name in (stem, stem + ".gz"):
                path = os.path.join(d, name)
                if os.path.exists(path):
                    return path
        raise DatasetFileError(f"{type(self).__name__}: {stem}[.gz] not found in {self._dirs()}; pass download=True "
                               f"or point root at a folder holding the IDX files")

    def download(self):
        raw = os.path.join(self.root, self.folder, "raw")
        for filename, md5 in self.resources:
            if any(os.path.exists(os.path.join(d, filename)) for d in self._dirs()):
                continue
            _fetch(self.mirrors, raw, filename, md5)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the MNIST format, ten classes of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    folder = "FashionMNIST"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


# --- CIFAR-10 (binary version) ---------------------------------------------------------------------
_RECORD = 1 + 3 * 32 * 32


def read_cifar_bin(path):
    """(images uint8 (N, 3, 32, 32), labels uint8 (N,)) from one CIFAR-10 binary batch file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DatasetFileError(f"{path}: can't be read ({exc})") from None
    if not raw or len(raw) % _RECORD:
        raise DatasetFileError(f"{path}: {len(raw)} bytes is not a whole number of {_RECORD}-byte CIFAR-10 records: "
                               f"the file is truncated or not a CIFAR-10 binary batch")
    records = numpy.frombuffer(raw, dtype=numpy.uint8).reshape(-1, _RECORD)
    labels = records[:, 0]
    if labels.max() > 9:
        raise DatasetFileError(f"{path}: label {int(labels.max())} is out of range 0-9: not a CIFAR-10 batch file")
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


class CIFAR10(_ArrayDataset):
    """CIFAR-10 from the binary version (``cifar-10-batches-bin/`` in ``root``, or its .tar.gz)."""

    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    archive, archive_md5 = "cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"
    folder = "cifar-10-batches-bin"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train=True, download=False, transform=None, target_transform=None):
        self.root = os.fspath(root)
        self.train = train
        folder = os.path.join(self.root, self.folder)
        archive = os.path.join(self.root, self.archive)
        if download and not os.path.isdir(folder) and not os.path.exists(archive):
            _fetch([self.url[: -len(self.archive)]], self.root, self.archive, self.archive_md5)
        if not os.path.isdir(folder) and os.path.exists(archive):
            _extract(archive, self.root)
        names = [f"data_batch_{i}.bin" for i in range(1, 6)] if train else ["test_batch.bin"]
        parts = []
        for name in names:
            path = os.path.join(folder, name)
            if not os.path.exists(path):
                raise DatasetFileError(f"CIFAR10: {path} not found; pass download=True or put the binary version "
                                       f"({self.archive}) in {self.root}")
            parts.append(read_cifar_bin(path))
        images = numpy.concatenate([p[0] for p in parts])
        labels = numpy.concatenate([p[1] for p in parts])
        super().__init__((images / 255.0).astype(numpy.float32), labels.astype(numpy.int64), transform,
                         target_transform)


def _extract(archive, root):
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                name = os.path.normpath(member.name)
                if name.startswith(("..", "/")) or os.path.isabs(name) or not (member.isfile() or member.isdir()):
                    raise DatasetFileError(f"{archive}: refusing the unsafe archive member {member.name!r}")
            tar.extractall(root)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DatasetFileError(f"{archive}: can't be extracted ({exc}); it may be truncated") from None


# --- Digits (scikit-learn's bundled 8x8 digits) -------------------------------------------------------
class Digits(_ArrayDataset):
    """The 1,797 8x8 handwritten digits that ship with scikit-learn (no download): the default dataset.

    ``train=True`` gives a fixed 80% split, ``False`` the other 20% (the same split every time), and
    ``train=None`` all of them. Pixel values 0-16 are scaled to [0, 1]; images are (N, 1, 8, 8).
    """

    def __init__(self, train=True, test_fraction=0.2, transform=None, target_transform=None):
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("Digits needs scikit-learn, which bundles the data: pip install scikit-learn "
                              "(or pip install -e \".[bench]\")") from None
        d = load_digits()
        images = (d.images[:, None] / 16.0).astype(numpy.float32)
        labels = d.target.astype(numpy.int64)
        order = numpy.random.default_rng(0).permutation(len(labels))  # a fixed split, independent of manual_seed
        n_test = int(round(len(labels) * test_fraction))
        if train is True:
            order = order[n_test:]
        elif train is False:
            order = order[:n_test]
        self.train = train
        super().__init__(images[order], labels[order], transform, target_transform)
