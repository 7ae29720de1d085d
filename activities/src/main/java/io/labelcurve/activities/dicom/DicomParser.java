package io.labelcurve.activities.dicom;

import io.labelcurve.activities.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Parses a DICOM Part 10 file (PS3.10 section 7) far enough to decode its pixels: the File Meta
 * Information, then the top-level data elements of the data set (PS3.5 section 7), keeping only the
 * attributes of {@link #KEPT}. Sequences are skipped, whatever their length encoding (PS3.5 7.5).
 *
 * <p>No maintained Java DICOM library is served by the Maven Central reachable here (dcm4che,
 * PixelMed and Bio-Formats live in other repositories), so this is a focused reader for exactly the
 * scope of {@code labelcurve dataset import}; it is not a general DICOM toolkit. Attribute values
 * other than those in {@link #KEPT} are never read, so that no other header value can reach the
 * output.
 */
final class DicomParser {
  /**
   * The attributes read; everything else (names, dates, accession numbers, …) is skipped unread.
   */
  static final Set<Integer> KEPT =
      Set.of(
          Tag.SOP_INSTANCE_UID,
          Tag.MANUFACTURER,
          Tag.INSTITUTION_NAME,
          Tag.MANUFACTURER_MODEL_NAME,
          Tag.RECOMMENDED_DISPLAY_FRAME_RATE,
          Tag.PATIENT_ID,
          Tag.CINE_RATE,
          Tag.FRAME_TIME,
          Tag.SERIES_INSTANCE_UID,
          Tag.INSTANCE_NUMBER,
          Tag.SAMPLES_PER_PIXEL,
          Tag.PHOTOMETRIC_INTERPRETATION,
          Tag.PLANAR_CONFIGURATION,
          Tag.NUMBER_OF_FRAMES,
          Tag.ROWS,
          Tag.COLUMNS,
          Tag.BITS_ALLOCATED,
          Tag.BITS_STORED,
          Tag.PIXEL_REPRESENTATION,
          Tag.WINDOW_CENTER,
          Tag.WINDOW_WIDTH,
          Tag.RESCALE_INTERCEPT,
          Tag.RESCALE_SLOPE);

  /**
   * VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2, Table 7.1-1).
   */
  private static final Set<String> LONG_VRS =
      Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV");

  private static final long UNDEFINED = 0xFFFF_FFFFL;

  private final String file;
  private ByteBuffer buf;
  private boolean explicitVr;

  private DicomParser(String file, byte[] bytes) {
    this.file = file;
    this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The parsed attributes and pixel data of a Part 10 file. */
  static DicomImage parse(String file, byte[] bytes) {
    return new DicomParser(file, bytes).parse();
  }

  private DicomImage parse() {
    // PS3.10 7.1: a 128-byte preamble, then "DICM", then the File Meta Information group (0002).
    if (buf.limit() < 132
        || buf.get(128) != 'D'
        || buf.get(129) != 'I'
        || buf.get(130) != 'C'
        || buf.get(131) != 'M') {
      throw bad(
          "not a DICOM Part 10 file (no 'DICM' prefix after the 128-byte preamble, PS3.10 7.1)");
    }
    buf.position(132);
    explicitVr = true; // PS3.10 7.1: the meta group is always Explicit VR Little Endian
    Map<Integer, byte[]> meta = new HashMap<>();
    while (buf.remaining() >= 8 && (buf.getShort(buf.position()) & 0xFFFF) == 0x0002) {
      readElement(meta, Set.of(Tag.TRANSFER_SYNTAX_UID), null);
    }
    byte[] tsValue = meta.get(Tag.TRANSFER_SYNTAX_UID);
    if (tsValue == null) {
      throw bad("the File Meta Information has no Transfer Syntax UID (0002,0010)");
    }
    String uid = text(tsValue);
    TransferSyntax ts = TransferSyntax.of(uid).orElseThrow(() -> bad(TransferSyntax.refusal(uid)));
    if (ts.deflated) {
      inflateRest();
    }
    explicitVr = ts.explicitVr;
    Map<Integer, byte[]> attributes = new HashMap<>();
    PixelData[] pixels = new PixelData[1];
    while (buf.remaining() > 0 && pixels[0] == null) {
      if (buf.remaining() < 8) {
        throw bad("truncated: " + buf.remaining() + " stray bytes at the end of the data set");
      }
      readElement(attributes, KEPT, pixels);
    }
    if (pixels[0] == null) {
      throw bad("no pixel data: the file has no Pixel Data element (7FE0,0010); is it an image?");
    }
    return new DicomImage(file, ts, attributes, pixels[0]);
  }

  /**
   * Reads one element at the current position (PS3.5 7.1.2 explicit, 7.1.3 implicit), keeping its
   * value when its tag is in {@code kept}; the pixel data element ends the data set for this
   * reader.
   */
  private void readElement(Map<Integer, byte[]> into, Set<Integer> kept, PixelData[] pixels) {
    int start = buf.position();
    int tag = tag();
    String vr = null;
    long length;
    if (explicitVr && (tag >>> 16) != 0xFFFE) {
      need(2, tag, start);
      vr = new String(new byte[] {buf.get(), buf.get()}, StandardCharsets.US_ASCII);
      if (LONG_VRS.contains(vr)) {
        need(6, tag, start);
        buf.getShort();
        length = buf.getInt() & 0xFFFF_FFFFL;
      } else {
        need(2, tag, start);
        length = buf.getShort() & 0xFFFF;
      }
    } else {
      need(4, tag, start);
      length = buf.getInt() & 0xFFFF_FFFFL;
    }
    if (tag == Tag.PIXEL_DATA && pixels != null) {
      pixels[0] = length == UNDEFINED ? encapsulated(start) : nativePixels(length, start);
      return;
    }
    if (length == UNDEFINED) {
      // A sequence (SQ, or UN / implicit VR of undefined length: PS3.5 6.2.2 note, 7.5.1): skip its
      // items.
      boolean wasExplicit = explicitVr;
      if ("UN".equals(vr)) {
        explicitVr = false; // PS3.5 6.2.2: a UN of undefined length is encoded as implicit VR
      }
      skipSequence(tag, start);
      explicitVr = wasExplicit;
      return;
    }
    if (length > buf.remaining()) {
      throw truncated(tag, start, length);
    }
    if (kept.contains(tag)) {
      byte[] value = new byte[(int) length];
      buf.get(value);
      into.put(tag, value);
    } else {
      buf.position(buf.position() + (int) length);
    }
  }

  /**
   * Skips the items of a sequence of undefined length up to its Sequence Delimitation Item (PS3.5
   * 7.5).
   */
  private void skipSequence(int sequenceTag, int start) {
    while (true) {
      need(8, sequenceTag, start);
      int tag = tag();
      long length = buf.getInt() & 0xFFFF_FFFFL;
      if (tag == Tag.SEQUENCE_DELIMITATION) {
        return;
      }
      if (tag != Tag.ITEM) {
        throw bad(
            "malformed sequence "
                + Tag.format(sequenceTag)
                + " at byte "
                + start
                + ": found "
                + Tag.format(tag)
                + " where an item was expected");
      }
      if (length != UNDEFINED) {
        if (length > buf.remaining()) {
          throw truncated(sequenceTag, start, length);
        }
        buf.position(buf.position() + (int) length);
        continue;
      }
      while (true) { // an item of undefined length: elements up to its Item Delimitation Item
        need(8, sequenceTag, start);
        if (peekTag() == Tag.ITEM_DELIMITATION) {
          buf.position(buf.position() + 8);
          break;
        }
        readElement(new HashMap<>(), Set.of(), null);
      }
    }
  }

  private PixelData nativePixels(long length, int start) {
    if (length > buf.remaining()) {
      throw truncated(Tag.PIXEL_DATA, start, length);
    }
    byte[] data = new byte[(int) length];
    buf.get(data);
    return new PixelData(data, null, null);
  }

  /**
   * Encapsulated pixel data (PS3.5 A.4): a Basic Offset Table item, then one item per fragment,
   * then a Sequence Delimitation Item. Offsets in the table count from the first fragment's item
   * tag.
   */
  private PixelData encapsulated(int start) {
    List<byte[]> fragments = new ArrayList<>();
    List<Integer> fragmentOffsets = new ArrayList<>();
    long[] offsetTable = null;
    int firstFragment = -1;
    while (true) {
      if (buf.remaining() < 8) {
        throw bad(
            "truncated: the encapsulated pixel data (7FE0,0010) at byte "
                + start
                + " ends before its Sequence Delimitation Item (PS3.5 A.4)");
      }
      int itemStart = buf.position();
      int tag = tag();
      long length = buf.getInt() & 0xFFFF_FFFFL;
      if (tag == Tag.SEQUENCE_DELIMITATION) {
        break;
      }
      if (tag != Tag.ITEM || length == UNDEFINED) {
        throw bad(
            "malformed encapsulated pixel data at byte "
                + itemStart
                + ": "
                + Tag.format(tag)
                + " where a fragment item of defined length was expected (PS3.5 A.4)");
      }
      if (length > buf.remaining()) {
        throw truncated(Tag.PIXEL_DATA, itemStart, length);
      }
      byte[] value = new byte[(int) length];
      buf.get(value);
      if (offsetTable == null) {
        ByteBuffer table = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        offsetTable = new long[value.length / 4];
        for (int i = 0; i < offsetTable.length; i++) {
          offsetTable[i] = table.getInt() & 0xFFFF_FFFFL;
        }
        continue;
      }
      if (firstFragment < 0) {
        firstFragment = itemStart;
      }
      fragmentOffsets.add(itemStart - firstFragment);
      fragments.add(value);
    }
    return new PixelData(null, fragments, new FragmentIndex(offsetTable, fragmentOffsets));
  }

  /** PS3.5 A.5: the data set after the meta group is a raw deflate stream. */
  private void inflateRest() {
    byte[] deflated = new byte[buf.remaining()];
    buf.get(deflated);
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(deflated);
      ByteArrayOutputStream out = new ByteArrayOutputStream(deflated.length * 4);
      byte[] chunk = new byte[1 << 16];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw bad("truncated: the deflated data set ends early (PS3.5 A.5)");
        }
        out.write(chunk, 0, n);
      }
      buf = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    } catch (DataFormatException e) {
      throw bad("the deflated data set is corrupt (" + e.getMessage() + ")");
    } finally {
      inflater.end();
    }
  }

  private int peekTag() {
    int at = buf.position();
    return (buf.getShort(at) & 0xFFFF) << 16 | (buf.getShort(at + 2) & 0xFFFF);
  }

  private int tag() {
    int group = buf.getShort() & 0xFFFF;
    int element = buf.getShort() & 0xFFFF;
    return group << 16 | element;
  }

  private void need(int bytes, int tag, int start) {
    if (buf.remaining() < bytes) {
      throw bad("truncated: element " + Tag.format(tag) + " at byte " + start + " is cut off");
    }
  }

  private BadInputException truncated(int tag, int start, long length) {
    return bad(
        "truncated: element "
            + Tag.format(tag)
            + " at byte "
            + start
            + " declares "
            + length
            + " bytes but only "
            + buf.remaining()
            + " remain");
  }

  private BadInputException bad(String message) {
    return new BadInputException(file + ": " + message);
  }

  /** A text value without its padding (PS3.5 6.2: trailing spaces, or a NUL for UIs). */
  static String text(byte[] value) {
    int end = value.length;
    while (end > 0 && (value[end - 1] == ' ' || value[end - 1] == 0)) {
      end--;
    }
    int begin = 0;
    while (begin < end && value[begin] == ' ') {
      begin++;
    }
    return new String(value, begin, end - begin, StandardCharsets.ISO_8859_1);
  }

  /** Pixel data: native bytes, or encapsulated fragments with their index. */
  record PixelData(byte[] nativeBytes, List<byte[]> fragments, FragmentIndex index) {}

  /**
   * Where frames start among the fragments.
   *
   * @param offsetTable the Basic Offset Table (empty when the encoder left it empty)
   * @param fragmentOffsets each fragment's item offset from the first fragment's item tag
   */
  record FragmentIndex(long[] offsetTable, List<Integer> fragmentOffsets) {}
}
