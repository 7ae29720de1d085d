package io.labelcurve.activities.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code results.csv} written and read back through Commons CSV. */
class ResultsCsvTest {
  /** A test split named in a manifest as a quoted field: a comma, a quote and a line break. */
  private static final String ODD_SPLIT = "T1, site \"B\"\nnight shift";

  private static CellRecord cell(String split, int seed, Integer perClass) {
    return new CellRecord(
        "sw",
        "m-linear-probe-image-16-s" + seed,
        "m",
        "linear-probe",
        perClass == null ? "image" : "sequence",
        16,
        perClass,
        seed,
        16,
        1.25,
        0.5,
        1_000_000L,
        List.of("A", "B"),
        List.of(
            new CellRecord.Score(split, "image", 0.75, 40),
            new CellRecord.Score(split, "sequence", 0.8, 8)),
        Map.of(),
        "sweeps/sw/ids/x.json",
        Map.of(),
        List.of());
  }

  /**
   * The report used to split results.csv into lines before unquoting, so a quoted split name with a
   * line break became two short rows and the report failed ("has 12 fields, expected 16").
   */
  @Test
  void aQuotedFieldWithCommaQuoteAndLineBreakReadsBackWhole() {
    String csv = ResultsCsv.render(List.of(cell(ODD_SPLIT, 1, null), cell("T2", 0, 4)));
    assertTrue(csv.contains("\"T1, site \"\"B\"\"\nnight shift\""), csv);
    List<ResultsCsv.Row> rows = ResultsCsv.parse(csv);
    assertEquals(4, rows.size());
    ResultsCsv.Row odd = rows.stream().filter(r -> r.seed() == 1).findFirst().orElseThrow();
    assertEquals(ODD_SPLIT, odd.testSplit());
    assertEquals("image", odd.level());
    assertEquals(0.75, odd.accuracy());
    assertEquals(40, odd.n());
    assertNull(odd.perClass());
    assertEquals(1_000_000L, odd.params());
    ResultsCsv.Row seq = rows.get(2);
    assertEquals(4, seq.perClass(), "plan order: image before sequence");
  }

  /** The bytes other code and users read: header, LF, fixed number formats, empty per_class. */
  @Test
  void writesTheFixedColumnsAndFormats() {
    String csv = ResultsCsv.render(List.of(cell("T1", 0, null)));
    assertEquals(
        ResultsCsv.HEADER
            + "\n"
            + "sw,m-linear-probe-image-16-s0,m,linear-probe,image,16,,0,16,T1,image,0.750000,40,"
            + "1.2500,0.5000,1000000\n"
            + "sw,m-linear-probe-image-16-s0,m,linear-probe,image,16,,0,16,T1,sequence,0.800000,8,"
            + "1.2500,0.5000,1000000\n",
        csv);
  }

  @Test
  void readsCrlfAndIgnoresLaterColumnsAndBlankLines() {
    String csv =
        ResultsCsv.HEADER
            + ",extra\r\n"
            + "sw,c,m,finetune,image,16,,0,16,T1,image,0.5,4,1,2,3,x\r\n"
            + "\r\n";
    List<ResultsCsv.Row> rows = ResultsCsv.parse(csv);
    assertEquals(1, rows.size());
    assertEquals("finetune", rows.get(0).adaptation());
  }

  @Test
  void refusesAnotherHeaderAndShortRows() {
    assertThrows(IllegalArgumentException.class, () -> ResultsCsv.parse("cell,model\n"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ResultsCsv.parse(ResultsCsv.HEADER + "\nsw,c,m\n"));
    assertTrue(e.getMessage().contains("record 2 has 3 fields, expected 16"), e.getMessage());
  }
}
