#!/usr/bin/python3
"""Makes the small fixtures of `labelcurve dataset import` and DCMTK's own decodings of them.

Run from the repository root with Debian's python3-pydicom, dcmtk and ffmpeg installed:

    /usr/bin/python3 activities/src/test/python/make_import_fixtures.py

It writes activities/src/test/resources/import/:

  dicom/A4C/grey-native.dcm   6 frames 32x24 MONOCHROME2 8 bit, Explicit VR Little Endian (pydicom)
  dicom/A4C/grey-implicit.dcm one frame, Implicit VR Little Endian (dcmconv +ti of a pydicom file)
  dicom/A4C/grey-jpeg-ext.dcm 4 frames MONOCHROME2, JPEG extended 8 bit (dcmcjpeg +ee)
  dicom/PLAX/ybr422-jpeg.dcm  4 frames RGB, JPEG baseline with YBR_FULL_422 4:2:2 (dcmcjpeg +eb, its default)
  dicom/PLAX/rgb-rle.dcm      4 frames RGB, RLE Lossless (dcmcrle)
  dicom/PLAX/ybr-native.dcm   3 frames YBR_FULL, native, interleaved (pydicom)
  dicom/PLAX/rgb-planar.dcm   2 frames RGB, native, colour-by-plane (Planar Configuration 1)
  dicom/A4C/grey-mono1.dcm    2 frames MONOCHROME1 (low values bright)
  dicom/A4C/grey-deflated.dcm 4 frames, Deflated Explicit VR Little Endian (dcmconv +td)
  dicom/A4C/grey12-*.dcm      12 bits in 16, with a VOI window and without
  series/A4C/{a,b,c}.dcm      one series of three single-frame files, Instance Numbers 3, 1, 2
  bad/...                     inputs that must be refused, each for its own reason
  reference/NAME.F.png        DCMTK's decoding of frame F of dicom/**/NAME.dcm (dcmj2pnm +on +Fa)
  video/A4C/clip.mp4          10 frames 48x32 at 10 fps, H.264 yuv420p (ffmpeg testsrc)
  video/PLAX/clip.avi         6 frames 48x32 at 5 fps, MJPEG (ffmpeg testsrc2)
  reference/clip.F.png        Debian ffmpeg's own decoding of clip.mp4 as rgb24
  images/A4C/*.png, images/PLAX/*.jpg  an ImageFolder tree

Every DICOM file carries PatientID PAT-SECRET-4711 and PatientName Doe^Jane, which the import must never
copy; the test looks for both strings in everything it writes.
"""
import os
import shutil
import subprocess

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROOT = os.path.join("activities", "src", "test", "resources", "import")
RNG = np.random.default_rng(16)


def run(*args):
    subprocess.run(list(args), check=True)


def base(patient="PAT-SECRET-4711", manufacturer="Acme", model="EchoPro 9", institution="St Elsewhere"):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"  # Ultrasound Multi-frame Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[patient, str(RNG.integers(1 << 30))])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[ds.SOPInstanceUID, "series"])
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[ds.SOPInstanceUID, "study"])
    ds.PatientID = patient
    ds.PatientName = "Doe^Jane"
    ds.Manufacturer = manufacturer
    ds.ManufacturerModelName = model
    ds.InstitutionName = institution
    ds.Modality = "US"
    # A sequence of undefined length in front of the pixels: the reader must skip it.
    item = Dataset()
    item.CodeValue = "123"
    item.CodingSchemeDesignator = "99TEST"
    ds.AnatomicRegionSequence = [item]
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    return ds


def frames_grey(n, h, w):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([((x * 7 + y * 3 + f * 20) % 256).astype(np.uint8) for f in range(n)])


def frames_rgb(n, h, w):
    y, x = np.mgrid[0:h, 0:w]
    out = []
    for f in range(n):
        r = (x * 8 + f * 16) % 256
        g = (y * 10 + f * 8) % 256
        b = ((x + y) * 5 + 64) % 256
        out.append(np.stack([r, g, b], axis=-1).astype(np.uint8))
    return np.stack(out)


