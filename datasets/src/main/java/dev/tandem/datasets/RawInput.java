package dev.tandem.datasets;

import dev.tandem.datasets.source.InputFile;
import dev.tandem.datasets.source.RawEvents;
import dev.tandem.datasets.source.SideTableData;
import java.util.List;

/**
 * The read phase's result: the events in file order, the side tables, and the accounting of what was read.
 *
 * @param rowsRead     data rows of the event log
 * @param rowsRejected of those, rows rejected as malformed
 * @param inputs       every file read, with its checksum (the data snapshot the manifest records)
 * @param users        the users table, or null
 * @param items        the items table, or null
 */
record RawInput(RawEvents events, long rowsRead, long rowsRejected, List<InputFile> inputs, SideRead users, SideRead items) {

  /** A side table as read, with its rows read and rejected. */
  record SideRead(SideTableData table, long rowsRead, long rowsRejected) {}

  SideTableData usersTable() {
    return users == null ? null : users.table();
  }

  SideTableData itemsTable() {
    return items == null ? null : items.table();
  }
}
