using Onnx;

namespace FormFollowsFunction.Architectures.Onnx.Import;

/// <summary>
/// A tensor whose value is known while importing: an initializer, a <c>Constant</c> node, or the result of
/// folding a shape computation for the given input shape. Values are held as doubles (int64 shape values up
/// to 2^53 and float32 weights are both exact); <see cref="IsFloat"/> says which element type the file meant.
/// </summary>
internal sealed record ConstantValue(int[] Dims, double[] Data, bool IsFloat)
{
    public int Rank => Dims.Length;

    public static ConstantValue Scalar(double value, bool isFloat) => new([], [value], isFloat);

    public static ConstantValue Vector(IEnumerable<long> values) { var d = values.Select(v => (double)v).ToArray(); return new([d.Length], d, false); }

    public long[] Longs => [.. Data.Select(v => (long)v)];

    public float[] Floats => [.. Data.Select(v => (float)v)];

    /// <summary>Reads a TensorProto of float, double, int32, int64, int8/uint8 or bool elements; other types are refused.</summary>
    public static ConstantValue FromProto(TensorProto t, string what)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new OnnxImportException($"{what} keeps its data in an external file; save the model with its weights inside the .onnx file");
        int[] dims = [.. t.Dims.Select(d => checked((int)d))];
        long count = dims.Aggregate(1L, (p, d) => p * d);
        var raw = t.RawData.Span;
        double[] data;
        var type = (TensorProto.Types.DataType)t.DataType;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
                data = raw.Length > 0 ? [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray().Select(v => (double)v)] : [.. t.FloatData.Select(v => (double)v)];
                return Checked(new(dims, data, true), count, what);
            case TensorProto.Types.DataType.Double:
                data = raw.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(raw).ToArray() : [.. t.DoubleData];
                return Checked(new(dims, data, true), count, what);
            case TensorProto.Types.DataType.Int64:
                data = raw.Length > 0 ? [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw).ToArray().Select(v => (double)v)] : [.. t.Int64Data.Select(v => (double)v)];
                return Checked(new(dims, data, false), count, what);
            case TensorProto.Types.DataType.Int32:
                data = raw.Length > 0 ? [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (double)v)] : [.. t.Int32Data.Select(v => (double)v)];
                return Checked(new(dims, data, false), count, what);
            case TensorProto.Types.DataType.Bool or TensorProto.Types.DataType.Uint8:
                data = raw.Length > 0 ? [.. raw.ToArray().Select(v => (double)v)] : [.. t.Int32Data.Select(v => (double)v)];
                return Checked(new(dims, data, false), count, what);
            case TensorProto.Types.DataType.Int8:
                data = raw.Length > 0 ? [.. raw.ToArray().Select(v => (double)(sbyte)v)] : [.. t.Int32Data.Select(v => (double)v)];
                return Checked(new(dims, data, false), count, what);
            default:
                throw new OnnxImportException($"{what} is {type}; the suite measures float32 models (convert the model to float32 first)");
        }
    }

    private static ConstantValue Checked(ConstantValue value, long count, string what) => value.Data.Length == count
        ? value
        : throw new OnnxImportException($"{what} holds {value.Data.Length} values for its shape [{string.Join(',', value.Dims)}]");

    public static long[] Strides(int[] dims)
    {
        var strides = new long[dims.Length];
        long s = 1;
        for (int i = dims.Length - 1; i >= 0; i--) { strides[i] = s; s *= dims[i]; }
        return strides;
    }

    /// <summary>The broadcast of two constants under <paramref name="op"/> (NumPy rules).</summary>
    public static ConstantValue Binary(ConstantValue a, ConstantValue b, Func<double, double, double> op, bool? isFloat = null)
    {
        var shape = Description.Broadcast.Shape(AsShape(a.Dims), AsShape(b.Dims)).Dimensions.ToArray();
        if (a.Rank == 0 && b.Rank == 0) shape = [];
        var result = new double[shape.Aggregate(1, (p, d) => p * d)];
        var (sa, sb, so) = (BroadcastStrides(a.Dims, shape), BroadcastStrides(b.Dims, shape), Strides(shape));
        for (int i = 0; i < result.Length; i++)
        {
            long ia = 0, ib = 0, rest = i;
            for (int d = 0; d < shape.Length; d++)
            {
                long index = rest / so[d];
                rest %= so[d];
                ia += index * sa[d];
                ib += index * sb[d];
            }
            result[i] = op(a.Data[ia], b.Data[ib]);
        }
        return new ConstantValue(shape, result, isFloat ?? (a.IsFloat || b.IsFloat));
    }

    public ConstantValue Map(Func<double, double> op, bool? isFloat = null) => new(Dims, [.. Data.Select(op)], isFloat ?? IsFloat);

    public ConstantValue Reshaped(int[] dims) => new(dims, Data, IsFloat);

    /// <summary>Elements at <paramref name="indices"/> along <paramref name="axis"/>; a scalar index drops the axis.</summary>
    public ConstantValue Gather(int axis, ConstantValue indices)
    {
        int size = Dims[axis];
        long outer = Dims[..axis].Aggregate(1L, (p, d) => p * d), inner = Dims[(axis + 1)..].Aggregate(1L, (p, d) => p * d);
        var picks = indices.Data.Select(v => (long)(v < 0 ? v + size : v)).ToArray();
        var result = new List<double>();
        for (long o = 0; o < outer; o++)
            foreach (var p in picks)
                for (long j = 0; j < inner; j++)
                    result.Add(Data[(o * size + p) * inner + j]);
        return new ConstantValue([.. Dims[..axis], .. indices.Dims, .. Dims[(axis + 1)..]], [.. result], IsFloat);
    }

    /// <summary>Elements start, start+step, ... before end along one axis (negative steps allowed).</summary>
    public ConstantValue SliceAxis(int axis, long start, long end, long step)
    {
        var picks = new List<double>();
        for (long i = start; step > 0 ? i < end : i > end; i += step) picks.Add(i);
        var gathered = Gather(axis, new ConstantValue([picks.Count], [.. picks], false));
        return gathered;
    }

    public ConstantValue Transposed(int[] perm)
    {
        var dims = perm.Select(p => Dims[p]).ToArray();
        var (src, dst) = (Strides(Dims), Strides(dims));
        var result = new double[Data.Length];
        for (long i = 0; i < result.Length; i++)
        {
            long rest = i, source = 0;
            for (int d = 0; d < dims.Length; d++) { source += rest / dst[d] * src[perm[d]]; rest %= dst[d]; }
            result[i] = Data[source];
        }
        return new ConstantValue(dims, result, IsFloat);
    }

    public static ConstantValue Concat(IReadOnlyList<ConstantValue> parts, int axis)
    {
        var first = parts[0];
        long outer = first.Dims[..axis].Aggregate(1L, (p, d) => p * d);
        var result = new List<double>();
        for (long o = 0; o < outer; o++)
            foreach (var part in parts)
            {
                long block = part.Dims[axis..].Aggregate(1L, (p, d) => p * d);
                for (long j = 0; j < block; j++) result.Add(part.Data[o * block + j]);
            }
        int total = parts.Sum(p => p.Dims[axis]);
        return new ConstantValue([.. first.Dims[..axis], total, .. first.Dims[(axis + 1)..]], [.. result], parts.Any(p => p.IsFloat));
    }

    public ConstantValue Expanded(int[] shape)
    {
        var target = Description.Broadcast.Shape(AsShape(Dims), AsShape(shape)).Dimensions.ToArray();
        return Binary(this, new ConstantValue(target, new double[target.Aggregate(1, (p, d) => p * d)], IsFloat), (x, _) => x, IsFloat);
    }

    private static Description.TensorShape AsShape(int[] dims) => dims.Length == 0 ? Description.TensorShape.Of(1) : Description.TensorShape.Of(dims);

    private static long[] BroadcastStrides(int[] dims, int[] shape)
    {
        var own = Strides(dims);
        var strides = new long[shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            int i = d - (shape.Length - dims.Length);
            strides[d] = i < 0 || dims[i] == 1 ? 0 : own[i];
        }
        return strides;
    }
}

/// <summary>A model file the importer cannot take, with a one-line reason that says what to do.</summary>
public sealed class OnnxImportException(string message) : Description.NetworkDefinitionException(message);
