package io.labelcurve.activities.dicom;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.InputFiles;
import io.labelcurve.activities.frames.Frame;
import io.labelcurve.activities.image.ImageDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * An image DICOM file (single- or multi-frame) whose frames can be decoded to 8-bit grey or RGB.
 *
 * <p>Scope: Implicit and Explicit VR Little Endian (plain or deflated), RLE Lossless (PS3.5 Annex
 * G) and 8-bit JPEG Baseline / Extended (decoded by the JDK's JPEG reader, colour converted here);
 * photometric interpretations MONOCHROME1/2, RGB, YBR_FULL and YBR_FULL_422 (PS3.3 C.7.6.3.1.2); 8
 * bits per sample, or 9-16 bit grey, mapped to 8 bits through the file's VOI window when it has
 * one, else through the range of its stored values. Everything else is refused with a {@link
 * BadInputException} naming the file, what it is and how to convert it.
 */
public final class DicomImage {
  private final String file;
  private final TransferSyntax transferSyntax;
  private final Map<Integer, byte[]> attributes;
  private final DicomParser.PixelData pixelData;
  private final int rows;
  private final int columns;
  private final int samplesPerPixel;
  private final int bitsAllocated;
  private final int bitsStored;
  private final boolean signed;
  private final int planarConfiguration;
  private final Photometric photometric;
  private final int frames;
  private List<byte[]> encapsulatedFrames;
  private GreyMapping greyMapping;

  DicomImage(
      String file,
      TransferSyntax transferSyntax,
      Map<Integer, byte[]> attributes,
      DicomParser.PixelData pixelData) {
    this.file = file;
    this.transferSyntax = transferSyntax;
    this.attributes = attributes;
    this.pixelData = pixelData;
    this.rows = required(Tag.ROWS, "Rows");
    this.columns = required(Tag.COLUMNS, "Columns");
    this.samplesPerPixel = required(Tag.SAMPLES_PER_PIXEL, "Samples per Pixel");
    this.bitsAllocated = required(Tag.BITS_ALLOCATED, "Bits Allocated");
    this.bitsStored = us(Tag.BITS_STORED).orElse(bitsAllocated);
    this.signed = us(Tag.PIXEL_REPRESENTATION).orElse(0) == 1;
    this.planarConfiguration = us(Tag.PLANAR_CONFIGURATION).orElse(0);
    this.photometric =
        Photometric.of(file, string(Tag.PHOTOMETRIC_INTERPRETATION).orElse(""), samplesPerPixel);
    this.frames = integerString(Tag.NUMBER_OF_FRAMES).orElse(1);
    checkScope();
  }

  /**
   * Reads and parses a file; decodes no pixel yet.
   *
   * @throws BadInputException for anything this reader refuses, naming the file
   */
  public static DicomImage read(Path path) {
    byte[] bytes = InputFiles.readAll(path, "no such file", "cannot read");
    return DicomParser.parse(path.toString(), bytes);
  }

  /** Parses a file's bytes; {@code file} names it in messages. */
  public static DicomImage parse(String file, byte[] bytes) {
    return DicomParser.parse(file, bytes);
  }

  private void checkScope() {
    if (rows <= 0 || columns <= 0) {
      throw bad("Rows x Columns is " + rows + " x " + columns + "; no image");
    }
    if (rows > ImageDecoder.MAX_SIDE
        || columns > ImageDecoder.MAX_SIDE
        || (long) rows * columns > ImageDecoder.MAX_PIXELS) {
      throw bad(
          "Rows x Columns "
              + rows
              + " x "
              + columns
              + " is larger than labelcurve takes ("
              + ImageDecoder.MAX_SIDE
              + " per side, "
              + ImageDecoder.MAX_PIXELS
              + " pixels)");
    }
    if (frames <= 0) {
      throw bad("Number of Frames (0028,0008) is " + frames + "; zero frames");
    }
    if (bitsAllocated != 8 && !(bitsAllocated == 16 && samplesPerPixel == 1)) {
      throw bad(
          "sample depth Bits Allocated "
              + bitsAllocated
              + " with "
              + samplesPerPixel
              + " samples per pixel is not supported (8-bit grey or colour, 16-bit grey)");
    }
    if (transferSyntax.encoding == TransferSyntax.Encoding.JPEG
        && (bitsAllocated != 8 || bitsStored > 8)) {
      throw bad(
          transferSyntax.displayName
              + " ("
              + transferSyntax.uid
              + ") with "
              + bitsStored
              + "-bit samples is not supported (the JDK's JPEG decoder is 8-bit); decompress with DCMTK: dcmdjpeg IN OUT");
    }
    if (bitsStored > bitsAllocated || bitsStored <= 0) {
      throw bad("Bits Stored " + bitsStored + " does not fit Bits Allocated " + bitsAllocated);
    }
    boolean encapsulated = pixelData.fragments() != null;
    if (encapsulated != (transferSyntax.encoding != TransferSyntax.Encoding.NATIVE)) {
      throw bad(
          "the pixel data is "
              + (encapsulated ? "" : "not ")
              + "encapsulated, which transfer syntax "
              + transferSyntax()
              + " does not allow (PS3.5 A.4)");
    }
    if (transferSyntax.encoding == TransferSyntax.Encoding.NATIVE) {
      long need = (long) frameBytes() * frames;
      if (pixelData.nativeBytes().length < need) {
        throw bad(
            "truncated: the pixel data holds "
                + pixelData.nativeBytes().length
                + " bytes, "
                + frames
                + " frames of "
                + columns
                + "x"
                + rows
                + "x"
                + samplesPerPixel
                + " at "
                + bitsAllocated
                + " bits need "
                + need);
      }
    } else if (pixelData.fragments().isEmpty()) {
      throw bad("zero frames: the encapsulated pixel data has no fragment");
    }
  }

  /** The file as named in messages. */
  public String file() {
    return file;
  }

  /** The transfer syntax's name and UID. */
  public String transferSyntax() {
    return transferSyntax.displayName + " (" + transferSyntax.uid + ")";
  }

  /** The Photometric Interpretation as stored. */
  public String photometricInterpretation() {
    return photometric.name;
  }

  public int frames() {
    return frames;
  }

  public int width() {
    return columns;
  }

  public int height() {
    return rows;
  }

  /** Patient ID (0010,0020), to be pseudonymised by the caller; never written anywhere in clear. */
  public Optional<String> patientId() {
    return string(Tag.PATIENT_ID);
  }

  /** Manufacturer, Manufacturer's Model Name and Institution Name (empty strings when absent). */
  public List<String> siteAttributes() {
    return List.of(
        string(Tag.MANUFACTURER).orElse(""),
        string(Tag.MANUFACTURER_MODEL_NAME).orElse(""),
        string(Tag.INSTITUTION_NAME).orElse(""));
  }

  public Optional<String> sopInstanceUid() {
    return string(Tag.SOP_INSTANCE_UID);
  }

  public Optional<String> seriesInstanceUid() {
    return string(Tag.SERIES_INSTANCE_UID);
  }

  /**
   * Instance Number (0020,0013): the file's place in its series, for ordering single-frame files.
   */
  public Optional<Integer> instanceNumber() {
    try {
      return integerString(Tag.INSTANCE_NUMBER);
    } catch (BadInputException e) {
      return Optional.empty(); // a malformed Instance Number only loses the order
    }
  }

  /**
   * Frames per second: from Frame Time (ms), else Cine Rate, else Recommended Display Frame Rate.
   */
  public OptionalDouble framesPerSecond() {
    Optional<Double> frameTime = decimalString(Tag.FRAME_TIME);
    if (frameTime.isPresent() && frameTime.get() > 0) {
      return OptionalDouble.of(1000.0 / frameTime.get());
    }
    for (int tag : new int[] {Tag.CINE_RATE, Tag.RECOMMENDED_DISPLAY_FRAME_RATE}) {
      Optional<Double> rate = decimalString(tag);
      if (rate.isPresent() && rate.get() > 0) {
        return OptionalDouble.of(rate.get());
      }
    }
    return OptionalDouble.empty();
  }

  /**
   * Decodes one frame to 8-bit grey or RGB.
   *
   * @param index 0-based
   */
  public Frame frame(int index) {
    if (index < 0 || index >= frames) {
      throw new IndexOutOfBoundsException("frame " + index + " of " + frames);
    }
    return switch (transferSyntax.encoding) {
      case NATIVE -> fromNative(nativeFrame(index), planarConfiguration);
      // Annex G: segments are planes, so the decoder writes interleaved samples itself.
      case RLE ->
          fromNative(
              RleDecoder.decode(
                  file,
                  index,
                  encapsulatedFrame(index),
                  columns,
                  rows,
                  samplesPerPixel,
                  bitsAllocated / 8),
              0);
      case JPEG ->
          photometric.toFrame(
              file,
              JpegFrameDecoder.decode(
                  file, index, encapsulatedFrame(index), columns, rows, samplesPerPixel),
              columns,
              rows);
    };
  }

  private int frameBytes() {
    if (photometric
        == Photometric.YBR_FULL_422) { // PS3.3 C.7.6.3.1.2: two Y, one Cb, one Cr per two pixels
      return rows * columns * 2;
    }
    return rows * columns * samplesPerPixel * (bitsAllocated / 8);
  }

  private byte[] nativeFrame(int index) {
    int size = frameBytes();
    byte[] out = new byte[size];
    System.arraycopy(pixelData.nativeBytes(), index * size, out, 0, size);
    return out;
  }

  /** Native (or RLE-decoded) little-endian samples of one frame to an 8-bit frame. */
  private Frame fromNative(byte[] samples, int planar) {
    if (bitsAllocated == 16) {
      return new Frame(columns, rows, 1, greyMapping().apply(samples, photometric.inverted()));
    }
    int pixels = rows * columns;
    byte[] interleaved = samples;
    if (samplesPerPixel == 3 && planar == 1) { // PS3.3 C.7.6.3.1.3: colour-by-plane
      interleaved = new byte[samples.length];
      for (int i = 0; i < pixels; i++) {
        interleaved[3 * i] = samples[i];
        interleaved[3 * i + 1] = samples[pixels + i];
        interleaved[3 * i + 2] = samples[2 * pixels + i];
      }
    }
    if (samplesPerPixel == 1 && bitsStored < 8) {
      int mask = (1 << bitsStored) - 1;
      for (int i = 0; i < interleaved.length; i++) {
        interleaved[i] = (byte) ((interleaved[i] & mask) * 255 / mask);
      }
    }
    return photometric.toFrame(file, interleaved, columns, rows);
  }

  private synchronized GreyMapping greyMapping() {
    if (greyMapping == null) {
      greyMapping =
          GreyMapping.of(
              this::allStoredValues,
              bitsStored,
              signed,
              decimalString(Tag.RESCALE_SLOPE).orElse(1.0),
              decimalString(Tag.RESCALE_INTERCEPT).orElse(0.0),
              decimalString(Tag.WINDOW_CENTER),
              decimalString(Tag.WINDOW_WIDTH));
    }
    return greyMapping;
  }

  /** Every frame's samples, for the value range of files without a VOI window. */
  private List<byte[]> allStoredValues() {
    List<byte[]> all = new ArrayList<>(frames);
    for (int i = 0; i < frames; i++) {
      all.add(
          transferSyntax.encoding == TransferSyntax.Encoding.RLE
              ? RleDecoder.decode(file, i, encapsulatedFrame(i), columns, rows, 1, 2)
              : nativeFrame(i));
    }
    return all;
  }

  private synchronized byte[] encapsulatedFrame(int index) {
    if (encapsulatedFrames == null) {
      encapsulatedFrames =
          FrameFragments.split(
              file,
              pixelData.fragments(),
              pixelData.index(),
              frames,
              transferSyntax.encoding == TransferSyntax.Encoding.JPEG);
    }
    return encapsulatedFrames.get(index);
  }

  private int required(int tag, String name) {
    return us(tag)
        .orElseThrow(
            () ->
                bad(
                    "no "
                        + name
                        + " "
                        + Tag.format(tag)
                        + "; not an image this reader can decode"));
  }

  private Optional<Integer> us(int tag) {
    byte[] v = attributes.get(tag);
    if (v == null || v.length < 2) {
      return Optional.empty();
    }
    return Optional.of((v[0] & 0xFF) | (v[1] & 0xFF) << 8);
  }

  private Optional<String> string(int tag) {
    byte[] v = attributes.get(tag);
    if (v == null) {
      return Optional.empty();
    }
    String s = DicomParser.text(v);
    int backslash = s.indexOf('\\'); // the first of several values (PS3.5 6.4)
    if (backslash >= 0) {
      s = s.substring(0, backslash).trim();
    }
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  private Optional<Integer> integerString(int tag) {
    return string(tag)
        .map(
            s -> {
              try {
                return Integer.valueOf(s.trim());
              } catch (NumberFormatException e) {
                throw bad(Tag.format(tag) + " '" + s + "' is not an integer");
              }
            });
  }

  private Optional<Double> decimalString(int tag) {
    Optional<String> s = string(tag);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Double.valueOf(s.get().trim()));
    } catch (NumberFormatException e) {
      return Optional.empty(); // a malformed optional DS (frame time, window) is treated as absent
    }
  }

  private BadInputException bad(String message) {
    return new BadInputException(file + ": " + message);
  }

  /** The fragments of one frame joined into its encoded stream. */
  static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
