package org.instructgpt.train;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.instructgpt.model.cpu.VectorSupport;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.FloatBuffer;

/**
 * AdamW (Loshchilov and Hutter) with decoupled weight decay and bias correction, as {@code torch.optim.AdamW}
 * computes it, on flat parameter buffers. A decay mask (1 = decay) lets biases and LayerNorm gains go undecayed.
 */
public final class AdamW {
    /** Elements per chunk of the fused float32 update (five arrays of this size stay in L2). */
    private static final int CHUNK = 8192;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final INDArray decayMask;
    private final INDArray m;
    private final INDArray v;
    private final INDArray scratch;
    /** The gradient as an ND4J array, for the unfused step from a heap array; made on first need. */
    private INDArray gradScratch;
    private long step;
    /** Threads of the fused update (0: the machine's cores); any number gives the same bits. */
    private int threads = 1;

    /** @param decayMask 1 where weight decay applies, 0 elsewhere; null decays everything */
    public AdamW(INDArray params, double beta1, double beta2, double eps, double weightDecay, INDArray decayMask) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decayMask = decayMask;
        this.m = params.ulike().assign(0);
        this.v = params.ulike().assign(0);
        this.scratch = params.ulike();
    }

    /**
     * Runs the fused update on {@code threads} threads (0: the machine's cores) from now on: the driver's cores while
     * the partitions wait for its parameters. Element-wise, so the same bits at every count.
     */
    public AdamW threads(int threads) {
        RangePool.resolve(threads);
        this.threads = threads;
        return this;
    }

    /**
     * Applies one update with learning rate {@code lr} to {@code params} given {@code grad} (left unchanged).
     * Works in place with one scratch buffer: temporaries of the model's size would cost more than the arithmetic.
     */
    public void step(INDArray params, INDArray grad, double lr) {
        step++;
        if (fusable(params, grad, m, v, decayMask)) {
            fusedStep(params, FloatBytes.floats(grad), null, 1f, lr);
            return;
        }
        unfusedStep(params, grad, lr);
    }

    /**
     * {@link #step(INDArray, INDArray, double)} with the gradient {@code scale} times {@code grad}, a heap array (the
     * driver's mean gradient, and the clipping's scale): read where it is, not first copied into an ND4J array.
     */
    public void step(INDArray params, float[] grad, float scale, double lr) {
        if (grad.length != params.length()) {
            throw new IllegalArgumentException("a gradient of " + grad.length + " for " + params.length() + " parameters");
        }
        step++;
        if (fusable(params, m, v, decayMask)) {
            fusedStep(params, null, grad, scale, lr);
            return;
        }
        if (gradScratch == null) {
            gradScratch = params.ulike();
        }
        FloatBytes.assign(gradScratch, grad);
        if (scale != 1f) {
            gradScratch.muli(scale);
        }
        unfusedStep(params, gradScratch, lr);
    }

    /** ND4J's ops, for arrays the fused step cannot read in place (another backend, a strided view). */
    private void unfusedStep(INDArray params, INDArray grad, double lr) {
        INDArray s = scratch;
        if (weightDecay != 0) {
            if (decayMask == null) {
                params.muli(1 - lr * weightDecay);
            } else {
                params.subi(s.assign(decayMask).muli(params).muli(lr * weightDecay));
            }
        }
        m.muli(beta1).addi(s.assign(grad).muli(1 - beta1));
        v.muli(beta2).addi(s.assign(grad).muli(grad).muli(1 - beta2));
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        Transforms.sqrt(s.assign(v), false).divi(Math.sqrt(bc2)).addi(eps);
        params.subi(s.rdivi(m).muli(lr / bc1));
    }

    /**
     * Contiguous CPU float32 vectors and the Vector API: one pass over memory instead of ND4J's eight (an M-sized
     * model's update took ~70 ms as ND4J ops, ~10% of a training step).
     */
    private static boolean fusable(INDArray... arrays) {
        if (!VectorSupport.available()) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a != null && !FloatBytes.direct(a)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The same update as the ND4J path, in float32 chunks on the heap, with the gradient {@code scale} times the one in
     * {@code gb} or, if that is null, in {@code gHeap} (a scale of 1 multiplies exactly).
     */
    private void fusedStep(INDArray params, FloatBuffer gb, float[] gHeap, float scale, double lr) {
        FloatBuffer pb = FloatBytes.floats(params);
        FloatBuffer mb = FloatBytes.floats(m);
        FloatBuffer vb = FloatBytes.floats(v);
        FloatBuffer db = decayMask == null ? null : FloatBytes.floats(decayMask);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float decay = (float) (lr * weightDecay);
        float sqrtBc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float e = (float) eps;
        RangePool.run((int) params.length(), CHUNK, threads, (from, to) -> fusedRange(from, to, pb, gb, gHeap, mb, vb, db,
                scale, b1, b2, decay, sqrtBc2, stepSize, e));
    }

    /** {@link #fusedStep} over elements [from, to), chunk by chunk. */
    private static void fusedRange(int from, int to, FloatBuffer pb, FloatBuffer gb, float[] gHeap, FloatBuffer mb,
                                   FloatBuffer vb, FloatBuffer db, float scale, float b1, float b2, float decay,
                                   float sqrtBc2, float stepSize, float e) {
        VectorSpecies<Float> f = FloatVector.SPECIES_PREFERRED;
        // Duplicates: a buffer's absolute reads and writes leave it unchanged, but its contract is one thread.
        pb = pb.duplicate();
        mb = mb.duplicate();
        vb = vb.duplicate();
        gb = gb == null ? null : gb.duplicate();
        db = db == null ? null : db.duplicate();
        float[] p = new float[CHUNK];
        float[] g = new float[CHUNK];
        float[] mm = new float[CHUNK];
        float[] vv = new float[CHUNK];
        float[] d = db == null ? null : new float[CHUNK];
        for (int at = from; at < to; at += CHUNK) {
            int len = Math.min(CHUNK, to - at);
            pb.get(at, p, 0, len);
            // A heap gradient is read where it is; an off-heap one is copied in by chunks like the rest.
            float[] gs = gHeap != null ? gHeap : g;
            int go = gHeap != null ? at : 0;
            if (gHeap == null) {
                gb.get(at, g, 0, len);
            }
            mb.get(at, mm, 0, len);
            vb.get(at, vv, 0, len);
            if (db != null) {
                db.get(at, d, 0, len);
            }
            int i = 0;
            for (int up = f.loopBound(len); i < up; i += f.length()) {
                FloatVector gi = FloatVector.fromArray(f, gs, go + i).mul(scale);
                FloatVector pi = FloatVector.fromArray(f, p, i);
                // Without a mask every entry decays: 1 * p is p, so skipping the mask's product keeps the bits.
                FloatVector masked = db == null ? pi : FloatVector.fromArray(f, d, i).mul(pi);
                pi = pi.sub(masked.mul(decay));
                FloatVector mi = FloatVector.fromArray(f, mm, i).mul(b1).add(gi.mul(1 - b1));
                FloatVector vi = FloatVector.fromArray(f, vv, i).mul(b2).add(gi.mul(gi).mul(1 - b2));
                FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(sqrtBc2).add(e);
                pi.sub(mi.div(denom).mul(stepSize)).intoArray(p, i);
                mi.intoArray(mm, i);
                vi.intoArray(vv, i);
            }
            for (; i < len; i++) {
                float gi = gs[go + i] * scale;
                float pi = p[i] - (db == null ? p[i] : d[i] * p[i]) * decay;
                mm[i] = mm[i] * b1 + gi * (1 - b1);
                vv[i] = vv[i] * b2 + gi * gi * (1 - b2);
                p[i] = pi - mm[i] / ((float) Math.sqrt(vv[i]) / sqrtBc2 + e) * stepSize;
            }
            pb.put(at, p, 0, len);
            mb.put(at, mm, 0, len);
            vb.put(at, vv, 0, len);
        }
    }

    public long stepCount() {
        return step;
    }

    public INDArray firstMoment() {
        return m;
    }

    public INDArray secondMoment() {
        return v;
    }

    /** Restores the moments and step count from a checkpoint. */
    public void restore(INDArray firstMoment, INDArray secondMoment, long stepCount) {
        m.assign(firstMoment);
        v.assign(secondMoment);
        step = stepCount;
    }
}
