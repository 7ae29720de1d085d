package io.labelcurve.activities.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.labelcurve.activities.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestReaderTest {
  @TempDir Path dir;

  private Path write(String csv) throws IOException {
    Path file = dir.resolve("manifest.csv");
    Files.writeString(file, csv);
    return file;
  }

  /** Reads a bad manifest and checks that the message names the file and every given fragment. */
  private String refused(String csv, String... fragments) throws IOException {
    Path file = write(csv);
    BadInputException e = assertThrows(BadInputException.class, () -> ManifestReader.read(file));
    String m = e.getMessage();
    assertTrue(m.contains(file.toString()), "no file in: " + m);
    for (String f : fragments) {
      assertTrue(m.contains(f), "no '" + f + "' in: " + m);
    }
    return m;
  }

  @Test
  void readsAGoodManifestWithQuotingAndOptionalColumns() throws IOException {
    Path file =
        write(
            "Image, label ,sequence,split,frame,patient,site,notes\r\n"
                + "a/1.png,2CH,s1,train,0,p1,A,\"x, y\"\r\n"
                + "./a/2.png,\"4\"\"CH\",s2,train,,p2,A,\"multi\nline\"\r\n"
                + "\n"
                + "b/3.png,2CH,s3,T1,4,,,\r\n");
    Manifest m = ManifestReader.read(file);
    assertEquals(3, m.rows().size());
    ManifestRow first = m.rows().get(0);
    assertEquals(new ManifestRow(2, "a/1.png", "2CH", "s1", "train", 0, "p1", "A"), first);
    ManifestRow second = m.rows().get(1);
    assertEquals("a/2.png", second.image());
    assertEquals("4\"CH", second.label());
    assertNull(second.frame());
    ManifestRow third = m.rows().get(2);
    assertEquals(6, third.rowNumber(), "row numbers are lines of the file");
    assertNull(third.patient());
    assertEquals(List.of("train", "T1"), m.splits());
    assertEquals(List.of("2CH", "4\"CH"), m.classes());
    assertEquals(Map.of("2CH", 1, "4\"CH", 1), m.sequencesPerClass("train"));
    assertEquals(1, m.rowsOf("T1").size());
  }

  @Test
  void refusesAnEmptyFile() throws IOException {
    refused("", "empty");
    refused("\n\n", "empty");
  }

  @Test
  void refusesAHeaderWithoutARequiredColumnNamingItAndTheHeaderFound() throws IOException {
    refused("image,label,split\na.png,2CH,train\n", "row 1", "'sequence'", "[image, label, split]");
  }

  @Test
  void refusesAFileWhoseFirstLineIsNotAHeader() throws IOException {
    refused("a.png,2CH,s1,train\n", "row 1", "no 'image' column");
  }

  @Test
  void refusesAHeaderWithoutRows() throws IOException {
    refused("image,label,sequence,split\n", "no rows");
  }

  @Test
  void refusesAWrongNumberOfFields() throws IOException {
    refused(
        "image,label,sequence,split\na.png,2CH,s1,train\nb.png,2CH,s1\n",
        "row 3",
        "3 fields",
        "has 4");
  }

  @Test
  void refusesAnEmptyRequiredField() throws IOException {
    refused("image,label,sequence,split\na.png, ,s1,train\n", "row 2", "'label'", "empty");
  }

  @Test
  void refusesANonIntegerFrame() throws IOException {
    refused(
        "image,label,sequence,split,frame\na.png,2CH,s1,train,first\n", "row 2", "frame 'first'");
  }

  @Test
  void refusesTheSameImageTwiceNamingBothRows() throws IOException {
    refused(
        "image,label,sequence,split\na/x.png,2CH,s1,train\nb.png,2CH,s1,train\na/./x.png,2CH,s1,train\n",
        "row 4",
        "rows 2 and 4",
        "a/x.png");
  }

  @Test
  void refusesAnAbsolutePath() throws IOException {
    refused("image,label,sequence,split\n/etc/passwd,2CH,s1,train\n", "row 2", "absolute");
    refused("image,label,sequence,split\nC:\\x.png,2CH,s1,train\n", "row 2", "absolute");
  }

  @Test
  void refusesAPathEscapingTheDatasetFolder() throws IOException {
    refused(
        "image,label,sequence,split\na/../../x.png,2CH,s1,train\n",
        "row 2",
        "escapes",
        "a/../../x.png");
  }

  @Test
  void refusesUrisForNow() throws IOException {
    refused("image,label,sequence,split\ns3://bucket/x.png,2CH,s1,train\n", "row 2", "URI");
    refused("image,label,sequence,split\nhttps://host/x.png,2CH,s1,train\n", "row 2", "URI");
  }

  @Test
  void refusesAPathThatLooksLikeAnAugmentedVariantId() throws IOException {
    refused("image,label,sequence,split\na.png#v2,2CH,s1,train\n", "row 2", "#v");
  }

  @Test
  void refusesAColumnNamedTwice() throws IOException {
    refused("image,label,sequence,split,Label\na.png,2CH,s1,train,4CH\n", "row 1", "'label' twice");
  }

  @Test
  void refusesAnUnclosedQuote() throws IOException {
    refused("image,label,sequence,split\n\"a.png,2CH,s1,train\n", "row 2", "never closed");
  }

  @Test
  void refusesTextAfterAClosingQuoteNamingTheRow() throws IOException {
    refused(
        "image,label,sequence,split\na.png,2CH,s1,train\n\"b.png\"x,2CH,s2,train\n",
        "row 3",
        "not valid CSV");
  }

  @Test
  void rowNumbersCountTheLinesOfQuotedLineBreaks() throws IOException {
    refused(
        "image,label,sequence,split\n\"a\r\nb.png\",2CH,s1,train\n\"c.png\",,s2,train\n",
        "row 4",
        "'label' field is empty");
  }

  @Test
  void listsEveryRowErrorAtOnce() throws IOException {
    String m =
        refused(
            "image,label,sequence,split,frame\na.png,,s1,train,0\nb.png,2CH,s1,train,x\n",
            "2 errors",
            "row 2",
            "row 3");
    assertTrue(m.lines().count() >= 3, m);
  }

  @Test
  void readsFromBytesWithTheGivenLocation() {
    BadInputException e =
        assertThrows(
            BadInputException.class,
            () ->
                ManifestReader.read("s3://b/datasets/x/manifest.csv", "image,label\n".getBytes()));
    assertTrue(e.getMessage().startsWith("s3://b/datasets/x/manifest.csv, row 1"), e.getMessage());
  }
}
