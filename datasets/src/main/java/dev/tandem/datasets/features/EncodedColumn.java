package dev.tandem.datasets.features;

/** One encoded feature for many rows: what models consume. */
public sealed interface EncodedColumn {
  /** The feature's name. */
  String name();

  /** How many rows (entities or events) the column encodes. */
  int rows();

  /** An embedding index per row, in {@code [0, cardinality)}; 0 means missing. */
  record Index(String name, int cardinality, int[] values) implements EncodedColumn {
    @Override
    public int rows() {
      return values.length;
    }
  }

  /** A real value per row (standardised; 0 when missing). */
  record Real(String name, float[] values) implements EncodedColumn {
    @Override
    public int rows() {
      return values.length;
    }
  }

  /** A set of indices per row in CSR form: row r holds {@code values[offsets[r] .. offsets[r+1])}. */
  record MultiIndex(String name, int cardinality, int[] offsets, int[] values) implements EncodedColumn {
    @Override
    public int rows() {
      return offsets.length - 1;
    }
  }
}
