package org.instructgpt.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * GPT-2 hyper-parameters with the field names of Hugging Face's {@code config.json}.
 * Fields we do not interpret are kept, so a config read and written again loses nothing.
 */
public final class GptConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public final int vocabSize;
    public final int nPositions;
    public final int nEmbd;
    public final int nLayer;
    public final int nHead;
    public final int nInner;
    public final double layerNormEpsilon;
    public final double residPdrop;
    public final double embdPdrop;
    public final double attnPdrop;
    public final int bosTokenId;
    public final int eosTokenId;
    /** -1 when the config has none. */
    public final int padTokenId;
    public final boolean scaleAttnByInverseLayerIdx;
    private final ObjectNode raw;

    private GptConfig(ObjectNode raw) {
        this.raw = raw;
        vocabSize = required(raw, "vocab_size").asInt();
        nPositions = required(raw, "n_positions").asInt();
        nEmbd = required(raw, "n_embd").asInt();
        nLayer = required(raw, "n_layer").asInt();
        nHead = required(raw, "n_head").asInt();
        JsonNode inner = raw.get("n_inner");
        nInner = inner == null || inner.isNull() ? 4 * nEmbd : inner.asInt();
        layerNormEpsilon = raw.path("layer_norm_epsilon").asDouble(1e-5);
        residPdrop = raw.path("resid_pdrop").asDouble(0.1);
        embdPdrop = raw.path("embd_pdrop").asDouble(0.1);
        attnPdrop = raw.path("attn_pdrop").asDouble(0.1);
        bosTokenId = raw.path("bos_token_id").asInt(vocabSize - 1);
        eosTokenId = raw.path("eos_token_id").asInt(vocabSize - 1);
        JsonNode pad = raw.get("pad_token_id");
        padTokenId = pad == null || pad.isNull() ? -1 : pad.asInt();
        scaleAttnByInverseLayerIdx = raw.path("scale_attn_by_inverse_layer_idx").asBoolean(false);
        String act = raw.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new")) {
            throw new IllegalArgumentException("activation_function '" + act + "' is not supported (only gelu_new, as GPT-2 uses)");
        }
        if (!raw.path("scale_attn_weights").asBoolean(true)) {
            throw new IllegalArgumentException("scale_attn_weights=false is not supported");
        }
        if (!raw.path("tie_word_embeddings").asBoolean(true)) {
            throw new IllegalArgumentException("tie_word_embeddings=false is not supported: GPT-2's LM head is tied");
        }
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not divisible by n_head " + nHead);
        }
        if (vocabSize <= 0 || nPositions <= 0 || nLayer <= 0 || nHead <= 0) {
            throw new IllegalArgumentException("config sizes must be positive: " + raw);
        }
    }

    private static JsonNode required(ObjectNode raw, String field) {
        JsonNode n = raw.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("config.json lacks required field '" + field + "'");
        }
        return n;
    }

    /** A GPT-2 config with dropout off and the given sizes; special ids default to the last three tokens. */
    public static GptConfig of(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "gpt2");
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("activation_function", "gelu_new");
        n.put("vocab_size", vocabSize);
        n.put("n_positions", nPositions);
        n.put("n_embd", nEmbd);
        n.put("n_layer", nLayer);
        n.put("n_head", nHead);
        n.putNull("n_inner");
        n.put("layer_norm_epsilon", 1e-5);
        n.put("resid_pdrop", 0.0);
        n.put("embd_pdrop", 0.0);
        n.put("attn_pdrop", 0.0);
        n.put("initializer_range", 0.02);
        n.put("scale_attn_weights", true);
        n.put("tie_word_embeddings", true);
        n.put("bos_token_id", vocabSize - 3);
        n.put("eos_token_id", vocabSize - 2);
        n.put("pad_token_id", vocabSize - 1);
        return new GptConfig(n);
    }

    public static GptConfig fromJson(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (!(n instanceof ObjectNode o)) {
                throw new IllegalArgumentException("config.json is not a JSON object");
            }
            return new GptConfig(o);
        } catch (IOException e) {
            throw new UncheckedIOException("config.json is not valid JSON: " + e.getMessage(), e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy with one field changed (for example dropout for SFT, or the architecture name). */
    public GptConfig with(String field, Object value) {
        ObjectNode copy = raw.deepCopy();
        copy.set(field, JSON.valueToTree(value));
        return new GptConfig(copy);
    }

    public GptConfig withDropout(double p) {
        return with("resid_pdrop", p).with("embd_pdrop", p).with("attn_pdrop", p);
    }

    /** The config Hugging Face expects for {@code GPT2ForSequenceClassification} with one label (reward/value model). */
    public GptConfig asScalarModel() {
        ObjectNode copy = raw.deepCopy();
        ArrayNode arch = copy.putArray("architectures");
        arch.add("GPT2ForSequenceClassification");
        copy.put("num_labels", 1);
        ObjectNode id2label = copy.putObject("id2label");
        id2label.put("0", "LABEL_0");
        ObjectNode label2id = copy.putObject("label2id");
        label2id.put("LABEL_0", 0);
        return new GptConfig(copy);
    }

    /** A numeric field we do not interpret ourselves (such as the reward model's bias), or the fallback. */
    public double number(String field, double fallback) {
        JsonNode n = raw.get(field);
        return n != null && n.isNumber() ? n.asDouble() : fallback;
    }

    public String architecture() {
        return raw.path("architectures").path(0).asText("GPT2LMHeadModel");
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    /** What attention scores of block {@code layer} are multiplied by: 1/sqrt(head dim), and 1/(layer+1) if asked. */
    public double attentionScale(int layer) {
        double s = 1.0 / Math.sqrt(headDim());
        return scaleAttnByInverseLayerIdx ? s / (layer + 1) : s;
    }

    /** Parameters of the transformer with its tied LM head (the score head adds {@code nEmbd}). */
    public long parameterCount() {
        long c = nEmbd;
        long block = 2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * nInner + nInner) + ((long) nInner * c + c);
        return (long) vocabSize * c + (long) nPositions * c + nLayer * block + 2 * c;
    }

    /** Forward FLOPs per token of a training sequence of length {@code t} (matmuls only, as is customary). */
    public double forwardFlopsPerToken(int t) {
        double c = nEmbd;
        double perLayer = 2 * (c * 3 * c + c * c + 2 * c * nInner) + 2 * 2 * t * c;
        return nLayer * perLayer + 2 * c * vocabSize;
    }

    @Override
    public String toString() {
        return "GptConfig{vocab=" + vocabSize + ", positions=" + nPositions + ", embd=" + nEmbd + ", layers=" + nLayer
                + ", heads=" + nHead + ", inner=" + nInner + "}";
    }
}
