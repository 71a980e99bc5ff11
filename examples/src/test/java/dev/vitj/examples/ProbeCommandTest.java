package dev.vitj.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import dev.vitj.examples.Cli.Result;
import dev.vitj.probe.LabeledData;
import dev.vitj.probe.LogisticRegression;
import dev.vitj.probe.RocCurve;
import dev.vitj.probe.StandardScaler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vitj probe} on the scikit-learn probe fixture data, written to temporary feature files. */
class ProbeCommandTest {
    @TempDir
    Path tmp;

    private static double[][] xTrain;
    private static double[][] xTest;
    private static int[] yTrain;
    private static int[] yTest;

    @BeforeAll
    static void fixtures() throws IOException {
        try (SafeTensors st = Fixtures.open("probe/data.safetensors")) {
            xTrain = st.get("binary.X_train", DataType.DOUBLE).toDoubleMatrix();
            xTest = st.get("binary.X_test", DataType.DOUBLE).toDoubleMatrix();
            yTrain = st.get("binary.y_train").castTo(DataType.INT).toIntVector();
            yTest = st.get("binary.y_test").castTo(DataType.INT).toIntVector();
        }
    }

    private static void assertPng(Path p) throws IOException {
        assertTrue(Files.isRegularFile(p), p + " missing");
        assertNotNull(ImageIO.read(p.toFile()), p + " is not a readable image");
    }

    @Test
    void binarySafetensorsProbeMatchesLibraryAndScikitLearn() throws IOException {
        Path train = tmp.resolve("train.safetensors");
        Path test = tmp.resolve("test.safetensors");
        LabeledData.writeSafetensors(train, xTrain, yTrain);
        LabeledData.writeSafetensors(test, xTest, yTest);
        Path out = tmp.resolve("out");
        Result r = vitj("probe", "--train", train.toString(), "--test", test.toString(), "--out", out.toString(),
                "--class-weight", "balanced", "--max-iter", "2000");
        System.out.print(r.out());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test AUC"), r.out());

        JsonNode json = new ObjectMapper().readTree(out.resolve("probe.json").toFile());
        // The same pipeline through the library.
        StandardScaler scaler = StandardScaler.fit(xTrain);
        LogisticRegression lr = LogisticRegression.fit(scaler.transform(xTrain), yTrain,
                LogisticRegression.Options.defaults().withClassWeight(LogisticRegression.ClassWeight.BALANCED).withMaxIter(2000));
        double auc = RocCurve.rocAucScore(yTest, lr.positiveProba(scaler.transform(xTest)));
        assertEquals(auc, json.get("auc").asDouble(), 0.0);
        // scikit-learn's roc_auc_score for its own fit of the same probe (fixture).
        double sklearnAuc;
        try (SafeTensors st = Fixtures.open("probe/results.safetensors")) {
            sklearnAuc = st.get("binary.roc_auc", DataType.DOUBLE).getDouble(0);
        }
        assertEquals(sklearnAuc, json.get("auc").asDouble(), 1e-12);
        assertEquals(lr.score(scaler.transform(xTest), yTest), json.get("accuracy").asDouble(), 0.0);
        assertEquals(1, json.get("coef").size());
        assertEquals(64, json.get("coef").get(0).size());
        assertEquals(1, json.get("intercept").size());
        assertEquals(lr.intercept()[0], json.get("intercept").get(0).asDouble(), 0.0);
        assertEquals(120, json.get("test_probabilities").size());
        assertEquals(2, json.get("test_probabilities").get(0).size());
        // The curve and the fitted model against scikit-learn's (fixture results.safetensors).
        JsonNode roc = json.get("roc");
        try (SafeTensors st = Fixtures.open("probe/results.safetensors")) {
            for (String key : new String[] {"fpr", "tpr", "thresholds"}) {
                System.out.println(Parity.assertClose("roc." + key, vector(st, "binary.roc." + key), doubles(roc.get(key)), 1e-12, 0));
            }
            System.out.println(Parity.assertClose("coef", vector(st, "binary.lr.coef_"), doubles(json.get("coef").get(0)), 5e-4, 0));
            System.out.println(Parity.assertClose("intercept", vector(st, "binary.lr.intercept_"), doubles(json.get("intercept")), 5e-4, 0));
        }
        assertPng(out.resolve("roc.png"));
        assertPng(out.resolve("pca.png"));
        assertPng(out.resolve("confusion.png"));
    }

    @Test
    void csvInputAndMulticlass() throws IOException {
        double[][] mTrain;
        double[][] mTest;
        int[] myTrain;
        int[] myTest;
        try (SafeTensors st = Fixtures.open("probe/data.safetensors")) {
            mTrain = st.get("multi.X_train", DataType.DOUBLE).toDoubleMatrix();
            mTest = st.get("multi.X_test", DataType.DOUBLE).toDoubleMatrix();
            myTrain = st.get("multi.y_train").castTo(DataType.INT).toIntVector();
            myTest = st.get("multi.y_test").castTo(DataType.INT).toIntVector();
        }
        Path train = writeCsv("train.csv", mTrain, myTrain);
        Path test = writeCsv("test.csv", mTest, myTest);
        Path out = tmp.resolve("multi");
        Result r = vitj("probe", "--train", train.toString(), "--test", test.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("probe.json").toFile());
        // scikit-learn's LogisticRegression() defaults reach 0.8166... on this split (fixture results.json).
        JsonNode expected = new ObjectMapper().readTree(Fixtures.path("probe/results.json").toFile());
        assertEquals(expected.get("multi").get("accuracy_test").asDouble(), json.get("accuracy").asDouble(), 1e-12);
        assertEquals(3, json.get("coef").size());
        assertTrue(json.get("auc") == null, "no single AUC for three classes");
        assertEquals(3, json.get("roc_one_vs_rest").size());
        assertPng(out.resolve("roc.png"));
        assertPng(out.resolve("pca.png"));
    }

