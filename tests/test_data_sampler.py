"""Samplers and the DataLoader arguments that use them (sampler, batch_sampler, batch_size=None) and the
PyTorch arguments accepted for portability (num_workers, pin_memory, ...)."""

import numpy
import pytest

import autograd_core as ag
from autograd_core.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)
from checks import host, torch_or_skip


def _ds(n=10):
    return TensorDataset(ag.arange(n, dtype=ag.float32).reshape(n, 1), ag.arange(n))


def _labels(loader):
    return [host(y).tolist() for _, y in loader]


def test_sequential_and_batch_sampler_match_torch():
    torch = torch_or_skip()
    for bs, drop in ((3, False), (3, True), (5, False), (11, False)):
        ours = list(BatchSampler(SequentialSampler(range(10)), bs, drop))
        theirs = list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(10)), bs, drop))
        assert ours == theirs
        assert len(BatchSampler(SequentialSampler(range(10)), bs, drop)) == len(theirs)


def test_random_sampler_is_a_seeded_permutation():
    ag.manual_seed(3)
    a = list(RandomSampler(range(20)))
    ag.manual_seed(3)
    b = list(RandomSampler(range(20)))
    assert a == b and sorted(a) == list(range(20)) and a != list(range(20))
    g = ag.Generator()
    g.manual_seed(5)
    sampler = RandomSampler(range(7), num_samples=16, generator=g)  # more than the data: whole permutations again
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 16
    assert sorted(drawn[:7]) == list(range(7)) and sorted(drawn[7:14]) == list(range(7))
    with_repl = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(with_repl) == 50 and set(with_repl) <= {0, 1, 2} and len(set(with_repl)) == 3


def test_subset_random_sampler_visits_exactly_the_subset():
    idx = [7, 2, 9, 4]
    drawn = list(SubsetRandomSampler(idx))
    assert sorted(drawn) == sorted(idx) and len(SubsetRandomSampler(idx)) == 4


def test_weighted_sampler_frequencies_follow_the_weights():
    ag.manual_seed(0)
    w = numpy.array([1.0, 0.0, 3.0, 6.0])
    drawn = numpy.array(list(WeightedRandomSampler(w, 20000)))
    freq = numpy.bincount(drawn, minlength=4) / 20000
    assert freq[1] == 0.0  # a zero weight is never drawn
    numpy.testing.assert_allclose(freq, w / w.sum(), atol=0.015)
    once = list(WeightedRandomSampler(ag.tensor(w), 3, replacement=False))
    assert sorted(once) == [0, 2, 3]  # without replacement: each index of non-zero weight once
    ag.manual_seed(1)
    firsts = numpy.bincount([list(WeightedRandomSampler(w, 1, replacement=False))[0] for _ in range(4000)],
                            minlength=4) / 4000
    numpy.testing.assert_allclose(firsts, w / w.sum(), atol=0.03)  # the first draw is weighted too


def test_dataloader_with_a_sampler_and_a_batch_sampler():
    ds = _ds()
    loader = DataLoader(ds, batch_size=4, sampler=SubsetRandomSampler([1, 3, 5, 7, 9]))
    got = _labels(loader)
    assert len(loader) == 2 and sorted(sum(got, [])) == [1, 3, 5, 7, 9]
    batches = [[0, 1], [5, 2, 8], [9]]
    loader = DataLoader(ds, batch_sampler=batches)
    assert _labels(loader) == batches and len(loader) == 3
    weighted = DataLoader(ds, batch_size=5, sampler=WeightedRandomSampler([0.0] * 9 + [1.0], 10))
    assert _labels(weighted) == [[9] * 5, [9] * 5]


def test_dataloader_unbatched_and_portable_arguments():
    ds = _ds(4)
    samples = list(DataLoader(ds, batch_size=None))
    assert len(samples) == 4 and samples[2][0].shape == (1,) and host(samples[2][1]) == 2
    calls = []
    loader = DataLoader(ds, batch_size=2, shuffle=True, num_workers=4, pin_memory=True, persistent_workers=True,
                        prefetch_factor=2, worker_init_fn=calls.append, timeout=5)
    assert sorted(sum(_labels(loader), [])) == [0, 1, 2, 3] and calls == [0]


def test_dataloader_lengths_match_torch():
    torch = torch_or_skip()
    tds = torch.utils.data.TensorDataset(torch.arange(10))
    for kw in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
               dict(batch_size=4, sampler=list(range(7)))):
        assert len(DataLoader(_ds(), **kw)) == len(torch.utils.data.DataLoader(tds, **kw)), kw


def test_errors_name_what_was_passed():
    ds = _ds()
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=SequentialSampler(ds))
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive.*batch_size=4"):
        DataLoader(ds, batch_size=4, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="num_workers must be a non-negative int, got -1"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="batch_size must be a positive int or None, got 0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match=r"weights must be 1-d, got shape \(2, 2\)"):
        WeightedRandomSampler([[1.0, 2.0], [3.0, 4.0]], 2)
    with pytest.raises(ValueError, match="weights must be finite, non-negative and not all zero"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="can't draw 3 samples without replacement from 2 indices"):
        WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False)
    with pytest.raises(ValueError, match="BatchSampler: batch_size must be a positive int, got 0"):
        BatchSampler(SequentialSampler(ds), 0, False)
    with pytest.raises(TypeError, match="Sampler has no length"):
        len(Sampler())
