import org.instructgpt.model.*;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.*;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Two builds of the array engine (the classes of package org.instructgpt.model.cpu) in one JVM, on one model and one
 * batch, their training passes (forward and backward) alternating, timed by the thread's CPU time. Within one JVM the
 * machine's drift hits both alike, which wall-time runs of separate processes could not separate from +-10%
 * differences here. Run through bench/engine_ab.sh, which repeats it in several JVMs (the JIT compiles each JVM's
 * kernels a little differently) with the two builds' order swapped.
 *
 * <p>Arguments: classesA classesB S|M rounds reps; -Dpass=rm times a reward-model step's pass. Prints each build's fastest and median pass and B's speed-up.
 */
public class EngineAb {
    /** Loads the engine's package from its build, everything else (ND4J, the model) from the shared class path. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL u, ClassLoader parent) { super(new URL[]{u}, parent); }
        @Override protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("org.instructgpt.model.cpu.")) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) c = findClass(name);
                    if (resolve) resolveClass(c);
                    return c;
                }
                return super.loadClass(name, resolve);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String cfgName = args[2];
        int rounds = Integer.parseInt(args[3]);
        int reps = Integer.parseInt(args.length > 4 ? args[4] : "5");
        GptConfig cfg = cfgName.equals("S") ? GptConfig.of(256, 128, 128, 4, 4) : GptConfig.of(256, 128, 256, 8, 8);
        // -Dpass=rm: a reward-model step's pass instead (8 prompts x K 4 responses, scores at the last tokens).
        boolean rm = System.getProperty("pass", "lm").equals("rm");
        int batch = Integer.parseInt(System.getProperty("batch", rm ? "32" : "16"));
        if (rm) cfg = cfg.asScalarModel();
        Gpt2Model model = Gpt2Model.create(cfg, DataType.FLOAT, rm, EngineKind.ARRAY);
        model.initialize(1);
        GptEngine[] e = new GptEngine[2];
        for (int i = 0; i < 2; i++) {
            ClassLoader l = new ChildFirst(Path.of(args[i]).toUri().toURL(), EngineAb.class.getClassLoader());
            e[i] = (GptEngine) l.loadClass("org.instructgpt.model.cpu.ArrayEngine").getConstructor(Gpt2Model.class).newInstance(model);
        }
        SplittableRandom rng = new SplittableRandom(1);
        int[][] ids = new int[batch][128];
        for (int[] r : ids) for (int j = 0; j < r.length; j++) r[j] = rng.nextInt(cfg.vocabSize);
        ModelInput in = ModelInput.of(ids);
        LanguageModelLoss.Targets t = LanguageModelLoss.shifted(in, null);
        double[] d = new double[t.weights().length];
        for (int i = 0; i < d.length; i++) d[i] = -t.weights()[i] / t.weightSum();
        int[] last = ScalarHead.lastTokenRows(in);
        double[] dScore = new double[batch * 128];
        for (int b = 0; b < batch; b++) dScore[last[b]] = (b % 4 - 1.5) / batch;
        PassRequest req = rm ? PassRequest.scalarAt(last) : PassRequest.logProbs(t.targets());
        GptEngine.Loss loss = rm ? o -> new GptEngine.OutputGradient(null, dScore) : o -> new GptEngine.OutputGradient(d, null);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<List<Double>> cpu = List.of(new ArrayList<>(), new ArrayList<>());
        double[] lossOut = new double[2];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r % 2 == 0) ? k : 1 - k;
                for (int s = 0; s < reps; s++) {
                    long c0 = mx.getCurrentThreadCpuTime();
                    PassOutput out = e[i].forwardBackward(in, req, ForwardMode.train(s), loss);
                    long c1 = mx.getCurrentThreadCpuTime();
                    if (r >= rounds / 4) cpu.get(i).add((c1 - c0) / 1e6);
                    lossOut[i] = rm ? out.scalar()[last[1]] : out.logProbs()[5];
                }
            }
        }
        for (int i = 0; i < 2; i++) Collections.sort(cpu.get(i));
        double minA = cpu.get(0).get(0), minB = cpu.get(1).get(0);
        double medA = cpu.get(0).get(cpu.get(0).size() / 2), medB = cpu.get(1).get(cpu.get(1).size() / 2);
        System.out.printf("%s step CPU ms: A min %.1f median %.1f | B min %.1f median %.1f | B speed-up min %.3f median %.3f | logp A %.7f B %.7f%n",
                cfgName, minA, medA, minB, medB, minA / minB, medA / medB, lossOut[0], lossOut[1]);
    }
}
