package org.instructgpt.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.model.FlatParameters;
import org.instructgpt.model.GptConfig;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.tokenizer.Tokenizers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model checkpoint as a Hugging Face directory: {@code config.json} and {@code model.safetensors} with GPT-2's
 * tensor names (loadable as {@code GPT2LMHeadModel} or {@code GPT2ForSequenceClassification}), the tokenizer's files,
 * and our {@code training_state.safetensors} and {@code provenance.json}. Saving is atomic with a SHA-256 manifest;
 * loading verifies it, and also accepts plain Hugging Face directories (with or without the {@code transformer.}
 * prefix, sharded or not, F32/F16/BF16).
 */
public final class ModelCheckpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** What a checkpoint directory holds. */
    public record Loaded(Gpt2Model model, Optional<Tokenizer> tokenizer, Optional<TrainingState> trainingState,
                         Optional<Provenance> provenance, boolean verified) {
    }

    private ModelCheckpoint() {
    }

    public static void save(FileSystem fs, Path dir, Gpt2Model model, Tokenizer tokenizer, TrainingState state,
                            Provenance provenance) throws IOException {
        CheckpointDir.write(fs, dir, (f, tmp) -> {
            GptConfig cfg = model.hasScoreHead() && !model.config().architecture().equals("GPT2ForSequenceClassification")
                    ? model.config().asScalarModel() : model.config();
            writeBytes(f, new Path(tmp, CONFIG), cfg.toJson().getBytes(StandardCharsets.UTF_8));
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
            FlatParameters p = model.params();
            for (String name : p.names()) {
                w.add(name, p.get(name), TensorDType.F32);
            }
            w.write(f, new Path(tmp, WEIGHTS));
            if (tokenizer != null) {
                for (Map.Entry<String, byte[]> e : tokenizer.files().entrySet()) {
                    writeBytes(f, new Path(tmp, e.getKey()), e.getValue());
                }
            }
            if (state != null) {
                state.write(f, tmp);
            }
            if (provenance != null) {
                provenance.write(f, tmp);
            }
        });
    }

    static void writeBytes(FileSystem fs, Path p, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(p, true)) {
            out.write(bytes);
        }
    }

    public static Loaded load(FileSystem fs, Path dir, DataType dtype) throws IOException {
        return load(fs, dir, dtype, EngineKind.AUTO);
    }

    /** Loads a checkpoint directory (ours or a Hugging Face GPT-2) into a model on the given engine. */
    public static Loaded load(FileSystem fs, Path dir, DataType dtype, EngineKind engine) throws IOException {
        if (!fs.exists(dir)) {
            throw new IOException("checkpoint directory " + dir + " does not exist");
        }
        boolean managed = CheckpointDir.isManaged(fs, dir);
        if (managed) {
            CheckpointDir.verify(fs, dir);
        }
        Path configPath = new Path(dir, CONFIG);
        if (!fs.exists(configPath)) {
            throw new IOException(dir + " has no " + CONFIG);
        }
        GptConfig cfg = GptConfig.fromJson(new String(Fs.readAll(fs, configPath), StandardCharsets.UTF_8));
        Map<String, Path> files = weightFiles(fs, dir);
        boolean scoreHead = files.containsKey(Gpt2Layout.SCORE) || cfg.architecture().equals("GPT2ForSequenceClassification");
        Gpt2Model model = Gpt2Model.create(cfg, dtype, scoreHead, engine);
        loadWeights(fs, files, model.params());
        Optional<TrainingState> state = fs.exists(new Path(dir, TrainingState.FILE))
                ? Optional.of(TrainingState.read(fs, dir, dtype)) : Optional.empty();
        Optional<Provenance> prov = fs.exists(new Path(dir, Provenance.FILE))
                ? Optional.of(Provenance.read(fs, dir)) : Optional.empty();
        return new Loaded(model, Tokenizers.load(fs, dir), state, prov, managed);
    }

    /** Canonical tensor name to the file that holds it (one file, or the shards of an index). */
    private static Map<String, Path> weightFiles(FileSystem fs, Path dir) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Path single = new Path(dir, WEIGHTS);
        Path index = new Path(dir, WEIGHTS_INDEX);
        if (fs.exists(single)) {
            try (SafeTensorsReader r = SafeTensorsReader.open(fs, single)) {
                for (String name : r.tensors().keySet()) {
                    out.put(name, single);
                }
            }
        } else if (fs.exists(index)) {
            JsonNode map;
            try {
                map = STRICT_JSON.readTree(Fs.readAll(fs, index)).path("weight_map");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(index + " is not a valid index: " + e.getOriginalMessage());
            }
            if (!map.isObject() || map.isEmpty()) {
                throw new IOException(index + " has no weight_map");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText("");
                // A shard is a file of this directory: no path, so an index cannot point anywhere else.
                if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                        || shard.startsWith(".")) {
                    throw new IOException(index + ": tensor '" + e.getKey() + "' names shard '" + e.getValue().asText()
                            + "', which is not a file name inside " + dir);
                }
                out.put(e.getKey(), new Path(dir, shard));
            }
        } else {
            throw new IOException(dir + " has no " + WEIGHTS + " (only safetensors weights are read; convert "
                    + "pytorch_model.bin with Hugging Face's save_pretrained(safe_serialization=True))");
        }
        return out;
    }

    /** Maps a file's tensor name to ours, or null for buffers that are not parameters. */
    static String canonicalName(String name) {
        if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.equals("lm_head.weight")) {
            return null;
        }
        if (name.startsWith("transformer.") || name.startsWith("score.")) {
            return name;
        }
        return "transformer." + name;
    }

    private static void loadWeights(FileSystem fs, Map<String, Path> files, FlatParameters params) throws IOException {
        Map<Path, List<String>> byFile = new LinkedHashMap<>();
        files.forEach((name, file) -> byFile.computeIfAbsent(file, k -> new ArrayList<>()).add(name));
        Map<String, Boolean> seen = new HashMap<>();
        for (Map.Entry<Path, List<String>> e : byFile.entrySet()) {
            try (SafeTensorsReader r = SafeTensorsReader.open(fs, e.getKey())) {
                for (String fileName : e.getValue()) {
                    String name = canonicalName(fileName);
                    if (name == null) {
                        continue;
                    }
                    if (seen.containsKey(name)) {
                        throw new IOException(e.getKey() + ": tensor '" + fileName + "' is '" + name
                                + "' a second time (with and without the 'transformer.' prefix, or in two shards)");
                    }
                    if (!params.has(name)) {
                        throw new IOException(e.getKey() + ": unexpected tensor '" + fileName + "' (not a GPT-2 parameter)");
                    }
                    INDArray target = params.get(name);
                    long[] shape = r.info(fileName).shape();
                    if (!Arrays.equals(shape, target.shape())) {
                        throw new IOException(e.getKey() + ": tensor '" + fileName + "' has shape " + Arrays.toString(shape)
                                + ", the config implies " + Arrays.toString(target.shape()));
                    }
                    target.assign(r.read(fileName, target.dataType()));
                    seen.put(name, true);
                }
            }
        }
        for (String name : params.names()) {
            if (!seen.containsKey(name)) {
                throw new IOException("checkpoint weights lack tensor '" + name + "' (files: " + byFile.keySet() + ")");
            }
        }
    }
}
