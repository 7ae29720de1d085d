#!/usr/bin/env python3
"""A ResNet-50-sized TorchScript encoder with random weights, for `labelcurve bench embed`.

    python3 deploy/models/make_random_resnet50.py OUT_DIR [--seed 0]

Writes OUT_DIR/random-resnet50-ts/{encoder.pt,model.json}: torchvision's ResNet-50 layout
(bottleneck blocks 3-4-6-3, 25.6 M parameters with the classifier, 23.5 M without) built by
hand in plain torch (torchvision is not needed), ending in the global average pool (2048-d),
traced with torch.jit.trace at 224x224. About 95 MB: keep it out of the repository.
"""
import argparse
import hashlib
import json
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    sys.exit(f"make_random_resnet50.py needs torch: {e} (Debian: apt-get install python3-torch)")


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + idt)


class ResNet50Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], 64
        for width, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
            for i in range(blocks):
                layers.append(Bottleneck(cin, width, stride if i == 0 else 1))
                cin = width * 4
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return torch.flatten(nn.functional.adaptive_avg_pool2d(self.layers(self.stem(x)), 1), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    model = ResNet50Encoder().eval()
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    folder = os.path.join(a.out, "random-resnet50-ts")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "encoder.pt")
    with torch.no_grad():
        traced = torch.jit.trace(model, torch.zeros(1, 3, 224, 224))
    traced.save(path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    params = sum(p.numel() for p in model.parameters())
    spec = {
        "id": "random-resnet50-ts",
        "description": "ResNet-50 (torchvision layout) with random weights, traced; for benchmarks",
        "format": "torchscript", "file": "encoder.pt", "sha256": sha,
        "input": {"channels": 3, "size": 224, "resize": 256},
        "normalization": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
        "embedding_dim": 2048, "params_m": round(params / 1e6, 2),
        "licence": "Apache-2.0 (generated)",
        "provenance": f"deploy/models/make_random_resnet50.py, torch {torch.__version__}, "
                      f"seed {a.seed}, traced",
    }
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print(f"{folder}: {params / 1e6:.1f} M parameters, sha256 {sha}")


if __name__ == "__main__":
    main()
