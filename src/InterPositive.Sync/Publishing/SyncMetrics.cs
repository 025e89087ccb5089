using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace InterPositive.Sync.Publishing;

/// <summary>
/// The sync meter (<c>InterPositive.Sync</c>): publishes, failures and connects as counters; the backlog of each
/// running publisher (count and age of the oldest entry) as gauges, read from the catalog when collected.
/// </summary>
public static class SyncMetrics
{
    public const string MeterName = "InterPositive.Sync";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<OutboxPublisher, byte> Publishers = new();

    public static readonly Counter<long> Published = Meter.CreateCounter<long>("interpositive.sync.published", "{message}", "Outbox messages acknowledged by a broker");

    public static readonly Counter<long> PublishFailures = Meter.CreateCounter<long>("interpositive.sync.link_failures", "{failure}", "Broker links lost or refused");

    public static readonly Counter<long> Connects = Meter.CreateCounter<long>("interpositive.sync.connects", "{connect}", "Connections made to a broker");

    public static readonly Counter<long> Received = Meter.CreateCounter<long>("interpositive.post.received", "{message}", "Messages stored by a post receiver");

    public static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("interpositive.post.duplicates", "{message}", "Repeated messages a post receiver dropped");

    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>("interpositive.post.rejected", "{message}", "Messages a post receiver quarantined (tag reason: malformed, unknown-version, corrupted, oversize, foreign-production)");

    static SyncMetrics()
    {
        Meter.CreateObservableGauge("interpositive.sync.backlog", ObserveCount, "{message}", "Outbox messages not yet acknowledged by the sink");
        Meter.CreateObservableGauge("interpositive.sync.backlog_oldest_age", ObserveAge, "s", "Age of the oldest outbox message the sink has not had acknowledged");
    }

    internal static void Register(OutboxPublisher publisher) => Publishers.TryAdd(publisher, 0);

    internal static void Unregister(OutboxPublisher publisher) => Publishers.TryRemove(publisher, out _);

    private static IEnumerable<Measurement<long>> ObserveCount()
    {
        foreach (var publisher in Publishers.Keys)
        {
            yield return new Measurement<long>(publisher.BacklogForMetrics().Count, new KeyValuePair<string, object?>("sink", publisher.Sink));
        }
    }

    private static IEnumerable<Measurement<double>> ObserveAge()
    {
        foreach (var publisher in Publishers.Keys)
        {
            yield return new Measurement<double>(publisher.BacklogForMetrics().OldestAgeSeconds, new KeyValuePair<string, object?>("sink", publisher.Sink));
        }
    }
}
