"""IterableDataset, ChainDataset, StackDataset, get_worker_info and default_collate's cases, against what
PyTorch's DataLoader gives (where torch is installed) and on their own."""

import collections

import numpy
import pytest

import autograd_core as ag
from autograd_core.data import (
    ChainDataset,
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    default_collate,
    get_worker_info,
)
from checks import host, torch_or_skip


class Stream(IterableDataset):
    """The numbers start, start + 1, ... (n of them), as (value, value squared) pairs or plain numbers."""

    def __init__(self, n, start=0, pairs=False, with_len=False):
        self.n, self.start, self.pairs, self.with_len = n, start, pairs, with_len

    def __iter__(self):
        for i in range(self.start, self.start + self.n):
            yield (float(i), i * i) if self.pairs else i

    def __len__(self):
        if not self.with_len:
            return super().__len__()
        return self.n


def values(batches):
    """Nested batches as plain Python values."""
    if isinstance(batches, ag.Tensor):
        return host(batches).tolist()
    if isinstance(batches, (list, tuple)):
        return [values(b) for b in batches]
    if isinstance(batches, dict):
        return {k: values(v) for k, v in batches.items()}
    return batches


@pytest.mark.parametrize("batch_size, drop_last", [(4, False), (4, True), (5, False), (1, False), (None, False),
                                                   (20, False), (20, True)])
def test_iterable_batches_are_consecutive_samples(batch_size, drop_last):
    got = values(list(DataLoader(Stream(10), batch_size=batch_size, drop_last=drop_last)))
    if batch_size is None:
        assert got == list(range(10))
        return
    want = [list(range(i, min(i + batch_size, 10))) for i in range(0, 10, batch_size)]
    if drop_last:
        want = [b for b in want if len(b) == batch_size]
    assert got == want


def test_iterable_matches_torch():
    torch = torch_or_skip()

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            for i in range(7):
                yield (float(i), i * i)

    ours = list(DataLoader(Stream(7, pairs=True), batch_size=3))
    theirs = list(torch.utils.data.DataLoader(TorchStream(), batch_size=3))
    assert len(ours) == len(theirs)
    for (a, b), (ta, tb) in zip(ours, theirs):
        assert a.dtype == ag.float64 and ta.dtype == torch.float64
        assert b.dtype == ag.int64 and tb.dtype == torch.int64
        numpy.testing.assert_array_equal(host(a), ta.numpy())
        numpy.testing.assert_array_equal(host(b), tb.numpy())


def test_iterable_each_epoch_reads_the_stream_again_and_moves_to_a_device(device):
    loader = DataLoader(Stream(5), batch_size=2, device=device)
    first, second = values(list(loader)), values(list(loader))
    assert first == second == [[0, 1], [2, 3], [4]]
    assert all(b.device == ag.device(device) for b in loader)


