package org.instructgpt.data.importers;

import com.fasterxml.jackson.databind.JsonNode;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.DatasetKind;

import java.io.Serializable;
import java.util.List;

/**
 * An input format: turns one input record (a JSON line or a Parquet row as JSON) into records of one dataset. A
 * record that cannot be read throws {@link FieldException}; the rules every record must pass (non-empty, K range,
 * ranks, limits) are checked afterwards by the validator, for all formats alike.
 */
public interface RecordFormat extends Serializable {
    /** The name on the command line ({@code --format}). */
    String name();

    DatasetKind kind();

    List<? extends DataRecord> parse(JsonNode record, ChatTemplate template);
}
