package org.instructgpt;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.io.SafeTensorsReader;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;

/** The Hugging Face reference fixtures copied into the test resources (see src/test/resources/README.md). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path resource(String name) {
        URL url = Fixtures.class.getResource("/" + name);
        if (url == null) {
            throw new IllegalStateException("test resource " + name + " is missing");
        }
        try {
            return new Path(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static FileSystem localFs() {
        return Fs.of(new Path("file:///"));
    }

    public static Path tinyGpt2() {
        return resource("instructgpt/models/tiny-gpt2");
    }

    public static Path tinyGpt2Rm() {
        return resource("instructgpt/models/tiny-gpt2-rm");
    }

    public static Gpt2Model load(Path dir, DataType dtype) {
        return load(dir, dtype, EngineKind.AUTO);
    }

    public static Gpt2Model load(Path dir, DataType dtype, EngineKind engine) {
        try {
            return ModelCheckpoint.load(localFs(), dir, dtype, engine).model();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A reward model of {@code cfg}'s shape with random weights (the body from {@code seed}, the scalar head from
     * {@code seed + 1}) and the byte-level tokenizer, saved as a checkpoint at {@code dir}.
     */
    public static void saveRandomRewardModel(Path dir, GptConfig cfg, long seed) throws IOException {
        Gpt2Model rm = Gpt2Model.create(cfg.asScalarModel(), DataType.FLOAT, true);
        rm.initialize(seed);
        rm.initializeScoreHead(seed + 1);
        ModelCheckpoint.save(localFs(), dir, rm, new ByteLevelTokenizer(), null, null);
    }

    /** reference.safetensors: inputs, logits, loss, gradients, generations, reward scores. */
    public static final class Reference implements AutoCloseable {
        private final SafeTensorsReader reader;

        public Reference() {
            try {
                reader = SafeTensorsReader.open(localFs(), resource("fixtures/hf-gpt2-tiny/reference.safetensors"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public INDArray floats(String name) {
            try {
                return reader.read(name, DataType.FLOAT);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public int[][] ints(String name) {
            try {
                long[] v = reader.readLongs(name);
                long[] shape = reader.info(name).shape();
                int rows = (int) shape[0];
                int cols = (int) (v.length / rows);
                int[][] out = new int[rows][cols];
                for (int i = 0; i < v.length; i++) {
                    out[i / cols][i % cols] = (int) v[i];
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public SafeTensorsReader reader() {
            return reader;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
