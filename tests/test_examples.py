"""The example scripts run end to end (tiny settings)."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.path.join(ROOT, "..", "shared", "data", "mnist")


def run(script, *args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd or ROOT, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def test_lenet_digits():
    pytest.importorskip("sklearn")
    out = run("lenet_digits.py", "--epochs", "2")
    assert "held-out accuracy" in out


def test_digits_sequence_model():
    pytest.importorskip("sklearn")
    out = run("digits_sequence.py", "--epochs", "2")
    assert out.count("held-out accuracy") == 2


def test_lenet_mnist_on_the_test_set_split():
    if not os.path.isdir(MNIST_DIR):
        pytest.skip("the real MNIST test set is not beside the project")
    out = run("lenet_mnist.py", "--root", MNIST_DIR, "--test-set-split", "1000", "--epochs", "1")
    assert "held-out accuracy" in out


def test_resnet_cifar_synthetic():
    out = run("resnet_cifar.py", "--synthetic", "--epochs", "1", "--limit", "16", "--batch-size", "8")
    assert "test accuracy" in out


def test_universal_approximation_plot(tmp_path):
    pytest.importorskip("matplotlib")
    out = run("universal_approximation.py", "--steps", "50", "--widths", "4", "--out", str(tmp_path / "ua.png"))
    assert "mean squared error" in out and (tmp_path / "ua.png").exists()


def test_optimizer_zoo_plot(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    out = run("optimizer_zoo.py", "--epochs", "1", "--out", str(tmp_path / "oz.png"))
    assert "NAdam" in out and (tmp_path / "oz.png").exists()


def test_early_stopping():
    pytest.importorskip("sklearn")
    out = run("early_stopping.py", "--patience", "2", "--max-epochs", "30")
    assert "validation loss" in out
