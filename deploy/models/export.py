#!/usr/bin/env python3
"""Export the paper's five foundation-model encoders as TorchScript, each with its model.json.

    python3 deploy/models/export.py OUT_DIR [--models dinov2,vitmae,clip,echoclip,medimageinsight]
                                            [--random-weights] [--check]

Writes OUT_DIR/{id}/encoder.pt and OUT_DIR/{id}/model.json (the format of
models/mobilenetv2-imagenet/model.json), ready for `labelcurve --models OUT_DIR`. Each encoder
takes a float32 batch (N, 3, 224, 224), normalised with the model's own mean/std (model.json
says which), and returns (N, D), the embedding the paper uses:

| id              | source (Table 4)                          | embedding                        | D   |
|-----------------|-------------------------------------------|----------------------------------|-----|
| dinov2          | facebook/dinov2-base-imagenet1k-1-layer   | pooler_output (final-norm CLS)   | 768 |
| vitmae          | facebook/vit-mae-base, mask_ratio 0       | last_hidden_state[:, 0] (CLS)    | 768 |
| clip            | openai/clip-vit-base-patch16              | image_embeds (projected)         | 512 |
| echoclip        | mkaichristensen/echo-clip (open_clip)     | encode_image (projected)         | 512 |
| medimageinsight | lion-ai/MedImageInsights (UniCL, DaViT)   | encode_image (projected)         | 768 |

The finetune head (model.json's finetune_head; the paper finetuned with the HF Trainer) is the
head of the model's transformers image-classification class where there is one, else a linear
layer on the embedding; HF's classifiers start at normal(0, std) with a zero bias:

| id              | the head reads                                            | class                          | init std |
|-----------------|-----------------------------------------------------------|--------------------------------|----------|
| dinov2          | concat(CLS, mean patch token), final norm (finetune-input.pt, 1536) | Dinov2ForImageClassification | 0.02 |
| clip            | mean patch token of the last layer (finetune-input.pt, 768) | CLIPForImageClassification   | 768^-0.5 |
| vitmae          | the CLS embedding (768)                                   | none in transformers           | 0.02     |
| echoclip        | the projected image embedding (512)                       | none (an open_clip model)      | 0.02     |
| medimageinsight | the projected image embedding (768)                       | none (UniCL code of the hub)   | 0.02     |

Table 4's DINOv2 checkpoint is Dinov2ForImageClassification with a 1-layer ImageNet head; its
backbone is exported and the head starts anew for the task's classes (as from_pretrained with
another num_labels does).

Values of model.json (embedding_dim, params_m, finetune_lr, normalisation) are Table 1 and
Table 4 of the paper (reference/paper-protocol.json); params_m is also checked against the
exported module (a difference over 5 % is reported: the paper counts whole models for the CLIPs).

Run it where the Hugging Face hub is reachable (the weights are downloaded into the usual
HF cache). `--random-weights` builds each architecture with random weights instead (no hub, no
download; for checking the export path and the Java side; the vectors mean nothing): DINOv2,
ViT-MAE and CLIP from transformers' configs, EchoCLIP from open_clip's `convnext_base` config
(EchoCLIP's image tower, ConvNeXt-Base with a 512-d projection). MedImageInsight's architecture
and configuration exist only in its hub repository's code, so it has no random-weights build
(it is reported as not exported in that mode); `--medimageinsight-code DIR` points the normal
mode at a local copy of that repository instead of downloading it. `--check` runs each traced
module against the eager one on a seeded random batch, reports the largest difference, and leaves
a seeded batch of 8 and the eager embedding of each image computed alone beside the model
(check-input.npy, check-output.npy), after checking that batches of 2 and 8 give the same here:
every labelcurve worker compares DJL's libtorch with them at batch 1 and at its own batch size
before it uses the model (its numerics canary), and `labelcurve models check ID` shows the same.

Needs: torch, transformers (dinov2, vitmae, clip), open_clip_torch + timm (echoclip), and for
medimageinsight the repository's requirements (timm, einops, fvcore...). A missing library
stops the export of that model with a message saying which one to install.
"""
import argparse
import hashlib
import importlib
import json
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    sys.exit(f"export.py needs PyTorch: {e}. Install torch (pip install torch, or Debian's "
             "python3-torch), then run it again.")

IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
CLIP_NORM = {"mean": [0.48145466, 0.4578275, 0.40821073],
             "std": [0.26862954, 0.26130258, 0.27577711]}

# Table 1 (embedding_dim, params_m) and Table 4 (source, finetune lr, normalisation).
MODELS = {
    "dinov2": dict(source="facebook/dinov2-base-imagenet1k-1-layer", dim=768, params_m=86.6,
                   lr=5e-6, norm=IMAGENET, licence="Apache-2.0",
                   desc="DINOv2 ViT-B/14 (self-supervised, LVD-142M; the backbone of Table 4's "
                        "checkpoint with a 1-layer ImageNet head); pooled CLS embedding",
                   head=dict(dim=1536, init_std=0.02, hf_class="Dinov2ForImageClassification",
                             description="concat(CLS token, mean of the patch tokens) after the "
                                         "final layer norm")),
    "vitmae": dict(source="facebook/vit-mae-base", dim=768, params_m=85.8, lr=2e-4,
                   norm=IMAGENET, licence="Apache-2.0 (CC-BY-NC-4.0 weights per the hub card)",
                   desc="ViT-MAE base (masked autoencoder, ImageNet-1k), no masking; CLS embedding",
                   head=dict(dim=None, init_std=0.02, hf_class=None,
                             description="the CLS embedding (transformers has no ViT-MAE "
                                         "image-classification class)")),
    "clip": dict(source="openai/clip-vit-base-patch16", dim=512, params_m=87.5, lr=1e-5,
                 norm=CLIP_NORM, licence="MIT",
                 desc="CLIP ViT-B/16 image tower with its projection; image embedding",
                 head=dict(dim=768, init_std=768 ** -0.5, hf_class="CLIPForImageClassification",
                           description="the mean of the patch tokens of the last layer (before "
                                       "post_layernorm)")),
    "echoclip": dict(source="mkaichristensen/echo-clip", dim=512, params_m=88.1, lr=5e-5,
                     norm=CLIP_NORM, licence="see the hub card of mkaichristensen/echo-clip",
                     desc="EchoCLIP (CLIP on echocardiograms), ConvNeXt image tower with its "
                          "projection; image embedding",
                     head=dict(dim=None, init_std=0.02, hf_class=None,
                               description="the projected image embedding (an open_clip model: "
                                           "no transformers class)")),
    "medimageinsight": dict(source="lion-ai/MedImageInsights", dim=768, params_m=360, lr=5e-6,
                            norm=IMAGENET, licence="MIT (Microsoft MedImageInsight) per the hub card",
                            desc="MedImageInsight (UniCL, DaViT image encoder, medical images); "
                                 "projected image embedding",
                            head=dict(dim=None, init_std=0.02, hf_class=None,
                                      description="the projected image embedding (UniCL code of "
                                                  "the hub: no transformers class)")),
}
FINETUNE_INPUT = "finetune-input.pt"


OTHER_SIZES = (160, 96)
CHECK_INPUT = "check-input.npy"
CHECK_OUTPUT = "check-output.npy"


def save_rows(path, t):
    """A 2-D tensor as a float32 .npy file."""
    import numpy as np  # transformers, timm and open_clip need it too
    np.save(path, t.detach().to(torch.float32).contiguous().numpy().astype("<f4"))


class MissingLibrary(Exception):
    pass


def need(module, pip_name, model_id):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingLibrary(f"{model_id}: needs the Python package '{pip_name}' (import "
                             f"{module} failed: {e}); install it (pip install {pip_name}) and "
                             f"run again") from e


