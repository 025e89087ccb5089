namespace InterPositive.Host.Service;

/// <summary>
/// The appliance configuration (appliance/interpositive.json documents every key). Every value has a default,
/// so the service starts with no configuration at all.
/// </summary>
public sealed class ApplianceOptions
{
    public ApplianceIdentity Appliance { get; set; } = new();

    public DataOptions Data { get; set; } = new();

    public CardOptions Cards { get; set; } = new();

    public List<ConfiguredFeed> Feeds { get; set; } = [];

    public List<SensorOptions> Sensors { get; set; } = [];

    public BrokerOptions Broker { get; set; } = new();

    public DashboardOptions Dashboard { get; set; } = new();

    public RelightOptions Relight { get; set; } = new();

    public LoggingOptions Logging { get; set; } = new();

    /// <summary>Every problem with the configuration, one line each naming the key (empty when it is usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Cards.ScanInterval <= TimeSpan.Zero)
        {
            problems.Add("Cards:ScanInterval must be positive");
        }

        if (Cards.SettleTime < TimeSpan.Zero)
        {
            problems.Add("Cards:SettleTime must not be negative");
        }

        foreach (var hash in Cards.Hashes.Where(h => !Formats.AscMhl.MhlHashFormats.TryParse(h, out _)))
        {
            problems.Add($"Cards:Hashes: {hash} is not an ASC MHL hash format (xxh64, xxh3, xxh128, md5, sha1, c4)");
        }

        if (Broker.Embedded.Port is < 0 or > 65535)
        {
            problems.Add("Broker:Embedded:Port must be 0–65535");
        }

        if (Relight.PreviewFrames < 0)
        {
            problems.Add("Relight:PreviewFrames must not be negative");
        }

        foreach (var preset in Relight.Presets)
        {
            if (string.IsNullOrWhiteSpace(preset.Name))
            {
                problems.Add("Relight:Presets: every preset needs a Name");
            }

            if (!string.IsNullOrWhiteSpace(preset.Key))
            {
                try
                {
                    InterPositive.Relight.Models.KeyChange.Parse(preset.Key);
                }
                catch (ArgumentException error)
                {
                    problems.Add($"Relight:Presets:{preset.Name}:Key: {error.Message}");
                }
            }
        }

        return problems;
    }
    /// <summary>ffmpeg and ffprobe (default: from PATH).</summary>
    public InterPositive.Media.MediaToolsOptions Media { get; set; } = new();
}

public sealed class LoggingOptions
{
    /// <summary>
    /// Human-readable logs on stderr (the journal under systemd). The compact JSON file in DATA/logs is always written;
    /// a process that hosts the service beside other console users (the test suite, an embedding tool) turns this off.
    /// </summary>
    public bool Console { get; set; } = true;
}

public sealed class ApplianceIdentity
{
    public string Production { get; set; } = "untitled";

    public string Unit { get; set; } = "main";

    public string Name { get; set; } = "cart-a";
}

public sealed class DataOptions
{
    /// <summary>Catalog, logs, previews and API tokens. Default: $INTERPOSITIVE_DATA or ./data.</summary>
    public string? Folder { get; set; }
}

public sealed class CardOptions
{
    /// <summary>Folders watched for new cards (each sub-folder is a card).</summary>
    public List<string> MountRoots { get; set; } = [];

    /// <summary>Destination roots every card is copied to.</summary>
    public List<string> Destinations { get; set; } = [];

    /// <summary>ASC MHL hash formats; the first is primary.</summary>
    public List<string> Hashes { get; set; } = ["xxh64"];

    /// <summary>How often the mount roots are scanned.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A card folder must be unchanged this long before its offload starts (a mount still settling).</summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(2);
}

public sealed class ConfiguredFeed
{
    /// <summary>Camera letter: A, B, C…</summary>
    public string Name { get; set; } = "A";

    /// <summary>pattern, a raw v210/UYVY file or pipe, tcp://, ffmpeg:, st2110://.</summary>
    public string Source { get; set; } = "pattern";

    public string? Format { get; set; }

    public int? Width { get; set; }

    public int? Height { get; set; }

    public string? Fps { get; set; }

    public int VancLines { get; set; }

    /// <summary>The camera's log curve for analysis and false colour (logc3, slog3, …).</summary>
    public string? Log { get; set; }

