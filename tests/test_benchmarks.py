"""The benchmark CLI runs end to end with tiny settings and writes its JSON and PNG."""

import json

import pytest

from benchmarks.__main__ import main
from benchmarks.timing import measure, measure_interleaved


def test_cli_end_to_end(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    code = main(["--device", "cpu", "--workloads", "overhead,mlp,lenet", "--steps", "2", "--batch-size", "8",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "LeNet-5 on Digits, cpu" in out and "overhead" in out and "lenet" in out
    result = json.loads((tmp_path / "results.json").read_text())
    assert [r["workload"] for r in result["timings"]] == ["overhead", "mlp", "lenet"]
    assert result["training"][0]["reached"] and result["training"][0]["accuracy"] >= 0.98
    assert result["timings"][1]["batch_size"] == 8 and result["timings"][1]["ours"]["n"] == 2
    assert "numpy" in result["environment"]
    png = (tmp_path / "benchmark.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_cli_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        main(["--workloads", "nope"])
    assert "unknown workload" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--device", "tpu"])


def test_measure_counts_and_synchronises():
    calls, syncs = [], []
    stats = measure(lambda: calls.append(1), sync=lambda: syncs.append(1), warmup=3, repeats=5)
    assert stats["n"] == 5 and len(calls) == 8 and len(syncs) == 6
    assert stats["min"] <= stats["median"] <= stats["max"]


def test_measure_interleaved_alternates_and_synchronises():
    log = []
    steps = {"a": lambda: log.append("a"), "b": lambda: log.append("b")}
    syncs = {"a": lambda: log.append("sa"), "b": lambda: log.append("sb")}
    stats = measure_interleaved(steps, syncs, warmup=2, repeats=4, rounds=2, pause=0.0)
    assert log[:6] == ["a", "a", "sa", "b", "b", "sb"]  # warm-up, each framework on its own
    calls = [e for e in log[6:] if e in "ab"]
    # each round: one untimed call and a block of two timed ones per framework, the order alternating
    assert calls == ["a"] * 3 + ["b"] * 3 + ["b"] * 3 + ["a"] * 3
    assert log[6:].count("sa") == 6 and log[6:].count("sb") == 6  # a sync before every clock read
    assert set(stats) == {"a", "b"} and all(s["n"] == 4 and s["min"] <= s["median"] <= s["max"] for s in stats.values())
