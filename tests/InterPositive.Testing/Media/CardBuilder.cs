using System.Text;

namespace InterPositive.Testing.Media;

/// <summary>Builds camera-card folder layouts for each family with the media writers (headers real, essence stand-in).</summary>
public static class CardBuilder
{
    /// <summary>ARRI ProRes MOV reel folder: <c>A002R2EC/A002C00N_141024_R2EC.mov</c> with com.arri.camera.* keys.</summary>
    public static IReadOnlyList<string> ArriMov(string root, int clips = 2, string reel = "A002R2EC")
    {
        var paths = new List<string>();
        for (var i = 1; i <= clips; i++)
        {
            var mov = new MovWriter { TimecodeFrame = (uint)((14 * 3600 * 24) + (i * 240)) };
            mov.Metadata.Add(new("com.arri.camera.CameraModel", "ALEXA Mini LF"));
            mov.Metadata.Add(new("com.arri.camera.CameraSerialNumber", "2871"));
            mov.Metadata.Add(new("com.arri.camera.ReelName", reel[..4]));
            mov.Metadata.Add(new("com.arri.camera.SceneName", "42A"));
            mov.Metadata.Add(new("com.arri.camera.TakeName", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            mov.Metadata.Add(new("com.arri.camera.WhiteBalanceKelvin", 5600));
            mov.Metadata.Add(new("com.arri.camera.ExposureIndexAsa", 800));
            mov.Metadata.Add(new("com.arri.camera.LensType", "Signature Prime 35"));
            var path = Path.Combine(root, reel, FormattableString.Invariant($"A002C{i + 5:000}_141024_R2EC.mov"));
            mov.WriteTo(path);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>ALEXA 35 MXF reel folder: <c>A_0076_1CTJ/A_0076C00N_230511_184122_h1CTJ.mxf</c> with RDD 18 sets.</summary>
    public static IReadOnlyList<string> ArriMxf(string root, int clips = 2)
    {
        var paths = new List<string>();
        for (var i = 1; i <= clips; i++)
        {
            var name = FormattableString.Invariant($"A_0076C{i:000}_230511_184122_h1CTJ");
            var path = Path.Combine(root, "A_0076_1CTJ", name + ".mxf");
            new MxfWriter { PackageName = name, StartTimecodeFrames = (18L * 3600 * 24) + (i * 100), EditRateNumerator = 24, EditRateDenominator = 1 }.WriteTo(path);
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>RED: <c>A002_0908FT.RDM/A002_C00N_0908R4.RDC/A002_C00N_0908R4_00S.R3D</c> spanned over segments, plus a proxy MOV.</summary>
    public static IReadOnlyList<string> Red(string root, int clips = 2, int segments = 3)
    {
        var paths = new List<string>();
        for (var i = 1; i <= clips; i++)
        {
            var clip = FormattableString.Invariant($"A002_C{i:000}_0908R4");
            var folder = Path.Combine(root, "A002_0908FT.RDM", clip + ".RDC");
            for (var s = 1; s <= segments; s++)
            {
                var writer = new R3dWriter { Take = FormattableString.Invariant($"{i:000}"), StartTimecode = FormattableString.Invariant($"14:22:{i:00}:00") };
                var path = Path.Combine(folder, FormattableString.Invariant($"{clip}_{s:000}.R3D"));
                Directory.CreateDirectory(folder);
                File.WriteAllBytes(path, writer.Build());
                paths.Add(path);
            }

            new MovWriter { TimecodeFrame = null, Width = 1920, Height = 1080 }.WriteTo(Path.Combine(folder, clip + "_PROXY.mov"));
        }

        File.WriteAllText(Path.Combine(root, "A002_0908FT.RDM", "A002_0908FT.RMD"), "<rmd/>");
        return paths;
    }

    /// <summary>Sony: <c>XDROOT/Clip/C000N.MXF</c> with <c>C000NM01.XML</c>, plus a proxy in <c>XDROOT/Sub</c>.</summary>
    public static IReadOnlyList<string> Sony(string root, int clips = 2, bool underPrivate = true)
    {
        var xdroot = underPrivate ? Path.Combine(root, "PRIVATE", "XDROOT") : Path.Combine(root, "XDROOT");
        var clipFolder = Path.Combine(xdroot, "Clip");
        var paths = new List<string>();
        for (var i = 1; i <= clips; i++)
        {
            var stem = FormattableString.Invariant($"C{i:0000}");
            var mxf = Path.Combine(clipFolder, stem + ".MXF");
            new MxfWriter { Company = "Sony", Product = "VENICE 2", Lens = null, Camera = null, PackageName = stem }.WriteTo(mxf);
            File.WriteAllText(Path.Combine(clipFolder, stem + "M01.XML"), new SonyXmlWriter().Build(), new UTF8Encoding(false));
            paths.Add(mxf);
        }

        Directory.CreateDirectory(Path.Combine(xdroot, "Sub"));
        new MovWriter { TimecodeFrame = null }.WriteTo(Path.Combine(xdroot, "Sub", "C0001S03.MP4"));
        return paths;
    }

    /// <summary>Blackmagic: <c>A001_05111841_C00N.braw</c> (QuickTime-structured) with a <c>.sidecar</c>.</summary>
    public static IReadOnlyList<string> Blackmagic(string root, int clips = 2)
    {
        var paths = new List<string>();
        for (var i = 1; i <= clips; i++)
        {
            var stem = FormattableString.Invariant($"A001_05111841_C{i:000}");
            var path = Path.Combine(root, stem + ".braw");
            new MovWriter { Codec = "brxq", Width = 12288, Height = 6480, Timescale = 24, FrameDuration = 1 }.WriteTo(path);
            File.WriteAllText(Path.Combine(root, stem + ".sidecar"), BrawSidecarWriter.Build(BrawSidecarWriter.Typical()));
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>Canon: <c>CONTENTS/CLIPS001/A001C00N_230101AB_CANON.MXF</c>.</summary>
    public static IReadOnlyList<string> Canon(string root, int clips = 2)
    {
        var paths = new List<string>();
        for (var i = 1; i <= clips; i++)
        {
            var path = Path.Combine(root, "CONTENTS", "CLIPS001", FormattableString.Invariant($"A001C{i:000}_230101AB_CANON.MXF"));
            new MxfWriter { Company = "Canon", Product = "EOS C500 Mark II", Lens = null, EditRateNumerator = 25, EditRateDenominator = 1, RoundedTimecodeBase = 25 }.WriteTo(path);
            paths.Add(path);
        }

        return paths;
    }
}