def native(path, pixels, photometric, frame_time_ms=40.0, **kw):
    ds = base(**kw)
    n = pixels.shape[0]
    ds.NumberOfFrames = n
    ds.FrameTime = frame_time_ms
    ds.Rows, ds.Columns = pixels.shape[1], pixels.shape[2]
    ds.SamplesPerPixel = 1 if pixels.ndim == 3 else 3
    ds.PhotometricInterpretation = photometric
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()
    ds.ensure_file_meta()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, write_like_original=False)


def rgb_to_ybr_full(rgb):
    """PS3.3 C.7.6.3.1.2, the forward YBR_FULL equations."""
    r, g, b = [rgb[..., i].astype(np.float64) for i in range(3)]
    y = 0.2990 * r + 0.5870 * g + 0.1140 * b
    cb = -0.1687 * r - 0.3313 * g + 0.5000 * b + 128
    cr = 0.5000 * r - 0.4187 * g - 0.0813 * b + 128
    return np.clip(np.rint(np.stack([y, cb, cr], axis=-1)), 0, 255).astype(np.uint8)


def reference(dcm, name):
    """DCMTK's decoding, every frame, as PNG: reference/NAME.F.png."""
    ref = os.path.join(ROOT, "reference")
    os.makedirs(ref, exist_ok=True)
    run("dcmj2pnm", "+on", "+Fa", dcm, os.path.join(ref, name))
    # dcmj2pnm names frame files NAME.F.png
    return ref


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    d = os.path.join(ROOT, "dicom")
    tmp = os.path.join(ROOT, "tmp")
    os.makedirs(tmp)

    native(os.path.join(d, "A4C", "grey-native.dcm"), frames_grey(6, 24, 32), "MONOCHROME2")
    reference(os.path.join(d, "A4C", "grey-native.dcm"), "grey-native")

    native(os.path.join(tmp, "one.dcm"), frames_grey(1, 24, 32)[:, ::-1].copy(), "MONOCHROME2",
           manufacturer="Other", model="Scan 2", institution="Far Away General")
    run("dcmconv", "+ti", os.path.join(tmp, "one.dcm"), os.path.join(d, "A4C", "grey-implicit.dcm"))
    reference(os.path.join(d, "A4C", "grey-implicit.dcm"), "grey-implicit")

    native(os.path.join(tmp, "grey4.dcm"), frames_grey(4, 24, 32), "MONOCHROME2")
    run("dcmcjpeg", "+ee", os.path.join(tmp, "grey4.dcm"), os.path.join(d, "A4C", "grey-jpeg-ext.dcm"))
    reference(os.path.join(d, "A4C", "grey-jpeg-ext.dcm"), "grey-jpeg-ext")

    native(os.path.join(tmp, "rgb4.dcm"), frames_rgb(4, 24, 32), "RGB")
    os.makedirs(os.path.join(d, "PLAX"), exist_ok=True)
    run("dcmcjpeg", "+eb", os.path.join(tmp, "rgb4.dcm"), os.path.join(d, "PLAX", "ybr422-jpeg.dcm"))
    reference(os.path.join(d, "PLAX", "ybr422-jpeg.dcm"), "ybr422-jpeg")
    run("dcmcrle", os.path.join(tmp, "rgb4.dcm"), os.path.join(d, "PLAX", "rgb-rle.dcm"))
    reference(os.path.join(d, "PLAX", "rgb-rle.dcm"), "rgb-rle")

    native(os.path.join(d, "PLAX", "ybr-native.dcm"), rgb_to_ybr_full(frames_rgb(3, 24, 32)), "YBR_FULL",
           patient="PAT-SECRET-4712")
    reference(os.path.join(d, "PLAX", "ybr-native.dcm"), "ybr-native")

    # Deflated Explicit VR Little Endian (PS3.5 A.5)
    run("dcmconv", "+td", os.path.join(tmp, "grey4.dcm"), os.path.join(d, "A4C", "grey-deflated.dcm"))
    reference(os.path.join(d, "A4C", "grey-deflated.dcm"), "grey-deflated")

    # 12 bits stored in 16: with a VOI window (DCMTK told to use it: +Wi 1), and without (min-max: +Wm)
    y, x = np.mgrid[0:24, 0:32]
    grey12 = ((x * 97 + y * 131) % 4096).astype(np.uint16)[None]
    for name, window, voi in (("grey12-window", (2000.0, 1500.0), "+Wi"), ("grey12-minmax", None, "+Wm")):
        ds = base()
        ds.NumberOfFrames = 1
        ds.Rows, ds.Columns = 24, 32
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        if window:
            ds.WindowCenter, ds.WindowWidth = window
        ds.PixelData = grey12.tobytes()
        path = os.path.join(d, "A4C", name + ".dcm")
        ds.save_as(path, write_like_original=False)
        os.makedirs(os.path.join(ROOT, "reference"), exist_ok=True)
        args = ["dcmj2pnm", "+on", voi] + (["1"] if voi == "+Wi" else []) + [path,
                os.path.join(ROOT, "reference", name + ".0.png")]
        run(*args)

    bad = os.path.join(ROOT, "bad")
    os.makedirs(bad)
    with open(os.path.join(bad, "not-dicom.dcm"), "w") as f:
        f.write("this is a text file, not DICOM\n")
    with open(os.path.join(d, "A4C", "grey-native.dcm"), "rb") as f:
        whole = f.read()
    with open(os.path.join(bad, "truncated.dcm"), "wb") as f:
        f.write(whole[: len(whole) - 200])
    run("dcmcjpls", os.path.join(tmp, "grey4.dcm"), os.path.join(bad, "jpeg-ls.dcm"))
    nopix = base()
    nopix.ensure_file_meta()
    nopix.save_as(os.path.join(bad, "no-pixels.dcm"), write_like_original=False)

    v = os.path.join(ROOT, "video")
    os.makedirs(os.path.join(v, "A4C"))
    os.makedirs(os.path.join(v, "PLAX"))
    run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=48x32:rate=10", "-frames:v", "10",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "5", "-bf", "0", "-crf", "30",
        "-fflags", "+bitexact", "-map_metadata", "-1", os.path.join(v, "A4C", "clip.mp4"))
    run("ffmpeg", "-v", "error", "-i", os.path.join(v, "A4C", "clip.mp4"), "-pix_fmt", "rgb24",
        "-sws_flags", "bilinear+accurate_rnd+full_chroma_int",
        os.path.join(ROOT, "reference", "clip.%d.png"))
    run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=48x32:rate=5", "-frames:v", "6",
        "-c:v", "mjpeg", "-q:v", "8", "-fflags", "+bitexact", os.path.join(v, "PLAX", "clip.avi"))
    with open(os.path.join(bad, "broken.mp4"), "wb") as f:
        f.write(b"\x00\x00\x00\x18ftypmp42" + bytes(100))

    img = os.path.join(ROOT, "images")
    from PIL import Image
    for label, ext, fn in (("A4C", "png", frames_grey), ("PLAX", "jpg", frames_rgb)):
        os.makedirs(os.path.join(img, label))
        for i, frame in enumerate(fn(3, 24, 32)):
            Image.fromarray(frame).save(os.path.join(img, label, f"img{i}.{ext}"))

    # Last, so that the random UIDs above stay as they were: colour-by-plane RGB and MONOCHROME1.
    ds_path = os.path.join(d, "PLAX", "rgb-planar.dcm")
    native(ds_path, frames_rgb(2, 24, 32), "RGB")
    planar = pydicom.dcmread(ds_path)
    planar.PlanarConfiguration = 1
    planar.PixelData = np.ascontiguousarray(frames_rgb(2, 24, 32).transpose(0, 3, 1, 2)).tobytes()
    planar.save_as(ds_path, write_like_original=False)
    reference(ds_path, "rgb-planar")
    native(os.path.join(d, "A4C", "grey-mono1.dcm"), frames_grey(2, 24, 32), "MONOCHROME1")
    reference(os.path.join(d, "A4C", "grey-mono1.dcm"), "grey-mono1")

    # A series of three single-frame files (Instance Numbers 3, 1, 2 in name order) for --series-as-sequence
    series_uid = generate_uid(entropy_srcs=["one series"])
    os.makedirs(os.path.join(ROOT, "series", "A4C"))
    for name, instance in (("a.dcm", 3), ("b.dcm", 1), ("c.dcm", 2)):
        path = os.path.join(ROOT, "series", "A4C", name)
        native(path, frames_grey(1, 24, 32) + np.uint8(instance * 50), "MONOCHROME2")
        still = pydicom.dcmread(path)
        still.SeriesInstanceUID = series_uid
        still.InstanceNumber = instance
        still.save_as(path, write_like_original=False)

    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
