"""``python -m benchmarks``: the main job. Trains LeNet-5 on the bundled Digits on every available device
(to >= 98% held-out accuracy), then times training steps of the MLP, LeNet-5, ResNet-18 and the per-op
overhead chain on every device, ours and PyTorch's side by side when torch is installed.

    python -m benchmarks                                  # everything, default sizes (under a minute on 2 CPU cores)
    python -m benchmarks --device cuda --workloads resnet18 --batch-size 128
    python -m benchmarks --full --out results/            # more repeats

Prints a table (median, min, max, ratio to torch), and writes results.json and benchmark.png to --out.
Timing: warm-up runs first, the device synchronised before every clock read, medians reported.
"""

import argparse
import os
import sys

from . import models, overhead, report
from .timing import measure, measure_interleaved

WORKLOADS = {w["name"]: w for w in (models.MLP, models.LENET, models.RESNET18, overhead.WORKLOAD)}


def _torch_available(device):
    try:
        import torch
    except ImportError:
        return False
    return not str(device).startswith("cuda") or torch.cuda.is_available()


def _sync(device, framework):
    if not str(device).startswith("cuda"):
        return None
    if framework == "torch":
        import torch

        return torch.cuda.synchronize
    import backends

    return backends.get_backend(device).synchronize


def time_workloads(workloads, devices, repeats=None, batch_size=None, with_torch=True, full=False):
    rows = []
    for name in workloads:
        w = WORKLOADS[name]
        for device in devices:
            kind = "cuda" if str(device).startswith("cuda") else "cpu"
            batch = w["batch_size"][kind] if batch_size is None or w["batch_size"][kind] is None else batch_size
            n = repeats or (w["repeats"] * (3 if full else 1))
            frameworks = ["ours"] + (["torch"] if with_torch and _torch_available(device) else [])
            steps = {fw: w[fw](device, batch) for fw in frameworks}
            syncs = {fw: _sync(device, fw) for fw in frameworks}
            if len(steps) == 1:
                times = {"ours": measure(steps["ours"], sync=syncs["ours"], warmup=w["warmup"], repeats=n)}
            else:  # ours and torch step for step, so both see the same machine
                times = measure_interleaved(steps, syncs, warmup=w["warmup"], repeats=n)
            results = {fw: ({k: (v * w["scale"] if k != "n" else v) for k, v in times[fw].items()}
                            if fw in times else None) for fw in ("ours", "torch")}
            row = {"workload": name, "device": str(device), "batch_size": batch, "unit": w["unit"],
                   "description": w["description"], "ours": results["ours"], "torch": results["torch"]}
            if row["torch"]:
                row["ratio"] = row["ours"]["median"] / row["torch"]["median"]
            rows.append(row)
            print(report.format_table([row]).splitlines()[-1], flush=True)
    return rows


def main(argv=None):
    import backends

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", action="append", help="cpu, cuda, cuda:N (repeatable; default: every available)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help=f"comma-separated timing workloads: {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--batch-size", type=int, help="batch size for the model workloads (default: per workload)")
    parser.add_argument("--steps", type=int, help="timed repeats per measurement (default: per workload)")
    parser.add_argument("--full", action="store_true", help="three times the repeats")
    parser.add_argument("--no-train", action="store_true", help="skip the Digits training demo")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--out", default="benchmarks/out", help="folder for results.json and benchmark.png")
    args = parser.parse_args(argv)

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    devices = args.device or backends.available_devices()
    for d in devices:
        try:
            backends.get_backend(d)
        except Exception as exc:
            parser.error(str(exc))
    if args.batch_size is not None and args.batch_size < 1:
        parser.error("--batch-size must be positive")
    with_torch = not args.no_torch
    if with_torch and not _torch_available("cpu"):
        print("PyTorch is not installed: timing our engine only (pip install torch for the comparison)")

    training = []
    if not args.no_train:
        from .train_digits import train_lenet_on_digits

        for device in devices:
            run = train_lenet_on_digits(device)
            print(f"LeNet-5 on Digits, {device}: {run['accuracy']:.2%} held-out accuracy after {run['epochs']} epochs "
                  f"({run['seconds']:.1f} s){'' if run['reached'] else ' -- below the 98% target'}", flush=True)
            training.append(run)

    print(report.format_table([]))
    rows = time_workloads(workloads, devices, args.steps, args.batch_size, with_torch, args.full)
    os.makedirs(args.out, exist_ok=True)
    env = report.environment(devices)
    report.write_json(os.path.join(args.out, "results.json"), env, training, rows)
    png = os.path.join(args.out, "benchmark.png")
    if report.write_png(png, training, rows):
        print(f"wrote {os.path.join(args.out, 'results.json')} and {png}")
    else:
        print(f"wrote {os.path.join(args.out, 'results.json')} (install matplotlib for the plot)")
    return 0 if all(run["reached"] for run in training) else 1


if __name__ == "__main__":
    sys.exit(main())
