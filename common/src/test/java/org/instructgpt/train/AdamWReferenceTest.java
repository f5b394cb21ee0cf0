package org.instructgpt.train;

import org.instructgpt.Fixtures;
import org.instructgpt.io.SafeTensorsReader;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Five steps of torch.optim.AdamW with clipping and warm-up/cosine (fixtures/torch-adamw in the test resources). */
class AdamWReferenceTest {
    private static final String[] NAMES = {"w", "b", "ln"};
    private static final double[] LR_USED = {0.005, 0.01, 0.01, 0.008681980515339464, 0.0055000000000000005};
    private static final double[] NORMS = {3.2712087631225586, 19.271936416625977, 3.2101104259490967, 3.359020471572876, 3.618265151977539};

    private static INDArray flat(SafeTensorsReader r, String prefix) throws IOException {
        INDArray[] parts = new INDArray[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            parts[i] = r.read(prefix + NAMES[i], DataType.FLOAT).reshape(-1);
        }
        return Nd4j.concat(0, parts);
    }

    @Test
    void everyStepMatchesPyTorch() throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(Fixtures.localFs(), Fixtures.resource("fixtures/torch-adamw/adamw.safetensors"))) {
            INDArray params = flat(r, "p0.");
            AdamW opt = new AdamW(params, 0.9, 0.95, 1e-8, 0.1, null);
            LearningRateSchedule schedule = LearningRateSchedule.warmupCosine(2, 6, 0.1);
            for (int k = 1; k <= 5; k++) {
                double lr = 0.01 * schedule.factor(k - 1);
                assertEquals(LR_USED[k - 1], lr, 1e-12, "learning rate of step " + k);
                INDArray grad = flat(r, "g" + k + ".");
                double norm = GradientClipping.clipGlobalNorm(grad, 1.0);
                assertEquals(NORMS[k - 1], norm, 1e-5 * NORMS[k - 1], "gradient norm of step " + k);
                opt.step(params, grad, lr);
                INDArray want = flat(r, "p" + k + ".");
                double rel = params.sub(want).amaxNumber().doubleValue() / want.amaxNumber().doubleValue();
                assertTrue(rel < 1e-6, "step " + k + " parameters differ by " + rel + " relative");
            }
            INDArray m = flat(r, "exp_avg.");
            INDArray v = flat(r, "exp_avg_sq.");
            assertTrue(opt.firstMoment().sub(m).amaxNumber().doubleValue() <= 1e-6 * m.amaxNumber().doubleValue());
            assertTrue(opt.secondMoment().sub(v).amaxNumber().doubleValue() <= 1e-6 * v.amaxNumber().doubleValue());
        }
    }

    @Test
    void floatUpdateOnTheHeapMatchesTheNd4jUpdateWithADecayMask() {
        // float32 buffers take the fused heap path (when the Vector API is present), double ones the ND4J ops.
        int n = 20_003;
        INDArray pd = Nd4j.rand(DataType.DOUBLE, n).subi(0.5);
        INDArray mask = Nd4j.rand(DataType.DOUBLE, n).gt(0.3).castTo(DataType.DOUBLE);
        INDArray pf = pd.castTo(DataType.FLOAT);
        AdamW od = new AdamW(pd, 0.9, 0.95, 1e-8, 0.1, mask);
        AdamW of = new AdamW(pf, 0.9, 0.95, 1e-8, 0.1, mask.castTo(DataType.FLOAT));
        for (int k = 1; k <= 4; k++) {
            INDArray g = Nd4j.rand(DataType.DOUBLE, n).subi(0.5).muli(k);
            od.step(pd, g, 0.01);
            of.step(pf, g.castTo(DataType.FLOAT), 0.01);
            double rel = pf.castTo(DataType.DOUBLE).sub(pd).amaxNumber().doubleValue() / pd.amaxNumber().doubleValue();
            assertTrue(rel < 1e-6, "step " + k + ": float differs from double by " + rel);
        }
        double mRel = of.firstMoment().castTo(DataType.DOUBLE).sub(od.firstMoment()).amaxNumber().doubleValue();
        assertTrue(mRel <= 1e-6 * od.firstMoment().amaxNumber().doubleValue());
    }
}
