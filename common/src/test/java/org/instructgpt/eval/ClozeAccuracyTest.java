package org.instructgpt.eval;

import org.apache.hadoop.fs.Path;
import org.instructgpt.Fixtures;
import org.instructgpt.io.ModelCheckpoint;
import org.instructgpt.model.Gpt2Layout;
import org.instructgpt.model.Gpt2Model;
import org.instructgpt.model.GptConfig;
import org.instructgpt.tokenizer.ByteLevelTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cloze items of a hand-made text, and a word counts as completed exactly when the greedy continuation is it. */
class ClozeAccuracyTest {
    @TempDir
    static java.nio.file.Path tmp;

    @Test
    void eachSentenceEndsInAWordToCompleteOnceThereIsContext() {
        String text = "Call me Ishmael. Some years ago, never mind how long precisely, having little money in my purse."
                + " It is a way I have of driving off the spleen! Is it? No. Whenever I find myself growing grim about"
                + " the mouth, I go to sea.";
        List<ClozeAccuracy.Item> items = ClozeAccuracy.items(text);
        // "Ishmael" has too little before it, "it?" and "No." are too short or have no space before them.
        assertEquals(List.of("purse", "spleen", "sea"), items.stream().map(ClozeAccuracy.Item::word).toList());
        for (ClozeAccuracy.Item x : items) {
            assertEquals(text.indexOf(x.word() + (x.word().equals("spleen") ? "!" : ".")), x.context().length());
            assertEquals(text.substring(0, x.context().length()), x.context());
        }
    }

    @Test
    void aWordIsRightWhenTheGreedyContinuationSpellsItExactly() throws Exception {
        ByteLevelTokenizer tok = new ByteLevelTokenizer();
        Gpt2Model m = Gpt2Model.create(GptConfig.of(ByteLevelTokenizer.VOCAB, 64, 32, 2, 2), DataType.FLOAT, false);
        m.initialize(3);
        // A hand-made model that always says 'e': the final layer norm outputs its bias alone (unit along the first
        // dimension), and the tied embedding gives 'e' a large first component, so 'e' has the top logit everywhere.
        m.params().get(Gpt2Layout.LN_F_WEIGHT).assign(0);
        m.params().get(Gpt2Layout.LN_F_BIAS).assign(0).putScalar(0, 1f);
        m.params().get(Gpt2Layout.WTE).putScalar(new long[]{'e', 0}, 5f);
        ModelCheckpoint.save(Fixtures.localFs(), new Path(tmp.resolve("m").toUri()), m, tok, null, null);
        ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(Fixtures.localFs(), new Path(tmp.resolve("m").toUri()),
                DataType.FLOAT);
        String context = "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
                + "age of foolishness, it was the epoch of belief, it was the ";
        boolean[] right = ClozeAccuracy.completes(loaded, "m", List.of(new ClozeAccuracy.Item(context, "eeeee"),
                new ClozeAccuracy.Item(context, "eeeex"), new ClozeAccuracy.Item(context, "eee"),
                new ClozeAccuracy.Item(context, "epoch"), new ClozeAccuracy.Item("e", "ee")));
        assertArrayEquals(new boolean[]{true, false, true, false, true}, right);
    }
}
