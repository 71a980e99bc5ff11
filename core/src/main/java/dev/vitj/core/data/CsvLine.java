package dev.vitj.core.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splitting one line of a CSV file into fields: separated by commas; a field may be double-quoted (then it may
 * hold commas, and {@code ""} stands for a quote); unquoted fields are trimmed and may not hold a quote. Used by the
 * list files of datasets and ground truth ({@code captions.csv}, box lists).
 */
public final class CsvLine {
    private CsvLine() {}

    /**
     * The fields of {@code line}.
     *
     * @param file   the file, for messages
     * @param lineNo the 1-based line number, for messages
     * @throws IOException naming the file and line for an unterminated quoted field, text after a closing quote,
     *                     or a quote inside an unquoted field
     */
    public static List<String> split(String line, Path file, int lineNo) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            boolean quoted = i < n && line.charAt(i) == '"';
            if (quoted) {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IOException(file + ": line " + lineNo + ": unterminated quoted field");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        cur.append(c);
                    }
                }
                while (i < n && line.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new IOException(file + ": line " + lineNo + ": unexpected text after a quoted field");
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    if (line.charAt(i) == '"') {
                        throw new IOException(file + ": line " + lineNo + ": a quote inside an unquoted field "
                                + "(quote the whole field and double the quote)");
                    }
                    cur.append(line.charAt(i++));
                }
            }
            out.add(quoted ? cur.toString() : cur.toString().trim());
            cur.setLength(0);
            if (i >= n) {
                return out;
            }
            i++; // the comma
        }
    }

    /** {@code line} without a leading UTF-8 byte order mark (the first line of a file saved by some editors). */
    public static String stripBom(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }
}
