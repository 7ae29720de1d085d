#!/usr/bin/python3
"""A tiny model whose finetune head reads its own module, as DINOv2's does in labelcurve: the
encoder (tiny-cnn's, for the linear probe) gives a 16-d embedding, while the finetune head reads
concat(first token, mean of the other tokens) of the last feature map, 32-d -- the shape of HF's
Dinov2ForImageClassification input (CLS and mean patch token). The weights are tiny-cnn's.

Run with Debian's python3-torch, from the repository root:

    /usr/bin/python3 activities/src/test/python/make_tiny_hf_head.py

Writes activities/src/test/resources/finetune-reference/tiny-cnn-hfhead/{head-input.pt,
model.json}; the model's encoder is ../../models/tiny-cnn/encoder.pt (not copied).
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
TINY = os.path.join(ROOT, "models", "tiny-cnn")
OUT = os.path.join(ROOT, "finetune-reference", "tiny-cnn-hfhead")


class HeadInput(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        tokens = x.flatten(2).transpose(1, 2)  # N x T x 16, as a ViT's sequence output
        return torch.cat([tokens[:, 0], tokens[:, 1:].mean(dim=1)], dim=1)


def main():
    torch.manual_seed(0)
    encoder = torch.jit.load(os.path.join(TINY, "encoder.pt"))
    m = HeadInput()
    m.load_state_dict({k: v for k, v in encoder.state_dict().items()})
    m.eval()
    traced = torch.jit.trace(m, torch.randn(2, 3, 64, 64))
    os.makedirs(OUT, exist_ok=True)
    traced.save(os.path.join(OUT, "head-input.pt"))
    spec = json.load(open(os.path.join(TINY, "model.json")))
    spec.update({
        "id": "tiny-cnn-hfhead",
        "description": "Test fixture: tiny-cnn's encoder; its finetune head reads concat(first"
                       " token, mean of the other tokens) of the last feature map, as DINOv2's.",
        "file": "../../models/tiny-cnn/encoder.pt",
        "finetune_head": {"file": "head-input.pt", "dim": 32, "init_std": 0.02,
                          "hf_class": "none (a fixture shaped as Dinov2ForImageClassification)",
                          "description": "concat(first token, mean of the other tokens)"},
        "provenance": "activities/src/test/python/make_tiny_hf_head.py, torch " + torch.__version__,
    })
    with open(os.path.join(OUT, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
