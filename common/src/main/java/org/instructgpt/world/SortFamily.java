package org.instructgpt.world;

import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/** "Sort the digits: 5 2 9" -> "2 5 9". */
final class SortFamily implements TaskFamily {
    private static final String PREFIX = "Sort the digits: ";

    public String name() {
        return "sort";
    }

    public Task sample(SplittableRandom rng) {
        int n = 3 + rng.nextInt(3);
        int[] d = new int[n];
        for (int i = 0; i < n; i++) {
            d[i] = rng.nextInt(10);
        }
        return task(join(d));
    }

    private static String join(int[] d) {
        return Arrays.stream(d).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    private Task task(String digits) {
        int[] d = Arrays.stream(digits.split(" ")).mapToInt(Integer::parseInt).sorted().toArray();
        return new Task(name(), PREFIX + digits, join(d));
    }

    public Optional<Task> parse(String m) {
        return m.startsWith(PREFIX) && m.substring(PREFIX.length()).matches("\\d( \\d)*")
                ? Optional.of(task(m.substring(PREFIX.length()))) : Optional.empty();
    }

    public String mistake(Task t, SplittableRandom rng) {
        String digits = t.message().substring(PREFIX.length());
        if (rng.nextBoolean()) {
            return digits;
        }
        int[] d = Arrays.stream(t.answer().split(" ")).mapToInt(Integer::parseInt).toArray();
        int i = rng.nextInt(d.length - 1);
        int x = d[i];
        d[i] = d[i + 1];
        d[i + 1] = x;
        return join(d);
    }
}
