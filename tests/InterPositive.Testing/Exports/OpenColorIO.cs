using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace InterPositive.Testing.Exports;

/// <summary>
/// OpenColorIO itself reading our exported looks: Debian's python3-pyopencolorio (for the system interpreter
/// <c>/usr/bin/python3</c>, not any other python3 on PATH) applies a .cc/.ccc/.cdl found by <c>cccId</c> to one colour.
/// </summary>
public static class OpenColorIO
{
    public const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys, json, PyOpenColorIO as OCIO
        cfg = OCIO.Config.CreateRaw()
        rgb = [float(v) for v in sys.argv[1].split(",")]
        out = []
        for path, cccid in zip(sys.argv[2::2], sys.argv[3::2]):
            t = OCIO.FileTransform(src=path, cccId=cccid, interpolation=OCIO.INTERP_LINEAR)
            out.append(cfg.getProcessor(t).getDefaultCPUProcessor().applyRGB(rgb))
        print(json.dumps(out))
        """;

    private static readonly Lazy<bool> Present = new(() => Run(["-c", "import PyOpenColorIO"], TimeSpan.FromSeconds(60)).GetAwaiter().GetResult().Code == 0);

    /// <summary>True when the system interpreter can import PyOpenColorIO (tests/run.sh installs it).</summary>
    public static bool Available => File.Exists(Python) && Present.Value;

    /// <summary>
    /// The colour each (file, cccId) turns <paramref name="rgb"/> into, in order; throws naming OpenColorIO's own error
    /// when it cannot find or read a look (an id it does not find is an error in OpenColorIO, never a silent identity).
    /// </summary>
    public static async Task<IReadOnlyList<double[]>> ApplyAsync(IReadOnlyList<(string Path, string CccId)> looks, (double R, double G, double B) rgb, CancellationToken cancellationToken = default)
    {
        List<string> args = ["-c", Script, string.Create(CultureInfo.InvariantCulture, $"{rgb.R:R},{rgb.G:R},{rgb.B:R}")];
        foreach (var (path, id) in looks)
        {
            args.Add(path);
            args.Add(id);
        }

        var (code, stdout, stderr) = await Run(args, TimeSpan.FromSeconds(120), cancellationToken);
        if (code != 0)
        {
            throw new InvalidOperationException($"{Python} with PyOpenColorIO (Debian python3-pyopencolorio) exited {code}: {stderr}");
        }

        using var document = JsonDocument.Parse(stdout);
        return [.. document.RootElement.EnumerateArray().Select(c => c.EnumerateArray().Select(v => v.GetDouble()).ToArray())];
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Run(IReadOnlyList<string> args, TimeSpan bound, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Python))
        {
            return (127, "", Python + " is not installed");
        }

        var start = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(Python + " did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Python} did not finish within {bound}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
