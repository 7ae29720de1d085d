#!/usr/bin/python3
"""Reads a labelcurve frame store with NumPy alone, as docs/FRAMESTORE.md describes it, and
compares every frame with Pillow's decoding of the image file (grey, 256x256 files only: the
store's frames of those are the files' own samples).

  check_frame_store.py STORE_DIR IMAGES_DIR

STORE_DIR is the folder of frames/{digest}/ (index.json, shard-NNNNN.npy, .sha256); IMAGES_DIR is
the dataset's folder. Prints 'checked N frames' and exits 0 when all agree; exits 1 naming the
first frame that differs. FrameStoreTest runs it.
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image


def main(store_dir, images_dir):
    with open(os.path.join(store_dir, "index.json")) as f:
        index = json.load(f)
    assert index["format"] == "labelcurve-frames/1", index["format"]
    size = index["frameSize"]
    shards = {}
    checked = 0
    for image, shard, offset in index["frames"]:
        if shard not in shards:
            path = os.path.join(store_dir, "shard-%05d.npy" % shard)
            with open(path + ".sha256") as f:
                want = f.read().strip()
            with open(path, "rb") as f:
                got = hashlib.sha256(f.read()).hexdigest()
            if got != want:
                print("%s: SHA-256 %s, .sha256 says %s" % (path, got, want))
                return 1
            shards[shard] = np.load(path)
            assert shards[shard].dtype == np.uint8 and shards[shard].shape[1:] == (size, size)
        frame = shards[shard][offset]
        with Image.open(os.path.join(images_dir, image)) as im:
            if im.mode != "L" or im.size != (size, size):
                continue
            pillow = np.asarray(im)
        if not np.array_equal(frame, pillow):
            diff = int(np.abs(frame.astype(int) - pillow.astype(int)).max())
            print("%s (shard %d, offset %d): differs from Pillow by up to %d" % (image, shard, offset, diff))
            return 1
        checked += 1
    print("checked %d frames" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
