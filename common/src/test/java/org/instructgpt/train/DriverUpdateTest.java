package org.instructgpt.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The driver's update on the heap (mean and norm in one pass, clipping as AdamW's factor, the moving average in one
 * pass) against the ND4J ops it replaced: the same floats, and a norm equal to a double-precision one.
 */
class DriverUpdateTest {
    /** Not a multiple of the blocks, chunks or vector lanes, so every tail is taken. */
    private static final int N = 3 * 8192 + 1037;

    private static float[] gaussian(long seed, float scale) {
        return gaussian(seed, scale, N);
    }

    /** n normal floats times {@code scale}, from {@code seed}. */
    static float[] gaussian(long seed, float scale, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return v;
    }

    @Test
    void theMeanIsAFloatDivisionAndItsNormIsExactToAFewUlps() {
        float[] sum = gaussian(1, 40f);
        INDArray nd = Nd4j.createFromArray(sum.clone());
        nd.divi(37.0);
        float[] mean = sum.clone();
        double norm = MeanGradient.divideAndNorm(mean, 37.0, 1);
        assertArrayEquals(nd.toFloatVector(), mean, 0f, "the same float division as ND4J's divi");
        double exact = 0;
        for (float x : mean) {
            exact += (double) x * x;
        }
        assertEquals(Math.sqrt(exact), norm, 1e-6 * Math.sqrt(exact));
        assertEquals(nd.norm2Number().doubleValue(), norm, 1e-5 * norm, "ND4J's norm");
        float[] again = sum.clone();
        assertEquals(norm, MeanGradient.divideAndNorm(again, 37.0, 1), 0.0, "the same bits on a second call");
    }

    @Test
    void aHeapGradientWithTheClippingFactorStepsLikeTheClippedNd4jGradient() {
        for (double maxNorm : new double[]{0.5, 1e9}) {
            INDArray mask = Nd4j.rand(DataType.FLOAT, N).gt(0.3).castTo(DataType.FLOAT);
            INDArray p1 = Nd4j.createFromArray(gaussian(2, 1f));
            INDArray p2 = p1.dup();
            AdamW a1 = new AdamW(p1, 0.9, 0.95, 1e-8, 0.1, mask);
            AdamW a2 = new AdamW(p2, 0.9, 0.95, 1e-8, 0.1, mask);
            for (int step = 0; step < 3; step++) {
                float[] sum = gaussian(10 + step, 3f);
                float[] g2 = sum.clone();
                double n2 = MeanGradient.divideAndNorm(g2, 4.0, 1);
                float scale = GradientClipping.scale(n2, maxNorm);
                a2.step(p2, g2, scale, 1e-2);
                // ND4J's norm differs in its last bits, which would change the factor's: the factor is taken as given.
                INDArray g1 = Nd4j.createFromArray(sum.clone()).divi(4.0);
                assertEquals(g1.norm2Number().doubleValue(), n2, 1e-5 * n2);
                a1.step(p1, scale < 1 ? g1.muli(scale) : g1, 1e-2);
                assertArrayEquals(p1.toFloatVector(), p2.toFloatVector(), 0f, "max norm " + maxNorm + ", step " + step);
                assertArrayEquals(a1.secondMoment().toFloatVector(), a2.secondMoment().toFloatVector(), 0f);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> new AdamW(Nd4j.zeros(DataType.FLOAT, 4), 0.9, 0.95, 1e-8, 0, null).step(Nd4j.zeros(DataType.FLOAT, 4), new float[3], 1f, 1e-3));
    }

    @Test
    void theMovingAverageIsTheNd4jFormula() {
        INDArray avg = Nd4j.createFromArray(gaussian(3, 1f));
        INDArray want = avg.dup();
        MovingAverage ema = new MovingAverage(avg);
        for (int step = 0; step < 3; step++) {
            INDArray x = Nd4j.createFromArray(gaussian(20 + step, 1f));
            want.muli(0.99f).addi(x.mul(0.01f));
            ema.update(x, 0.99);
            assertArrayEquals(want.toFloatVector(), avg.toFloatVector(), 0f, "step " + step);
        }
        INDArray column = Nd4j.rand(DataType.FLOAT, 40, 3).getColumn(1);
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, 40);
        new MovingAverage(zeros).update(column, 0.5);
        assertArrayEquals(column.mul(0.5f).toFloatVector(), zeros.toFloatVector(), 0f, "a view takes ND4J's ops");
    }

    @Test
    void theFirstPartitionIsCopiedAndAnEmptyStepSumsToZeros() {
        float[] buffer = gaussian(4, 1f);
        StepSum sum = new StepSum(0, buffer);
        float[] g0 = gaussian(5, 1f);
        float[] g1 = gaussian(6, 1f);
        sum.add(new ShardResult(0, FloatBytes.toBytes(g0), 1, 2, MetricSums.NONE, 0, null));
        sum.add(new ShardResult(1, FloatBytes.toBytes(g1), 1, 2, MetricSums.NONE, 0, null));
        float[] want = new float[N];
        for (int i = 0; i < N; i++) {
            want[i] = 0f + g0[i] + g1[i];
        }
        assertArrayEquals(want, sum.gradient(), 0f);
        StepSum empty = new StepSum(0, gaussian(7, 1f));
        empty.add(new ShardResult(0, null, 0, 0, MetricSums.NONE, 0, null));
        assertArrayEquals(new float[N], empty.gradient(), 0f);
    }
}
