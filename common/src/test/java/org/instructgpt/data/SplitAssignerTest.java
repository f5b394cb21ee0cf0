package org.instructgpt.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitAssignerTest {
    private static DataRecord prompt(String text, String group) {
        return new DataRecord.Prompt("id", text, group, null, null);
    }

    @Test
    void aGroupStaysInOneSplitWhateverItsPrompts() {
        SplitAssigner s = new SplitAssigner(0.5, 7);
        for (int g = 0; g < 50; g++) {
            String first = s.assign(prompt("prompt 0", "user" + g));
            for (int p = 1; p < 20; p++) {
                assertEquals(first, s.assign(prompt("prompt " + p, "user" + g)), "user" + g);
            }
        }
    }

    @Test
    void withoutAGroupThePromptDecidesAndTheFractionHolds() {
        SplitAssigner s = new SplitAssigner(0.2, 7);
        int validation = 0;
        for (int p = 0; p < 10_000; p++) {
            String split = s.assign(prompt("prompt " + p, null));
            assertEquals(split, s.assign(prompt("prompt " + p, "")));
            validation += split.equals(SplitAssigner.VALIDATION) ? 1 : 0;
        }
        assertTrue(Math.abs(validation - 2000) < 150, "validation rows: " + validation);
    }

    @Test
    void theSeedChangesTheAssignmentButNotItsStability() {
        SplitAssigner a = new SplitAssigner(0.5, 1);
        SplitAssigner b = new SplitAssigner(0.5, 2);
        int differ = 0;
        for (int p = 0; p < 200; p++) {
            differ += a.assign(prompt("p" + p, null)).equals(b.assign(prompt("p" + p, null))) ? 0 : 1;
            assertEquals(a.assign(prompt("p" + p, null)), new SplitAssigner(0.5, 1).assign(prompt("p" + p, null)));
        }
        assertNotEquals(0, differ);
    }
}
