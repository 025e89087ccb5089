// The host logs through Serilog everywhere; the web SDK's implicit Microsoft.Extensions.Logging using would make
// ILogger ambiguous.
global using ILogger = Serilog.ILogger;
