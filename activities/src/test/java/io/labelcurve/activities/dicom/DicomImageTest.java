package io.labelcurve.activities.dicom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import io.labelcurve.activities.frames.Frame;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The reader against DCMTK's own decoding ({@code dcmj2pnm}) of files made by pydicom and DCMTK;
 * fixtures and references from {@code activities/src/test/python/make_import_fixtures.py}.
 */
class DicomImageTest {
  static final Path ROOT = Path.of("src/test/resources/import");

  /** The largest difference of any sample from DCMTK's decoding, over every frame. */
  static int maxDifferenceFromDcmtk(
      String relative, String referenceName, int expectedFrames, int expectedChannels)
      throws IOException {
    DicomImage image = DicomImage.read(ROOT.resolve(relative));
    assertEquals(expectedFrames, image.frames(), relative);
    int worst = 0;
    for (int f = 0; f < image.frames(); f++) {
      Frame frame = image.frame(f);
      assertEquals(expectedChannels, frame.channels(), relative);
      Raster ref =
          ImageIO.read(ROOT.resolve("reference/" + referenceName + "." + f + ".png").toFile())
              .getRaster();
      assertEquals(ref.getWidth(), frame.width());
      assertEquals(ref.getHeight(), frame.height());
      assertEquals(ref.getNumBands(), frame.channels());
      for (int y = 0; y < frame.height(); y++) {
        for (int x = 0; x < frame.width(); x++) {
          for (int c = 0; c < frame.channels(); c++) {
            worst = Math.max(worst, Math.abs(frame.sample(x, y, c) - ref.getSample(x, y, c)));
          }
        }
      }
    }
    return worst;
  }

  @Test
  void nativeGreyMultiFrameEqualsDcmtk() throws IOException {
    assertEquals(0, maxDifferenceFromDcmtk("dicom/A4C/grey-native.dcm", "grey-native", 6, 1));
  }

  @Test
  void implicitVrSingleFrameEqualsDcmtk() throws IOException {
    assertEquals(0, maxDifferenceFromDcmtk("dicom/A4C/grey-implicit.dcm", "grey-implicit", 1, 1));
  }

  @Test
  void rleColourEqualsDcmtk() throws IOException {
    assertEquals(0, maxDifferenceFromDcmtk("dicom/PLAX/rgb-rle.dcm", "rgb-rle", 4, 3));
  }

  @Test
  void nativeYbrFullIsConvertedAsDcmtkDoes() throws IOException {
    // Both apply PS3.3 C.7.6.3.1.2; DCMTK in fixed-point integer arithmetic with truncation, this
    // reader in
    // doubles with rounding: measured 2 levels apart at most (mean 0.6), exact on no sample beyond
    // that.
    int worst = maxDifferenceFromDcmtk("dicom/PLAX/ybr-native.dcm", "ybr-native", 3, 3);
    assertTrue(worst <= 2, "largest difference " + worst);
  }

  @Test
  void jpegBaselineYbrFull422EqualsDcmtkWithinJpegTolerance() throws IOException {
    int worst = maxDifferenceFromDcmtk("dicom/PLAX/ybr422-jpeg.dcm", "ybr422-jpeg", 4, 3);
    System.out.println("JPEG baseline YBR_FULL_422: largest difference from dcmj2pnm " + worst);
    assertTrue(worst <= 2, "largest difference " + worst);
  }

  @Test
  void jpegExtendedGreyEqualsDcmtkWithinJpegTolerance() throws IOException {
    int worst = maxDifferenceFromDcmtk("dicom/A4C/grey-jpeg-ext.dcm", "grey-jpeg-ext", 4, 1);
    System.out.println("JPEG extended grey: largest difference from dcmj2pnm " + worst);
    assertTrue(worst <= 1, "largest difference " + worst);
  }

  @Test
  void colourByPlaneEqualsDcmtk() throws IOException {
    assertEquals(0, maxDifferenceFromDcmtk("dicom/PLAX/rgb-planar.dcm", "rgb-planar", 2, 3));
  }

  @Test
  void monochrome1IsInvertedAsDcmtkShowsIt() throws IOException {
    // This reader shows v as 255 - v; DCMTK goes through its internal display LUT and gives 256 - v
    // for
    // v above 128 (measured on the fixture): 1 level apart at most.
    int worst = maxDifferenceFromDcmtk("dicom/A4C/grey-mono1.dcm", "grey-mono1", 2, 1);
    assertTrue(worst <= 1, "largest difference " + worst);
  }

  @Test
  void deflatedEqualsDcmtk() throws IOException {
    assertEquals(0, maxDifferenceFromDcmtk("dicom/A4C/grey-deflated.dcm", "grey-deflated", 4, 1));
  }

  @Test
  void twelveBitGreyThroughItsVoiWindowEqualsDcmtk() throws IOException {
    int worst = maxDifferenceFromDcmtk("dicom/A4C/grey12-window.dcm", "grey12-window", 1, 1);
    System.out.println("12-bit grey, VOI window: largest difference from dcmj2pnm +Wi 1: " + worst);
    assertTrue(worst <= 1, "largest difference " + worst);
  }

  @Test
  void twelveBitGreyWithoutWindowIsMappedOverItsRangeAsDcmtksMinMax() throws IOException {
    int worst = maxDifferenceFromDcmtk("dicom/A4C/grey12-minmax.dcm", "grey12-minmax", 1, 1);
    System.out.println("12-bit grey, min-max: largest difference from dcmj2pnm +Wm: " + worst);
    assertTrue(worst <= 1, "largest difference " + worst);
  }

  @Test
  void headerValuesForPseudonymsAndFrameRate() {
    DicomImage image = DicomImage.read(ROOT.resolve("dicom/A4C/grey-native.dcm"));
    assertEquals("PAT-SECRET-4711", image.patientId().orElseThrow());
    assertEquals(List.of("Acme", "EchoPro 9", "St Elsewhere"), image.siteAttributes());
    assertEquals(25.0, image.framesPerSecond().orElseThrow(), 1e-9); // Frame Time 40 ms
    assertEquals("MONOCHROME2", image.photometricInterpretation());
  }

  @Test
  void badFilesAreRefusedWithTheirNameAndReason() {
    assertRefused("bad/not-dicom.dcm", "not a DICOM Part 10 file");
    assertRefused("bad/truncated.dcm", "truncated");
    assertRefused("bad/no-pixels.dcm", "no pixel data");
    assertRefused(
        "bad/jpeg-ls.dcm",
        "1.2.840.10008.1.2.4.80 (JPEG-LS Lossless; decompress with DCMTK: dcmdjpls");
  }

  private static void assertRefused(String relative, String reason) {
    BadInputException e =
        assertThrows(BadInputException.class, () -> DicomImage.read(ROOT.resolve(relative)));
    assertTrue(e.getMessage().startsWith(ROOT.resolve(relative).toString()), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }
}
