package org.instructgpt.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} run by the Rust tokenizers library through DJL, with truncation and padding
 * off and no special tokens added. Special-token ids come from {@code tokenizer_config.json} /
 * {@code special_tokens_map.json} when present, else from GPT-2's {@code <|endoftext|>}.
 */
public final class HuggingFaceTokenizerAdapter implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // DJL probes for CUDA when it first loads and logs "Failed to detect GPU count" on every CPU machine; its
        // tokenizers never use a GPU. Quieted here, before the first DJL class loads, whatever log configuration the
        // JVM runs with (ours, Spark's on a cluster). Only where log4j2 is the logging backend.
        try {
            org.apache.logging.log4j.core.config.Configurator.setLevel("ai.djl.util.cuda",
                    org.apache.logging.log4j.Level.ERROR);
        } catch (NoClassDefFoundError | RuntimeException ignored) {
            // another backend: its own configuration decides
        }
    }
    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, byte[]> files;
    private final int vocabSize;
    private final int bos;
    private final int eos;
    private final int pad;

    /** @param files {@code tokenizer.json} and optionally its companion files, by name */
    public HuggingFaceTokenizerAdapter(Map<String, byte[]> files) {
        byte[] json = files.get("tokenizer.json");
        if (json == null) {
            throw new IllegalArgumentException("a Hugging Face tokenizer needs tokenizer.json");
        }
        this.files = new LinkedHashMap<>(files);
        try {
            Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
            JsonNode root = JSON.readTree(json);
            Map<String, Integer> tokenIds = new LinkedHashMap<>();
            root.path("model").path("vocab").fields().forEachRemaining(e -> tokenIds.put(e.getKey(), e.getValue().asInt()));
            int max = tokenIds.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
            for (JsonNode t : root.path("added_tokens")) {
                tokenIds.put(t.path("content").asText(), t.path("id").asInt());
                max = Math.max(max, t.path("id").asInt());
            }
            vocabSize = max + 1;
            JsonNode special = JSON.createObjectNode();
            for (String name : new String[]{"special_tokens_map.json", "tokenizer_config.json"}) {
                if (files.containsKey(name)) {
                    special = merge(special, JSON.readTree(files.get(name)));
                }
            }
            int endOfText = tokenIds.getOrDefault("<|endoftext|>", -1);
            bos = idOf(special.get("bos_token"), tokenIds, endOfText);
            eos = idOf(special.get("eos_token"), tokenIds, endOfText);
            pad = idOf(special.get("pad_token"), tokenIds, -1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer.json: " + e.getMessage(), e);
        }
    }

    private static JsonNode merge(JsonNode a, JsonNode b) {
        var out = ((com.fasterxml.jackson.databind.node.ObjectNode) a).deepCopy();
        b.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                out.set(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    /** A special token is either a string or an object with "content". */
    private static int idOf(JsonNode token, Map<String, Integer> ids, int fallback) {
        if (token == null || token.isNull()) {
            return fallback;
        }
        String content = token.isTextual() ? token.asText() : token.path("content").asText();
        return ids.getOrDefault(content, fallback);
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public int padId() {
        return pad;
    }

    @Override
    public Map<String, byte[]> files() {
        return files;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
