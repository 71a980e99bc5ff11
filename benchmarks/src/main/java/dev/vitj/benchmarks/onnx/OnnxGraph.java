package dev.vitj.benchmarks.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A small builder of ONNX models (standard operators, float32 only), serialised straight to the ONNX
 * protobuf wire format so the benchmarks can run ONNX Runtime as a peer without Python or a protobuf
 * library.
 *
 * <p>Only what an encoder graph needs: nodes with int / float / ints attributes, float32 and int64
 * initialisers, float32 and int64 inputs and float32 outputs, all of fixed shape. Field numbers are those of {@code onnx.proto3}
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto).
 *
 * <pre>{@code
 * OnnxGraph g = new OnnxGraph("tiny");
 * g.input("x", 2, 3);
 * String w = g.constant("w", new float[6], 3, 2);
 * g.output(g.node("MatMul", "x", w), 2, 2);
 * byte[] model = g.toModel(17);
 * }</pre>
 */
public final class OnnxGraph {
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private final String name;
    private final List<Wire> nodes = new ArrayList<>();
    private final List<Wire> initializers = new ArrayList<>();
    private final List<Wire> inputs = new ArrayList<>();
    private final List<Wire> outputs = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int counter;

    /** @param name the graph's name (informational) */
    public OnnxGraph(String name) {
        this.name = name;
    }

    /** Declares a float32 graph input of fixed shape. */
    public String input(String name, long... shape) {
        claim(name);
        inputs.add(valueInfo(name, FLOAT, shape));
        return name;
    }

    /** Declares an int64 graph input of fixed shape (token ids). */
    public String inputInt64(String name, long... shape) {
        claim(name);
        inputs.add(valueInfo(name, INT64, shape));
        return name;
    }

    /** Declares {@code value} (a node output) as a float32 graph output of fixed shape. */
    public void output(String value, long... shape) {
        outputs.add(valueInfo(value, FLOAT, shape));
    }

    /** A float32 initialiser; {@code values.length} must equal the product of {@code shape}. */
    public String constant(String name, float[] values, long... shape) {
        checkSize(name, values.length, shape);
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return addInitializer(name, FLOAT, raw.array(), shape);
    }

    /** A scalar float32 initialiser. */
    public String scalar(String name, float value) {
        return constant(name, new float[] {value});
    }

    /** An int64 initialiser of rank 1 (shapes, axes, indices); a single value with {@code scalar} gives rank 0. */
    public String int64(String name, boolean scalar, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        if (scalar && values.length != 1) {
            throw new IllegalArgumentException("int64 scalar '" + name + "' needs exactly one value, got " + values.length);
        }
        return addInitializer(name, INT64, raw.array(), scalar ? new long[0] : new long[] {values.length});
    }

