import org.instructgpt.model.cpu.HeapGemm;
import org.instructgpt.model.cpu.HeapGemm.Operand;
import java.util.*;
import java.util.concurrent.*;

/**
 * HeapGemm on one core alone against two threads each running the same product at once (alternating, medians): whether
 * the machine gives two cores of pure gemm twice one, apart from the memory traffic of a training step. Arguments: n
 * reps rounds. Run from the repository after `mvn -DskipTests package`:
 *   cp="jobs/target/instructgpt-jobs.jar:jobs/target/lib/*"; javac --add-modules jdk.incubator.vector -cp "$cp" -d /tmp/ab bench/ab/GemmPair.java
 *   java --add-modules jdk.incubator.vector -cp "/tmp/ab:$cp" GemmPair 1024 10 9
 */
public class GemmPair {
    static double run(int n, int reps, float[] a, float[] b, float[] c) {
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) HeapGemm.gemm(Operand.rows(a, 0, n), Operand.rows(b, 0, n), c, 0, n, n, n, n, null, 0, false);
        return 2.0 * n * n * n * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]), reps = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        float[][] a = new float[2][n * n], b = new float[2][n * n], c = new float[2][n * n];
        Random rnd = new Random(1);
        for (int t = 0; t < 2; t++) for (int i = 0; i < n * n; i++) { a[t][i] = rnd.nextFloat(); b[t][i] = rnd.nextFloat(); }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        for (int w = 0; w < 3; w++) { run(n, reps, a[0], b[0], c[0]); }
        List<Double> alone = new ArrayList<>(), pair = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            alone.add(pool.submit(() -> run(n, reps, a[0], b[0], c[0])).get());
            Future<Double> f0 = pool.submit(() -> run(n, reps, a[0], b[0], c[0]));
            Future<Double> f1 = pool.submit(() -> run(n, reps, a[1], b[1], c[1]));
            pair.add((f0.get() + f1.get()) / 2);
        }
        Collections.sort(alone); Collections.sort(pair);
        System.out.printf("n %d: one core alone %.1f GFLOP/s, each of two at once %.1f (x%.3f of one for two)%n", n,
                alone.get(rounds / 2), pair.get(rounds / 2), 2 * pair.get(rounds / 2) / alone.get(rounds / 2));
        pool.shutdown();
    }
}
