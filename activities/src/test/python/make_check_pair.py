#!/usr/bin/env python3
"""Writes check-input.npy / check-output.npy beside a TorchScript encoder, as
deploy/models/export.py --check does: a seeded batch of normalised CHW inputs, one image a row,
and the module's embeddings of it. Made the tiny-cnn fixture's pair (Debian's python3-torch):

    /usr/bin/python3 activities/src/test/python/make_check_pair.py \
        activities/src/test/resources/models/tiny-cnn 64 2
"""
import sys

import numpy as np
import torch

folder, size, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
module = torch.jit.load(f"{folder}/encoder.pt").eval()
x = torch.randn(rows, 3, size, size, generator=torch.Generator().manual_seed(7))
with torch.no_grad():
    y = module(x)
np.save(f"{folder}/check-input.npy", x.reshape(rows, -1).numpy().astype("<f4"))
np.save(f"{folder}/check-output.npy", y.numpy().astype("<f4"))
print(f"{folder}: {rows} images of {size}px -> {tuple(y.shape)}, torch {torch.__version__}")
