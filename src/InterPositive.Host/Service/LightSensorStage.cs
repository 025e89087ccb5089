using System.Collections.Concurrent;
using System.Device.I2c;
using System.Globalization;
using InterPositive.Feeds.Sensors;
using InterPositive.Formats.Clips;
using InterPositive.Lighting;
using Microsoft.Extensions.Hosting;

namespace InterPositive.Host.Service;

/// <summary>Opens the I²C device at a bus and 7-bit address (Linux <c>/dev/i2c-N</c>; tests register a register-level fake).</summary>
public delegate I2cDevice I2cDeviceFactory(int bus, int address);

/// <summary>
/// A configured light sensor as the API and the dashboard show it. <c>State</c>: <c>starting</c>, <c>reading</c>,
/// <c>unavailable</c> (bus or chip absent: retried), <c>error</c> (a read failed: reopened).
/// </summary>
public sealed record SensorLive(
    string Name,
    string Kind,
    int Bus,
    int Address,
    string State,
    double? Lux,
    double? Cct,
    bool Saturated,
    DateTimeOffset? At,
    string? Timecode,
    long Readings,
    string? Error);

/// <summary>
/// The appliance's light sensors (when configured): each is opened through the feeds library's drivers, polled at its
/// interval, and its readings kept, stamped with the live timecode of the first feed that has one, so the readings taken
/// during a take can go into that take's lighting record. A missing bus or chip is logged once and retried: the service
/// never stops for a sensor.
/// </summary>
public sealed class LightSensorStage : BackgroundService
{
    /// <summary>How long readings are kept for takes that are offloaded and analysed later in the day.</summary>
    public static readonly TimeSpan History = TimeSpan.FromHours(12);

    /// <summary>A feed timecode that has not moved for this long is stale (the feed stalled): readings then go unstamped.</summary>
    public static readonly TimeSpan StaleTimecode = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait before opening an absent or failed sensor again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(10);

    private readonly ApplianceOptions _options;
    private readonly Func<string?> _timecode;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly I2cDeviceFactory _bus;
    private readonly ConcurrentDictionary<string, SensorLive> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<SensorSample>> _history = new(StringComparer.Ordinal);
    private readonly Lock _timecodeGate = new();
    private (string? Timecode, long Since) _lastTimecode;

    public LightSensorStage(ApplianceOptions options, Func<string?> timecode, TimeProvider time, ILogger log, I2cDeviceFactory? bus = null)
    {
        _options = options;
        _timecode = timecode;
        _time = time;
        _log = log.ForContext<LightSensorStage>();
        _bus = bus ?? ((number, address) => I2cDevice.Create(new I2cConnectionSettings(number, address)));
        foreach (var sensor in options.Sensors)
        {
            var name = NameOf(sensor);
            _live[name] = new SensorLive(name, sensor.Kind, sensor.Bus, AddressOf(sensor), "starting", null, null, false, null, null, 0, null);
        }
    }

    /// <summary>Latest state and reading of every configured sensor.</summary>
    public IReadOnlyList<SensorLive> Live() => [.. _live.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>The readings taken during an analysed take (its frames at its rate from its start timecode).</summary>
    public IReadOnlyList<SensorSample> During(ClipRecord clip, LightingRecord take) =>
        During(clip, take.Frames > 0 ? take.Frames : (int)Math.Min(clip.DurationFrames ?? 1, int.MaxValue), take.Fps > 0 ? take.Fps : clip.Fps ?? 24);

    /// <summary>
    /// The readings taken during a take: those stamped with a timecode from the take's start to its end (its frames at its
    /// rate), matched on time of day as jam-synced timecode is; empty when the take has no timecode.
    /// </summary>
    public IReadOnlyList<SensorSample> During(ClipRecord clip, int frames, double fps)
    {
        if (clip.Timecode is null || SecondsOfDay(clip.Timecode.Start, fps) is not { } start || fps <= 0)
        {
            return [];
        }

        var end = start + (Math.Max(frames, 1) / fps);
        var found = new List<SensorSample>();
        foreach (var history in _history.Values)
        {
            lock (history)
            {
                foreach (var sample in history)
                {
                    if (sample.Timecode is not null && SecondsOfDay(sample.Timecode, fps) is { } at && Within(at, start, end))
                    {
                        found.Add(sample);
                    }
                }
            }
        }

        found.Sort((a, b) => a.At.CompareTo(b.At));
        return found;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Sensors.Count == 0)
        {
            return;
        }

        await Task.WhenAll(_options.Sensors.Select(sensor => PollAsync(sensor, stoppingToken)));
    }

