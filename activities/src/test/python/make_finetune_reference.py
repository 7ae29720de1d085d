#!/usr/bin/env python3
"""A few finetuning steps in PyTorch, as labelcurve's FinetuneTrainer takes them and as the HF
Trainer does by default: the TorchScript encoder in training mode plus a linear head, mean
softmax cross-entropy, torch.optim.AdamW (betas 0.9/0.999, eps 1e-8, no weight decay) under a
linear decay from lr to 0 over the steps, no warm-up. FinetuneReferenceTest takes the same steps
in DJL's libtorch on the same batch and compares (issue 12: forward, backward and update, at the
batch size the worker uses; the models here have no batch norm in training mode, so the batch
gives the same numbers in both).

With --max-grad-norm X the gradients are clipped before each update by
torch.nn.utils.clip_grad_norm_(params, X), as the HF Trainer does (max_grad_norm, 1.0 by
default), and the total norms before clipping are written (grad-norms). A model whose model.json
has finetune_head.file is trained through that module (the head's input, e.g. DINOv2's
concat(CLS, mean patch token)) with a head of finetune_head.dim inputs drawn from
normal(0, finetune_head.init_std), bias 0, as HF's classifiers start; check-input.npy then comes
from --input DIR.

Writes, into OUT/NAME-*.npy: head-init (one row per class: its weights, then its bias,
made here from a seeded generator and set by the test), labels, losses (one per step),
head-after, embeddings-after (the encoder's outputs for the batch in eval mode after the steps)
and, with --all-params, params-after (every encoder parameter, flattened, in parameters() order,
one per row, zero-padded). Inputs are the model's check-input.npy, not copied. Made with Debian's
python3-torch:

    /usr/bin/python3 activities/src/test/python/make_finetune_reference.py \
        activities/src/test/resources/models/tiny-cnn tiny-cnn 4 3 1e-3 --all-params \
        activities/src/test/resources/finetune-reference
    /usr/bin/python3 activities/src/test/python/make_finetune_reference.py \
        ../shared/models/mobilenetv2-imagenet mobilenetv2-imagenet 4 2 1e-4 \
        activities/src/test/resources/finetune-reference
    /usr/bin/python3 activities/src/test/python/make_finetune_reference.py \
        activities/src/test/resources/finetune-reference/tiny-cnn-hfhead tiny-cnn-hfhead 3 3 1e-2 \
        --all-params --max-grad-norm=0.25 --input=activities/src/test/resources/models/tiny-cnn \
        activities/src/test/resources/finetune-reference
"""
import json
import sys

import numpy as np
import torch

args = [a for a in sys.argv[1:] if not a.startswith("--")]
options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
all_params = "--all-params" in sys.argv
max_grad_norm = float(options.get("max-grad-norm", "0"))
model_dir, name, classes, steps, lr, out = args[0], args[1], int(args[2]), int(args[3]), float(args[4]), args[5]
input_dir = options.get("input", model_dir)
spec = json.load(open(f"{model_dir}/model.json"))
head_spec = spec.get("finetune_head")
size = spec["input"]["size"]
dim = head_spec["dim"] if head_spec else spec["embedding_dim"]
module = head_spec["file"] if head_spec and head_spec.get("file") else spec["file"]
torch.set_num_threads(1)
encoder = torch.jit.load(f"{model_dir}/{module}")
encoder.train()
x = torch.from_numpy(np.load(f"{input_dir}/check-input.npy")).reshape(-1, 3, size, size)
n = len(x)
y = torch.arange(n) % classes

g = torch.Generator().manual_seed(20261202)
head = torch.nn.Linear(dim, classes)
with torch.no_grad():
    if head_spec:  # HF's classifier init: normal(0, std), bias 0
        head.weight.copy_(torch.randn(classes, dim, generator=g) * head_spec["init_std"])
        head.bias.zero_()
    else:
        head.weight.copy_((torch.rand(classes, dim, generator=g) * 2 - 1) / dim ** 0.5)
        head.bias.copy_((torch.rand(classes, generator=g) * 2 - 1) / dim ** 0.5)
head_init = torch.cat([head.weight, head.bias[:, None]], dim=1).detach().clone()

params = [p for p in encoder.parameters()] + list(head.parameters())
opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: (steps - k) / steps)
losses = []
grad_norms = []
for _ in range(steps):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(head(encoder(x)), y)
    loss.backward()
    if max_grad_norm > 0:
        grad_norms.append(torch.nn.utils.clip_grad_norm_(params, max_grad_norm).item())
    opt.step()
    sched.step()
    losses.append(loss.item())

encoder.eval()
with torch.no_grad():
    emb = encoder(x)


def save(what, a):
    np.save(f"{out}/{name}-{what}.npy", np.asarray(a, dtype="<f4"))


save("head-init", head_init.numpy())
save("labels", y.numpy()[None, :].astype("f4"))
save("losses", np.array(losses)[None, :])
save("head-after", torch.cat([head.weight, head.bias[:, None]], dim=1).detach().numpy())
save("embeddings-after", emb.numpy())
if max_grad_norm > 0:
    save("grad-norms", np.array([grad_norms + [max_grad_norm]]))
if all_params:
    flat = [p.detach().reshape(-1).numpy() for p in encoder.parameters()]
    width = max(len(f) for f in flat)
    save("params-after", np.stack([np.pad(f, (0, width - len(f))) for f in flat]))
print(f"{name}: {n} images of {size} px, {steps} steps, losses {losses}, "
      f"grad norms before clipping {grad_norms}, torch {torch.__version__}")
