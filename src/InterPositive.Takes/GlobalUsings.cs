// The appliance logs through Serilog everywhere (the host's convention).
global using ILogger = Serilog.ILogger;
