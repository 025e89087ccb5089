using InterPositive.Formats.Images;
using InterPositive.Lighting.Analysis;

namespace InterPositive.Lighting.Tests;

/// <summary>Small helpers to run a take through the analyzer.</summary>
internal static class Analyse
{
    public static LightingRecord Take(AnalysisSettings settings, IEnumerable<RasterImage> frames)
    {
        var take = new TakeAnalyzer(settings);
        foreach (var frame in frames)
        {
            take.AddFrame(frame.Samples, frame.Width, frame.Height, frame.Channels, frame.BitDepth);
        }

        return take.Build("test");
    }

    public static LightingRecord Still(AnalysisSettings settings, RasterImage frame) => Take(settings, [frame]);
}
