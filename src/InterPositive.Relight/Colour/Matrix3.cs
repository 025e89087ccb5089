namespace InterPositive.Relight.Colour;

/// <summary>A 3×3 matrix in row-major order, in double precision (the graph gets it as float).</summary>
public readonly record struct Matrix3(double M00, double M01, double M02, double M10, double M11, double M12, double M20, double M21, double M22)
{
    public static Matrix3 Identity => new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    public static Matrix3 Diagonal(double a, double b, double c) => new(a, 0, 0, 0, b, 0, 0, 0, c);

    public static Matrix3 operator *(Matrix3 a, Matrix3 b) => new(
        (a.M00 * b.M00) + (a.M01 * b.M10) + (a.M02 * b.M20), (a.M00 * b.M01) + (a.M01 * b.M11) + (a.M02 * b.M21), (a.M00 * b.M02) + (a.M01 * b.M12) + (a.M02 * b.M22),
        (a.M10 * b.M00) + (a.M11 * b.M10) + (a.M12 * b.M20), (a.M10 * b.M01) + (a.M11 * b.M11) + (a.M12 * b.M21), (a.M10 * b.M02) + (a.M11 * b.M12) + (a.M12 * b.M22),
        (a.M20 * b.M00) + (a.M21 * b.M10) + (a.M22 * b.M20), (a.M20 * b.M01) + (a.M21 * b.M11) + (a.M22 * b.M21), (a.M20 * b.M02) + (a.M21 * b.M12) + (a.M22 * b.M22));

    public static Matrix3 operator *(Matrix3 a, double s) => new(a.M00 * s, a.M01 * s, a.M02 * s, a.M10 * s, a.M11 * s, a.M12 * s, a.M20 * s, a.M21 * s, a.M22 * s);

    public (double X, double Y, double Z) Apply(double x, double y, double z) =>
        ((M00 * x) + (M01 * y) + (M02 * z), (M10 * x) + (M11 * y) + (M12 * z), (M20 * x) + (M21 * y) + (M22 * z));

    public double Determinant =>
        (M00 * ((M11 * M22) - (M12 * M21))) - (M01 * ((M10 * M22) - (M12 * M20))) + (M02 * ((M10 * M21) - (M11 * M20)));

    public Matrix3 Inverse()
    {
        var det = Determinant;
        if (Math.Abs(det) < 1e-15)
        {
            throw new InvalidOperationException("matrix is singular");
        }

        var k = 1 / det;
        return new Matrix3(
            ((M11 * M22) - (M12 * M21)) * k, ((M02 * M21) - (M01 * M22)) * k, ((M01 * M12) - (M02 * M11)) * k,
            ((M12 * M20) - (M10 * M22)) * k, ((M00 * M22) - (M02 * M20)) * k, ((M02 * M10) - (M00 * M12)) * k,
            ((M10 * M21) - (M11 * M20)) * k, ((M01 * M20) - (M00 * M21)) * k, ((M00 * M11) - (M01 * M10)) * k);
    }

    /// <summary>Row-major floats, the layout of a [3,3,1,1] 1×1-convolution weight (output channel, input channel).</summary>
    public float[] ToFloats() => [(float)M00, (float)M01, (float)M02, (float)M10, (float)M11, (float)M12, (float)M20, (float)M21, (float)M22];
}