    /**
     * Adds a node with one output and returns the output's (fresh) name.
     *
     * @param opType     the ONNX operator, e.g. {@code MatMul}
     * @param inputs     its inputs, in the operator's order
     * @param attributes attribute name / value pairs: {@code Long}/{@code Integer}, {@code Float}/{@code Double},
     *                   or {@code long[]}
     */
    public String node(String opType, String[] inputs, Object... attributes) {
        String out = opType.toLowerCase() + "_" + (counter++);
        claim(out);
        Wire n = new Wire();
        for (String in : inputs) {
            n.string(1, in);
        }
        n.string(2, out);
        n.string(3, out);
        n.string(4, opType);
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException(opType + ": attributes come in name / value pairs");
        }
        for (int i = 0; i < attributes.length; i += 2) {
            n.message(5, attribute((String) attributes[i], attributes[i + 1]));
        }
        nodes.add(n);
        return out;
    }

    /** {@link #node(String, String[], Object...)} for a node without attributes. */
    public String node(String opType, String... inputs) {
        return node(opType, inputs, new Object[0]);
    }

    /** The ModelProto bytes (IR version 8) importing the default ONNX domain at {@code opset}. */
    public byte[] toModel(int opset) {
        Wire graph = new Wire();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(v -> graph.message(11, v));
        outputs.forEach(v -> graph.message(12, v));

        Wire opsetId = new Wire();
        opsetId.string(1, "");
        opsetId.varint(2, opset);

        Wire model = new Wire();
        model.varint(1, 8); // ir_version 8: what opset 17 ships with
        model.string(2, "vitj-benchmarks");
        model.message(7, graph);
        model.message(8, opsetId);
        return model.toArray();
    }

    private String addInitializer(String name, int dataType, byte[] raw, long[] shape) {
        claim(name);
        Wire t = new Wire();
        for (long d : shape) {
            t.varint(1, d);
        }
        t.varint(2, dataType);
        t.string(8, name);
        t.bytes(9, raw);
        initializers.add(t);
        return name;
    }

    private void claim(String value) {
        if (!names.add(value)) {
            throw new IllegalArgumentException("value name '" + value + "' is used twice in graph " + name);
        }
    }

    private static void checkSize(String name, int length, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("initialiser '" + name + "': " + length + " values for shape "
                    + java.util.Arrays.toString(shape) + " (" + n + " expected)");
        }
    }

    private static Wire valueInfo(String name, int elemType, long[] shape) {
        Wire dims = new Wire();
        for (long d : shape) {
            Wire dim = new Wire();
            dim.varint(1, d);
            dims.message(1, dim);
        }
        Wire tensorType = new Wire();
        tensorType.varint(1, elemType);
        tensorType.message(2, dims);
        Wire type = new Wire();
        type.message(1, tensorType);
        Wire info = new Wire();
        info.string(1, name);
        info.message(2, type);
        return info;
    }

    private static Wire attribute(String name, Object value) {
        Wire a = new Wire();
        a.string(1, name);
        if (value instanceof Float || value instanceof Double) {
            a.fixed32(2, Float.floatToIntBits(((Number) value).floatValue()));
            a.varint(20, 1); // AttributeType FLOAT
        } else if (value instanceof Long || value instanceof Integer) {
            a.varint(3, ((Number) value).longValue());
            a.varint(20, 2); // INT
        } else if (value instanceof long[] ints) {
            for (long v : ints) {
                a.varint(8, v);
            }
            a.varint(20, 7); // INTS
        } else {
            throw new IllegalArgumentException("attribute '" + name + "': unsupported value " + value);
        }
        return a;
    }

    /**
     * Protobuf wire format: tag = field << 3 | wire type; varints little-endian base 128. A message is kept as
     * a list of parts so that nesting (tensor in graph in model) never copies the weights: they are copied
     * once, into the model's bytes.
     */
    private static final class Wire {
        private final List<byte[]> parts = new ArrayList<>();
        private ByteArrayOutputStream small = new ByteArrayOutputStream();
        private long size;

        void varint(int field, long value) {
            tag(field, 0);
            raw(value);
        }

        void fixed32(int field, int bits) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                write(bits >>> (8 * i));
            }
        }

        void string(int field, String s) {
            bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void message(int field, Wire m) {
            tag(field, 2);
            raw(m.size);
            m.seal();
            seal();
            parts.addAll(m.parts);
            size += m.size;
        }

        void bytes(int field, byte[] b) {
            tag(field, 2);
            raw(b.length);
            seal();
            parts.add(b);
            size += b.length;
        }

        /** The message as one array; protobuf caps a message at 2 GB. */
        byte[] toArray() {
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("ONNX model of " + size + " bytes: over protobuf's 2 GB limit");
            }
            seal();
            byte[] all = new byte[(int) size];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
            return all;
        }

        private void seal() {
            if (small.size() > 0) {
                parts.add(small.toByteArray());
                small = new ByteArrayOutputStream();
            }
        }

        private void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        private void write(int b) {
            small.write(b);
            size++;
        }

        private void raw(long v) {
            // negative int64 values take ten bytes, as protobuf encodes them
            while ((v & ~0x7FL) != 0) {
                write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }
    }
}
