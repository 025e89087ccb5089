using CsCheck;
using InterPositive.Formats.Ale;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;
using Correction = InterPositive.Formats.Cdl.Cdl;

namespace InterPositive.Formats.Tests.Cdl;

[Trait("Category", "Unit")]
public sealed class CdlMatchTests
{
    [Fact]
    public void Corrections_match_clips_by_id_by_an_older_card_slash_clip_id_or_by_media_ref_and_the_rest_are_named()
    {
        var corrections = new[]
        {
            Look("A001C001"),
            Look("A001R1AB/A001C002"),
            Look(null) with { MediaRef = "/Volumes/RAID/A001C003.mov" },
            Look("A001C001") with { Description = "second for the same clip: the first wins" },
            Look("B007C001"),
            Look(null),
        };
        var match = CdlMatch.Match(corrections, ["A001C001", "A001C002", "A001C003", "A001C004"]);
        Assert.Equal(["A001C001", "A001C002", "A001C003"], match.ByClip.Keys.Order(StringComparer.Ordinal));
        Assert.All(match.ByClip, pair => Assert.Equal(pair.Key, pair.Value.Id));
        Assert.Null(match.ByClip["A001C001"].Description);
        Assert.Equal(["B007C001", "(no id)"], match.Unmatched);
    }

    [Fact]
    public void Every_correction_is_either_matched_or_named_as_unmatched()
    {
        var ids = Gen.OneOf("A", "B", "C", "A/B", "X/C", "", "D");
        ids.Array[0, 12].Sample(list =>
        {
            var match = CdlMatch.Match(list.Select(id => Look(id.Length == 0 ? null : id)), ["A", "B", "C"]);
            Assert.True(match.ByClip.Count + match.Unmatched.Count <= list.Length);
            Assert.Equal(list.Count(id => id is "D" or ""), match.Unmatched.Count);
        }, iter: 500);
    }

    [Fact]
    public void Clips_group_by_frame_rate_one_ale_each_and_unknown_rates_join_the_largest_group()
    {
        ClipRecord Clip(string name, TimecodeInfo? tc, double? fps = null) => new() { Path = name + ".mov", Clip = name, Timecode = tc, Fps = fps, DurationFrames = 10 };
        var clips = new[]
        {
            Clip("a", new TimecodeInfo("01:00:00;00", "29.97", true)),
            Clip("b", new TimecodeInfo("01:00:00;00", "59.94", true)),
            Clip("c", new TimecodeInfo("01:00:00:00", "25", false)),
            Clip("d", new TimecodeInfo("01:00:10;00", "29.97", true)),
            Clip("e", null),
            Clip("f", null, 25),
            Clip("g", new TimecodeInfo("02:00:00;00", "29.97", true)),
        };
        var groups = AleFile.ByRate(clips);
        Assert.Equal(3, groups.Count);
        Assert.Equal(["a", "d", "g", "e"], groups[0].Clips.Select(c => c.Clip));
        Assert.Equal(FrameRate.Fps29_97DropFrame, groups[0].Rate);
        Assert.Equal(["c", "f"], groups.Single(g => g.Rate == FrameRate.Fps25).Clips.Select(c => c.Clip));
        foreach (var (rate, members) in groups)
        {
            var ale = AleFile.FromClips(members);
            Assert.Equal(rate!.Value.ToDecimalString(), ale.HeadingValue("FPS"));
        }
    }

    private static Correction Look(string? id) => new(id, CdlTriple.One, CdlTriple.Zero, CdlTriple.One, 1);
}
