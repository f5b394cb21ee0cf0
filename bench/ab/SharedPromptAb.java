import org.instructgpt.model.*;
import java.lang.management.*;
import java.util.*;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A reward-model pass (forward and backward, scores at the last tokens; M, 16 sequences of 128 tokens) on random
 * sequences against sequences sharing a prompt of -Dprompt tokens (32) in groups of K 4, alternating in one JVM, timed
 * by the thread's CPU time: what computing a prompt's rows once gains, beside the share of rows it saves.
 * Arguments: rounds reps. Run as bench/ab/GemmPair.java says.
 */
public class SharedPromptAb {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int reps = Integer.parseInt(args[1]);
        int prompt = Integer.parseInt(System.getProperty("prompt", "32"));
        GptConfig cfg = GptConfig.of(256, 128, 256, 8, 8).asScalarModel();
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, true, EngineKind.ARRAY);
        model.initialize(1);
        model.initializeScoreHead(1);
        int batch = 16;
        SplittableRandom rng = new SplittableRandom(1);
        int[][] a = new int[batch][128], b = new int[batch][128];
        for (int[] r : a) for (int j = 0; j < 128; j++) r[j] = rng.nextInt(256);
        for (int s = 0; s < batch; s++) for (int j = 0; j < 128; j++) b[s][j] = (j < prompt && s % 4 != 0) ? b[s - s % 4][j] : rng.nextInt(256);
        ModelInput[] in = {ModelInput.of(a), ModelInput.of(b)};
        int[][] last = {ScalarHead.lastTokenRows(in[0]), ScalarHead.lastTokenRows(in[1])};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<List<Double>> cpu = List.of(new ArrayList<>(), new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r % 2 == 0) ? k : 1 - k;
                double[] dScore = new double[batch * 128];
                for (int s = 0; s < batch; s++) dScore[last[i][s]] = (s % 4 - 1.5) / batch;
                GptEngine.Loss loss = o -> new GptEngine.OutputGradient(null, dScore);
                for (int s = 0; s < reps; s++) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    model.engine().forwardBackward(in[i], PassRequest.scalarAt(last[i]), ForwardMode.train(s), loss);
                    long c1 = mx.getCurrentThreadCpuTime();
                    if (r >= rounds / 4) cpu.get(i).add((c1 - c0) / 1e6);
                }
            }
        }
        for (int i = 0; i < 2; i++) Collections.sort(cpu.get(i));
        double mA = cpu.get(0).get(cpu.get(0).size() / 2), mB = cpu.get(1).get(cpu.get(1).size() / 2);
        System.out.printf("random %.1f ms, shared %.1f ms, gain %.3f (rows ratio %.3f)%n", mA, mB, mA / mB,
                (4.0 * 128) / (prompt + 4.0 * (128 - prompt)));
    }
}
