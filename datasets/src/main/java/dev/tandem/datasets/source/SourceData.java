package dev.tandem.datasets.source;

import java.util.List;

/** Everything a source reader produced: events, side tables (either may be null) and the files read. */
public record SourceData(RawEvents events, SideTableData users, SideTableData items, List<InputFile> files,
    long rowsRead, List<String> eventColumns) {}
