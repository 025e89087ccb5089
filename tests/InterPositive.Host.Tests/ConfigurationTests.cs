using InterPositive.Testing;

namespace InterPositive.Host.Tests;

[Trait("Category", "Unit")]
public sealed class ConfigurationTests
{
    [Fact]
    public void A_configuration_mistake_stops_the_service_at_build_naming_every_key_at_fault()
    {
        using var folder = new TempFolder();
        using var announcements = new StringWriter();
        var error = Assert.Throws<InvalidDataException>(() => TestAppliance.Build(folder, announcements, new Dictionary<string, string?>
        {
            ["Cards:Hashes:0"] = "crc32",
            ["Cards:ScanInterval"] = "00:00:00",
            ["Relight:Presets:0:Name"] = "warm",
            ["Relight:Presets:0:Key"] = "left",
        }));
        Assert.Contains("Cards:Hashes: crc32", error.Message, StringComparison.Ordinal);
        Assert.Contains("Cards:ScanInterval", error.Message, StringComparison.Ordinal);
        Assert.Contains("Relight:Presets:warm:Key", error.Message, StringComparison.Ordinal);
    }
}