    private Path writeCsv(String name, double[][] x, int[] y) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < x[0].length; j++) {
            sb.append("f").append(j).append(',');
        }
        sb.append("label\n");
        for (int i = 0; i < x.length; i++) {
            for (double v : x[i]) {
                sb.append(String.format(Locale.ROOT, "%s,", Double.toString(v)));
            }
            sb.append(y[i]).append('\n');
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, sb);
        return p;
    }

    @Test
    void badInputIsAOneLineUsageError() throws IOException {
        Path good = tmp.resolve("good.csv");
        Files.writeString(good, "a,b,label\n1,2,0\n3,4,1\n5,7,0\n2,2,1\n");
        Path bad = tmp.resolve("bad.csv");
        Files.writeString(bad, "a,b,label\n1,2,0\n3,x,1\n");
        Path out = tmp.resolve("o");
        Result r = vitj("probe", "--train", good.toString(), "--test", bad.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("bad.csv:3") && r.err().contains("'b'"), r.err());
        assertFalse(Files.exists(out.resolve("probe.json")));

        Path wide = tmp.resolve("wide.csv");
        Files.writeString(wide, "a,b,c,label\n1,2,3,0\n3,4,5,1\n");
        r = vitj("probe", "--train", good.toString(), "--test", wide.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("3 features"), r.err());

        r = vitj("probe", "--train", good.toString(), "--test", good.toString(), "--out", out.toString(), "--class-weight", "auto");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--class-weight"), r.err());
        r = vitj("probe", "--train", good.toString(), "--test", good.toString(), "--out", out.toString(), "--C", "-1");
        assertEquals(2, r.code());
        r = vitj("probe", "--train", tmp.resolve("nope.csv").toString(), "--test", good.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nope.csv"), r.err());
    }

    private static double[] vector(SafeTensors st, String name) throws IOException {
        return st.get(name, DataType.DOUBLE).reshape(-1).toDoubleVector();
    }

    private static double[] doubles(JsonNode array) {
        assertTrue(array != null && array.isArray(), "expected a JSON array, got " + array);
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    /**
     * The folder holds one run: a rerun removes a stale roc.png, one feature still gets a pca.png, and
     * a failing plot leaves no probe.json (it is written last, after the old one is removed).
     */
    @Test
    void outputFolderNeverMixesRuns() throws IOException {
        Path train = tmp.resolve("train.csv");
        Files.writeString(train, "a,b,label\n1,2,0\n3,4,1\n5,7,0\n2,2,1\n4,1,1\n0,3,0\n");
        Path oneClassTest = tmp.resolve("oneclass.csv");
        Files.writeString(oneClassTest, "a,b,label\n1,2,0\n5,7,0\n");
        Path out = tmp.resolve("runs");
        Result r = vitj("probe", "--train", train.toString(), "--test", train.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertPng(out.resolve("roc.png"));
        r = vitj("probe", "--train", train.toString(), "--test", oneClassTest.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(out.resolve("roc.png")), "stale roc.png of the first run must be removed");
        assertPng(out.resolve("pca.png"));
        assertPng(out.resolve("confusion.png"));
        Path json = out.resolve("probe.json");
        assertEquals(2, new ObjectMapper().readTree(json.toFile()).get("n_test").asInt());
        for (String png : new String[] {"pca.png", "confusion.png"}) {
            assertTrue(Files.getLastModifiedTime(json).compareTo(Files.getLastModifiedTime(out.resolve(png))) >= 0,
                    "probe.json must be written after " + png);
        }

        // One feature: pca.png is a strip plot.
        Path train1 = tmp.resolve("train1.csv");
        Files.writeString(train1, "a,label\n1,0\n3,1\n5,0\n2,1\n4,1\n0,0\n");
        Path out1 = tmp.resolve("one");
        r = vitj("probe", "--train", train1.toString(), "--test", train1.toString(), "--out", out1.toString());
        assertEquals(0, r.code(), r.err());
        assertPng(out1.resolve("pca.png"));
        assertPng(out1.resolve("roc.png"));
        assertTrue(Files.isRegularFile(out1.resolve("probe.json")));
        assertTrue(r.out().contains("strip plot"), r.out());

        // A plot that cannot be written (a directory in its place) fails the run and leaves no probe.json.
        Files.delete(out1.resolve("pca.png"));
        Files.createDirectories(out1.resolve("pca.png").resolve("blocker"));
        r = vitj("probe", "--train", train1.toString(), "--test", train1.toString(), "--out", out1.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("pca.png"), r.err());
        assertFalse(Files.exists(out1.resolve("probe.json")), "a failed run must not leave the old probe.json");
    }
}