def test_iterable_len_only_when_the_stream_has_one():
    assert len(DataLoader(Stream(10, with_len=True), batch_size=4)) == 3
    assert len(DataLoader(Stream(10, with_len=True), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(Stream(10, with_len=True), batch_size=None)) == 10
    with pytest.raises(TypeError, match="Stream.*no len"):
        len(DataLoader(Stream(10), batch_size=4))


@pytest.mark.parametrize("kw, name", [(dict(shuffle=True), "shuffle"), (dict(sampler=[0, 1]), "sampler"),
                                      (dict(batch_sampler=[[0, 1]], batch_size=1), "batch_sampler")])
def test_iterable_rejects_an_order(kw, name):
    with pytest.raises(ValueError, match=f"IterableDataset.*unspecified {name}"):
        DataLoader(Stream(4), **kw)
    DataLoader(Stream(4), shuffle=False)  # (shuffle=False is fine, as in PyTorch)


def test_iterable_with_collate_fn():
    got = list(DataLoader(Stream(5), batch_size=2, collate_fn=lambda b: sum(b)))
    assert got == [1, 5, 4]
    assert list(DataLoader(Stream(3), batch_size=None, collate_fn=lambda x: -x)) == [0, -1, -2]


def test_iterable_has_no_getitem():
    with pytest.raises(TypeError, match="IterableDataset.*iterate"):
        Stream(3)[0]


def test_chain_dataset():
    chained = ChainDataset([Stream(2), Stream(3, start=10)])
    assert list(chained) == [0, 1, 10, 11, 12]
    assert list(Stream(2) + Stream(1, start=5)) == [0, 1, 5]
    assert len(ChainDataset([Stream(2, with_len=True), Stream(3, with_len=True)])) == 5
    assert values(list(DataLoader(chained, batch_size=2))) == [[0, 1], [10, 11], [12]]
    with pytest.raises(TypeError, match="dataset 1 is a TensorDataset"):
        ChainDataset([Stream(2), TensorDataset(ag.ones(3))])


def test_stack_dataset():
    a = TensorDataset(ag.arange(4))
    b = ag.arange(4) * 10
    s = StackDataset(a, b)
    assert len(s) == 4 and values(s[2]) == [[2], 20]
    d = StackDataset(x=a, y=b)
    assert values(d[3]) == {"x": [3], "y": 30}
    batch = next(iter(DataLoader(d, batch_size=3)))
    assert values(batch) == {"x": [[0, 1, 2]], "y": [0, 10, 20]}
    with pytest.raises(ValueError, match="different lengths.*0: 4, 1: 5"):
        StackDataset(a, ag.arange(5))
    with pytest.raises(ValueError, match="not both"):
        StackDataset(a, y=b)
    with pytest.raises(ValueError, match="at least one"):
        StackDataset()


def test_get_worker_info_is_none_in_process():
    assert get_worker_info() is None


Point = collections.namedtuple("Point", "x label")


def test_default_collate_cases():
    floats = default_collate([1.0, 2.5])
    assert floats.dtype == ag.float64 and host(floats).tolist() == [1.0, 2.5]
    ints = default_collate([1, 2])
    assert ints.dtype == ag.int64
    mixed = default_collate([1, 2.5])
    assert mixed.dtype == ag.float64 and host(mixed).tolist() == [1.0, 2.5]
    assert default_collate([True, False]).dtype == ag.bool
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([numpy.float32(1), numpy.float32(2)]).dtype == ag.float32
    arr = default_collate([numpy.arange(3, dtype=numpy.int32), numpy.arange(3, dtype=numpy.int32)])
    assert arr.dtype == ag.int32 and tuple(arr.shape) == (2, 3)
    p = default_collate([Point(ag.ones(2), 0), Point(ag.zeros(2), 1)])
    assert isinstance(p, Point) and tuple(p.x.shape) == (2, 2) and host(p.label).tolist() == [0, 1]
    d = default_collate([{"x": 1, "name": "a"}, {"x": 2, "name": "b"}])
    assert host(d["x"]).tolist() == [1, 2] and d["name"] == ["a", "b"]
    assert values(default_collate([[1, 2.0], [3, 4.0]])) == [[1, 3], [2.0, 4.0]]
    assert isinstance(default_collate([(1, 2), (3, 4)]), tuple)


def _fields(batch):
    if isinstance(batch, dict):
        return list(batch.values())
    return list(batch) if isinstance(batch, tuple) else [batch]


def test_default_collate_matches_torch():
    torch_or_skip()
    from torch.utils.data import default_collate as theirs

    for batch in ([1.0, 2.5], [1, 2], [True, False], [Point(1.0, 2), Point(3.0, 4)], [{"a": 1.5}, {"a": 2.5}],
                  [numpy.ones((2, 2), dtype=numpy.float32), numpy.zeros((2, 2), dtype=numpy.float32)]):
        ours, them = _fields(default_collate(batch)), _fields(theirs(batch))
        assert len(ours) == len(them)
        for o, t in zip(ours, them):
            assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
            numpy.testing.assert_array_equal(host(o), t.numpy())


def test_default_collate_errors_name_what_was_passed():
    with pytest.raises(ValueError, match=r"equal shapes.*\(2,\) at entry 0 and \(3,\) at entry 1"):
        default_collate([ag.ones(2), ag.ones(3)])
    with pytest.raises(TypeError, match="found NoneType"):
        default_collate([None, None])
    with pytest.raises(ValueError, match="different numbers of fields"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([numpy.array(["a"]), numpy.array(["b"])])
    with pytest.raises(ValueError, match="empty"):
        default_collate([])
