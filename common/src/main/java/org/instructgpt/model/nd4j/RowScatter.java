package org.instructgpt.model.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * target[rows[i], :] += src[i, :], correct for repeated rows. Written by hand because libnd4j's gather backprop and
 * scatter-assign drop repeated token ids (deeplearning4j#9756).
 */
final class RowScatter {
    private RowScatter() {
    }

    static void addRows(INDArray target, int[] rows, INDArray src) {
        if (!target.isMatrix() || target.ordering() != 'c' || target.stride(1) != 1) {
            throw new IllegalArgumentException("target must be a c-order matrix");
        }
        INDArray s = src.ordering() == 'c' && !src.isView() ? src : src.dup('c');
        int width = (int) target.columns();
        long tOff = target.offset();
        long sOff = s.offset();
        if (target.dataType() == DataType.FLOAT) {
            FloatBuffer t = target.data().asNioFloat();
            FloatBuffer f = s.data().asNioFloat();
            for (int i = 0; i < rows.length; i++) {
                int tb = (int) (tOff + (long) rows[i] * width);
                int sb = (int) (sOff + (long) i * width);
                for (int c = 0; c < width; c++) {
                    t.put(tb + c, t.get(tb + c) + f.get(sb + c));
                }
            }
        } else if (target.dataType() == DataType.DOUBLE) {
            DoubleBuffer t = target.data().asNioDouble();
            DoubleBuffer f = s.data().asNioDouble();
            for (int i = 0; i < rows.length; i++) {
                int tb = (int) (tOff + (long) rows[i] * width);
                int sb = (int) (sOff + (long) i * width);
                for (int c = 0; c < width; c++) {
                    t.put(tb + c, t.get(tb + c) + f.get(sb + c));
                }
            }
        } else {
            throw new IllegalArgumentException("unsupported dtype " + target.dataType());
        }
    }
}
