package org.instructgpt.world;

/** Partial credit: 1 for an exact answer (surrounding space ignored), else half the normalised edit similarity. */
final class Similarity {
    private Similarity() {
    }

    static double credit(String answer, String response) {
        String r = response.strip();
        if (r.equals(answer)) {
            return 1.0;
        }
        int d = editDistance(answer, r);
        return 0.5 * Math.max(0.0, 1.0 - (double) d / Math.max(1, Math.max(answer.length(), r.length())));
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
