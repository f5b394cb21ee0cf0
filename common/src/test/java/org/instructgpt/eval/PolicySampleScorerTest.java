package org.instructgpt.eval;

import org.apache.hadoop.fs.Path;
import org.instructgpt.Fixtures;
import org.instructgpt.data.TokenizedExample;
import org.instructgpt.generate.GenerationResult;
import org.instructgpt.generate.Generator;
import org.instructgpt.generate.SamplingConfig;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.EngineKind;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.instructgpt.util.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The KL and EOS figures of evaluation against a second computation: each policy's samples regenerated with their
 * seeds, their log-probs as the sampling decoder reported them, the reference's log-probs of the same tokens from the
 * other engine (ND4J).
 */
class PolicySampleScorerTest {
    @TempDir
    static java.nio.file.Path tmp;

    @Test
    void klIsTheMeanLogRatioOfEachPolicysOwnSamplesToTheReference() throws Exception {
        ByteLevelTokenizer tok = new ByteLevelTokenizer();
        List<String> paths = new ArrayList<>();
        for (int s = 1; s <= 2; s++) {
            Gpt2Model m = Gpt2Model.create(GptConfig.of(ByteLevelTokenizer.VOCAB, 64, 32, 2, 2), DataType.FLOAT, false);
            m.initialize(s);
            // Sharper than the initialisation, so that two policies differ by more than rounding.
            m.params().flat().muli(8);
            Path dir = new Path(tmp.resolve("m" + s).toUri());
            ModelCheckpoint.save(Fixtures.localFs(), dir, m, tok, null, null);
            paths.add(tmp.resolve("m" + s).toString());
        }
        SamplingConfig cfg = new SamplingConfig(10, 1.0, 0, 1.0);
        int samples = 3;
        long seed = 99;
        PolicySampleScorer scorer = new PolicySampleScorer(paths, null, cfg, samples, 2, 8, 64, null, 0, seed);
        List<PolicySampleScorer.Prompt> prompts = List.of(new PolicySampleScorer.Prompt("p1", "Hello there,", null),
                new PolicySampleScorer.Prompt("p2", "Count: 1 2 3", null));
        List<PolicySampleScorer.PromptScores> got = new ArrayList<>();
        scorer.score(prompts.iterator()).forEachRemaining(got::add);

        ModelCheckpoint.Loaded reference = ModelCheckpoint.load(Fixtures.localFs(), new Path(tmp.resolve("m1").toUri()),
                DataType.FLOAT, EngineKind.ND4J);
        for (int c = 0; c < paths.size(); c++) {
            ModelCheckpoint.Loaded policy = ModelCheckpoint.load(Fixtures.localFs(),
                    new Path(tmp.resolve("m" + (c + 1)).toUri()), DataType.FLOAT);
            Generator g = new Generator(policy.model(), tok.eosId(), tok.padId());
            for (int i = 0; i < prompts.size(); i++) {
                double kl = 0;
                double eos = 0;
                for (int j = 0; j < samples; j++) {
                    int[] prompt = tok.encode(prompts.get(i).text());
                    long s = Seeds.derive(seed, prompts.get(i).id().hashCode(), j, 0x5e1ec7);
                    GenerationResult r = g.generate(new int[][]{prompt}, new long[]{s}, cfg);
                    int[] response = r.responseTokens(0);
                    double own = 0;
                    for (int t = 0; t < response.length; t++) {
                        own += r.logProbs()[0][t];
                    }
                    int[] ids = Arrays.copyOf(prompt, prompt.length + response.length);
                    System.arraycopy(response, 0, ids, prompt.length, response.length);
                    float[] mask = new float[ids.length];
                    Arrays.fill(mask, prompt.length, ids.length, 1f);
                    double ref = CompletionLikelihood.sums(reference.model(),
                            List.of(new TokenizedExample(ids, mask, false)), tok.padId())[0];
                    kl += (own - ref) / samples;
                    eos += response[response.length - 1] == tok.eosId() ? 1.0 / samples : 0;
                }
                assertEquals(kl, got.get(i).kl()[c], 2e-3, "policy " + c + ", prompt " + i);
                assertEquals(eos, got.get(i).eos()[c], 1e-12);
            }
        }
        assertEquals(0.0, got.get(0).kl()[0], 1e-4, "the reference against itself");
        assertTrue(Math.abs(got.get(0).kl()[1]) > 0.05, "two different policies: " + got.get(0).kl()[1]);
    }
}
