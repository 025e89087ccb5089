using System.Collections.Concurrent;
using System.Diagnostics;
using InterPositive.Catalog;
using InterPositive.Catalog.Cards;
using InterPositive.Catalog.Clips;
using InterPositive.Media;
using InterPositive.Relight.Media;
using InterPositive.Relight.Models;
using InterPositive.Takes;

namespace InterPositive.Host.Service.Stages;

/// <summary>
/// Relights for the dashboard's sliders: the clip's first frame is decoded once (at preview size, 16-bit) from a
/// verified copy and kept, so each slider move is one inference on a small still, well inside a second.
/// </summary>
public sealed class InteractiveRelight(CatalogDatabase catalog, ApplianceOptions options, TimeProvider time, ILogger log) : IDisposable
{
    public const int PreviewWidth = 960;
    private readonly ConcurrentDictionary<string, Task<string>> _stills = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lazy<BuiltInModel> _model = new(() => new BuiltInModel());
    private readonly MediaTools _media = new(options.Media);

    /// <summary>A JPEG of the clip's first frame relit with the given changes; null when the clip or a copy is missing.</summary>
    public async Task<byte[]?> RelightAsync(string clipId, double? lampKelvin, double? lampTint, double? exposureStops, KeyChange? key, CancellationToken cancellationToken)
    {
        var clip = ClipStore.Document(catalog, clipId);
        var card = clip is null ? null : CardStore.Find(catalog, clip.CardId);
        var root = card is null ? null : CardStore.VerifiedRoot(card);
        if (clip is null || root is null)
        {
            return null;
        }

        var still = await _stills.GetOrAdd(clipId, _ => ExtractStillAsync(Path.Combine(root, clip.Path), clipId, CancellationToken.None));
        var decoding = ClipPreviews.BaseSettings(clip);
        var settings = decoding with
        {
            SourceLamp = ClipPreviews.StoredLamp(catalog, clipId, decoding),
            LampKelvin = lampKelvin,
            LampTint = lampTint ?? 0,
            ExposureStops = exposureStops ?? 0,
            Key = key,
            Output = OutputKind.Display,
        };
        var output = Path.Combine(Path.GetTempPath(), $"ip-relight-{Guid.NewGuid():N}.jpg");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var watch = Stopwatch.StartNew();
            await new Relighter(_model.Value, time, media: _media).RunAsync(new RelightRequest(still, output, settings), cancellationToken);
            log.Debug("Interactive relight of {Clip} in {Milliseconds} ms", clipId, watch.ElapsedMilliseconds);
            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        finally
        {
            _gate.Release();
            File.Delete(output);
        }
    }

    public void Dispose()
    {
        if (_model.IsValueCreated)
        {
            _model.Value.Dispose();
        }

        _gate.Dispose();
    }

    private async Task<string> ExtractStillAsync(string clipPath, string clipId, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(options.Data.Folder!, "previews", string.Concat(clipId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')));
        Directory.CreateDirectory(folder);
        var still = Path.Combine(folder, "first-frame.png");
        if (File.Exists(still))
        {
            return still;
        }

        try
        {
            await _media.RunFfmpegAsync(["-v", "error", "-nostdin", "-y", "-i", clipPath, "-frames:v", "1", "-vf", FormattableString.Invariant($"scale={PreviewWidth}:-2"), "-pix_fmt", "rgb48be", still], clipPath, cancellationToken);
        }
        catch (MediaProcessException)
        {
            _stills.TryRemove(clipId, out _);
            throw;
        }

        if (!File.Exists(still))
        {
            _stills.TryRemove(clipId, out _);
            throw new IOException($"{clipPath}: ffmpeg wrote no frame");
        }

        return still;
    }
}
