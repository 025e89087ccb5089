using InterPositive.Catalog;
using InterPositive.Catalog.Clips;
using InterPositive.Catalog.Looks;
using InterPositive.Formats;
using InterPositive.Formats.Cdl;
using InterPositive.Formats.Clips;

namespace InterPositive.Takes;

/// <summary>The looks found for a card's clips, by clip name, and what could not be used (each naming its file).</summary>
public sealed record CardLooksFound(IReadOnlyDictionary<string, Cdl> ByClip, IReadOnlyList<string> Warnings);

/// <summary>
/// The ASC CDLs a DIT brings with a card: a .cc/.ccc/.cdl file's corrections matched by clip name
/// (<see cref="CdlMatch"/>), and a <c>.cdl</c> beside a clip (what on-set grading tools and some cameras write). The
/// <c>clips --cdl</c> verb and card ingest read them here, so a look beside a clip reaches post whichever way the card
/// came in.
/// </summary>
public static class CardLooks
{
    /// <summary>The source recorded for a look read from a <c>.cdl</c> beside its clip.</summary>
    public const string BesideTheClip = "beside the clip";

    /// <summary>
    /// Reads the looks for <paramref name="clips"/> under <paramref name="root"/>. A correction in
    /// <paramref name="cdlFile"/> wins over one beside the clip. A malformed or unreadable file beside a clip is a
    /// warning (a card's stray sidecar must not stop an ingest); a malformed <paramref name="cdlFile"/> the user named
    /// throws <see cref="MalformedInputException"/>.
    /// </summary>
    public static CardLooksFound Read(string root, IReadOnlyList<ClipRecord> clips, string? cdlFile)
    {
        var names = clips.Select(ClipStore.ClipName).ToList();
        var looks = new Dictionary<string, Cdl>(StringComparer.Ordinal);
        var warnings = new List<string>();
        if (cdlFile is not null)
        {
            using var stream = File.OpenRead(cdlFile);
            var match = CdlMatch.Match(CdlXml.Read(stream, cdlFile), names);
            foreach (var (name, look) in match.ByClip)
            {
                looks[name] = look;
            }

            if (match.Unmatched.Count > 0)
            {
                warnings.Add($"{cdlFile}: {match.Unmatched.Count} correction(s) match no clip by ColorCorrection id or MediaRef: {string.Join(", ", match.Unmatched)}");
            }
        }

        for (var i = 0; i < clips.Count; i++)
        {
            var beside = Path.ChangeExtension(Path.Combine(root, clips[i].Path), ".cdl");
            if (looks.ContainsKey(names[i]) || !IsPlainFile(beside))
            {
                continue;
            }

            try
            {
                using var stream = new FileStream(beside, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.None);
                if (CdlXml.Read(stream, beside) is [var first, ..])
                {
                    looks[names[i]] = first with { Id = names[i] };
                }
                else
                {
                    warnings.Add($"{beside}: no ColorCorrection in the file; the clip keeps no look");
                }
            }
            catch (Exception error) when (error is MalformedInputException or IOException or UnauthorizedAccessException)
            {
                warnings.Add(error is MalformedInputException ? error.Message : $"{beside}: {error.Message}");
            }
        }

        return new CardLooksFound(looks, warnings);
    }

    /// <summary>
    /// Stores looks read for the card at <paramref name="folder"/> (its source or one of its copies) with the clips'
    /// shot updates; returns how many were stored, 0 when no card there is in the catalog.
    /// </summary>
    public static int Store(CatalogDatabase catalog, string folder, IReadOnlyDictionary<string, Cdl> looks, string source)
    {
        var ids = LookStore.ClipIdsAt(catalog, folder);
        var stored = looks.Where(l => ids.ContainsKey(l.Key)).Select(l => (ids[l.Key], (Cdl?)l.Value)).ToList();
        if (stored.Count > 0)
        {
            LookStore.SetMany(catalog, stored, source);
        }

        return stored.Count;
    }

    // A link beside a clip could point anywhere on the box; a card's look is a plain file on the card.
    private static bool IsPlainFile(string path) =>
        File.Exists(path) && !new FileInfo(path).Attributes.HasFlag(FileAttributes.ReparsePoint);
}
