namespace InterPositive.Lighting.Colour;

/// <summary>A 3-vector of doubles (XYZ, RGB, LMS).</summary>
public readonly record struct Vector3d(double X, double Y, double Z)
{
    public static Vector3d operator *(Vector3d v, double s) => new(v.X * s, v.Y * s, v.Z * s);

    public static Vector3d operator +(Vector3d a, Vector3d b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

    public static Vector3d operator -(Vector3d a, Vector3d b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public double Sum => X + Y + Z;

    public double Dot(Vector3d other) => X * other.X + Y * other.Y + Z * other.Z;

    public double Length => Math.Sqrt(Dot(this));
}

/// <summary>A row-major 3×3 matrix: colour-space conversions and chromatic adaptation.</summary>
public readonly record struct Matrix3(double M00, double M01, double M02, double M10, double M11, double M12, double M20, double M21, double M22)
{
    public static Matrix3 Identity => new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    public static Matrix3 Diagonal(Vector3d d) => new(d.X, 0, 0, 0, d.Y, 0, 0, 0, d.Z);

    public static Vector3d operator *(Matrix3 m, Vector3d v) => new(
        m.M00 * v.X + m.M01 * v.Y + m.M02 * v.Z,
        m.M10 * v.X + m.M11 * v.Y + m.M12 * v.Z,
        m.M20 * v.X + m.M21 * v.Y + m.M22 * v.Z);

    public static Matrix3 operator *(Matrix3 m, double s) =>
        new(m.M00 * s, m.M01 * s, m.M02 * s, m.M10 * s, m.M11 * s, m.M12 * s, m.M20 * s, m.M21 * s, m.M22 * s);

    public static Matrix3 operator *(Matrix3 a, Matrix3 b) => new(
        a.M00 * b.M00 + a.M01 * b.M10 + a.M02 * b.M20, a.M00 * b.M01 + a.M01 * b.M11 + a.M02 * b.M21, a.M00 * b.M02 + a.M01 * b.M12 + a.M02 * b.M22,
        a.M10 * b.M00 + a.M11 * b.M10 + a.M12 * b.M20, a.M10 * b.M01 + a.M11 * b.M11 + a.M12 * b.M21, a.M10 * b.M02 + a.M11 * b.M12 + a.M12 * b.M22,
        a.M20 * b.M00 + a.M21 * b.M10 + a.M22 * b.M20, a.M20 * b.M01 + a.M21 * b.M11 + a.M22 * b.M21, a.M20 * b.M02 + a.M21 * b.M12 + a.M22 * b.M22);

    public double Determinant =>
        M00 * (M11 * M22 - M12 * M21) - M01 * (M10 * M22 - M12 * M20) + M02 * (M10 * M21 - M11 * M20);

    public Matrix3 Inverse()
    {
        var det = Determinant;
        if (Math.Abs(det) < 1e-300)
        {
            throw new InvalidOperationException("singular matrix");
        }

        var k = 1 / det;
        return new Matrix3(
            (M11 * M22 - M12 * M21) * k, (M02 * M21 - M01 * M22) * k, (M01 * M12 - M02 * M11) * k,
            (M12 * M20 - M10 * M22) * k, (M00 * M22 - M02 * M20) * k, (M02 * M10 - M00 * M12) * k,
            (M10 * M21 - M11 * M20) * k, (M01 * M20 - M00 * M21) * k, (M00 * M11 - M01 * M10) * k);
    }

    public Vector3d Row(int i) => i switch
    {
        0 => new(M00, M01, M02),
        1 => new(M10, M11, M12),
        _ => new(M20, M21, M22),
    };
}

/// <summary>Chromaticity helpers: xy, CIE 1960 uv, XYZ.</summary>
public static class Chromaticity
{
    /// <summary>CIE 1931 xy of an XYZ triple.</summary>
    public static (double x, double y) XyzToXy(Vector3d xyz)
    {
        var sum = xyz.Sum;
        return sum <= 0 ? (0.3127, 0.3290) : (xyz.X / sum, xyz.Y / sum);
    }

    /// <summary>XYZ with Y = <paramref name="luminance"/> for chromaticity xy.</summary>
    public static Vector3d XyToXyz(double x, double y, double luminance = 1) =>
        new(x * luminance / y, luminance, (1 - x - y) * luminance / y);

    /// <summary>CIE 1960 UCS uv from xy.</summary>
    public static (double u, double v) XyToUv(double x, double y)
    {
        var d = -2 * x + 12 * y + 3;
        return (4 * x / d, 6 * y / d);
    }

    /// <summary>xy from CIE 1960 UCS uv.</summary>
    public static (double x, double y) UvToXy(double u, double v)
    {
        var d = 2 * u - 8 * v + 4;
        return (3 * u / d, 2 * v / d);
    }

    /// <summary>CIE 1960 uv of XYZ.</summary>
    public static (double u, double v) XyzToUv(Vector3d xyz)
    {
        var d = xyz.X + 15 * xyz.Y + 3 * xyz.Z;
        return d <= 0 ? (0.1978, 0.3122) : (4 * xyz.X / d, 6 * xyz.Y / d);
    }
}
