package org.instructgpt.data;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.List;

import java.io.Serializable;

/** A typed row of one of the datasets; {@code split} is null until a split is assigned. */
public sealed interface DataRecord extends Serializable
        permits DataRecord.Document, DataRecord.Demonstration, DataRecord.Comparison, DataRecord.Prompt {

    DatasetKind kind();

    /** The text that identifies the row for de-duplication and, without a group, for the split: the prompt. */
    String key();

    /** The user or customer the row came from, or null. */
    String groupId();

    String split();

    DataRecord withSplit(String split);

    /** The Spark row in {@link DatasetKind#schema()} order. */
    Row toRow();

    static DataRecord fromRow(DatasetKind kind, Row r) {
        return switch (kind) {
            case PRETRAIN -> new Document(r.getAs("doc_id"), r.getAs("text"), r.getAs("split"));
            case DEMONSTRATIONS -> new Demonstration(r.getAs("prompt_id"), r.getAs("prompt"), r.getAs("completion"),
                    r.getAs("group_id"), r.getAs("task"), r.getAs("split"));
            case COMPARISONS -> new Comparison(r.getAs("prompt_id"), r.getAs("prompt"),
                    r.<Row>getList(r.fieldIndex("candidates")).stream()
                            .map(c -> new Candidate(c.getAs("completion"), c.<Integer>getAs("rank"))).toList(),
                    r.getAs("group_id"), r.getAs("task"), r.getAs("split"));
            case PROMPTS -> new Prompt(r.getAs("prompt_id"), r.getAs("prompt"), r.getAs("group_id"), r.getAs("task"),
                    r.getAs("split"));
        };
    }

    /** A document of pre-training text. */
    record Document(String docId, String text, String split) implements DataRecord {
        public DatasetKind kind() {
            return DatasetKind.PRETRAIN;
        }

        public String key() {
            return text;
        }

        public String groupId() {
            return docId;
        }

        public Document withSplit(String s) {
            return new Document(docId, text, s);
        }

        public Row toRow() {
            return RowFactory.create(docId, text, split);
        }
    }

    /** A prompt and a labeler's answer. */
    record Demonstration(String promptId, String prompt, String completion, String groupId, String task, String split)
            implements DataRecord {
        public DatasetKind kind() {
            return DatasetKind.DEMONSTRATIONS;
        }

        public String key() {
            return prompt;
        }

        public Demonstration withSplit(String s) {
            return new Demonstration(promptId, prompt, completion, groupId, task, s);
        }

        public Row toRow() {
            return RowFactory.create(promptId, prompt, completion, groupId, task, split);
        }
    }

    /** A prompt and K ranked answers. */
    record Comparison(String promptId, String prompt, List<Candidate> candidates, String groupId, String task,
                      String split) implements DataRecord {
        public DatasetKind kind() {
            return DatasetKind.COMPARISONS;
        }

        public String key() {
            return prompt;
        }

        public Comparison withSplit(String s) {
            return new Comparison(promptId, prompt, candidates, groupId, task, s);
        }

        public Row toRow() {
            List<Row> cs = candidates.stream().map(c -> RowFactory.create(c.completion(), c.rank())).toList();
            // Spark's row encoder wants a Scala Seq for an array column.
            return RowFactory.create(promptId, prompt, scala.collection.JavaConverters.asScalaBuffer(cs), groupId, task, split);
        }
    }

    /** A prompt for PPO or evaluation. */
    record Prompt(String promptId, String prompt, String groupId, String task, String split) implements DataRecord {
        public DatasetKind kind() {
            return DatasetKind.PROMPTS;
        }

        public String key() {
            return prompt;
        }

        public Prompt withSplit(String s) {
            return new Prompt(promptId, prompt, groupId, task, s);
        }

        public Row toRow() {
            return RowFactory.create(promptId, prompt, groupId, task, split);
        }
    }
}
