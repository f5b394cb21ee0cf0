package org.instructgpt.eval;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.apache.spark.api.java.JavaRDD;
import org.instructgpt.data.DataRecord;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.generate.TextSampler;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.ModelPool;
import org.instructgpt.stats.Estimate;
import org.instructgpt.tokenizer.Tokenizer;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The alignment tax as a cloze task, in the manner of LAMBADA (which the paper's GPT-3 baselines report): in text
 * never pre-trained on, the last word of each sentence is to be completed from what precedes it, and a model is right
 * when its greedy continuation reproduces the word exactly, every token of it. Accuracy over words, with 95%
 * intervals that resample documents, and each model's difference from a baseline on the same words.
 */
public final class ClozeAccuracy {
    /** A sentence-final word of at least three letters, with enough of the document before it to be guessable. */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=\\s)([A-Za-z]{3,})(?=[.!?])");
    static final int MIN_CONTEXT_CHARS = 64;
    private static final int BATCH = 32;

    private ClozeAccuracy() {
    }

    /** One model's accuracy and its difference from the baseline's (null for the baseline), over {@code words}. */
    public record Result(@JsonProperty("accuracy") Estimate accuracy, @JsonProperty("difference") Estimate difference,
                         @JsonProperty("words") long words) implements Serializable {
    }

    /** A word to complete and the text before it. */
    record Item(String context, String word) implements Serializable {
    }

    /** One document's number of words and each model's number completed exactly. */
    record DocumentHits(double words, double[] hits) implements Serializable {
    }

    /** The cloze items of a document: each sentence's last word after at least {@link #MIN_CONTEXT_CHARS} characters. */
    static List<Item> items(String text) {
        List<Item> out = new ArrayList<>();
        Matcher m = SENTENCE_END.matcher(text);
        while (m.find()) {
            if (m.start() >= MIN_CONTEXT_CHARS) {
                out.add(new Item(text.substring(0, m.start()), m.group(1)));
            }
        }
        return out;
    }

    /** @param models name to checkpoint, each with a tokenizer; {@code baseline} one of the names */
    public static Map<String, Result> measure(JavaRDD<DataRecord> documents, Map<String, String> models,
                                              String baseline, long seed) {
        List<String> names = new ArrayList<>(models.keySet());
        List<String> paths = names.stream().map(models::get).toList();
        int b = DocumentRatios.baselineIndex(names, baseline);
        List<DocumentHits> docs = documents.mapPartitions(it -> score(it, paths))
                .filter(d -> d.words() > 0).collect();
        double[] words = docs.stream().mapToDouble(DocumentHits::words).toArray();
        long total = Math.round(Arrays.stream(words).sum());
        Estimate[][] e = DocumentRatios.of(docs.stream().map(DocumentHits::hits).toList(), words, names.size(), b, seed);
        Map<String, Result> out = new LinkedHashMap<>();
        for (int m = 0; m < names.size(); m++) {
            out.put(names.get(m), new Result(e[m][0], e[m][1], total));
        }
        return out;
    }

    private static Iterator<DocumentHits> score(Iterator<DataRecord> docs, List<String> paths) {
        List<List<Item>> perDoc = new ArrayList<>();
        docs.forEachRemaining(d -> perDoc.add(items(((DataRecord.Document) d).text())));
        List<Item> all = perDoc.stream().flatMap(List::stream).toList();
        boolean[][] right = new boolean[paths.size()][];
        for (int m = 0; m < paths.size(); m++) {
            ModelCheckpoint.Loaded model = ModelPool.borrow(paths.get(m));
            try {
                right[m] = completes(model, paths.get(m), all);
            } finally {
                ModelPool.giveBack(paths.get(m), model);
            }
        }
        List<DocumentHits> out = new ArrayList<>();
        int at = 0;
        for (List<Item> items : perDoc) {
            double[] hits = new double[paths.size()];
            for (int i = 0; i < items.size(); i++, at++) {
                for (int m = 0; m < paths.size(); m++) {
                    hits[m] += right[m][at] ? 1 : 0;
                }
            }
            out.add(new DocumentHits(items.size(), hits));
        }
        return out.iterator();
    }

    /** Whether the model's greedy continuation of each item's context begins with exactly the item's word. */
    static boolean[] completes(ModelCheckpoint.Loaded model, String what, List<Item> items) {
        TextSampler sampler = new TextSampler(model, "cloze: " + what);
        Tokenizer tok = model.tokenizer().orElseThrow();
        boolean[] out = new boolean[items.size()];
        for (int from = 0; from < items.size(); from += BATCH) {
            List<Item> batch = items.subList(from, Math.min(items.size(), from + BATCH));
            int[][] words = batch.stream().map(x -> tok.encode(x.word())).toArray(int[][]::new);
            int longest = Arrays.stream(words).mapToInt(w -> w.length).max().orElse(1);
            // The sampler cuts each context from the left to leave the longest word room.
            List<TextSampler.Answer> got = sampler.answers(batch.stream().map(Item::context).toList(),
                    new long[batch.size()], SamplingConfig.greedy(longest));
            for (int i = 0; i < batch.size(); i++) {
                int[] g = got.get(i).responseIds();
                out[from + i] = g.length >= words[i].length && Arrays.equals(Arrays.copyOf(g, words[i].length), words[i]);
            }
        }
        return out;
    }
}