# ---- the encoders: each returns (N, D) ---------------------------------------------------------

class Dinov2Encoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(pixel_values=x).pooler_output


class Dinov2HeadInput(nn.Module):
    """What Dinov2ForImageClassification's classifier reads: the CLS token and the mean of the
    patch tokens of the final-norm sequence output, concatenated (2 x 768)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        seq = self.m(pixel_values=x).last_hidden_state
        return torch.cat([seq[:, 0], seq[:, 1:].mean(dim=1)], dim=1)


class ClipHeadInput(nn.Module):
    """What CLIPForImageClassification's classifier reads: the mean of the patch tokens of the
    vision transformer's last hidden state (no post_layernorm, no projection), 768."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        seq = self.m.vision_model(pixel_values=x, interpolate_pos_encoding=True).last_hidden_state
        return seq[:, 1:].mean(dim=1)


class VitMaeEncoder(nn.Module):
    """ViT-MAE without masking: mask_ratio 0 and a fixed noise, so the patch order is the
    identity and nothing random is traced. The noise and the position embeddings follow the
    input's size, so the traced module also takes the CPU presets' smaller inputs."""

    def __init__(self, m):
        super().__init__()
        self.m = m
        self.patch = m.config.patch_size

    def forward(self, x):
        patches = (x.shape[2] // self.patch) * (x.shape[3] // self.patch)
        noise = torch.arange(patches, dtype=x.dtype, device=x.device)
        noise = noise.unsqueeze(0).expand(x.shape[0], patches)
        return self.m(pixel_values=x, noise=noise,
                      interpolate_pos_encoding=True).last_hidden_state[:, 0]


class ClipEncoder(nn.Module):
    """Position embeddings interpolated to the input's size (a no-op at 224), so that the traced
    module also takes the CPU presets' smaller inputs."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(pixel_values=x, interpolate_pos_encoding=True).image_embeds


class OpenClipImageEncoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.visual = m.visual

    def forward(self, x):
        return self.visual(x)


class MedImageInsightEncoder(nn.Module):
    def __init__(self, unicl):
        super().__init__()
        self.unicl = unicl

    def forward(self, x):
        return self.unicl.encode_image(x, norm=False)


def build(model_id, random_weights, mii_code):
    """The encoder and, where the finetune head reads something else, the module that gives it."""
    if model_id == "dinov2":
        tf = need("transformers", "transformers", model_id)
        if random_weights:
            m = tf.Dinov2Model(tf.Dinov2Config())  # base: 768 wide, 12 layers, patch 14
        else:
            # Table 4's checkpoint; its backbone (the ImageNet classifier is not the task's).
            m = tf.Dinov2ForImageClassification.from_pretrained(MODELS[model_id]["source"]).dinov2
        return Dinov2Encoder(m), Dinov2HeadInput(m)
    if model_id == "vitmae":
        tf = need("transformers", "transformers", model_id)
        if random_weights:
            m = tf.ViTMAEModel(tf.ViTMAEConfig(mask_ratio=0.0))
        else:
            m = tf.ViTMAEModel.from_pretrained(MODELS[model_id]["source"], mask_ratio=0.0)
        return VitMaeEncoder(m), None
    if model_id == "clip":
        tf = need("transformers", "transformers", model_id)
        if random_weights:
            cfg = tf.CLIPVisionConfig(patch_size=16, image_size=224, projection_dim=512)
            m = tf.CLIPVisionModelWithProjection(cfg)
        else:
            m = tf.CLIPVisionModelWithProjection.from_pretrained(MODELS[model_id]["source"])
        return ClipEncoder(m), ClipHeadInput(m)
    if model_id == "echoclip":
        need("timm", "timm", model_id)
        oc = need("open_clip", "open_clip_torch", model_id)
        if random_weights:
            m = oc.create_model("convnext_base", pretrained=None)
        else:
            m = oc.create_model("hf-hub:" + MODELS[model_id]["source"])
        return OpenClipImageEncoder(m), None
    if model_id == "medimageinsight":
        if random_weights:
            raise MissingLibrary("medimageinsight: no random-weights build: its architecture "
                                 "(UniCL with a DaViT image encoder) and its configuration live "
                                 "only in the hub repository lion-ai/MedImageInsights; export it "
                                 "where the hub is reachable")
        if mii_code is None:
            hub = need("huggingface_hub", "huggingface_hub", model_id)
            mii_code = hub.snapshot_download(MODELS[model_id]["source"])
        sys.path.insert(0, mii_code)
        mod = need("medimageinsightmodel", "the repository's requirements.txt", model_id)
        # As the repository's README loads it; `.model` is the UniCL module.
        wrapper = mod.MedImageInsight(model_dir=os.path.join(mii_code, "2024.09.27"),
                                      vision_model_name="medimageinsigt-v1.0.0.pt",
                                      language_model_name="language_model.pth")
        wrapper.load_model()
        return MedImageInsightEncoder(wrapper.model), None
    raise SystemExit(f"unknown model '{model_id}'; known: {', '.join(MODELS)}")


def export_head_input(model_id, head_input, folder, check):
    """Traces the module the finetune head reads; returns its file name (None: the embedding)."""
    if head_input is None:
        return None
    head_input = head_input.eval()
    dim = MODELS[model_id]["head"]["dim"]
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        eager = head_input(x)
        if eager.shape != (2, dim):
            raise SystemExit(f"{model_id}: the finetune head's input is {tuple(eager.shape)}, "
                             f"expected (2, {dim})")
        traced = torch.jit.trace(head_input, x, check_trace=False, strict=False)
    path = os.path.join(folder, FINETUNE_INPUT)
    traced.save(path)
    if check:
        reloaded = torch.jit.load(path)
        x2 = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(11))
        with torch.no_grad():
            diff = (reloaded(x2) - head_input(x2)).abs().max().item()
        print(f"{model_id}: finetune head input, traced vs eager max |diff| = {diff:.2e}")
    return FINETUNE_INPUT


def finetune_head(info, file):
    head = info["head"]
    spec = {"init_std": head["init_std"], "description": head["description"]}
    if file is not None:
        spec = {"file": file, "dim": head["dim"], **spec}
    if head["hf_class"]:
        spec["hf_class"] = head["hf_class"]
    return spec


def export(model_id, out, random_weights, check, mii_code):
    info = MODELS[model_id]
    enc, head_input = build(model_id, random_weights, mii_code)
    enc = enc.eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        eager = enc(x)
        if eager.shape != (2, info["dim"]):
            raise SystemExit(f"{model_id}: the encoder gives {tuple(eager.shape)}, expected "
                             f"(2, {info['dim']})")
        traced = torch.jit.trace(enc, x, check_trace=False, strict=False)
    folder = os.path.join(out, model_id)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "encoder.pt")
    traced.save(path)
    head_file = export_head_input(model_id, head_input, folder, check)
    params = sum(p.numel() for p in enc.parameters()) / 1e6
    if check:
        reloaded = torch.jit.load(path)
        with torch.no_grad():
            x2 = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(7))
            want = enc(x2)
            diff = (reloaded(x2) - want).abs().max().item()
        print(f"{model_id}: traced vs eager max |diff| = {diff:.2e} on a batch of 3")
        # labelcurve's CPU presets shrink inputs (cpu-small: 160 to embed, 96 to finetune); a
        # module traced with shapes baked in fails there or, worse, computes something else.
        for size in OTHER_SIZES:
            xs = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(size))
            try:
                with torch.no_grad():
                    d = (reloaded(xs) - enc(xs)).abs().max().item()
                print(f"{model_id}: at {size}x{size} traced vs eager max |diff| = {d:.2e}")
            except Exception as e:  # noqa: BLE001 - any failure means: 224 only
                print(f"{model_id}: WARNING: the traced module fails at {size}x{size} "
                      f"({type(e).__name__}); use it with the paper preset only")
        # The reference for labelcurve's numerics canary: each image's embedding computed
        # alone (batch 1). The canary compares DJL's libtorch at batch 1 and at the workers'
        # batch sizes with it (another PyTorch version than this one; issue 12: a oneDNN kernel
        # gave other numbers in batches than alone). So it must hold at every batch size here.
        x8 = torch.randn(8, 3, 224, 224, generator=torch.Generator().manual_seed(7))
        with torch.no_grad():
            single = torch.cat([enc(x8[i:i + 1]) for i in range(len(x8))])
            for batch in (2, 8):
                together = torch.cat([enc(x8[i:i + batch]) for i in range(0, len(x8), batch)])
                d = (together - single).abs().max().item()
                print(f"{model_id}: batch {batch} vs batch 1 max |diff| = {d:.2e}")
                if not torch.allclose(together, single, rtol=1e-4, atol=1e-5):
                    raise SystemExit(f"{model_id}: this PyTorch ({torch.__version__}) gives other"
                                     f" embeddings at batch {batch} than at batch 1 (max |diff|"
                                     f" {d:.2e}); it cannot serve as the reference. Try another"
                                     f" PyTorch build, or ONEDNN_MAX_CPU_ISA=AVX2 on CPU")
        save_rows(os.path.join(folder, CHECK_INPUT), x8.reshape(8, -1))
        save_rows(os.path.join(folder, CHECK_OUTPUT), single)
    if abs(params - info["params_m"]) / info["params_m"] > 0.05:
        print(f"{model_id}: note: the exported image encoder has {params:.1f} M parameters, "
              f"Table 1 says {info['params_m']} M (the paper may count the whole model)")
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    spec = {
        "id": model_id,
        "description": info["desc"] + (" -- RANDOM WEIGHTS (export.py --random-weights)"
                                       if random_weights else ""),
        "format": "torchscript",
        "file": "encoder.pt",
        "sha256": sha,
        "input": {"channels": 3, "size": 224, "resize": 256},
        "normalization": info["norm"],
        "embedding_dim": info["dim"],
        "params_m": info["params_m"],
        "finetune_lr": info["lr"],
        "finetune_head": finetune_head(info, head_file),
        "licence": info["licence"],
        "provenance": (f"deploy/models/export.py from {info['source']}"
                       + (" architecture, random weights" if random_weights else " weights")
                       + f"; torch {torch.__version__}; torch.jit.trace at 224x224"),
    }
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print(f"{model_id}: wrote {path} ({params:.1f} M parameters, dim {info['dim']}, "
          f"sha256 {sha[:12]}...)")


def main():
    ap = argparse.ArgumentParser(description="Export the paper's encoders as TorchScript.")
    ap.add_argument("out", help="catalog folder to write (one sub-folder per model)")
    ap.add_argument("--models", default=",".join(MODELS),
                    help=f"comma-separated subset of {','.join(MODELS)}")
    ap.add_argument("--random-weights", action="store_true",
                    help="build the architectures with random weights (no model hub)")
    ap.add_argument("--check", action="store_true", help="compare traced and eager outputs")
    ap.add_argument("--medimageinsight-code", metavar="DIR",
                    help="a local copy of the hub repository lion-ai/MedImageInsights")
    a = ap.parse_args()
    ids = [m.strip() for m in a.models.split(",") if m.strip()]
    unknown = [m for m in ids if m not in MODELS]
    if unknown:
        ap.error(f"unknown model(s) {unknown}; known: {', '.join(MODELS)}")
    failed = []
    for model_id in ids:
        try:
            export(model_id, a.out, a.random_weights, a.check, a.medimageinsight_code)
        except MissingLibrary as e:
            print(f"error: {e}", file=sys.stderr)
            failed.append(model_id)
    if failed:
        print(f"not exported: {', '.join(failed)}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
