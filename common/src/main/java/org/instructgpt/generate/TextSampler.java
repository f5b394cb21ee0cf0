package org.instructgpt.generate;

import org.instructgpt.data.ExampleEncoder;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint's text answers to text prompts, for the stages that sample a policy (labeling, SFT selection,
 * evaluation): prompts tokenized with the checkpoint's tokenizer and cut from the left to leave room for the answer,
 * each answer drawn from its own seed (so it does not depend on its batch), decoded up to EOS.
 */
public final class TextSampler {
    private final ModelCheckpoint.Loaded policy;
    private final Tokenizer tok;
    private final Generator generator;
    private final int eos;

    /** @param what the option that named the checkpoint, for the error when it has no tokenizer */
    public TextSampler(ModelCheckpoint.Loaded policy, String what) {
        this.policy = policy;
        this.tok = policy.tokenizer().orElseThrow(() -> new IllegalArgumentException(what
                + ": the checkpoint has no tokenizer to encode prompts and decode its samples with"));
        this.eos = tok.eosId() >= 0 ? tok.eosId() : policy.model().config().eosTokenId;
        this.generator = new Generator(policy.model(), eos, tok.padId() >= 0 ? tok.padId() : eos);
    }

    /**
     * One sampled answer: its text, the prompt's tokens as the model saw them, the answer's tokens (EOS included when
     * it ended with one) and whether it did end with EOS (rather than at the token limit).
     */
    public record Answer(String text, int[] promptIds, int[] responseIds, boolean eos) {
    }

    /** The answer to each prompt, prompt i sampled with seeds[i]. */
    public List<String> sample(List<String> prompts, long[] seeds, SamplingConfig cfg) {
        return answers(prompts, seeds, cfg).stream().map(Answer::text).toList();
    }

    /** As {@link #sample}, with each answer's tokens. */
    public List<Answer> answers(List<String> prompts, long[] seeds, SamplingConfig cfg) {
        if (prompts.size() != seeds.length) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + seeds.length + " seeds");
        }
        int maxPrompt = Math.max(2, policy.model().config().nPositions - cfg.maxNewTokens());
        ExampleEncoder enc = new ExampleEncoder(tok, maxPrompt);
        int[][] ids = new int[prompts.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = enc.prompt(prompts.get(i), maxPrompt).ids();
        }
        GenerationResult r = generator.generate(ids, seeds, cfg);
        List<Answer> out = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int[] response = r.responseTokens(i);
            boolean ended = response.length > 0 && response[response.length - 1] == this.eos;
            out.add(new Answer(tok.decode(response), ids[i], response, ended));
        }
        return out;
    }
}
