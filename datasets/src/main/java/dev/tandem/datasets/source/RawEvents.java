package dev.tandem.datasets.source;

import java.util.Map;

/**
 * Parsed events in file order, column-wise. Ids and string columns are dictionary codes; numeric columns are floats
 * (NaN when blank); timestamps are epoch seconds.
 *
 * @param userIds   user id strings by code; may hold ids of rejected rows (coded before a later column of the row
 *                  failed), which no event refers to
 * @param itemIds   item id strings by code, likewise
 * @param numeric   numeric columns by name
 * @param strings   string columns by name: codes into {@code dictionaries}
 */
public record RawEvents(
    int size,
    int[] user,
    int[] item,
    long[] timestamp,
    String[] userIds,
    String[] itemIds,
    Map<String, float[]> numeric,
    Map<String, int[]> strings,
    Map<String, String[]> dictionaries) {}
