using System.Text.RegularExpressions;

namespace InterPositive.Offload.Recognition;

/// <summary>Camera families recognised from a card's layout (the strings stored in <c>CardDocument.CameraFamily</c>).</summary>
public static class CameraFamily
{
    public const string Arri = "arri";
    public const string Red = "red";
    public const string Sony = "sony";
    public const string Blackmagic = "blackmagic";
    public const string Canon = "canon";
    public const string Generic = "generic";
}

/// <summary>How a clip's main file is read.</summary>
public enum ClipContainer
{
    QuickTime,
    Mxf,
    R3d,
}

/// <summary>One clip on a card: its name, main file, spanned segments, the sidecar that overrides it, and the camera family.</summary>
/// <param name="Name">The clip name as the camera writes it (file stem; RED without the segment suffix).</param>
/// <param name="MainFile">Path relative to the card root (forward slashes).</param>
/// <param name="Segments">Every file of the clip in order (RED spans 4 GB segments; others have one).</param>
/// <param name="Sidecar">Sony <c>M01.XML</c> or Blackmagic <c>.sidecar</c>, when present.</param>
/// <param name="Container">Which header reader the main file needs.</param>
/// <param name="Family">The camera family this clip's layout belongs to.</param>
public sealed record ClipSource(string Name, string MainFile, IReadOnlyList<string> Segments, string? Sidecar, ClipContainer Container, string Family);

/// <summary>A card's recognised layout: the family and its clips; files that are not clips are not listed.</summary>
public sealed record CardLayout(string Family, IReadOnlyList<ClipSource> Clips);

/// <summary>
/// Recognises a camera card from its file list alone (pure): ARRI reel folders of MXF/MOV, RED <c>.RDM/.RDC/.R3D</c>
/// with spanned segments, Sony <c>XDROOT/Clip/*.MXF</c> + <c>*M01.XML</c>, Blackmagic <c>.braw</c> + <c>.sidecar</c>,
/// Canon <c>CONTENTS/CLIPS001/</c>, and generic MOV/MP4/MXF.
/// </summary>
public static partial class CardRecognizer
{
    private static readonly StringComparer Paths = StringComparer.OrdinalIgnoreCase;

    /// <summary>Recognises the layout from paths relative to the card root (Sony also as M4ROOT/CLIP/*.MP4 for XAVC S/HS).</summary>
    public static CardLayout Recognize(IEnumerable<string> relativePaths)
    {
        var files = relativePaths.Select(p => p.Replace('\\', '/')).Where(p => !IsIgnored(p)).Order(StringComparer.Ordinal).ToList();
        var set = new HashSet<string>(files, Paths);
        var clips = new List<ClipSource>();
        var families = new HashSet<string>(StringComparer.Ordinal);

        // RED: segments <clip>_NNN.R3D grouped into one clip; proxies inside .RDC folders are not clips.
        foreach (var group in files.Where(f => HasExtension(f, ".r3d")).GroupBy(RedClipKey, Paths))
        {
            var segments = group.OrderBy(f => f, StringComparer.OrdinalIgnoreCase).ToList();
            var name = Path.GetFileName(group.Key);
            clips.Add(new ClipSource(name, segments[0], segments, null, ClipContainer.R3d, CameraFamily.Red));
            families.Add(CameraFamily.Red);
        }

        foreach (var file in files)
        {
            var ext = Path.GetExtension(file).ToLowerInvariant();
            var folder = Folder(file);
            var stem = Path.GetFileNameWithoutExtension(file);
            if (ext == ".r3d" || IsInsideRedClipFolder(file) || IsSonyProxy(file))
            {
                continue;
            }

            switch (ext)
            {
                case ".braw":
                    {
                        var sidecar = Sibling(set, folder, stem + ".sidecar");
                        clips.Add(new ClipSource(stem, file, [file], sidecar, ClipContainer.QuickTime, CameraFamily.Blackmagic));
                        families.Add(CameraFamily.Blackmagic);
                        break;
                    }

                case ".mxf" when IsSonyClip(file):
                    {
                        var sidecar = Sibling(set, folder, stem + "M01.XML");
                        clips.Add(new ClipSource(stem, file, [file], sidecar, ClipContainer.Mxf, CameraFamily.Sony));
                        families.Add(CameraFamily.Sony);
                        break;
                    }

                case ".mp4" when IsSonyM4Clip(file):
                    {
                        var sidecar = Sibling(set, folder, stem + "M01.XML");
                        clips.Add(new ClipSource(stem, file, [file], sidecar, ClipContainer.QuickTime, CameraFamily.Sony));
                        families.Add(CameraFamily.Sony);
                        break;
                    }

                case ".mxf" or ".mov" or ".mp4" or ".m4v" or ".crm":
                    {
                        var family = IsCanonClip(file) ? CameraFamily.Canon
                            : IsArriName(stem) ? CameraFamily.Arri
                            : CameraFamily.Generic;
                        var container = ext == ".mxf" ? ClipContainer.Mxf : ClipContainer.QuickTime;
                        clips.Add(new ClipSource(stem, file, [file], null, container, family));
                        families.Add(family);
                        break;
                    }

                default:
                    break;
            }
        }

        string[] precedence = [CameraFamily.Sony, CameraFamily.Red, CameraFamily.Blackmagic, CameraFamily.Canon, CameraFamily.Arri, CameraFamily.Generic];
        var cardFamily = precedence.FirstOrDefault(families.Contains) ?? CameraFamily.Generic;
        return new CardLayout(cardFamily, clips.OrderBy(c => c.MainFile, StringComparer.Ordinal).ToList());
    }

