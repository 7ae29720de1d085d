package io.labelcurve.activities.dicom;

import java.util.Map;
import java.util.Optional;

/**
 * The transfer syntaxes this reader decodes (PS3.5 section 10 and Annex A), and the ones it refuses
 * with a conversion that Debian's tools can make.
 */
enum TransferSyntax {
  IMPLICIT_VR_LITTLE_ENDIAN(
      "1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, Encoding.NATIVE),
  EXPLICIT_VR_LITTLE_ENDIAN(
      "1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, Encoding.NATIVE),
  /**
   * PS3.5 A.5: the whole data set after the file meta group is deflated (RFC 1951, no zlib header).
   */
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN(
      "1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, true, Encoding.NATIVE),
  RLE_LOSSLESS("1.2.840.10008.1.2.5", "RLE Lossless", true, false, Encoding.RLE),
  JPEG_BASELINE("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, Encoding.JPEG),
  JPEG_EXTENDED(
      "1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, Encoding.JPEG);

  /** How pixel data is stored. */
  enum Encoding {
    NATIVE,
    RLE,
    JPEG
  }

  final String uid;
  final String displayName;
  final boolean explicitVr;
  final boolean deflated;
  final Encoding encoding;

  TransferSyntax(
      String uid, String displayName, boolean explicitVr, boolean deflated, Encoding encoding) {
    this.uid = uid;
    this.displayName = displayName;
    this.explicitVr = explicitVr;
    this.deflated = deflated;
    this.encoding = encoding;
  }

  /** The supported syntax of a UID. */
  static Optional<TransferSyntax> of(String uid) {
    for (TransferSyntax ts : values()) {
      if (ts.uid.equals(uid)) {
        return Optional.of(ts);
      }
    }
    return Optional.empty();
  }

  /** Why a known but unsupported syntax is refused, and the Debian command that converts it. */
  private static final Map<String, String> REFUSED =
      Map.ofEntries(
          Map.entry(
              "1.2.840.10008.1.2.2",
              "Explicit VR Big Endian (retired); convert with DCMTK: dcmconv +te IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.57",
              "JPEG Lossless (Process 14); decompress with DCMTK: dcmdjpeg IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.70",
              "JPEG Lossless SV1 (Process 14, selection value 1); decompress with DCMTK: dcmdjpeg IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.80", "JPEG-LS Lossless; decompress with DCMTK: dcmdjpls IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.81",
              "JPEG-LS Near-Lossless; decompress with DCMTK: dcmdjpls IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.90",
              "JPEG 2000 Lossless; decompress with GDCM: gdcmconv --raw IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.91", "JPEG 2000; decompress with GDCM: gdcmconv --raw IN OUT"),
          Map.entry(
              "1.2.840.10008.1.2.4.100",
              "MPEG2 Main Profile; not supported: export the clip as a video file"),
          Map.entry(
              "1.2.840.10008.1.2.4.101",
              "MPEG2 High Profile; not supported: export the clip as a video file"),
          Map.entry(
              "1.2.840.10008.1.2.4.102",
              "MPEG-4 AVC/H.264; not supported: export the clip as a video file"),
          Map.entry(
              "1.2.840.10008.1.2.4.103",
              "MPEG-4 AVC/H.264 BD; not supported: export the clip as a video file"),
          Map.entry(
              "1.2.840.10008.1.2.4.104",
              "MPEG-4 AVC/H.264 2D; not supported: export the clip as a video file"),
          Map.entry(
              "1.2.840.10008.1.2.4.107",
              "HEVC/H.265 Main; not supported: export the clip as a video file"),
          Map.entry(
              "1.2.840.10008.1.2.4.201",
              "High-Throughput JPEG 2000; decompress with GDCM: gdcmconv --raw IN OUT"));

  /** The message for a syntax this reader does not decode. */
  static String refusal(String uid) {
    String known = REFUSED.get(uid);
    return known != null
        ? "transfer syntax " + uid + " (" + known + ")"
        : "transfer syntax "
            + uid
            + " is not one this reader decodes (it decodes "
            + java.util.Arrays.stream(values()).map(t -> t.displayName).toList()
            + "); decompress it first, e.g. with DCMTK: dcmconv +te IN OUT";
  }
}
