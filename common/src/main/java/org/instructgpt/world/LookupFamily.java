package org.instructgpt.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-domain questions: "Context: Ann lives in Oslo. Bob lives in Rome. Cal lives in Lima. Where does Bob live?"
 * -> "Rome". Any city named that the context does not give for that person is a made-up fact: a hallucination.
 */
final class LookupFamily implements TaskFamily {
    private static final Pattern P = Pattern.compile("Context: ((?:[A-Z][a-z]+ lives in [A-Z][a-z]+\\. )+)Where does ([A-Z][a-z]+) live\\?");
    private static final Pattern FACT = Pattern.compile("([A-Z][a-z]+) lives in ([A-Z][a-z]+)\\.");

    public String name() {
        return Families.CLOSED_DOMAIN;
    }

    public Task sample(SplittableRandom rng) {
        List<String> names = new ArrayList<>(Lexicon.NAMES);
        List<String> cities = new ArrayList<>(Lexicon.CITIES);
        StringBuilder ctx = new StringBuilder();
        String askName = null;
        int n = 2 + rng.nextInt(2);
        int ask = rng.nextInt(n);
        for (int i = 0; i < n; i++) {
            String name = names.remove(rng.nextInt(names.size()));
            String city = cities.remove(rng.nextInt(cities.size()));
            ctx.append(name).append(" lives in ").append(city).append(". ");
            if (i == ask) {
                askName = name;
            }
        }
        return parse("Context: " + ctx + "Where does " + askName + " live?").orElseThrow();
    }

    public Optional<Task> parse(String m) {
        Matcher x = P.matcher(m);
        if (!x.matches()) {
            return Optional.empty();
        }
        Matcher f = FACT.matcher(x.group(1));
        while (f.find()) {
            if (f.group(1).equals(x.group(2))) {
                return Optional.of(new Task(name(), m, f.group(2)));
            }
        }
        return Optional.empty();
    }

    /** A city that is in the lexicon but not in the context: invented. */
    static boolean hallucinates(Task t, String response) {
        for (String c : Lexicon.CITIES) {
            if (response.contains(c) && !t.message().contains(c)) {
                return true;
            }
        }
        return false;
    }

    public String mistake(Task t, SplittableRandom rng) {
        if (rng.nextBoolean()) {
            Matcher f = FACT.matcher(t.message());
            List<String> others = new ArrayList<>();
            while (f.find()) {
                if (!f.group(2).equals(t.answer())) {
                    others.add(f.group(2));
                }
            }
            return others.get(rng.nextInt(others.size()));
        }
        String c;
        do {
            c = Lexicon.pick(Lexicon.CITIES, rng);
        } while (t.message().contains(c));
        return c;
    }
}
