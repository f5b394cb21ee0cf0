package org.instructgpt.world;

import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** "Add: 23 + 45" -> "68". */
final class AddFamily implements TaskFamily {
    private static final Pattern P = Pattern.compile("Add: (\\d{1,2}) \\+ (\\d{1,2})");

    public String name() {
        return "add";
    }

    public Task sample(SplittableRandom rng) {
        return task(rng.nextInt(50), rng.nextInt(50));
    }

    private Task task(int a, int b) {
        return new Task(name(), "Add: " + a + " + " + b, Integer.toString(a + b));
    }

    public Optional<Task> parse(String m) {
        Matcher x = P.matcher(m);
        return x.matches() ? Optional.of(task(Integer.parseInt(x.group(1)), Integer.parseInt(x.group(2)))) : Optional.empty();
    }

    public String mistake(Task t, SplittableRandom rng) {
        int v = Integer.parseInt(t.answer());
        return Integer.toString(v + (rng.nextBoolean() ? 1 : -1) * (1 + rng.nextInt(10)));
    }
}
