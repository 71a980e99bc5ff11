package dev.vitj.clip;

/**
 * A batch of token ids {@code [B][L]} as CLIP's text tower takes it ({@link TextTransformer} and its compiled
 * form {@code FastTextEncoder}): what makes it valid, and the position each text is pooled at.
 */
public final class TokenRows {
    private TokenRows() {}

    /**
     * Checks that {@code tokens} has at least one row, that every row has the length of row 0, between 1 and the
     * context length, and that every id is in {@code [0, vocab)}.
     *
     * @param owner  the tower, named at the start of the messages
     * @param config the tower's configuration
     * @return the batch size {@code B}
     * @throws IllegalArgumentException naming the offending row, position and value
     */
    public static int check(String owner, OpenClipConfig.Text config, long[][] tokens) {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException(owner + ": no token rows given");
        }
        int len = tokens[0] == null ? 0 : tokens[0].length;
        if (len < 1 || len > config.contextLength()) {
            throw new IllegalArgumentException(owner + ": token rows must have length 1.." + config.contextLength()
                    + " (the context length), row 0 has " + len);
        }
        for (int i = 0; i < tokens.length; i++) {
            long[] row = tokens[i];
            if (row == null || row.length != len) {
                throw new IllegalArgumentException(owner + ": token row " + i + " has length "
                        + (row == null ? "null" : row.length) + ", expected " + len + " like row 0");
            }
            for (int j = 0; j < len; j++) {
                if (row[j] < 0 || row[j] >= config.vocabSize()) {
                    throw new IllegalArgumentException(owner + ": token id " + row[j] + " at [" + i + "][" + j
                            + "] is outside the vocabulary [0, " + config.vocabSize() + ")");
                }
            }
        }
        return tokens.length;
    }

    /**
     * The token rows cut after the last position any row pools from, when the rest cannot change the features
     * (see {@link TextTransformer#trimPadding}); {@code tokens} itself when nothing can be cut or the rows are
     * malformed (the forward pass then reports them).
     */
    public static long[][] trimPadding(OpenClipConfig.Text config, long[][] tokens) {
        if (!config.causalMask() || config.poolType().equals("last") || tokens == null || tokens.length == 0
                || tokens[0] == null) {
            return tokens;
        }
        int len = tokens[0].length;
        for (long[] row : tokens) {
            if (row == null || row.length != len) {
                return tokens; // malformed: let forward report it
            }
        }
        int keep = 1;
        for (int at : poolIndex(config, tokens)) {
            keep = Math.max(keep, at + 1);
        }
        if (keep >= len) {
            return tokens;
        }
        long[][] out = new long[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = java.util.Arrays.copyOf(tokens[i], keep);
        }
        return out;
    }

    /**
     * The position pooled for each text by {@code config}'s pool type: the first position of the largest id
     * ({@code argmax}, the end-of-text token), {@code 0} ({@code first}) or the last position ({@code last}).
     */
    public static int[] poolIndex(OpenClipConfig.Text config, long[][] tokens) {
        int[] out = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            long[] row = tokens[i];
            out[i] = switch (config.poolType()) {
                case "first" -> 0;
                case "last" -> row.length - 1;
                default -> {
                    int best = 0;
                    for (int j = 1; j < row.length; j++) {
                        if (row[j] > row[best]) {
                            best = j;
                        }
                    }
                    yield best;
                }
            };
        }
        return out;
    }
}
