#!/usr/bin/env python3
"""The PyTorch baseline of `labelcurve bench embed`: the same TorchScript encoder on the same PNG
files, as a plain PyTorch loop in Python, with the same intra-op threads.

    labelcurve bench embed --model ID --images N --threads T --data DIR   # writes DIR/images.txt
    python3 deploy/models/bench_torch.py --model-dir MODELS/ID --data DIR --threads T [--batch 32]

Per batch: read and decode each PNG (Pillow) to grey, resize to 256x256 (the protocol's image),
resize to the model's `input.resize`, centre-crop `input.size`, repeat grey to the model's
channels, normalise with its mean/std (NumPy), then `model(x)` under `torch.inference_mode()`;
every 1024 rows (labelcurve's shard size) `np.save` to a temporary folder. One warm-up batch is
run first and not timed. Prints images per second end to end and the time in decode,
preprocess, inference and storage.

Needs: python3, torch (Debian's python3-torch 1.13 works), numpy, Pillow.
"""
import argparse
import json
import os
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
    from PIL import Image
except ImportError as e:  # pragma: no cover
    sys.exit(f"bench_torch.py needs torch, numpy and Pillow: {e} "
             "(Debian: apt-get install python3-torch python3-numpy python3-pil)")

SHARD = 1024


def load_spec(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        spec = json.load(f)
    file = spec["file"]
    path = file if os.path.isabs(file) else os.path.join(model_dir, file)
    c = spec["input"]["channels"]
    mean = spec["normalization"]["mean"]
    std = spec["normalization"]["std"]
    mean = mean if isinstance(mean, list) else [mean] * c
    std = std if isinstance(std, list) else [std] * c
    if len(mean) == 1:
        mean, std = mean * c, std * c
    return spec, path, c, spec["input"]["size"], spec["input"].get("resize", 256), mean, std


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-dir", help="catalog folder of the model (model.json)")
    ap.add_argument("--null", action="store_true",
                    help="no encoder (per-channel mean, as labelcurve's --model null): the"
                         " Pillow + NumPy pipeline alone; prints images/s per core")
    ap.add_argument("--data", required=True, help="folder with images.txt (bench embed --data)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--images", type=int, default=0, help="first N of images.txt (0: all)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    if a.null:
        spec, path, c, size, resize, mean, std = (
            {"id": "null"}, None, 3, 224, 256, [0.5] * 3, [0.25] * 3)
    elif a.model_dir:
        spec, path, c, size, resize, mean, std = load_spec(a.model_dir)
    else:
        ap.error("--model-dir or --null")
    mean = np.asarray(mean, dtype=np.float32).reshape(1, c, 1, 1)
    std = np.asarray(std, dtype=np.float32).reshape(1, c, 1, 1)
    with open(os.path.join(a.data, "images.txt")) as f:
        ids = [line.strip() for line in f if line.strip()]
    if a.images:
        ids = ids[:a.images]
    if a.null:
        def model(x):
            return x.mean(dim=(2, 3))
    else:
        model = torch.jit.load(path, map_location="cpu").eval()
    off = (resize - size) // 2

    def decode(rel):
        im = Image.open(os.path.join(a.data, rel))
        im.load()
        return im.convert("L").resize((256, 256), Image.BILINEAR)

    def preprocess(grey_images):
        x = np.stack([np.asarray(g.resize((resize, resize), Image.BILINEAR), dtype=np.float32)
                      for g in grey_images])[:, None, off:off + size, off:off + size] / 255.0
        x = np.repeat(x, c, axis=1)
        return torch.from_numpy(np.ascontiguousarray((x - mean) / std))

    with torch.inference_mode():
        model(preprocess([decode(i) for i in ids[:a.batch]]))  # warm-up
    t = {"decode": 0.0, "preprocess": 0.0, "inference": 0.0, "storage": 0.0}
    out = tempfile.mkdtemp(prefix="bench-torch-")
    rows, shard = [], 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    with torch.inference_mode():
        for b in range(0, len(ids), a.batch):
            t0 = time.perf_counter()
            imgs = [decode(i) for i in ids[b:b + a.batch]]
            t1 = time.perf_counter()
            x = preprocess(imgs)
            t2 = time.perf_counter()
            y = model(x)
            if isinstance(y, (tuple, list)):
                y = y[0]
            rows.append(y.reshape(y.shape[0], -1).numpy())
            t3 = time.perf_counter()
            t["decode"] += t1 - t0
            t["preprocess"] += t2 - t1
            t["inference"] += t3 - t2
            if sum(len(r) for r in rows) >= SHARD or b + a.batch >= len(ids):
                np.save(os.path.join(out, f"part-{shard:05d}.npy"), np.concatenate(rows))
                rows, shard = [], shard + 1
                t["storage"] += time.perf_counter() - t3
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    total = sum(t.values())
    n = len(ids)
    print(f"torch {spec['id']} (torch {torch.__version__}, {torch.get_num_threads()} threads): "
          f"{n} images ({size} px) in {wall:.2f} s = {n / wall:.1f} images/s end to end "
          f"(batch {a.batch})")
    print(f"  CPU {cpu:.2f} s (all threads): {n / cpu:.1f} images/s/core")
    print("  " + "  ".join(f"{k} {v:.2f} ({100 * v / total:.0f} %)" for k, v in t.items()))
    print(f"  inference alone: {n / t['inference']:.1f} images/s, "
          f"{1000 * t['inference'] / n:.1f} ms per image")
    for name in os.listdir(out):
        os.remove(os.path.join(out, name))
    os.rmdir(out)


if __name__ == "__main__":
    main()
