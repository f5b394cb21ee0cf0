package org.instructgpt.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The first non-finite entry is found wherever it sits: in a vector, in a block's tail, in the last block. */
class FiniteCheckTest {
    private static final int N = 3 * 8192 + 21;

    @Test
    void findsTheFirstNanOrInfinityAnywhere() {
        INDArray a = Nd4j.rand(DataType.FLOAT, N).subi(0.5f).muli(1e30f);
        assertEquals(-1, FiniteCheck.firstNonFinite(a));
        for (int at : new int[]{0, 15, 16, 8191, 8192, 2 * 8192 + 3, N - 21, N - 1}) {
            for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                INDArray b = a.dup();
                b.putScalar(at, bad);
                b.putScalar(N - 1, Float.NaN);
                assertEquals(at, FiniteCheck.firstNonFinite(b), "at " + at + " " + bad);
            }
        }
        INDArray edge = a.dup();
        edge.putScalar(100, Float.MAX_VALUE);
        edge.putScalar(101, -Float.MAX_VALUE);
        assertEquals(-1, FiniteCheck.firstNonFinite(edge), "the largest floats are finite");
    }

    @Test
    void aViewThatIsNotContiguousIsCheckedToo() {
        INDArray m = Nd4j.rand(DataType.FLOAT, 40, 30);
        m.putScalar(7, 3, Float.NaN);
        INDArray column = m.getColumn(3);
        assertEquals(7, FiniteCheck.firstNonFinite(column));
    }
}
