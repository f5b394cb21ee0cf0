package org.instructgpt.model;

import org.instructgpt.model.cpu.ArrayEngine;
import org.instructgpt.model.nd4j.Nd4jEngine;
import org.instructgpt.util.Seeds;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * A GPT-2 as Hugging Face's {@code GPT2LMHeadModel} defines it, with an optional scalar head ({@code score},
 * {@code [1, n_embd]}, no bias, as in {@code GPT2ForSequenceClassification}): its config, its parameters and their
 * gradient in one flat buffer each (laid out by {@link Gpt2Layout}), and the {@link GptEngine} that runs its passes,
 * chosen once when the model is made.
 *
 * <p>Executors keep one model per task slot and swap parameters in with {@code params().flat().assign(...)}.
 */
public final class Gpt2Model {
    private final GptConfig config;
    private final FlatParameters params;
    private final FlatParameters grads;
    private final boolean scoreHead;
    private final GptEngine engine;

    private Gpt2Model(GptConfig config, FlatParameters params, boolean scoreHead, EngineKind kind) {
        this.config = config;
        this.params = params;
        this.scoreHead = scoreHead;
        if (params.size() != Gpt2Layout.size(config, scoreHead)) {
            throw new IllegalArgumentException("parameter buffer does not match " + config);
        }
        this.grads = params.zerosLike();
        this.engine = kind.resolve(params.dataType()) == EngineKind.ARRAY ? new ArrayEngine(this) : new Nd4jEngine(this);
    }

    /** A model whose parameters are all zero (to be loaded or initialised), on the engine {@link EngineKind#AUTO} picks. */
    public static Gpt2Model create(GptConfig config, DataType dtype, boolean scoreHead) {
        return create(config, dtype, scoreHead, EngineKind.AUTO);
    }

    public static Gpt2Model create(GptConfig config, DataType dtype, boolean scoreHead, EngineKind engine) {
        return new Gpt2Model(config, FlatParameters.zeros(dtype, Gpt2Layout.shapes(config, scoreHead)), scoreHead, engine);
    }

    /**
     * GPT-2's initialisation: weights and embeddings N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 n_layer)),
     * LayerNorm weight 1, biases 0; the scalar head N(0, 1 / sqrt(n_embd + 1)), as the paper's reward model. Drawn in
     * Java from the seed, so it does not depend on the ND4J backend.
     */
    public void initialize(long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0x1417));
        double std = 0.02;
        for (String name : params.names()) {
            INDArray v = params.get(name);
            if (name.endsWith(".bias")) {
                v.assign(0);
            } else if (name.contains(".ln_") || name.startsWith("transformer.ln_f")) {
                v.assign(1);
            } else if (name.equals(Gpt2Layout.SCORE)) {
                initializeScoreHead(seed);
            } else {
                double s = name.endsWith("c_proj.weight") ? std / Math.sqrt(2.0 * config.nLayer) : std;
                fillGaussian(v, rng, s);
            }
        }
    }

    /** A fresh scalar head, N(0, 1 / sqrt(n_embd + 1)) (the reward model's initialisation over an LM). */
    public void initializeScoreHead(long seed) {
        SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0x5c0e));
        fillGaussian(params.get(Gpt2Layout.SCORE), rng, 1.0 / Math.sqrt(config.nEmbd + 1.0));
    }

    private static void fillGaussian(INDArray v, SplittableRandom rng, double std) {
        double[] values = new double[(int) v.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rng.nextGaussian() * std;
        }
        v.assign(Nd4j.createFromArray(values).castTo(v.dataType()).reshape(v.shape()));
    }

    public GptConfig config() {
        return config;
    }

    public FlatParameters params() {
        return params;
    }

    public FlatParameters grads() {
        return grads;
    }

    public boolean hasScoreHead() {
        return scoreHead;
    }

    public DataType dataType() {
        return params.dataType();
    }

    public GptEngine engine() {
        return engine;
    }

    /** See {@link GptEngine#forward}. */
    public PassOutput forward(ModelInput in, PassRequest request, ForwardMode mode) {
        if (request.scalar() && !scoreHead) {
            throw new IllegalStateException("this model has no score head");
        }
        return engine.forward(in, request, mode);
    }

    /** See {@link GptEngine#forwardBackward}. */
    public PassOutput forwardBackward(ModelInput in, PassRequest request, ForwardMode mode, GptEngine.Loss loss) {
        if (request.scalar() && !scoreHead) {
            throw new IllegalStateException("this model has no score head");
        }
        return engine.forwardBackward(in, request, mode, loss);
    }

    /** See {@link GptEngine#decoder}. */
    public Decoder decoder(int batch, int capacity) {
        if (capacity > config.nPositions) {
            throw new IllegalArgumentException("KV cache of " + capacity + " positions exceeds n_positions " + config.nPositions);
        }
        return engine.decoder(batch, capacity);
    }
}
