import java.util.concurrent.*;

/**
 * How fast one core and two at once stream memory of a given size: each thread reads one float and writes one in every
 * 64-byte line of its own array, over and over, and its best rate of 6 rounds is printed (GB/s of lines touched). Sizes
 * from 1 MB (in a core's L2) to 256 MB (memory): whether two busy cores share a bandwidth or a cache. Arguments: threads.
 *   javac -d /tmp/ab bench/ab/MemoryBandwidth.java && java -Xmx3g -cp /tmp/ab MemoryBandwidth 2
 */
public class MemoryBandwidth {
    static double rate(float[] a) {
        int reps = Math.max(1, (1 << 26) / a.length);
        long t0 = System.nanoTime();
        // Each line's write depends on its own read only: a running sum through every line made the loop a chain of
        // float adds, which capped it at about 80 GB/s whatever the cache.
        for (int rep = 0; rep < reps; rep++) {
            for (int i = 0; i < a.length; i += 16) {
                a[i + 8] = a[i] + 1f;
            }
        }
        return (double) reps * a.length * 4 / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }

    public static void main(String[] x) throws Exception {
        int n = Integer.parseInt(x[0]);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        for (int mb : new int[]{1, 4, 16, 64, 256}) {
            float[][] arrays = new float[n][mb << 18];
            double[] best = new double[n];
            for (int round = 0; round < 6; round++) {
                Future<?>[] f = new Future<?>[n];
                for (int i = 0; i < n; i++) {
                    float[] arr = arrays[i];
                    f[i] = pool.submit(() -> rate(arr));
                }
                for (int i = 0; i < n; i++) best[i] = Math.max(best[i], (Double) f[i].get());
            }
            StringBuilder line = new StringBuilder(n + " thread(s), " + mb + " MB each, GB/s:");
            for (double b : best) line.append(String.format(" %.1f", b));
            System.out.println(line);
        }
        pool.shutdownNow();
    }
}
