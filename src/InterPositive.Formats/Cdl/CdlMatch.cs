namespace InterPositive.Formats.Cdl;

/// <summary>Which corrections of a .cc/.ccc/.cdl file apply to which clips, and which matched nothing.</summary>
/// <param name="ByClip">Clip name → its correction (the correction's id set to the clip name).</param>
/// <param name="Unmatched">Ids (or MediaRefs) of corrections that name no clip; "(no id)" for a correction without either.</param>
public sealed record CdlMatch(IReadOnlyDictionary<string, Cdl> ByClip, IReadOnlyList<string> Unmatched)
{
    /// <summary>
    /// Matches corrections to clip names: a correction applies to the clip whose name is its <c>ColorCorrection id</c>
    /// (as OpenColorIO's <c>cccid</c> looks it up), or, in a .cdl, whose file its <c>MediaRef</c> names. An id written
    /// as <c>CARD/CLIP</c> (older exports) matches on its last part. The first correction for a clip wins.
    /// </summary>
    public static CdlMatch Match(IEnumerable<Cdl> corrections, IEnumerable<string> clipNames)
    {
        var names = new HashSet<string>(clipNames, StringComparer.Ordinal);
        var byClip = new Dictionary<string, Cdl>(StringComparer.Ordinal);
        var unmatched = new List<string>();
        foreach (var cdl in corrections)
        {
            var candidates = new[]
            {
                cdl.Id,
                cdl.Id is { } id && id.Contains('/', StringComparison.Ordinal) ? id[(id.LastIndexOf('/') + 1)..] : null,
                cdl.MediaRef is { } media ? Path.GetFileNameWithoutExtension(media.Replace('\\', '/').Split('/')[^1]) : null,
            };
            var clip = candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && names.Contains(c));
            if (clip is null)
            {
                unmatched.Add(cdl.Id ?? cdl.MediaRef ?? "(no id)");
                continue;
            }

            byClip.TryAdd(clip, cdl with { Id = clip });
        }

        return new CdlMatch(byClip, unmatched);
    }
}
