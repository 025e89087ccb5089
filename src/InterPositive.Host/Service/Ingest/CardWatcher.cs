using Microsoft.Extensions.Hosting;
using Serilog;

namespace InterPositive.Host.Service.Ingest;

/// <summary>
/// Notices cards: every sub-folder of a configured mount root (udev/automount mounts cards there) is a card. A card is
/// queued once its folder has stopped changing (a mount still settling is not offloaded half-seen), and only once per
/// appearance: a card that is unmounted and mounted again is offloaded again, which resumes and re-verifies.
/// </summary>
public sealed class CardWatcher : BackgroundService
{
    private readonly ApplianceOptions _options;
    private readonly OffloadQueue _queue;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Dictionary<string, (string Signature, DateTimeOffset Since)> _settling = new(StringComparer.Ordinal);
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);

    public CardWatcher(ApplianceOptions options, OffloadQueue queue, TimeProvider time, ILogger log)
    {
        _options = options;
        _queue = queue;
        _time = time;
        _log = log.ForContext<CardWatcher>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Cards.MountRoots.Count == 0)
        {
            _log.Information("No card mount roots configured; the card watcher is idle");
            return;
        }

        using var timer = new PeriodicTimer(_options.Cards.ScanInterval, _time);
        do
        {
            await ScanAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task ScanAsync(CancellationToken cancellationToken)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in _options.Cards.MountRoots)
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (var card in Directory.EnumerateDirectories(root))
            {
                present.Add(card);
                if (_queued.Contains(card))
                {
                    continue;
                }

                var signature = Signature(card);
                var now = _time.GetUtcNow();
                if (!_settling.TryGetValue(card, out var seen) || seen.Signature != signature)
                {
                    _settling[card] = (signature, now);
                    continue;
                }

                if (now - seen.Since >= _options.Cards.SettleTime)
                {
                    _settling.Remove(card);
                    _queued.Add(card);
                    _log.Information("Card appeared: {Card}", card);
                    await _queue.EnqueueAsync(card, null, cancellationToken);
                }
            }
        }

        _queued.RemoveWhere(card => !present.Contains(card));
        foreach (var gone in _settling.Keys.Where(card => !present.Contains(card)).ToList())
        {
            _settling.Remove(gone);
        }
    }

    /// <summary>Count, total size and newest change of the files on the card: equal twice in a row means settled.</summary>
    private static string Signature(string card)
    {
        long count = 0, bytes = 0, newest = 0;
        try
        {
            foreach (var file in new DirectoryInfo(card).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
            {
                count++;
                bytes += file.Length;
                newest = Math.Max(newest, file.LastWriteTimeUtc.Ticks);
            }
        }
        catch (IOException)
        {
            return "unreadable";
        }

        return FormattableString.Invariant($"{count}:{bytes}:{newest}");
    }
}
