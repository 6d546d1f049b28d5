"""The benchmark CLI runs end to end with tiny settings and writes its JSON and PNG."""

import json

import pytest

from benchmarks.__main__ import main
from benchmarks.timing import measure


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
