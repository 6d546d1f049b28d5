"""The benchmark's outputs: the printed table, results.json and benchmark.png."""

import datetime
import json
import os
import platform


def format_table(rows):
    head = (f"{'workload':<10}{'device':<8}{'batch':>6}  {'unit':<8}{'ours median':>12}{'min':>9}{'max':>9}"
            f"{'torch median':>14}{'ratio':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        o, t = r["ours"], r["torch"]
        torch_cols = f"{t['median']:>14.2f}{r['ratio']:>7.2f}x" if t else f"{'-':>14}{'-':>8}"
        lines.append(f"{r['workload']:<10}{r['device']:<8}{str(r['batch_size'] or '-'):>6}  {r['unit']:<8}"
                     f"{o['median']:>12.2f}{o['min']:>9.2f}{o['max']:>9.2f}{torch_cols}")
    return "\n".join(lines)


def environment(devices):
    import numpy

    env = {"date": datetime.date.today().isoformat(), "python": platform.python_version(),
           "numpy": numpy.__version__, "machine": platform.machine(), "processor": platform.processor(),
           "cpu_count": os.cpu_count(), "devices": list(devices)}
    try:
        import torch

        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            env["torch_cuda"] = torch.version.cuda
            env["torch_tf32_matmul"] = torch.backends.cuda.matmul.allow_tf32
            env["torch_tf32_cudnn"] = torch.backends.cudnn.allow_tf32
    except ImportError:
        pass
    if any(str(d).startswith("cuda") for d in devices):
        import cupy

        env["cupy"] = cupy.__version__
        env["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
        env["gpu"] = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    return env


def write_json(path, env, training, rows):
    with open(path, "w") as f:
        json.dump({"environment": env, "training": training, "timings": rows}, f, indent=2)


def write_png(path, training, rows):
    """Left: the training loss of the Digits demo per device; right: step times (log scale) per workload,
    ours and torch, per device. Returns False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    for run in training:
        left.plot(range(1, len(run["losses"]) + 1), run["losses"], marker="o", label=f"{run['device']} "
                  f"({run['accuracy']:.1%} held out)")
    left.set(title="LeNet-5 on Digits: training loss", xlabel="epoch", ylabel="cross-entropy", yscale="log")
    if training:
        left.legend()
    labels, bars = [], {}
    for r in rows:
        label = f"{r['workload']}\n({r['unit']})"
        if label not in labels:
            labels.append(label)
    for r in rows:
        for fw in ("ours", "torch"):
            if r[fw]:
                bars.setdefault(f"{fw} {r['device']}", {})[f"{r['workload']}\n({r['unit']})"] = r[fw]["median"]
    width = 0.8 / max(len(bars), 1)
    for i, (name, values) in enumerate(sorted(bars.items())):
        xs = [j + i * width for j, label in enumerate(labels) if label in values]
        right.bar(xs, [values[label] for label in labels if label in values], width, label=name)
    right.set_xticks([j + 0.4 - width / 2 for j in range(len(labels))], labels)
    right.set(title="Training step time (median; lower is better)", yscale="log")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
