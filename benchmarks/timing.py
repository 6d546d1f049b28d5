"""Timing done right: warm-up runs, a synchronised clock on GPUs, medians over repeats, and
frameworks compared step for step (interleaved), so a machine that slows down for a while slows
both alike and the ratio stays honest."""

import statistics
import time


def measure(step, sync=None, warmup=5, repeats=30, min_seconds=0.0):
    """Seconds per call of ``step()``: a dict of median, min, max and the sample count.

    ``sync`` (e.g. a device synchronize) runs before every clock read, so queued GPU work is counted.
    Repeats continue past ``repeats`` until ``min_seconds`` have been spent measuring.
    """
    sync = sync or (lambda: None)
    for _ in range(warmup):
        step()
    sync()
    samples = []
    spent = 0.0
    while len(samples) < repeats or spent < min_seconds:
        t0 = time.perf_counter()
        step()
        sync()
        dt = time.perf_counter() - t0
        samples.append(dt)
        spent += dt
    return _stats(samples)


def _stats(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def measure_interleaved(steps, syncs=None, warmup=5, repeats=30, rounds=5, pause=0.25):
    """Seconds per call of each of ``steps`` (a dict name -> callable), measured in ``rounds`` rounds:
    in each round every framework gets a pause of ``pause`` seconds (so the other framework's worker
    threads, which spin for a while after their last task, have gone to sleep), one untimed call (to
    warm its caches and thread pools again) and then a block of timed calls; the frameworks' order
    alternates from round to round. A machine that slows down for a while thus slows every framework
    alike, while each is timed warm and alone, back to back, as a training loop runs. Returns name ->
    stats as ``measure`` does. ``syncs`` (name -> callable) run before each clock read."""
    syncs = {name: (syncs or {}).get(name) or (lambda: None) for name in steps}
    names = list(steps)
    for name in names:
        for _ in range(warmup):
            steps[name]()
        syncs[name]()
    rounds = max(1, min(rounds, repeats))
    samples = {name: [] for name in names}
    for r in range(rounds):
        block = repeats // rounds + (r < repeats % rounds)  # the blocks add up to ``repeats``
        for name in (names if r % 2 == 0 else names[::-1]):
            time.sleep(pause)
            steps[name]()
            syncs[name]()
            for _ in range(block):
                t0 = time.perf_counter()
                steps[name]()
                syncs[name]()
                samples[name].append(time.perf_counter() - t0)
    return {name: _stats(s) for name, s in samples.items()}
