package io.labelcurve.activities.dicom;

import java.util.Locale;

/** The attribute tags this reader looks at (PS3.6), as group &lt;&lt; 16 | element. */
final class Tag {
  static final int TRANSFER_SYNTAX_UID = 0x0002_0010;
  static final int SOP_INSTANCE_UID = 0x0008_0018;
  static final int MANUFACTURER = 0x0008_0070;
  static final int INSTITUTION_NAME = 0x0008_0080;
  static final int MANUFACTURER_MODEL_NAME = 0x0008_1090;
  static final int RECOMMENDED_DISPLAY_FRAME_RATE = 0x0008_2144;
  static final int PATIENT_ID = 0x0010_0020;
  static final int CINE_RATE = 0x0018_0040;
  static final int FRAME_TIME = 0x0018_1063;
  static final int SERIES_INSTANCE_UID = 0x0020_000E;
  static final int INSTANCE_NUMBER = 0x0020_0013;
  static final int SAMPLES_PER_PIXEL = 0x0028_0002;
  static final int PHOTOMETRIC_INTERPRETATION = 0x0028_0004;
  static final int PLANAR_CONFIGURATION = 0x0028_0006;
  static final int NUMBER_OF_FRAMES = 0x0028_0008;
  static final int ROWS = 0x0028_0010;
  static final int COLUMNS = 0x0028_0011;
  static final int BITS_ALLOCATED = 0x0028_0100;
  static final int BITS_STORED = 0x0028_0101;
  static final int PIXEL_REPRESENTATION = 0x0028_0103;
  static final int WINDOW_CENTER = 0x0028_1050;
  static final int WINDOW_WIDTH = 0x0028_1051;
  static final int RESCALE_INTERCEPT = 0x0028_1052;
  static final int RESCALE_SLOPE = 0x0028_1053;
  static final int PIXEL_DATA = 0x7FE0_0010;
  static final int ITEM = 0xFFFE_E000;
  static final int ITEM_DELIMITATION = 0xFFFE_E00D;
  static final int SEQUENCE_DELIMITATION = 0xFFFE_E0DD;

  private Tag() {}

  static String format(int tag) {
    return String.format(Locale.ROOT, "(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
  }
}
