package dev.tandem.datasets.source;

import dev.tandem.datasets.text.Fields;
import dev.tandem.datasets.text.RejectReason;
import dev.tandem.datasets.text.RowError;
import java.nio.charset.Charset;

/** Why a row cannot be used, before the file, line and text are attached ({@link #at}). */
record Rejection(RejectReason reason, String detail) {
  RowError at(String file, long line, byte[] b, int from, int to, Charset cs) {
    return new RowError(file, line, reason, detail, Fields.snippet(b, from, to, cs));
  }
}