    /// <summary>ARRI clip names: A002C006_141024_R2EC (ALEXA classic to Mini LF) or A_0076C001_230511_184122_h1CTJ (ALEXA 35).</summary>
    public static bool IsArriName(string stem) => ArriName().IsMatch(stem);

    /// <summary>The camera roll an ARRI or RED clip name starts with (A002 from A002C006_…, A_0076 → A0076), when it has one.</summary>
    public static string? RollFromName(string name)
    {
        var m = RollPrefix().Match(name);
        return m.Success ? m.Groups["cam"].Value + m.Groups["roll"].Value : null;
    }

    private static string RedClipKey(string file)
    {
        var folder = Folder(file);
        var stem = Path.GetFileNameWithoutExtension(file);
        var m = RedSegment().Match(stem);
        return (folder.Length == 0 ? "" : folder + "/") + (m.Success ? m.Groups["clip"].Value : stem);
    }

    private static bool IsIgnored(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith("._", StringComparison.Ordinal) || name is ".DS_Store" or "Thumbs.db"
            || path.Split('/').Any(part => part.Equals("ascmhl", StringComparison.OrdinalIgnoreCase) || part.StartsWith('.'));
    }

    private static bool IsInsideRedClipFolder(string file) =>
        file.Split('/').SkipLast(1).Any(part => part.EndsWith(".RDC", StringComparison.OrdinalIgnoreCase));

    private static bool IsSonyClip(string file)
    {
        var parts = file.Split('/');
        return parts.Length >= 3
            && parts[^2].Equals("Clip", StringComparison.OrdinalIgnoreCase)
            && parts[^3].Equals("XDROOT", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Sony XAVC S/HS cards (FX3, FX6, FX30): <c>[PRIVATE/]M4ROOT/CLIP/C0001.MP4</c> with <c>C0001M01.XML</c>.</summary>
    private static bool IsSonyM4Clip(string file)
    {
        var parts = file.Split('/');
        return parts.Length >= 3
            && parts[^2].Equals("CLIP", StringComparison.OrdinalIgnoreCase)
            && parts[^3].Equals("M4ROOT", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSonyProxy(string file)
    {
        var parts = file.Split('/');
        return parts.Length >= 3 && parts[^2].Equals("Sub", StringComparison.OrdinalIgnoreCase) && parts[^3] is var root
            && (root.Equals("XDROOT", StringComparison.OrdinalIgnoreCase) || root.Equals("M4ROOT", StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsCanonClip(string file)
    {
        var parts = file.Split('/');
        return parts.Length >= 3 && parts[^2].StartsWith("CLIPS", StringComparison.OrdinalIgnoreCase) && parts[^3].Equals("CONTENTS", StringComparison.OrdinalIgnoreCase);
    }

    private static string? Sibling(HashSet<string> files, string folder, string name)
    {
        var candidate = folder.Length == 0 ? name : folder + "/" + name;
        return files.TryGetValue(candidate, out var actual) ? actual : null;
    }

    private static string Folder(string file)
    {
        var slash = file.LastIndexOf('/');
        return slash < 0 ? "" : file[..slash];
    }

    private static bool HasExtension(string file, string extension) => file.EndsWith(extension, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^[A-Z](?:\d{3}|_\d{4})C\d{3}_\d{6}(?:_\d{6})?_[A-Za-z0-9]{4,5}$", RegexOptions.CultureInvariant)]
    private static partial Regex ArriName();

    [GeneratedRegex(@"^(?<cam>[A-Z])_?(?<roll>\d{3,4})(?:_?C\d{3})", RegexOptions.CultureInvariant)]
    private static partial Regex RollPrefix();

    [GeneratedRegex(@"^(?<clip>.+)_(?<segment>\d{3})$", RegexOptions.CultureInvariant)]
    private static partial Regex RedSegment();
}