    private async Task PollAsync(SensorOptions configured, CancellationToken stoppingToken)
    {
        var name = NameOf(configured);
        var address = AddressOf(configured);
        var interval = configured.Interval > TimeSpan.Zero ? configured.Interval : TimeSpan.FromSeconds(1);
        var history = _history.GetOrAdd(name, _ => new Queue<SensorSample>());
        var capacity = (int)Math.Clamp(History / interval, 1, 1_000_000);
        string? reported = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            ILightSensor? sensor = null;
            try
            {
                var options = new LightSensorOptions
                {
                    Chip = configured.Kind,
                    Bus = configured.Bus,
                    Address = address,
                    Name = name,
                    IntegrationMs = configured.IntegrationMs,
                    Gain = configured.Gain,
                    GlassAttenuation = configured.GlassAttenuation,
                };
                var device = _bus(configured.Bus, address);
                sensor = LightSensors.Open(options, _time, device);
                _log.Information("Light sensor {Sensor} ({Kind}) open on bus {Bus} at 0x{Address:X2}", name, configured.Kind, configured.Bus, address);
                reported = null;
                using var timer = new PeriodicTimer(interval, _time);
                do
                {
                    var reading = await sensor.ReadAsync(stoppingToken);
                    var sample = reading.ToSample(LiveTimecode());
                    lock (history)
                    {
                        history.Enqueue(sample);
                        while (history.Count > capacity)
                        {
                            history.Dequeue();
                        }
                    }

                    _live[name] = _live[name] with
                    {
                        State = "reading",
                        Lux = sample.Lux,
                        Cct = sample.Cct,
                        Saturated = reading.Saturated,
                        At = sample.At,
                        Timecode = sample.Timecode,
                        Readings = _live[name].Readings + 1,
                        Error = null,
                    };
                }
                while (await timer.WaitForNextTickAsync(stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                // An absent bus (no /dev/i2c-N), a chip that does not answer or a cable pulled mid-read: say so once per
                // cause and try again later; the rest of the appliance goes on.
                var opened = _live[name].State == "reading";
                var message = error.Message;
                _live[name] = _live[name] with { State = opened ? "error" : "unavailable", Error = message };
                if (reported != message)
                {
                    _log.Warning("Light sensor {Sensor} ({Kind}, bus {Bus}, 0x{Address:X2}) {State}: {Error}; retrying every {Retry}", name, configured.Kind, configured.Bus, address, opened ? "failed" : "not available", message, RetryInterval);
                    reported = message;
                }
            }
            finally
            {
                sensor?.Dispose();
            }

            try
            {
                await Task.Delay(RetryInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The live timecode, or null when no feed has one or it has stopped moving: a stale stamp would put a reading in the wrong take.</summary>
    private string? LiveTimecode()
    {
        var timecode = _timecode();
        lock (_timecodeGate)
        {
            if (timecode is null || timecode != _lastTimecode.Timecode)
            {
                _lastTimecode = (timecode, _time.GetTimestamp());
                return timecode;
            }

            return _time.GetElapsedTime(_lastTimecode.Since) > StaleTimecode ? null : timecode;
        }
    }

    private static string NameOf(SensorOptions sensor) =>
        string.IsNullOrWhiteSpace(sensor.Name) ? FormattableString.Invariant($"{sensor.Kind}-{sensor.Bus}-{AddressOf(sensor):x2}") : sensor.Name;

    private static int AddressOf(SensorOptions sensor) =>
        sensor.Address > 0 ? sensor.Address : LightSensors.DefaultAddress(sensor.Kind);

    /// <summary>HH:MM:SS:FF (or ;FF) as seconds since midnight; the frames at <paramref name="fps"/>.</summary>
    internal static double? SecondsOfDay(string timecode, double fps)
    {
        var parts = timecode.Split(':', ';', '.');
        if (parts.Length != 4 || fps <= 0)
        {
            return null;
        }

        var values = new int[4];
        for (var i = 0; i < 4; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                return null;
            }
        }

        return (values[0] * 3600) + (values[1] * 60) + values[2] + (values[3] / fps);
    }

    /// <summary>At or after the start and before the end, across midnight too.</summary>
    private static bool Within(double at, double start, double end)
    {
        const double Day = 24 * 3600;
        if (end > Day)
        {
            return at >= start || at < end - Day;
        }

        return at >= start && at < end;
    }
}
