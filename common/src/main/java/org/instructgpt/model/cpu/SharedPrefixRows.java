package org.instructgpt.model.cpu;

import org.instructgpt.model.ModelInput;

import java.util.Arrays;

/**
 * The rows of a batch that repeat an earlier sequence's rows: a reward model's K responses to one prompt are K
 * sequences that begin with the same prompt tokens, and in a pass without dropout a row's hidden state in every layer
 * depends only on the tokens, positions and mask at and before it (attention is causal), so those rows are equal in
 * every layer. The array engine runs its row-wise work (layer norms, products, MLP) once per distinct row, on a
 * compact layout of them in batch order, and only attention on the full [batch, time] layout.
 *
 * <p>A sequence shares with the sequence before it the longest run of leading rows equal in id, position and mask,
 * cut before its first wanted row, so that every row a head reads stays a row of its own. With a 32-token prompt and
 * K = 4 responses of 48 that is 30% of the rows; unrelated sequences share nothing and take the plain path.
 */
final class SharedPrefixRows {
    private final int n;
    private final int distinct;
    /** For each row of the batch, its row in the compact layout. */
    private final int[] compactOf;
    /** For each compact row, the first row of the batch it stands for (increasing). */
    private final int[] firstOf;

    private SharedPrefixRows(int[] compactOf, int[] firstOf) {
        this.n = compactOf.length;
        this.distinct = firstOf.length;
        this.compactOf = compactOf;
        this.firstOf = firstOf;
    }

    /** The shared rows of {@code in} whose heads are read at {@code wanted} (strictly increasing), or null: none. */
    static SharedPrefixRows of(ModelInput in, int[] wanted) {
        int b = in.batch();
        int t = in.time();
        int[] compactOf = new int[b * t];
        int[] firstOf = new int[b * t];
        int next = 0;
        int w = 0;
        for (int s = 0; s < b; s++) {
            while (w < wanted.length && wanted[w] < s * t) {
                w++;
            }
            int cut = w < wanted.length && wanted[w] < (s + 1) * t ? wanted[w] - s * t : t;
            int shared = s == 0 ? 0 : Math.min(cut, commonPrefix(in, s - 1, s));
            for (int j = 0; j < t; j++) {
                int row = s * t + j;
                if (j < shared) {
                    compactOf[row] = compactOf[row - t];
                } else {
                    compactOf[row] = next;
                    firstOf[next++] = row;
                }
            }
        }
        return next == b * t ? null : new SharedPrefixRows(compactOf, Arrays.copyOf(firstOf, next));
    }

    private static int commonPrefix(ModelInput in, int a, int s) {
        int t = in.time();
        int j = 0;
        while (j < t && in.ids()[a * t + j] == in.ids()[s * t + j]
                && in.positions()[a * t + j] == in.positions()[s * t + j]
                && in.mask()[a * t + j] == in.mask()[s * t + j]) {
            j++;
        }
        return j;
    }

    /** Rows in the compact layout. */
    int rows() {
        return distinct;
    }

    /** The row of the batch that compact row {@code u} stands for. */
    int first(int u) {
        return firstOf[u];
    }

    /** The compact rows of rows of the batch, each a row of its own (as the wanted rows are). */
    int[] compact(int[] rows) {
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = compactOf[rows[i]];
        }
        return out;
    }

    /**
     * In place, [distinct, width] to [n, width]: every row of the batch gets its compact row. From the last row down,
     * since a row's compact row is at or before it and the rows before it are not written yet.
     */
    void expand(float[] m, int width) {
        for (int row = n - 1; row >= 0; row--) {
            int u = compactOf[row];
            if (u != row) {
                System.arraycopy(m, u * width, m, row * width, width);
            }
        }
    }

    /** As {@link #expand}, with zeros at the rows that repeat an earlier one (a gradient only the first carries). */
    void expandFirstOnly(float[] m, int width) {
        for (int row = n - 1; row >= 0; row--) {
            int u = compactOf[row];
            if (firstOf[u] != row) {
                Arrays.fill(m, row * width, (row + 1) * width, 0f);
            } else if (u != row) {
                System.arraycopy(m, u * width, m, row * width, width);
            }
        }
    }

    /**
     * In place, [n, width] to [distinct, width]: each compact row from the first row it stands for. In order, since
     * that row is at or after it and after every row written before.
     */
    void gather(float[] m, int width) {
        for (int u = 0; u < distinct; u++) {
            if (firstOf[u] != u) {
                System.arraycopy(m, firstOf[u] * width, m, u * width, width);
            }
        }
    }

    /**
     * In place, [n, width] to [distinct, width]: each compact row the sum of every row it stands for (the gradient
     * of a row used by several sequences), in the rows' order, then {@link #gather}ed.
     */
    void sum(float[] m, int width) {
        for (int row = 0; row < n; row++) {
            int first = firstOf[compactOf[row]];
            if (first != row) {
                ArrayKernels.add(m, first * width, m, row * width, width);
            }
        }
        gather(m, width);
    }
}
