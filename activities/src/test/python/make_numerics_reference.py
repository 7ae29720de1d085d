#!/usr/bin/env python3
"""PyTorch's embeddings of the shared MobileNetV2's check inputs, one image at a time and as one
batch of 8, for NumericsReferenceTest (issue 12: DJL's libtorch 2.7.1 gave other numbers at
batch 8 than at batch 1 on AVX-512 CPUs). The inputs are not copied: the test reads them from
../shared/models/mobilenetv2-imagenet/check-input.npy, as this script does. Made with Debian's
python3-torch:

    /usr/bin/python3 activities/src/test/python/make_numerics_reference.py \
        ../shared/models/mobilenetv2-imagenet activities/src/test/resources/numerics
"""
import sys

import numpy as np
import torch

model_dir, out_dir = sys.argv[1], sys.argv[2]
module = torch.jit.load(f"{model_dir}/encoder.pt").eval()
x = torch.from_numpy(np.load(f"{model_dir}/check-input.npy")).reshape(-1, 3, 224, 224)
torch.set_num_threads(1)
with torch.no_grad():
    single = torch.cat([module(x[i:i + 1]) for i in range(len(x))])
    batch = module(x)
# PyTorch itself must be batch-invariant here, or it is no reference.
assert torch.allclose(single, batch, rtol=1e-4, atol=1e-5), (single - batch).abs().max()
np.save(f"{out_dir}/mobilenetv2-imagenet-batch1.npy", single.numpy().astype("<f4"))
np.save(f"{out_dir}/mobilenetv2-imagenet-batch8.npy", batch.numpy().astype("<f4"))
print(f"{len(x)} images -> {tuple(batch.shape)}, max |batch1 - batch8| "
      f"{(single - batch).abs().max().item():.2e}, torch {torch.__version__}")