    /// <summary>The camera's gamut (awg3, sgamut3cine, …).</summary>
    public string? Gamut { get; set; }
}

public sealed class SensorOptions
{
    /// <summary>tcs34725 (colour: lux and CCT), bh1750 (lux) or max44009 (lux, 0.045 to 188 000: interiors to sunlight).</summary>
    public string Kind { get; set; } = "";

    /// <summary>A name for the dashboard and the lighting record (key-side, camera); default KIND-BUS-ADDRESS.</summary>
    public string? Name { get; set; }

    /// <summary>Linux I²C bus number (/dev/i2c-N).</summary>
    public int Bus { get; set; } = 1;

    /// <summary>7-bit address; 0 for the chip's default (TCS34725 0x29 = 41, BH1750 0x23 = 35, MAX44009 0x4A = 74).</summary>
    public int Address { get; set; }

    /// <summary>How often the sensor is read.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>TCS34725 integration time in milliseconds (2.4–614.4).</summary>
    public double IntegrationMs { get; set; } = 154;

    /// <summary>TCS34725 analogue gain: 1, 4, 16 or 60.</summary>
    public int Gain { get; set; } = 4;

    /// <summary>Light lost in a diffuser in front of the sensor (≥ 1).</summary>
    public double GlassAttenuation { get; set; } = 1;
}

public sealed class BrokerOptions
{
    public EmbeddedBrokerOptions Embedded { get; set; } = new();

    public UpstreamBrokerOptions Upstream { get; set; } = new();
}

public sealed class EmbeddedBrokerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Addresses to listen on, comma-separated (e.g. <c>127.0.0.1,::1</c>); anything off loopback requires accounts.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Read-only accounts for set-side clients (video village, script supervisor), each limited to its productions.</summary>
    public List<BrokerAccountOptions> Accounts { get; set; } = [];

    /// <summary>Open connections from one remote address.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 16;

    /// <summary>Publishes per second per client (the appliance's own publisher is not limited).</summary>
    public int MaxPublishesPerSecond { get; set; } = 100;

    /// <summary>The bind addresses, parsed.</summary>
    public IReadOnlyList<System.Net.IPAddress> Addresses() =>
        [.. Bind.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(System.Net.IPAddress.Parse)];
}

public sealed class BrokerAccountOptions
{
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    public List<string> Productions { get; set; } = [];
}

public sealed class UpstreamBrokerOptions
{
    public string? Url { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string? ClientCertificate { get; set; }

    public string? CaCertificateSha256 { get; set; }
}

public sealed class DashboardOptions
{
    /// <summary>Where the dashboard and API listen, ';'-separated; https:// ones need <see cref="Certificate"/>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// Host names (and addresses) the dashboard answers to besides loopback and the hosts in <see cref="Urls"/>: the name
    /// the tablet uses on the set network. Any other Host header is answered 400 (DNS rebinding).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>PEM certificate for https:// URLs (the chain may follow the certificate in the same file).</summary>
    public string? Certificate { get; set; }

    /// <summary>PEM private key of <see cref="Certificate"/> (unencrypted; keep it 0600).</summary>
    public string? CertificateKey { get; set; }

    /// <summary>How long a dashboard sign-in lasts.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);
}

public sealed class RelightOptions
{
    public List<RelightPresetOptions> Presets { get; set; } = [];

    /// <summary>Frames in each preview clip (0: a poster still only).</summary>
    public long PreviewFrames { get; set; } = 48;

    /// <summary>The presets in the relight library's terms.</summary>
    public List<InterPositive.Relight.Models.RelightPreset> ToPresets() =>
        [.. Presets.Select(p => new InterPositive.Relight.Models.RelightPreset(
            p.Name,
            p.Cct,
            p.Tint,
            p.Exposure,
            string.IsNullOrWhiteSpace(p.Key) ? null : InterPositive.Relight.Models.KeyChange.Parse(p.Key)))];
}

/// <summary>A preview preset: the lamps' CCT and tint, exposure change and key move ("AZIMUTH,ELEVATION,STOPS").</summary>
public sealed class RelightPresetOptions
{
    public string Name { get; set; } = "";

    public double? Cct { get; set; }

    public double? Tint { get; set; }

    public double? Exposure { get; set; }

    public string? Key { get; set; }
}
