package io.labelcurve.activities.dicom;

import io.labelcurve.activities.BadInputException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Which fragments of encapsulated pixel data make up which frame (PS3.5 A.4). */
final class FrameFragments {
  private FrameFragments() {}

  /**
   * One encoded byte stream per frame: one fragment per frame when the counts match (always so for
   * RLE, PS3.5 A.4.2), else by the Basic Offset Table, else (JPEG only) a new frame at each
   * fragment that starts with a Start Of Image marker (FFD8).
   */
  static List<byte[]> split(
      String file,
      List<byte[]> fragments,
      DicomParser.FragmentIndex index,
      int frames,
      boolean jpeg) {
    if (frames == 1) {
      return List.of(DicomImage.concat(fragments));
    }
    if (fragments.size() == frames) {
      return fragments;
    }
    List<byte[]> out = new ArrayList<>();
    long[] table = index.offsetTable();
    if (table != null && table.length == frames) {
      for (int f = 0; f < frames; f++) {
        long from = table[f];
        long to = f + 1 < frames ? table[f + 1] : Long.MAX_VALUE;
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        for (int i = 0; i < fragments.size(); i++) {
          int at = index.fragmentOffsets().get(i);
          if (at >= from && at < to) {
            frame.writeBytes(fragments.get(i));
          }
        }
        out.add(frame.toByteArray());
      }
    } else if (jpeg) {
      ByteArrayOutputStream frame = null;
      for (byte[] fragment : fragments) {
        boolean soi =
            fragment.length >= 2 && (fragment[0] & 0xFF) == 0xFF && (fragment[1] & 0xFF) == 0xD8;
        if (soi || frame == null) {
          if (frame != null) {
            out.add(frame.toByteArray());
          }
          frame = new ByteArrayOutputStream();
        }
        frame.writeBytes(fragment);
      }
      out.add(frame.toByteArray());
    }
    if (out.size() != frames) {
      throw new BadInputException(
          file
              + ": Number of Frames is "
              + frames
              + " but the encapsulated pixel data's "
              + fragments.size()
              + " fragments make "
              + out.size()
              + " frames (PS3.5 A.4)");
    }
    return out;
  }
}
