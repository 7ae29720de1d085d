package io.labelcurve.activities.svm;

/**
 * A dense {@code rows × cols} float matrix stored as row-major blocks of whole rows, so that no
 * single Java array has to hold all of it: the whole training pool of a 768-d model (2.9 M rows,
 * 8.9 GB) is far past the 2^31 elements one array can index.
 *
 * <p>{@link #allocate} makes blocks of at most {@value #BLOCK_FLOATS} floats (256 KB): below half
 * of G1's smallest region (1 MB), so a block is never a "humongous" object, which would waste up to
 * half of a region each. {@link #wrap} views existing rows (one block per row) without copying
 * them, which is how the probe hands its embeddings to the trainer.
 */
public final class RowBlocks {
  /** Largest block {@link #allocate} makes, in floats. */
  static final int BLOCK_FLOATS = 1 << 16;

  private final float[][] blocks;
  private final int rows;
  private final int cols;
  private final int rowsPerBlock;

  private RowBlocks(float[][] blocks, int rows, int cols, int rowsPerBlock) {
    this.blocks = blocks;
    this.rows = rows;
    this.cols = cols;
    this.rowsPerBlock = rowsPerBlock;
  }

  /** A zero matrix to fill with {@link #setRow}. */
  public static RowBlocks allocate(int rows, int cols) {
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException(
          "a row-block matrix needs rows > 0 and cols > 0, got " + rows + " x " + cols);
    }
    int perBlock = Math.max(1, BLOCK_FLOATS / cols);
    int count = (int) (((long) rows + perBlock - 1) / perBlock);
    float[][] blocks = new float[count][];
    for (int b = 0; b < count; b++) {
      int inBlock = Math.min(perBlock, rows - b * perBlock);
      blocks[b] = new float[inBlock * cols];
    }
    return new RowBlocks(blocks, rows, cols, perBlock);
  }

  /**
   * Views {@code rows} as a matrix without copying: later writes to the rows show through.
   *
   * @throws IllegalArgumentException when there are no rows, or a row is missing, empty or of
   *     another length than row 0 (the message names the row)
   */
  public static RowBlocks wrap(float[][] rows) {
    if (rows == null || rows.length == 0) {
      throw new IllegalArgumentException("cannot train on an empty data set (x has 0 rows)");
    }
    if (rows[0] == null || rows[0].length == 0) {
      throw new IllegalArgumentException("row 0 of x has no features");
    }
    int cols = rows[0].length;
    for (int i = 1; i < rows.length; i++) {
      float[] row = rows[i];
      if (row == null || row.length != cols) {
        throw new IllegalArgumentException(
            "row "
                + i
                + " of x has "
                + (row == null ? "no" : String.valueOf(row.length))
                + " features, expected "
                + cols);
      }
    }
    return new RowBlocks(rows, rows.length, cols, 1);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Copies {@code values} (length {@link #cols()}) into row {@code i}. */
  public void setRow(int i, float[] values) {
    if (values.length != cols) {
      throw new IllegalArgumentException(
          "row " + i + " has " + values.length + " values, expected " + cols);
    }
    System.arraycopy(values, 0, blockOf(i), offsetOf(i), cols);
  }

  /** A copy of row {@code i}. */
  public float[] row(int i) {
    float[] out = new float[cols];
    System.arraycopy(blockOf(i), offsetOf(i), out, 0, cols);
    return out;
  }

  public float get(int i, int j) {
    return blockOf(i)[offsetOf(i) + j];
  }

  /** The array that holds row {@code i}, which starts there at {@link #offsetOf(int)}. */
  float[] blockOf(int i) {
    return blocks[i / rowsPerBlock];
  }

  int offsetOf(int i) {
    return (i % rowsPerBlock) * cols;
  }
}
