import org.instructgpt.model.*;
import org.nd4j.linalg.api.buffer.DataType;
import java.util.*;
import java.util.concurrent.*;

/**
 * What a second busy core costs a training pass: n replicas of the M model, each on its own thread and its own 8
 * sequences of 128 tokens, run forward and backward passes at once; prints each replica's median and fastest pass
 * (wall time, the last two thirds). Run once with 1 and once with 2, side by side in time; with
 * -XX:StartFlightRecording the two profiles give each kernel's time per pass alone and beside the other core.
 * Arguments: replicas passes. Run from the repository after `mvn -DskipTests package`:
 *   cp="jobs/target/instructgpt-jobs.jar:jobs/target/lib/*"; javac -cp "$cp" -d /tmp/ab bench/ab/ConcurrentPasses.java
 *   java --add-modules jdk.incubator.vector -Xmx6g -cp "/tmp/ab:$cp" ConcurrentPasses 2 120
 */
public class ConcurrentPasses {
    public static void main(String[] a) throws Exception {
        int replicas = Integer.parseInt(a[0]), passes = Integer.parseInt(a[1]);
        GptConfig cfg = GptConfig.of(256, 128, 256, 8, 8);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        List<Future<double[]>> runs = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            int id = r;
            runs.add(pool.submit(() -> {
                Gpt2Model m = Gpt2Model.create(cfg, DataType.FLOAT, false, EngineKind.AUTO);
                m.initialize(1 + id);
                SplittableRandom rng = new SplittableRandom(id);
                int[][] ids = new int[8][128];
                for (int[] row : ids) for (int j = 0; j < 128; j++) row[j] = rng.nextInt(256);
                ModelInput in = ModelInput.of(ids);
                LanguageModelLoss.Targets tg = LanguageModelLoss.shifted(in, null);
                double[] ms = new double[passes];
                for (int s = 0; s < passes; s++) {
                    long t0 = System.nanoTime();
                    m.grads().zero();
                    LanguageModelLoss.forwardBackward(m, in, tg, tg.weightSum(), ForwardMode.train(s));
                    ms[s] = (System.nanoTime() - t0) / 1e6;
                }
                return ms;
            }));
        }
        for (Future<double[]> run : runs) {
            double[] tail = Arrays.copyOfRange(run.get(), passes / 3, passes);
            Arrays.sort(tail);
            System.out.printf("replica of %d: pass median %.1f ms, fastest %.1f ms%n", replicas, tail[tail.length / 2], tail[0]);
        }
        pool.shutdownNow();
    }
}
