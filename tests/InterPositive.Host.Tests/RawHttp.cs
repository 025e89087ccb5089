using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace InterPositive.Host.Tests;

/// <summary>
/// HTTP/1.1 requests written byte for byte: HttpClient's Uri would normalise the very spellings (dot segments,
/// percent-encoded letters) the security tests need to send as an attacker would.
/// </summary>
internal static class RawHttp
{
    public sealed record Answer(int Status, string Head, string Body);

    public static async Task<Answer> SendAsync(string address, string method, string target, IReadOnlyDictionary<string, string>? headers = null, string? body = null, string? host = null)
    {
        var uri = new Uri(address);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        await using var stream = client.GetStream();
        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"{method} {target} HTTP/1.1\r\n");
        request.Append(CultureInfo.InvariantCulture, $"Host: {host ?? uri.Authority}\r\n");
        request.Append("Connection: close\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        var content = Encoding.UTF8.GetBytes(body ?? "");
        if (body is not null)
        {
            request.Append("Content-Type: application/json\r\n");
        }

        request.Append(CultureInfo.InvariantCulture, $"Content-Length: {content.Length}\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        await stream.WriteAsync(content);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? response : response[..split];
        var status = int.Parse(head.Split(' ')[1], CultureInfo.InvariantCulture);
        return new Answer(status, head, split < 0 ? "" : response[(split + 4)..]);
    }

    public static Dictionary<string, string> Bearer(string token) => new(StringComparer.Ordinal) { ["Authorization"] = "Bearer " + token };
}
