package org.instructgpt.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.spark.api.java.JavaRDD;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.stats.Estimate;
import org.instructgpt.train.LanguageModelObjective;
import org.instructgpt.train.TrainingObjective;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alignment tax as the paper measures it on language modelling: each model's mean next-token loss (nats per
 * token) on pre-training text it never saw, and each model's difference from a baseline, with 95% intervals that
 * resample documents (a document's blocks are not independent). Documents are cut into blocks of the model's context
 * as pre-training cut them; the loss is evaluated on the executors.
 */
public final class HeldOutLoss {
    private HeldOutLoss() {
    }

    /** One model's held-out loss, and its difference from the baseline's (null for the baseline itself). */
    public record Result(@JsonProperty("loss") Estimate loss, @JsonProperty("difference") Estimate difference)
            implements Serializable {
    }

    /** One document's predicted tokens and each model's summed loss over them. */
    record DocumentLoss(double tokens, double[] loss) implements Serializable {
    }

    /**
     * @param models  name to checkpoint; every one must share the first one's tokenizer and context length
     * @param baseline the name whose loss every other is compared with
     */
    public static Map<String, Result> measure(JavaRDD<DataRecord> documents, Map<String, String> models, String baseline,
                                              int microBatch, long seed) {
        List<String> names = new ArrayList<>(models.keySet());
        List<String> paths = names.stream().map(models::get).toList();
        int b = DocumentRatios.baselineIndex(names, baseline);
        List<DocumentLoss> docs = documents.mapPartitions(it -> score(it, paths, microBatch)).collect();
        Estimate[][] e = DocumentRatios.of(docs.stream().map(DocumentLoss::loss).toList(),
                docs.stream().mapToDouble(DocumentLoss::tokens).toArray(), names.size(), b, seed);
        Map<String, Result> out = new LinkedHashMap<>();
        for (int m = 0; m < names.size(); m++) {
            out.put(names.get(m), new Result(e[m][0], e[m][1]));
        }
        return out;
    }

    private static Iterator<DocumentLoss> score(Iterator<DataRecord> docs, List<String> paths, int microBatch) {
        List<ModelCheckpoint.Loaded> loaded = new ArrayList<>();
        try {
            for (String p : paths) {
                loaded.add(ModelPool.borrow(p));
            }
            ModelCheckpoint.Loaded first = loaded.get(0);
            ExampleEncoder enc = new ExampleEncoder(first.tokenizer().orElseThrow(() -> new IllegalArgumentException(
                    paths.get(0) + " has no tokenizer")), first.model().config().nPositions);
            LanguageModelObjective lm = new LanguageModelObjective(first.tokenizer().get().padId());
            List<DocumentLoss> out = new ArrayList<>();
            while (docs.hasNext()) {
                List<TokenizedExample> blocks = enc.documentBlocks(((DataRecord.Document) docs.next()).text());
                double[] loss = new double[loaded.size()];
                double tokens = 0;
                for (int from = 0; from < blocks.size(); from += microBatch) {
                    List<TokenizedExample> micro = blocks.subList(from, Math.min(blocks.size(), from + microBatch));
                    for (int m = 0; m < loaded.size(); m++) {
                        TrainingObjective.LossSum s = lm.evaluate(loaded.get(m).model(), micro);
                        loss[m] += s.loss();
                        tokens = m == 0 ? tokens + s.weight() : tokens;
                    }
                }
                out.add(new DocumentLoss(tokens, loss));
            }
            return out.iterator();
        } finally {
            for (int i = 0; i < loaded.size(); i++) {
                ModelPool.giveBack(paths.get(i), loaded.get(i));
            }
        }
    }
}
