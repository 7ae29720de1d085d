package io.labelcurve.starter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.labelcurve.activities.results.ResultsCsv;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI's short table of a results.csv: means over seeds, sizes in numeric order. */
class ResultsTableTest {
  @Test
  void meansOverSeedsPerModelSamplingAndSize() {
    String csv =
        ResultsCsv.HEADER
            + "\n"
            + "s,c1,m,linear-probe,image,128,,0,128,T1,image,0.500000,10,1,1,1\n"
            + "s,c2,m,linear-probe,image,128,,1,128,T1,image,0.700000,10,1,1,1\n"
            + "s,c3,m,linear-probe,image,16,,0,16,T1,image,0.250000,10,1,1,1\n"
            + "s,c4,m,linear-probe,sequence,6,2,0,40,T1,sequence,1.000000,10,1,1,1\n"
            // A split named with a comma, quoted: one column, not a broken row.
            + "s,c3,m,linear-probe,image,16,,0,16,\"T2, night\",image,0.125000,10,1,1,1\n";
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ResultsTable.print(csv, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(
        List.of(
            String.format(
                "%-51s%9s%9s%9s", "model / sampling / size", "T1 img", "T1 seq", "T2, night img"),
            String.format(
                "%-51s%9s%9s%9s",
                "m                        image        16 images", "25.0%", "-", "12.5%"),
            String.format(
                "%-51s%9s%9s%9s",
                "m                        image       128 images", "60.0%", "-", "-"),
            String.format(
                "%-51s%9s%9s%9s",
                "m                        sequence      2 seq/class", "-", "100.0%", "-")),
        lines);
  }
}
