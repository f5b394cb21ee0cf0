package org.instructgpt.train;

import org.instructgpt.data.TokenizedExample;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.Provenance;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints, resume and the run's outputs, on the trainer test's data. */
class TrainingLoopTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void data() {
        DataParallelTrainerTest.data();
    }

    /** With dropout on, so a resumed run must also draw the masks of an uninterrupted one. */
    private static DataParallelTrainer<TokenizedExample> trainer() {
        Gpt2Model m = Gpt2Model.create(DataParallelTrainerTest.CFG.withDropout(0.1), DataType.FLOAT, false);
        m.initialize(5);
        return new DataParallelTrainer<>(DataParallelTrainerTest.sc, DataParallelTrainerTest.data,
                new LanguageModelObjective(ByteLevelTokenizer.PAD), m, DataParallelTrainerTest.OPT.withSteps(4), 21);
    }

    private TrainingLoop.Summary run(DataParallelTrainer<TokenizedExample> t, String out, long steps, boolean resume) {
        TrainingLoop.Settings s = new TrainingLoop.Settings("test", dir.resolve(out).toString(), steps, 1, 2, 1, 3, resume);
        return TrainingLoop.run(t, DataParallelTrainerTest.data, s, new ByteLevelTokenizer(), Provenance.of("test"));
    }

    /** Every epoch's weights, without optimizer state, with the epoch and that epoch's validation loss. */
    @Test
    void epochWeightsAreKeptWithTheirValidationLoss() throws Exception {
        DataParallelTrainer<TokenizedExample> t = trainer();
        TrainingLoop.Settings s = new TrainingLoop.Settings("test", dir.resolve("ep").toString(), 4, 1, 2, 4, 3, false)
                .withEpochWeights(2);
        TrainingLoop.run(t, DataParallelTrainerTest.data, s, new ByteLevelTokenizer(), Provenance.of("test"));
        List<Double> losses = Files.readAllLines(dir.resolve("ep/metrics.jsonl")).stream()
                .filter(l -> l.contains("\"kind\":\"validation\"")).map(l -> {
                    try {
                        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(l).get("loss").asDouble();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList();
        assertEquals(2, losses.size());
        for (int e = 1; e <= 2; e++) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir.resolve("ep/epochs/epoch-00" + e).toString());
            ModelCheckpoint.Loaded l = ModelCheckpoint.load(org.instructgpt.io.Fs.of(p), p, DataType.FLOAT);
            assertFalse(l.trainingState().isPresent(), "weights only");
            assertEquals(e, l.provenance().orElseThrow().json().get("epoch").asLong());
            assertEquals(2L * e, l.provenance().orElseThrow().json().get("step").asLong());
            assertEquals(losses.get(e - 1), l.provenance().orElseThrow().json().get("validation_loss").asDouble(), 0);
        }
        org.apache.hadoop.fs.Path fin = new org.apache.hadoop.fs.Path(dir.resolve("ep/final").toString());
        assertFalse(ModelCheckpoint.load(org.instructgpt.io.Fs.of(fin), fin, DataType.FLOAT).provenance().orElseThrow()
                .json().has("epoch"), "an epoch's fields stay with its weights");
    }

    @Test
    void aResumedRunEndsWithTheParametersOfAnUninterruptedOne() throws Exception {
        DataParallelTrainer<TokenizedExample> whole = trainer();
        run(whole, "whole", 4, false);

        run(trainer(), "parts", 2, false);
        // Damage the newest checkpoint: resume must skip it and start from step 1.
        Path newest = dir.resolve("parts/checkpoints/step-00000002/model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.seek(f.length() - 5);
            f.write(0x5A);
        }
        DataParallelTrainer<TokenizedExample> resumed = trainer();
        run(resumed, "parts", 4, true);

        // All of the state: step, parameters, both moments, the optimizer's step count.
        assertEquals(4, resumed.step());
        assertArrayEquals(whole.model().params().flat().toFloatVector(), resumed.model().params().flat().toFloatVector());
        assertArrayEquals(whole.optimizer().firstMoment().toFloatVector(), resumed.optimizer().firstMoment().toFloatVector());
        assertArrayEquals(whole.optimizer().secondMoment().toFloatVector(), resumed.optimizer().secondMoment().toFloatVector());
        assertEquals(whole.optimizer().stepCount(), resumed.optimizer().stepCount());
        List<String> lines = Files.readAllLines(dir.resolve("parts/metrics.jsonl"));
        assertEquals(Files.readAllLines(dir.resolve("whole/metrics.jsonl")).size(), lines.size());
        assertTrue(lines.stream().filter(l -> l.contains("\"kind\":\"train\"")).count() == 4, lines.toString());
        // The last K checkpoints are kept; final and best beside them.
        try (var s = Files.list(dir.resolve("whole/checkpoints"))) {
            assertEquals(List.of("step-00000002", "step-00000003", "step-00000004"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.exists(dir.resolve("whole/loss.png")));
        ModelCheckpoint.Loaded fin = ModelCheckpoint.load(org.instructgpt.io.Fs.of(new org.apache.hadoop.fs.Path(
                dir.resolve("whole/final").toString())), new org.apache.hadoop.fs.Path(dir.resolve("whole/final").toString()),
                DataType.FLOAT);
        assertTrue(fin.verified());
        assertEquals(4, fin.trainingState().orElseThrow().step());
        assertArrayEquals(whole.model().params().flat().toFloatVector(), fin.model().params().flat().toFloatVector());
        assertTrue(Files.exists(dir.resolve("whole/best/model.safetensors")));
    }

    /** best/ and final/ are replaced only by a complete new version: a write that fails leaves the previous one. */
    @Test
    void aFailedRewriteOfANamedCheckpointKeepsThePreviousOne() {
        DataParallelTrainer<TokenizedExample> t = trainer();
        CheckpointManager cm = new CheckpointManager(dir.resolve("named").toString(), 2);
        cm.saveNamed("best", t, new ByteLevelTokenizer(), Provenance.of("test"));
        t.runStep();
        ByteLevelTokenizer real = new ByteLevelTokenizer();
        // A write that fails half-way: the tokenizer's files cannot be produced.
        org.instructgpt.tokenizer.Tokenizer broken = new org.instructgpt.tokenizer.Tokenizer() {
            public int[] encode(String text) {
                return real.encode(text);
            }

            public String decode(int[] ids) {
                return real.decode(ids);
            }

            public int vocabSize() {
                return real.vocabSize();
            }

            public int bosId() {
                return real.bosId();
            }

            public int eosId() {
                return real.eosId();
            }

            public int padId() {
                return real.padId();
            }

            public java.util.Map<String, byte[]> files() {
                throw new IllegalStateException("disk full");
            }
        };
        assertThrows(RuntimeException.class, () -> cm.saveNamed("best", t, broken, Provenance.of("test")));
        org.apache.hadoop.fs.Path best = new org.apache.hadoop.fs.Path(dir.resolve("named/best").toString());
        ModelCheckpoint.Loaded kept = assertDoesNotThrow(() -> ModelCheckpoint.load(org.instructgpt.io.Fs.of(best), best,
                DataType.FLOAT));
        assertTrue(kept.verified());
        assertEquals(0, kept.trainingState().orElseThrow().step());
    }

    @Test
    void aSecondRunIntoTheSameOutputMustResume() {
        run(trainer(), "once", 1, false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(trainer(), "once", 2, false));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("once/checkpoints/step-00000002")));
    }
}
