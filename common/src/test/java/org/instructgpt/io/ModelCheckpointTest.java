package org.instructgpt.io;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.Fixtures;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCheckpointTest {
    @TempDir
    java.nio.file.Path tmp;
    private final FileSystem fs = Fixtures.localFs();

    private Path dir(String name) {
        return new Path(tmp.resolve(name).toUri());
    }

    @Test
    void fixtureSavedAgainHasTheSameTensorsNamesAndConfig() throws IOException {
        ModelCheckpoint.Loaded in = ModelCheckpoint.load(fs, Fixtures.tinyGpt2(), DataType.FLOAT);
        assertFalse(in.verified(), "a plain Hugging Face directory has no manifest");
        Path out = dir("copy");
        ModelCheckpoint.save(fs, out, in.model(), new ByteLevelTokenizer(), null, Provenance.of("test"));
        assertTrue(fs.exists(new Path(out, CheckpointDir.SUCCESS)));
        try (SafeTensorsReader a = SafeTensorsReader.open(fs, new Path(Fixtures.tinyGpt2(), "model.safetensors"));
             SafeTensorsReader b = SafeTensorsReader.open(fs, new Path(out, "model.safetensors"))) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet(), "the same tensor names as Hugging Face writes");
            assertEquals("pt", b.metadata().get("format"));
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(a.readFloats(name), b.readFloats(name), name);
                assertArrayEquals(a.info(name).shape(), b.info(name).shape(), name);
            }
        }
        ModelCheckpoint.Loaded back = ModelCheckpoint.load(fs, out, DataType.FLOAT);
        assertTrue(back.verified());
        assertEquals(in.model().config().toJson(), back.model().config().toJson());
        assertTrue(back.tokenizer().isPresent());
        assertEquals("test", back.provenance().orElseThrow().json().path("stage").asText());
        assertEquals(0, back.model().params().flat().sub(in.model().params().flat()).amaxNumber().doubleValue());
    }

    @Test
    void rewardModelSavesAsSequenceClassification() throws IOException {
        Gpt2Model rm = ModelCheckpoint.load(fs, Fixtures.tinyGpt2Rm(), DataType.FLOAT).model();
        Path out = dir("rm");
        ModelCheckpoint.save(fs, out, rm, null, null, null);
        String config = new String(Fs.readAll(fs, new Path(out, "config.json")));
        assertTrue(config.contains("GPT2ForSequenceClassification"));
        try (SafeTensorsReader r = SafeTensorsReader.open(fs, new Path(out, "model.safetensors"))) {
            assertArrayEquals(new long[]{1, 64}, r.info("score.weight").shape());
        }
        assertTrue(ModelCheckpoint.load(fs, out, DataType.FLOAT).model().hasScoreHead());
    }

    @Test
    void loadsWithoutTheTransformerPrefixAndFromHalfPrecision() throws IOException {
        Gpt2Model ref = ModelCheckpoint.load(fs, Fixtures.tinyGpt2(), DataType.FLOAT).model();
        Path out = dir("bare");
        fs.mkdirs(out);
        Files.copy(tmp.getFileSystem().getPath(Fixtures.tinyGpt2().toUri().getPath(), "config.json"), tmp.resolve("bare/config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (String name : ref.params().names()) {
            w.add(name.replaceFirst("^transformer\\.", ""), ref.params().get(name), TensorDType.BF16);
        }
        w.add("h.0.attn.bias", Nd4j.ones(DataType.FLOAT, 1, 1, 4, 4));
        w.write(fs, new Path(out, "model.safetensors"));
        Gpt2Model loaded = ModelCheckpoint.load(fs, out, DataType.FLOAT).model();
        double scale = ref.params().flat().amaxNumber().doubleValue();
        assertTrue(loaded.params().flat().sub(ref.params().flat()).amaxNumber().doubleValue() < scale / 100);
    }

    @Test
    void refusesShardsOutsideTheDirectoryAndTensorsGivenTwice() throws IOException {
        Gpt2Model ref = ModelCheckpoint.load(fs, Fixtures.tinyGpt2(), DataType.FLOAT).model();
        java.nio.file.Path config = tmp.getFileSystem().getPath(Fixtures.tinyGpt2().toUri().getPath(), "config.json");
        Path sharded = dir("sharded");
        fs.mkdirs(sharded);
        Files.copy(config, tmp.resolve("sharded/config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (String name : ref.params().names()) {
            w.add(name, ref.params().get(name));
        }
        w.write(fs, new Path(tmp.resolve("outside.safetensors").toUri()));
        StringBuilder index = new StringBuilder("{\"weight_map\":{");
        for (String name : ref.params().names()) {
            index.append('"').append(name).append("\":\"../outside.safetensors\",");
        }
        index.setLength(index.length() - 1);
        Files.writeString(tmp.resolve("sharded/model.safetensors.index.json"), index + "}}");
        IOException e = assertThrows(IOException.class, () -> ModelCheckpoint.load(fs, sharded, DataType.FLOAT));
        assertTrue(e.getMessage().contains("'../outside.safetensors'") && e.getMessage().contains("not a file name inside"),
                e.getMessage());

        Path twice = dir("twice");
        fs.mkdirs(twice);
        Files.copy(config, tmp.resolve("twice/config.json"));
        SafeTensorsWriter both = new SafeTensorsWriter();
        for (String name : ref.params().names()) {
            both.add(name, ref.params().get(name));
        }
        both.add("wte.weight", ref.params().get(Gpt2Layout.WTE));
        both.write(fs, new Path(twice, "model.safetensors"));
        e = assertThrows(IOException.class, () -> ModelCheckpoint.load(fs, twice, DataType.FLOAT));
        assertTrue(e.getMessage().contains("a second time"), e.getMessage());
    }

    @Test
    void refusesTruncatedAlteredOrIncompleteCheckpoints() throws IOException {
        Gpt2Model m = ModelCheckpoint.load(fs, Fixtures.tinyGpt2(), DataType.FLOAT).model();
        TrainingState state = new TrainingState(17, Map.of("adam.m", Nd4j.ones(DataType.FLOAT, 5)), Map.of("rng", "123"));
        Path good = dir("good");
        ModelCheckpoint.save(fs, good, m, null, state, null);
        TrainingState back = ModelCheckpoint.load(fs, good, DataType.FLOAT).trainingState().orElseThrow();
        assertEquals(17, back.step());
        assertEquals("123", back.counters().get("rng"));
        assertEquals(5.0, back.tensors().get("adam.m").sumNumber().doubleValue());

        java.nio.file.Path weights = tmp.resolve("good/model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        String msg = assertThrows(CorruptCheckpointException.class, () -> ModelCheckpoint.load(fs, good, DataType.FLOAT)).getMessage();
        assertTrue(msg.contains("model.safetensors") && msg.contains("truncated or altered"), msg);

        Path altered = dir("altered");
        ModelCheckpoint.save(fs, altered, m, null, null, null);
        byte[] cfg = Files.readAllBytes(tmp.resolve("altered/config.json"));
        cfg[cfg.length / 2] ^= 1;
        Files.write(tmp.resolve("altered/config.json"), cfg);
        msg = assertThrows(CorruptCheckpointException.class, () -> ModelCheckpoint.load(fs, altered, DataType.FLOAT)).getMessage();
        assertTrue(msg.contains("config.json"), msg);

        Path incomplete = dir("incomplete");
        ModelCheckpoint.save(fs, incomplete, m, null, null, null);
        Files.delete(tmp.resolve("incomplete/_SUCCESS"));
        msg = assertThrows(CorruptCheckpointException.class, () -> ModelCheckpoint.load(fs, incomplete, DataType.FLOAT)).getMessage();
        assertTrue(msg.contains("_SUCCESS"), msg);
    }

    @Test
    void overwritingIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Gpt2Model m = ModelCheckpoint.load(fs, Fixtures.tinyGpt2(), DataType.FLOAT).model();
        Path out = dir("ckpt");
        ModelCheckpoint.save(fs, out, m, null, null, null);
        m.params().get(Gpt2Layout.WTE).addi(1);
        ModelCheckpoint.save(fs, out, m, null, null, null);
        INDArray loaded = ModelCheckpoint.load(fs, out, DataType.FLOAT).model().params().flat();
        assertEquals(0, loaded.sub(m.params().flat()).amaxNumber().doubleValue());
        try (Stream<java.nio.file.Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the checkpoint remains beside it");
        }
        try (Stream<java.nio.file.Path> s = Files.list(tmp.resolve("ckpt"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".crc")));
        }
    }
}
