using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace InterPositive.Relight.Runtime;

/// <summary>
/// A float tensor over an array rented from <see cref="ArrayPool{T}"/>, with the <see cref="OrtValue"/> that pins
/// it for ONNX Runtime. The buffer owns both; dispose it to unpin and return the array.
/// </summary>
public sealed class TensorBuffer : IDisposable
{
    private float[]? _array;
    private OrtValue? _value;

    public TensorBuffer(params long[] shape)
    {
        Shape = shape;
        long length = 1;
        foreach (var d in shape)
        {
            length *= d;
        }

        if (length is <= 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), "tensor size out of range");
        }

        Length = (int)length;
        _array = ArrayPool<float>.Shared.Rent(Length);
    }

    public long[] Shape { get; }

    public int Length { get; }

    public Span<float> Span => Array.AsSpan(0, Length);

    public Memory<float> Memory => Array.AsMemory(0, Length);

    /// <summary>The pinned ONNX Runtime view, made on first use.</summary>
    public OrtValue Value => _value ??= OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Memory, Shape);

    private float[] Array => _array ?? throw new ObjectDisposedException(nameof(TensorBuffer));

    public static TensorBuffer From(ReadOnlySpan<float> values, params long[] shape)
    {
        var buffer = new TensorBuffer(shape);
        values.CopyTo(buffer.Span);
        return buffer;
    }

    public void Dispose()
    {
        _value?.Dispose();
        _value = null;
        if (_array is { } array)
        {
            _array = null;
            ArrayPool<float>.Shared.Return(array);
        }
    }
}
