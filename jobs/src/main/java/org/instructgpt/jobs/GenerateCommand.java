package org.instructgpt.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.instructgpt.config.Configs;
import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.EmbeddedModels;
import org.instructgpt.io.Fs;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.tokenizer.Tokenizer;
import org.instructgpt.util.Seeds;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

/** Loads a checkpoint (ours or a Hugging Face GPT-2 directory) and generates from prompts, one JSON line per prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate from a checkpoint (default: the embedded tiny GPT-2). Settings: instructgpt.generate.*")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        Config g = c.getConfig("instructgpt.generate");
        System.err.println(Configs.render(c, "instructgpt.generate"));
        Path dir = EmbeddedModels.resolve(g.getString("checkpoint"));
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(Fs.of(dir), dir, DataType.FLOAT);
        Gpt2Model model = loaded.model();
        Tokenizer tok = loaded.tokenizer().orElse(null);
        int[][] prompts = prompts(g, tok);
        long seed = c.getLong("instructgpt.seed");
        long[] seeds = new long[prompts.length];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = Seeds.derive(seed, i);
        }
        SamplingConfig sc = new SamplingConfig(g.getInt("max-new-tokens"), g.getDouble("temperature"), g.getInt("top-k"),
                g.getDouble("top-p"));
        int eos = tok != null ? tok.eosId() : model.config().eosTokenId;
        int pad = tok != null && tok.padId() >= 0 ? tok.padId() : Math.max(model.config().padTokenId, eos);
        long start = System.nanoTime();
        GenerationResult r = new Generator(model, eos, pad).generate(prompts, seeds, sc);
        double sec = (System.nanoTime() - start) / 1e9;
        String out = g.getString("output");
        try (OutputStream os = out.isEmpty() ? null : Fs.of(new Path(out)).create(new Path(out), true)) {
            PrintStream ps = os == null ? System.out : new PrintStream(os, true, StandardCharsets.UTF_8);
            write(r, prompts, tok, ps);
        }
        System.err.printf("generated %d responses from %s in %.2f s%s%n", prompts.length, loaded.model().config(), sec,
                out.isEmpty() ? "" : " -> " + out);
        return 0;
    }

    private static int[][] prompts(Config g, Tokenizer tok) {
        List<String> texts = g.getStringList("texts");
        if (!texts.isEmpty()) {
            if (tok == null) {
                throw new IllegalArgumentException("text prompts need a tokenizer in the checkpoint; give token-ids instead");
            }
            return texts.stream().map(tok::encode).toArray(int[][]::new);
        }
        List<? extends List<? extends Number>> ids = g.getAnyRefList("token-ids").stream()
                .map(o -> (List<? extends Number>) o).toList();
        return ids.stream().map(l -> l.stream().mapToInt(Number::intValue).toArray()).toArray(int[][]::new);
    }

    private static void write(GenerationResult r, int[][] prompts, Tokenizer tok, PrintStream out) throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (int b = 0; b < r.batch(); b++) {
            ObjectNode n = json.createObjectNode();
            n.put("index", b);
            n.set("prompt_ids", json.valueToTree(prompts[b]));
            int[] resp = r.responseTokens(b);
            n.set("response_ids", json.valueToTree(resp));
            float[] lp = java.util.Arrays.copyOf(r.logProbs()[b], resp.length);
            n.set("logprobs", json.valueToTree(lp));
            if (tok != null) {
                n.put("prompt", tok.decode(prompts[b]));
                n.put("response", tok.decode(resp));
            }
            out.println(json.writeValueAsString(n));
        }
    }
}
