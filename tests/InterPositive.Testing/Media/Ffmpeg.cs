namespace InterPositive.Testing.Media;

/// <summary>Makes short test clips with Debian's ffmpeg (real ProRes/DNxHR MOV and MXF with timecode).</summary>
public static class Ffmpeg
{
    public const string Executable = "/usr/bin/ffmpeg";

    public static bool Available => File.Exists(Executable);

    /// <summary>ProRes 422 HQ MOV, 320×180, a few frames, with timecode and optional mdta metadata.</summary>
    public static string ProResMov(string path, string rate = "24000/1001", string timecode = "01:00:00:00", params (string Key, string Value)[] metadata)
    {
        var args = new List<string> { "-f", "lavfi", "-i", $"testsrc2=size=320x180:rate={rate}", "-frames:v", "5", "-c:v", "prores_ks", "-profile:v", "3", "-timecode", timecode };
        if (metadata.Length > 0)
        {
            args.AddRange(["-movflags", "use_metadata_tags"]);
            foreach (var (key, value) in metadata)
            {
                args.AddRange(["-metadata", $"{key}={value}"]);
            }
        }

        args.Add(path);
        Run(args);
        return path;
    }

    /// <summary>DNxHR LB in MOV or MXF (by extension), 1280×720, a few frames, with timecode. (Debian ffmpeg 5.1 cannot put ProRes in MXF.)</summary>
    public static string Dnxhr(string path, string rate = "25", string timecode = "10:00:00:00")
    {
        Run(["-f", "lavfi", "-i", $"testsrc2=size=1280x720:rate={rate}", "-frames:v", "3", "-c:v", "dnxhd", "-profile:v", "dnxhr_lb", "-pix_fmt", "yuv422p", "-timecode", timecode, path]);
        return path;
    }

    /// <summary>Runs the kit's ffmpeg through the appliance's runner (fixtures are made synchronously by test set-up code).</summary>
    public static void Run(IEnumerable<string> arguments)
    {
        var tools = new InterPositive.Media.MediaTools(new InterPositive.Media.MediaToolsOptions { Ffmpeg = Executable });
        List<string> all = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", .. arguments];
        tools.RunFfmpegAsync(all, all[^1], CancellationToken.None).GetAwaiter().GetResult();
    }
}
