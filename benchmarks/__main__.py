"""``python -m benchmarks``: time training steps of our engine and of PyTorch, side by side.

    python -m benchmarks                       # every workload on every available device
    python -m benchmarks --workloads overhead --device cpu --out results/

Prints a table (median, min, max, ratio to torch in the same run) and writes ``results.json``.
"""

import argparse
import datetime
import json
import os
import platform
import sys

from . import models, overhead
from .timing import measure

WORKLOADS = {w["name"]: w for w in (overhead.WORKLOAD, models.MLP, models.LENET)}


def _torch_available():
    try:
        import torch  # noqa: F401

        return True
    except ImportError:
        return False


def _sync(device, framework):
    if not str(device).startswith("cuda"):
        return None
    if framework == "torch":
        import torch

        return torch.cuda.synchronize
    import backends

    return backends.get_backend(device).synchronize


def run(workloads, devices, repeats=None, with_torch=True):
    rows = []
    for name in workloads:
        w = WORKLOADS[name]
        for device in devices:
            frameworks = ["ours"] + (["torch"] if with_torch else [])
            results = {}
            for fw in frameworks:
                step = w[fw](device)
                t = measure(step, sync=_sync(device, fw), warmup=w["warmup"], repeats=repeats or w["repeats"])
                results[fw] = {k: (v * w["scale"] if k != "n" else v) for k, v in t.items()}
            row = {"workload": name, "device": device, "unit": w["unit"], "description": w["description"],
                   "ours": results["ours"], "torch": results.get("torch")}
            if row["torch"]:
                row["ratio"] = row["ours"]["median"] / row["torch"]["median"]
            rows.append(row)
    return rows


def format_table(rows):
    head = f"{'workload':<12}{'device':<8}{'unit':<8}{'ours median':>12}{'min':>9}{'max':>9}" \
           f"{'torch median':>14}{'ratio':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        o, t = r["ours"], r["torch"]
        torch_cols = f"{t['median']:>14.2f}{r['ratio']:>7.2f}x" if t else f"{'-':>14}{'-':>8}"
        lines.append(f"{r['workload']:<12}{r['device']:<8}{r['unit']:<8}{o['median']:>12.2f}{o['min']:>9.2f}"
                     f"{o['max']:>9.2f}{torch_cols}")
    return "\n".join(lines)


def environment():
    import numpy

    env = {"date": datetime.date.today().isoformat(), "python": platform.python_version(),
           "numpy": numpy.__version__, "machine": platform.machine(), "processor": platform.processor(),
           "cpu_count": os.cpu_count()}
    if _torch_available():
        import torch

        env["torch"] = torch.__version__
        env["torch_threads"] = torch.get_num_threads()
    return env


def main(argv=None):
    import backends

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", action="append", help="cpu, cuda, cuda:N (repeatable; default: all available)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help=f"comma-separated: {', '.join(WORKLOADS)}")
    parser.add_argument("--steps", type=int, default=None, help="timed repeats per measurement")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--out", default="benchmarks/out", help="folder for results.json")
    args = parser.parse_args(argv)

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    devices = args.device or backends.available_devices()
    for d in devices:
        backends.get_backend(d)  # fails early, with the reason, for an unavailable device
    with_torch = _torch_available() and not args.no_torch
    if not with_torch and not args.no_torch:
        print("PyTorch is not installed: timing our engine only (pip install torch for the comparison)")

    rows = run(workloads, devices, repeats=args.steps, with_torch=with_torch)
    print(format_table(rows))
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    with open(path, "w") as f:
        json.dump({"environment": environment(), "results": rows}, f, indent=2)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
