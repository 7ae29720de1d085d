#!/usr/bin/python3
"""Packs a phantom dataset (`labelcurve dataset generate phantom`) into DICOM files as a PACS would
export them, to try `labelcurve dataset import` end to end on a realistic folder:

    /usr/bin/python3 activities/src/test/python/phantom_to_dicom.py PHANTOM_DIR DICOM_DIR

Every sequence becomes one multi-frame Ultrasound file named by its SOP Instance UID (no label in the
name or folder), with the phantom's patient as PatientID (and a made-up PatientName), its site as
Manufacturer / InstitutionName, 30 frames per second; one in three files is JPEG Baseline (DCMTK's
dcmcjpeg +un, which keeps the SOP Instance UID the labels refer to), one in three RLE (dcmcrle), the rest native. The view labels go to DICOM_DIR/../labels.csv,
keyed by SOP Instance UID, as a labelling team would keep them. Needs python3-pydicom and dcmtk.
"""
import csv
import os
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid


def main(phantom, out):
    os.makedirs(out, exist_ok=True)
    sequences = defaultdict(list)
    with open(os.path.join(phantom, "manifest.csv")) as f:
        for row in csv.DictReader(f):
            sequences[row["sequence"]].append(row)
    labels = []
    for n, (seq, rows) in enumerate(sorted(sequences.items())):
        rows.sort(key=lambda r: int(r["frame"]))
        frames = np.stack([np.array(Image.open(os.path.join(phantom, r["image"])).convert("L")) for r in rows])
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.3.1"
        meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["phantom", seq])
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID = generate_uid(entropy_srcs=["phantom", seq, "series"])
        ds.PatientID = rows[0]["patient"]
        ds.PatientName = "Phantom^" + rows[0]["patient"].replace("-", "")
        ds.Manufacturer = "Vendor " + rows[0]["site"]
        ds.ManufacturerModelName = "Model 1"
        ds.InstitutionName = "Hospital " + rows[0]["site"]
        ds.Modality = "US"
        ds.NumberOfFrames = len(rows)
        ds.FrameTime = 1000.0 / 30
        ds.Rows, ds.Columns = frames.shape[1], frames.shape[2]
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
        ds.PixelData = frames.tobytes()
        ds.is_little_endian = True
        ds.is_implicit_VR = False
        name = os.path.join(out, ds.SOPInstanceUID + ".dcm")
        ds.save_as(name, write_like_original=False)
        if n % 3 == 1:
            subprocess.run(["dcmcjpeg", "+eb", "+un", name, name + ".tmp"], check=True)
            os.replace(name + ".tmp", name)
        elif n % 3 == 2:
            subprocess.run(["dcmcrle", name, name + ".tmp"], check=True)
            os.replace(name + ".tmp", name)
        labels.append((ds.SOPInstanceUID, rows[0]["label"]))
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "labels.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sop_instance_uid", "label"])
        w.writerows(labels)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
