using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SmtpProbe.Core.Diagnostics;
using SmtpProbe.Core.Scenarios;
using SmtpProbe.Core.Text;

namespace SmtpProbe.Core.Reading;

/// <summary>
/// Binds the YAML tree into the immutable <see cref="Scenario"/> model. Every rule that can be
/// known before a socket opens is checked here, so `validate` and `run` reject the same files.
/// </summary>
public static class ScenarioBinder
{
    private static readonly string[] ScenarioKeys = ["name", "description", "server", "tls", "auth", "helo", "envelope", "message", "steps"];
    private static readonly string[] FileKeys = ["scenarios", "server", "tls", "auth", "helo", "envelope", "message"];
    private static readonly string[] ServerKeys = ["host", "port", "bind", "family", "timeout", "connect_timeout", "command_timeout", "retries", "retry_delay"];
    private static readonly string[] TlsKeys = ["mode", "verify", "insecure", "ca_file", "server_name", "sni", "client_cert", "client_key", "client_cert_password", "min_version", "max_version", "pin", "allow_legacy_ciphers"];
    private static readonly string[] VerifyModes = ["full", "ca", "name", "none"];
    private static readonly string[] TlsVersions = ["1.2", "1.3"];
    private static readonly string[] TlsExpectKeys = ["min_version", "forward_secrecy", "days_left", "san", "verified", "pin", "cipher"];
    private static readonly string[] TlsModes = ["none", "starttls", "implicit"];
    private static readonly string[] AuthKeys = ["mechanism", "username", "password", "allow_plaintext", "initial_response", "authzid", "required"];
    private static readonly string[] EnvelopeKeys = ["from", "to"];
    private static readonly string[] MessageKeys = ["from", "to", "subject", "headers", "body", "body_file", "raw", "raw_file"];
    private static readonly string[] ExpectKeys = ["code", "enhanced", "text", "contains", "has", "lacks", "tls"];
    private static readonly string[] Families = ["any", "ipv4", "ipv6"];
    private static readonly StepKind[] SentBeforeTlsIsUnsafe = [StepKind.Auth, StepKind.MailFrom, StepKind.RcptTo, StepKind.Data];

    /// <summary>The SASL mechanisms a scenario may name; `auto` picks the strongest the server offers.</summary>
    public static readonly IReadOnlyList<string> Mechanisms = ["auto", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256", "scram-sha-512", "xoauth2", "oauthbearer"];

    /// <summary>Names people will try that smtp-probe deliberately does not offer, with the reason.</summary>
    private static readonly Dictionary<string, string> Unoffered = new(StringComparer.Ordinal)
    {
        ["digest-md5"] = "DIGEST-MD5 is historic (RFC 6331) and MailKit's implementation needs a service URI that only its own client can set; use scram-sha-256 or cram-md5",
        ["ntlm"] = "NTLM is not offered: it cannot be verified against a server here; use scram-sha-256, plain or login over TLS",
    };

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static (ScenarioFile? File, IReadOnlyList<Diagnostic> Diagnostics) Bind(SourceText source, Variables variables)
    {
        var (root, readDiagnostics) = YamlTreeReader.Read(source);
        if (root is null || readDiagnostics.Count > 0)
        {
            return (null, readDiagnostics);
        }
        var cx = new BindContext(source, variables);
        var scenarios = new List<Scenario>();
        if (root is not YMapping top)
        {
            cx.Error(root, $"a scenario file must be a mapping of keys such as `name:`, `server:` and `steps:`, found {root.Describe()}", "start the file with `name: ...`; several scenarios go in a list under `scenarios:`");
        }
        else
        {
            if (top.Find("scenarios") is { } list)
            {
                cx.CheckKeys(top, FileKeys, "a file with `scenarios:`");
                if (list.Value is not YSequence seq || seq.Items.Count == 0)
                {
                    cx.Error(list.Value, "`scenarios` must be a non-empty list of scenarios", "write `scenarios:` followed by `- name: ...` items");
                }
                else
                {
                    foreach (var item in seq.Items)
                    {
                        if (cx.Mapping(item, "scenario") is { } m)
                        {
                            AddScenario(cx, m, top, scenarios);
                        }
                    }
                }
            }
            else
            {
                AddScenario(cx, top, null, scenarios);
            }
        }
        // File-level defaults are bound once per scenario; report each problem once.
        var diagnostics = cx.Diagnostics.Distinct().ToList();
        if (cx.Suppressed > 0)
        {
            diagnostics.Add(Diagnostic.Error(source, source.Start, $"… and {cx.Suppressed} more errors in this file (only the first {BindContext.MaxDiagnostics} are shown)", "fix these and run again"));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in scenarios.Where(s => !names.Add(s.Name)))
        {
            diagnostics.Add(Diagnostic.Error(source, s.Span, $"two scenarios in this file are named `{s.Name}`", "scenario names identify test cases in reports; make them unique"));
        }
        return diagnostics.Any(d => d.Severity == Severity.Error)
            ? (null, diagnostics)
            : (new ScenarioFile(source.Path, source, scenarios), diagnostics);
    }

    private static void AddScenario(BindContext cx, YMapping m, YMapping? defaults, List<Scenario> into)
    {
        var before = cx.Diagnostics.Count;
        var scenario = BindScenario(cx, m, defaults);
        if (scenario is not null && cx.Diagnostics.Count == before)
        {
            into.Add(scenario);
        }
    }

    /// <summary>Scenario-level sections override the file-level defaults key by key.</summary>
    private static Layers Section(YMapping m, YMapping? defaults, string key, BindContext cx)
    {
        var layers = new List<YMapping>();
        foreach (var source in new[] { defaults, m })
        {
            if (source?.Find(key) is { } entry && !(entry.Value is YScalar s && s.IsNull) && cx.Mapping(entry.Value, key) is { } section)
            {
                layers.Add(section);
            }
        }
        // KeySpan is set only for a section that was written with a value; `auth: ~` counts as absent.
        var written = (m.Find(key) is { } own && !(own.Value is YScalar { IsNull: true }) ? own : null)
            ?? (defaults?.Find(key) is { } shared && !(shared.Value is YScalar { IsNull: true }) ? shared : null);
        return new Layers(layers, written?.Key.Span);
    }

    private static YNode? Value(YMapping m, YMapping? defaults, string key) => m.Find(key)?.Value ?? defaults?.Find(key)?.Value;

    private static Scenario? BindScenario(BindContext cx, YMapping m, YMapping? defaults)
    {
        cx.CheckKeys(m, ScenarioKeys, "a scenario");
        var nameNode = m.Find("name");
        string? name = null;
        if (nameNode is null)
        {
            cx.Error(m.Span, "a scenario needs a `name`", "add `name: what this scenario proves`");
        }
        else
        {
            name = cx.Line(nameNode.Value, "name");
        }
        _ = m.Find("description") is { } d ? cx.Text(d.Value, "description", allowEmpty: true) : null;

        var tls = BindTls(cx, Section(m, defaults, "tls", cx), m);
        var server = BindServer(cx, Section(m, defaults, "server", cx), tls?.Mode ?? TlsMode.None, m);
        if (tls is not null && server is not null && tls.ServerName.Length == 0)
        {
            tls = tls with { ServerName = server.Host };
        }
        var authLayers = Section(m, defaults, "auth", cx);
        var auth = authLayers.Any ? BindAuth(cx, authLayers, authLayers.KeySpan ?? m.Span) : null;
        var helo = Value(m, defaults, "helo") is { } h ? cx.Line(h, "helo") : "localhost";
        var envelope = BindEnvelope(cx, Section(m, defaults, "envelope", cx));
        var message = BindMessage(cx, Section(m, defaults, "message", cx), envelope);

        // Steps are bound even when a section above was invalid, so one run reports every mistake;
        // the rules that depend on the TLS mode only run when that mode is known.
        var stepsNode = m.Find("steps");
        List<Step> steps;
        var standard = stepsNode is null;
        var knownTls = tls ?? new TlsSpec(TlsMode.None, false, null, string.Empty);
        var knownMessage = message ?? new MessageSpec(null, [], string.Empty, [], string.Empty, null);
        if (stepsNode is null)
        {
            steps = tls is null || message is null ? [] : StandardTransaction(cx, m, tls, auth, helo ?? "localhost", envelope, message);
        }
        else
        {
            var stepErrorsBefore = cx.Diagnostics.Count;
            steps = BindSteps(cx, stepsNode.Value, auth, authLayers.KeySpan is not null, helo ?? "localhost", envelope, knownMessage, knownTls);
            var stepErrors = cx.Diagnostics.Count > stepErrorsBefore;
            if (steps.Count == 0 || steps[0].Kind != StepKind.Banner)
            {
                // The greeting is always read; an unwritten banner step gets the default expectation.
                steps.Insert(0, new BannerStep(stepsNode.Key.Span, Expectation.ForCodes("220")));
            }
            if (tls is not null)
            {
                CheckOrder(cx, steps, tls, stepsNode.Key.Span, stepErrors);
            }
        }
        if (name is null || server is null || tls is null || helo is null || message is null)
        {
            return null;
        }
        var secrets = steps.OfType<AuthStep>().Select(a => a.Auth.Password).Append(auth?.Password).Append(tls.ClientCertificatePassword)
            .OfType<Secret>().Where(s => s.Value.Length > 0).Distinct().ToList();
        return new Scenario(name, nameNode!.Key.Span with { End = nameNode.Value.Span.End }, server, tls, auth, helo, steps, standard) { Secrets = secrets };
    }

    private static ServerSpec? BindServer(BindContext cx, Layers s, TlsMode mode, YMapping scenario)
    {
        if (!s.Any)
        {
            if (s.KeySpan is null)
            {
                cx.Error(scenario.Span, "a scenario needs a `server`", "add `server: { host: mx.example.com, port: 25 }`");
            }
            return null;
        }
        s.CheckKeys(cx, ServerKeys, "`server`");
        string? host = null;
        if (s.Get("host") is { } hostNode)
        {
            host = cx.Line(hostNode, "server.host");
            if (host is not null && (host.Length == 0 || host.Any(char.IsWhiteSpace)))
            {
                cx.Error(hostNode, $"`server.host` must be a host name or an IP address, found `{host}`");
                host = null;
            }
        }
        else
        {
            cx.Error(s.KeySpan!, "`server` needs a `host`", "add `host: mx.example.com` (or an IP address)");
        }
        var port = s.Get("port") is { } p ? cx.Int(p, "server.port", 1, 65535) : (mode == TlsMode.Implicit ? 465 : 25);
        IPAddress? bind = null;
        if (s.Get("bind") is { } b && cx.Line(b, "server.bind") is { } bindText)
        {
            // IPAddress.TryParse also takes "10" or "127.1" (old shorthand); a source address is written in full.
            var dotted = Regex.IsMatch(bindText, @"^\d{1,3}(\.\d{1,3}){3}$", RegexOptions.None, TimeSpan.FromSeconds(1));
            if (!IPAddress.TryParse(bindText, out bind) || bindText.Contains('/', StringComparison.Ordinal) ||
                (bind.AddressFamily == AddressFamily.InterNetwork && !dotted))
            {
                cx.Error(b, $"`server.bind` must be a local IP address, found `{bindText}`", "write e.g. `bind: 127.0.0.2` or `bind: ::1` (an address of this machine)");
                bind = null;
            }
        }
        var family = AddressFamilyPreference.Any;
        if (s.Get("family") is { } f && cx.Line(f, "server.family") is { } fam)
        {
            var i = Array.IndexOf(Families, fam);
            if (i < 0)
            {
                cx.Error(f, $"unknown address family `{fam}`", Suggestions.Hint(fam, Families));
            }
            else
            {
                family = (AddressFamilyPreference)i;
            }
        }
        if (bind is not null && family != AddressFamilyPreference.Any &&
            (bind.AddressFamily == AddressFamily.InterNetwork) != (family == AddressFamilyPreference.IPv4))
        {
            cx.Error(s.Get("bind")!, $"`server.bind` {bind} is not an {(family == AddressFamilyPreference.IPv4 ? "IPv4" : "IPv6")} address but `family` is {family.ToString().ToLowerInvariant()}");
        }
        var min = TimeSpan.FromMilliseconds(1);
        var max = TimeSpan.FromHours(1);
        var timeout = s.Get("timeout") is { } t ? cx.Duration(t, "server.timeout", min, max) : DefaultTimeout;
        var connect = s.Get("connect_timeout") is { } ct ? cx.Duration(ct, "server.connect_timeout", min, max) : timeout;
        var command = s.Get("command_timeout") is { } cmt ? cx.Duration(cmt, "server.command_timeout", min, max) : timeout;
        var retries = s.Get("retries") is { } r ? cx.Int(r, "server.retries", 0, 10) : 0;
        var delay = s.Get("retry_delay") is { } rd ? cx.Duration(rd, "server.retry_delay", TimeSpan.Zero, TimeSpan.FromMinutes(5)) : TimeSpan.FromSeconds(1);
        if (host is null || port is null || connect is null || command is null || retries is null || delay is null)
        {
            return null;
        }
        return new ServerSpec(host, port.Value, bind, family, connect.Value, command.Value, retries.Value, delay.Value);
    }

    private static TlsSpec? BindTls(BindContext cx, Layers t, YMapping scenario)
    {
        if (!t.Any)
        {
            return new TlsSpec(TlsMode.None, Insecure: false, CaFile: null, ServerName: string.Empty);
        }
        t.CheckKeys(cx, TlsKeys, "`tls`");
        var mode = TlsMode.None;
        if (t.Get("mode") is { } modeNode && cx.Line(modeNode, "tls.mode") is { } modeText)
        {
            var i = Array.IndexOf(TlsModes, modeText);
            if (i < 0)
            {
                cx.Error(modeNode, $"unknown TLS mode `{modeText}`", Suggestions.Hint(modeText, TlsModes));
                return null;
            }
            mode = (TlsMode)i;
        }
        var insecure = t.Get("insecure") is { } ins ? cx.Bool(ins, "tls.insecure") : false;
        string? ca = null;
        // An empty ca_file (e.g. "${SMTP_CA_FILE:-}") means the system trust store.
        if (t.Get("ca_file") is { } caNode && cx.Line(caNode, "tls.ca_file", allowEmpty: true) is { Length: > 0 } caText)
        {
            ca = cx.PathValue(caNode, "tls.ca_file");
            if (ca is null)
            {
                return null;
            }
            if (!File.Exists(ca) && !Directory.Exists(ca))
            {
                cx.Error(caNode, $"CA file `{caText}` does not exist", "give a PEM file (or a folder of PEM files) of trusted root certificates; relative paths start at the scenario file");
                ca = null;
            }
        }
        var serverName = t.Get("server_name") is { } sn ? cx.Line(sn, "tls.server_name") : string.Empty;
        var verify = insecure == true ? TlsVerify.None : TlsVerify.Full;
        if (t.Get("verify") is { } vNode && cx.Line(vNode, "tls.verify") is { } vText)
        {
            var i = Array.IndexOf(VerifyModes, vText);
            if (i < 0)
            {
                cx.Error(vNode, $"unknown verification mode `{vText}`", Suggestions.Hint(vText, VerifyModes));
            }
            else if (insecure == true && i != (int)TlsVerify.None)
            {
                cx.Error(vNode, $"`tls.verify: {vText}` contradicts `tls.insecure: true`", "keep one of them");
            }
            else
            {
                verify = (TlsVerify)i;
            }
        }
        if (insecure == true && ca is not null)
        {
            cx.Error(t.Get("insecure")!, "`tls.insecure: true` and `tls.ca_file` contradict each other", "keep `ca_file` to verify against your own CA, or drop it to skip verification");
        }
        else if (verify == TlsVerify.None && ca is not null)
        {
            cx.Error(t.Get("ca_file")!, "certificate verification is off (`verify: none`), so `tls.ca_file` would be ignored", "keep `ca_file` to verify against your own CA, or drop it to skip verification");
        }
        var sni = t.Get("sni") is { } sniNode ? cx.Line(sniNode, "tls.sni", allowEmpty: true) : null;
        var clientCert = BindExistingFile(cx, t.Get("client_cert"), "tls.client_cert");
        var clientKey = BindExistingFile(cx, t.Get("client_key"), "tls.client_key");
        var clientPassword = t.Get("client_cert_password") is { } cpw ? cx.Text(cpw, "tls.client_cert_password", allowEmpty: true) : null;
        if (clientKey is not null && clientCert is null)
        {
            cx.Error(t.Get("client_key")!, "`tls.client_key` without `tls.client_cert`", "give the certificate too (PEM), or a PKCS#12 file as `client_cert` alone");
        }
        var minVersion = BindVersion(cx, t.Get("min_version"), "tls.min_version");
        var maxVersion = BindVersion(cx, t.Get("max_version"), "tls.max_version");
        if (minVersion is not null && maxVersion is not null && string.CompareOrdinal(minVersion, maxVersion) > 0)
        {
            cx.Error(t.Get("max_version")!, $"`tls.max_version` {maxVersion} is below `tls.min_version` {minVersion}");
        }
        var pins = t.Get("pin") is { } pinNode ? BindPins(cx, pinNode, "tls.pin") : [];
        var legacy = t.Get("allow_legacy_ciphers") is { } lc ? cx.Bool(lc, "tls.allow_legacy_ciphers") : false;
        // Options that would change what TLS does make no sense without TLS (names alone are harmless).
        var effective = insecure == true || verify != TlsVerify.Full || ca is not null || clientCert is not null || pins.Count > 0 || minVersion is not null || maxVersion is not null || legacy == true;
        if (mode == TlsMode.None && effective)
        {
            cx.Error(t.KeySpan ?? scenario.Span, "TLS options are given but `tls.mode` is none", "set `mode: starttls` or `mode: implicit`");
        }
        return insecure is null || serverName is null || legacy is null ? null : new TlsSpec(mode, verify == TlsVerify.None, ca, serverName)
        {
            Verify = verify,
            Sni = sni,
            ClientCertificate = clientCert,
            ClientKey = clientKey,
            ClientCertificatePassword = clientPassword is null ? null : new Secret(clientPassword),
            MinVersion = minVersion,
            MaxVersion = maxVersion,
            Pins = pins,
            AllowLegacyCiphers = legacy.Value,
        };
    }

    private static string? BindExistingFile(BindContext cx, YNode? node, string what)
    {
        if (node is null || cx.Line(node, what) is not { } text || cx.PathValue(node, what) is not { } path)
        {
            return null;
        }
        if (!File.Exists(path))
        {
            cx.Error(node, $"`{what}`: file `{text}` does not exist", "relative paths start at the scenario file");
            return null;
        }
        return path;
    }

    /// <summary>"1.2", "1.3", also written "TLSv1.2" or "tls1.3".</summary>
    private static string? BindVersion(BindContext cx, YNode? node, string what)
    {
        if (node is null || cx.Line(node, what) is not { } text)
        {
            return null;
        }
        var v = text.Trim().ToLowerInvariant().Replace("tlsv", "", StringComparison.Ordinal).Replace("tls", "", StringComparison.Ordinal).TrimStart('>', '=', ' ');
        if (!TlsVersions.Contains(v))
        {
            cx.Error(node, $"`{what}` must be 1.2 or 1.3, found `{text}`", "TLS 1.0 and 1.1 are obsolete (RFC 8996) and not offered");
            return null;
        }
        return v;
    }

    private static List<string> BindPins(BindContext cx, YNode node, string what)
    {
        var pins = new List<string>();
        foreach (var (text, item) in cx.List(node, what))
        {
            var pin = text.Trim();
            var ok = pin.StartsWith("spki-sha256:", StringComparison.Ordinal) && IsBase64Sha256(pin[12..])
                || pin.StartsWith("cert-sha256:", StringComparison.Ordinal) && pin[12..].Replace(":", "", StringComparison.Ordinal).Length == 64 && pin[12..].Replace(":", "", StringComparison.Ordinal).All(char.IsAsciiHexDigit);
            if (!ok)
            {
                cx.Error(item, $"`{text}` is not a pin", "write `spki-sha256:<base64 of the SHA-256 of the public key>` or `cert-sha256:<hex SHA-256 of the certificate>`; a report's `tls.chain[0]` shows both");
                continue;
            }
            pins.Add(pin.StartsWith("cert-", StringComparison.Ordinal) ? "cert-sha256:" + pin[12..].Replace(":", "", StringComparison.Ordinal).ToUpperInvariant() : pin);
        }
        return pins;
    }

    private static bool IsBase64Sha256(string text)
    {
        Span<byte> buffer = stackalloc byte[48];
        return Convert.TryFromBase64String(text, buffer, out var n) && n == 32;
    }

    private static AuthSpec? BindAuth(BindContext cx, Layers a, SourceSpan span)
    {
        a.CheckKeys(cx, AuthKeys, "`auth`");
        var mechanism = "auto";
        if (a.Get("mechanism") is { } mechNode && cx.Line(mechNode, "auth.mechanism") is { } mech)
        {
            mechanism = mech.ToLowerInvariant();
            if (!Mechanisms.Contains(mechanism))
            {
                cx.Error(mechNode, $"unknown SASL mechanism `{mech}`", Unoffered.GetValueOrDefault(mechanism) ?? Suggestions.Hint(mechanism, Mechanisms.ToArray()));
                return null;
            }
        }
        string? username = null;
        string? password = null;
        if (a.Get("username") is { } u)
        {
            username = cx.Text(u, "auth.username");
        }
        else
        {
            cx.Error(span, "`auth` needs a `username`");
        }
        if (a.Get("password") is { } p)
        {
            password = cx.Text(p, "auth.password", allowEmpty: true);
        }
        else
        {
            cx.Error(span, "`auth` needs a `password`", "use `password: \"${env:SMTP_PASSWORD}\"` so the secret stays out of the file");
        }
        var plain = a.Get("allow_plaintext") is { } ap ? cx.Bool(ap, "auth.allow_plaintext") : false;
        var initial = a.Get("initial_response") is { } ir ? cx.Bool(ir, "auth.initial_response") : true;
        var required = a.Get("required") is { } rq ? cx.Bool(rq, "auth.required") : true;
        var authzid = a.Get("authzid") is { } az ? cx.Text(az, "auth.authzid", allowEmpty: true) : null;
        return username is null || password is null || plain is null || initial is null || required is null
            ? null
            : new AuthSpec(mechanism, username, new Secret(password), plain.Value, span) { InitialResponse = initial.Value, Required = required.Value, AuthorizationId = authzid };
    }

    private sealed record Envelope(string? From, List<string> To, YNode? FromNode, YNode? ToNode, bool HasErrors = false);

    private static Envelope BindEnvelope(BindContext cx, Layers e)
    {
        var before = cx.Diagnostics.Count;
        e.CheckKeys(cx, EnvelopeKeys, "`envelope`");
        var from = e.Get("from") is { } f ? cx.Line(f, "envelope.from", allowEmpty: true) : null;
        var to = e.Get("to") is { } t ? cx.List(t, "envelope.to").Select(x => x.Value).ToList() : [];
        return new Envelope(from, to, e.Get("from"), e.Get("to"), cx.Diagnostics.Count > before);
    }

    private static MessageSpec? BindMessage(BindContext cx, Layers m, Envelope envelope)
    {
        m.CheckKeys(cx, MessageKeys, "`message`");
        return BindMessageFields(cx, m.Get, envelope, envelope.To);
    }

    private static MessageSpec? BindMessageFields(BindContext cx, Func<string, YNode?> get, Envelope envelope, IReadOnlyList<string> defaultTo)
    {
        var ok = true;
        string? ReadText(string key, string what)
        {
            if (get(key) is not { } node)
            {
                return null;
            }
            var v = cx.Text(node, what, allowEmpty: true);
            ok &= v is not null;
            return v;
        }
        string? ReadFile(string key, string what)
        {
            if (ReadText(key, what) is not { } rel)
            {
                return null;
            }
            if (cx.PathValue(get(key)!, what) is not { } path)
            {
                ok = false;
                return null;
            }
            if (!File.Exists(path))
            {
                cx.Error(get(key)!, $"file `{rel}` does not exist", "paths are relative to the scenario file");
                ok = false;
                return null;
            }
            return File.ReadAllText(path);
        }
        var from = ReadText("from", "message.from") ?? envelope.From;
        var to = get("to") is { } toNode ? cx.List(toNode, "message.to").Select(x => x.Value).ToList() : [.. defaultTo];
        var subject = ReadText("subject", "message.subject") ?? "smtp-probe test message";
        var body = ReadText("body", "message.body");
        var bodyFile = ReadFile("body_file", "message.body_file");
        var raw = ReadText("raw", "message.raw");
        var rawFile = ReadFile("raw_file", "message.raw_file");
        var headers = new List<KeyValuePair<string, string>>();
        if (get("headers") is { } hNode && cx.Mapping(hNode, "message.headers") is { } hMap)
        {
            foreach (var entry in hMap.Entries)
            {
                if (cx.Line(entry.Value, $"message.headers.{entry.Key.Value}", allowEmpty: true) is { } hv)
                {
                    headers.Add(new(entry.Key.Value, hv));
                }
                else
                {
                    ok = false;
                }
            }
        }
        if (body is not null && bodyFile is not null)
        {
            cx.Error(get("body_file")!, "give either `body` or `body_file`, not both");
            ok = false;
        }
        if (raw is not null && rawFile is not null)
        {
            cx.Error(get("raw_file")!, "give either `raw` or `raw_file`, not both");
            ok = false;
        }
        return ok
            ? new MessageSpec(from, to, subject, headers, body ?? bodyFile ?? "This is a test message sent by smtp-probe.\n", raw ?? rawFile)
            : null;
    }

    private static List<Step> StandardTransaction(BindContext cx, YMapping m, TlsSpec tls, AuthSpec? auth, string helo, Envelope envelope, MessageSpec message)
    {
        var at = m.Find("name")?.Key.Span ?? m.Span;
        var steps = new List<Step>
        {
            new BannerStep(at, Expectation.ForCodes("220")),
            new HelloStep(StepKind.Ehlo, helo, at, Expectation.ForCodes("250")),
        };
        if (tls.Mode == TlsMode.StartTls)
        {
            steps.Add(new StartTlsStep(at, Expectation.ForCodes("220")));
            steps.Add(new HelloStep(StepKind.Ehlo, helo, at, Expectation.ForCodes("250")));
        }
        if (auth is not null)
        {
            if (tls.Mode == TlsMode.None && !auth.AllowPlaintext)
            {
                cx.Error(auth.Span, "AUTH would send the credentials in clear (`tls.mode` is none)", "use `tls: { mode: starttls }` or `implicit`; to test a server without TLS on purpose, add `allow_plaintext: true` to `auth`");
            }
            steps.Add(new AuthStep(auth, at, Expectation.ForCodes("235")));
        }
        if (envelope.From is null || envelope.To.Count == 0)
        {
            // A given but invalid envelope has its own diagnostic already.
            if (!envelope.HasErrors)
            {
                cx.Error(at, "this scenario has no `steps`, so the standard transaction runs, and it needs `envelope: { from: ..., to: ... }`", "add an `envelope`, or write the `steps` yourself");
            }
            return steps;
        }
        var (from, fromParams) = SplitAddress(envelope.From);
        steps.Add(new EnvelopeStep(StepKind.MailFrom, from, fromParams, at, Expectation.ForCodes("250")));
        foreach (var rcpt in envelope.To)
        {
            var (to, toParams) = SplitAddress(rcpt);
            steps.Add(new EnvelopeStep(StepKind.RcptTo, to, toParams, at, Expectation.ForCodes("250", "251")));
        }
        steps.Add(new DataStep(message, Expectation.ForCodes("354"), at, Expectation.ForCodes("250")));
        steps.Add(new SimpleStep(StepKind.Quit, null, at, Expectation.ForCodes("221")));
        return steps;
    }

    private static List<Step> BindSteps(BindContext cx, YNode node, AuthSpec? auth, bool authWritten, string helo, Envelope envelope, MessageSpec message, TlsSpec tls)
    {
        var steps = new List<Step>();
        if (node is not YSequence seq)
        {
            cx.Error(node, $"`steps` must be a list, found {node.Describe()}", "write each step on its own line starting with `- `, e.g. `- ehlo: probe.example.test`");
            return steps;
        }
        var recipients = new List<string>();
        foreach (var item in seq.Items)
        {
            if (BindStep(cx, item, auth, authWritten, helo, envelope, message, recipients) is { } step)
            {
                steps.Add(step);
                if (step is EnvelopeStep { Kind: StepKind.RcptTo } r)
                {
                    recipients.Add(r.Address);
                }
            }
        }
        return steps;
    }

    private static readonly string[] StepOptionKeys = ["expect", "allow_plaintext"];

    private static Step? BindStep(BindContext cx, YNode item, AuthSpec? auth, bool authWritten, string helo, Envelope envelope, MessageSpec message, List<string> recipients)
    {
        YScalar kindNode;
        YNode? value = null;
        YMapping? options = null;
        switch (item)
        {
            case YScalar s when !s.IsNull:
                kindNode = s;
                break;
            case YMapping map when map.Entries.Count > 0:
                var kinds = map.Entries.Where(e => !StepOptionKeys.Contains(e.Key.Value)).ToList();
                if (kinds.Count != 1)
                {
                    // `expcet:` beside `ehlo:` is a misspelled option far more often than a second command.
                    var option = kinds.Skip(1).Select(k => (k, Suggestions.DidYouMean(k.Key.Value, StepOptionKeys))).FirstOrDefault(x => x.Item2 is not null);
                    if (option.Item2 is not null)
                    {
                        cx.Error(option.k.Key, $"unknown step option `{option.k.Key.Value}`", option.Item2);
                        return null;
                    }
                    cx.Error(kinds.Count > 1 ? kinds[1].Key : map, kinds.Count > 1
                        ? $"a step names one command, found `{kinds[0].Key.Value}` and `{kinds[1].Key.Value}`"
                        : "this step names no command", "write each command as its own `- ` item");
                    return null;
                }
                kindNode = kinds[0].Key;
                value = kinds[0].Value is YScalar { IsNull: true } ? null : kinds[0].Value;
                options = map;
                break;
            default:
                cx.Error(item, $"a step must be a command such as `- ehlo: host` or `- quit`, found {item.Describe()}");
                return null;
        }
        if (!StepNames.ByName.TryGetValue(kindNode.Value, out var kind))
        {
            cx.Error(kindNode, $"unknown step `{kindNode.Value}`", Suggestions.Hint(kindNode.Value, StepNames.ByName.Keys.ToArray()));
            return null;
        }
        var span = kindNode.Span;
        var expectNode = options?.Find("expect")?.Value;
        Expectation? Expect(params string[] defaults) =>
            expectNode is null ? Expectation.ForCodes(defaults) : BindExpectation(cx, expectNode, kind, defaults);
        Step? step;
        switch (kind)
        {
            case StepKind.Banner:
                // `banner: { code: 220 }` is the expectation itself, as in the greeting's one-liner.
                if (value is not null && expectNode is not null)
                {
                    cx.Error(expectNode, "give the banner's expectation either as its value or under `expect`, not both");
                    return null;
                }
                var bannerExpect = value is not null ? BindExpectation(cx, value, kind, "220") : Expect("220");
                step = bannerExpect is null ? null : new BannerStep(span, bannerExpect);
                break;
            case StepKind.Ehlo or StepKind.Helo:
                var domain = value is null ? helo : cx.Line(value, StepNames.Of(kind));
                var helloExpect = Expect("250");
                step = domain is null || helloExpect is null ? null : new HelloStep(kind, domain, span, helloExpect);
                break;
            case StepKind.StartTls:
                if (value is not null)
                {
                    cx.Error(value, "`starttls` takes no value", "TLS settings live in the scenario's `tls:` section");
                    return null;
                }
                var tlsExpect = Expect("220");
                step = tlsExpect is null ? null : new StartTlsStep(span, tlsExpect);
                break;
            case StepKind.Auth:
                var stepAuth = value is null ? auth : BindStepAuth(cx, value, auth, span);
                if (stepAuth is null)
                {
                    if (value is null && !authWritten)
                    {
                        cx.Error(span, "`auth` step but the scenario has no `auth:` section", "add `auth: { mechanism: plain, username: ..., password: \"${env:SMTP_PASSWORD}\" }`");
                    }
                    return null;
                }
                var authExpect = Expect("235");
                step = authExpect is null ? null : new AuthStep(stepAuth, span, authExpect);
                break;
            case StepKind.MailFrom or StepKind.RcptTo:
                var what = StepNames.Of(kind);
                string? address;
                if (value is null)
                {
                    address = kind == StepKind.MailFrom ? envelope.From : envelope.To.FirstOrDefault();
                    if (address is null)
                    {
                        cx.Error(span, $"`{what}` has no address and the scenario has no `envelope` default", $"write `- {what}: user@example.com`");
                        return null;
                    }
                }
                else
                {
                    address = cx.Line(value, what, allowEmpty: kind == StepKind.MailFrom);
                }
                var envExpect = kind == StepKind.MailFrom ? Expect("250") : Expect("250", "251");
                if (address is null || envExpect is null)
                {
                    return null;
                }
                var (addr, parameters) = SplitAddress(address);
                step = new EnvelopeStep(kind, addr, parameters, span, envExpect);
                break;
            case StepKind.Data:
                MessageSpec? msg = message;
                if (value is not null)
                {
                    if (cx.Mapping(value, "data") is not { } dataMap)
                    {
                        return null;
                    }
                    cx.CheckKeys(dataMap, MessageKeys, "`data`");
                    var defaultTo = message.To.Count > 0 ? message.To : recipients;
                    msg = BindMessageFields(cx, k => dataMap.Find(k)?.Value, new Envelope(message.From, [.. defaultTo], null, null), defaultTo);
                }
                else if (msg.To.Count == 0)
                {
                    msg = msg with { To = [.. recipients] };
                }
                var dataExpect = Expect("250");
                step = msg is null || dataExpect is null ? null : new DataStep(msg, Expectation.ForCodes("354"), span, dataExpect);
                break;
            case StepKind.Send:
                var line = value is null ? null : cx.Line(value, "send", allowEmpty: true);
                if (value is null)
                {
                    cx.Error(span, "`send` needs the line to send", "write `- send: \"XCLIENT NAME=probe\"`");
                }
                var sendExpect = expectNode is null ? Expectation.AnyReply : BindExpectation(cx, expectNode, kind);
                step = line is null || sendExpect is null ? null : new SendStep(line, span, sendExpect);
                break;
            default:
                string? argument = value is null ? null : cx.Line(value, StepNames.Of(kind));
                if (value is not null && argument is null)
                {
                    return null;
                }
                if (kind is StepKind.Vrfy or StepKind.Expn && string.IsNullOrEmpty(argument))
                {
                    cx.Error(span, $"`{StepNames.Of(kind)}` needs an argument", $"write `- {StepNames.Of(kind)}: postmaster`");
                    return null;
                }
                if (kind is StepKind.Rset or StepKind.Quit && argument is not null)
                {
                    cx.Error(value!, $"`{StepNames.Of(kind)}` takes no argument");
                    return null;
                }
                var simpleExpect = kind switch
                {
                    StepKind.Quit => Expect("221"),
                    StepKind.Vrfy => Expect("250", "251", "252"),
                    StepKind.Expn => Expect("250"),
                    StepKind.Help => Expect("211", "214"),
                    _ => Expect("250"),
                };
                step = simpleExpect is null ? null : new SimpleStep(kind, argument, span, simpleExpect);
                break;
        }
        if (step is not null && options?.Find("allow_plaintext") is { } ap && cx.Bool(ap.Value, "allow_plaintext") is { } allow)
        {
            step = step with { AllowPlaintext = allow };
        }
        return step;
    }

    private static AuthSpec? BindStepAuth(BindContext cx, YNode value, AuthSpec? scenarioAuth, SourceSpan span)
    {
        if (cx.Mapping(value, "auth") is not { } map)
        {
            return null;
        }
        // Step-level keys override the scenario's auth section (e.g. a wrong password for a 535 test).
        var layers = new Layers([map], span);
        if (scenarioAuth is null)
        {
            return BindAuth(cx, layers, span);
        }
        layers.CheckKeys(cx, AuthKeys, "`auth`");
        var mechanism = scenarioAuth.Mechanism;
        if (map.Find("mechanism") is { } mn && cx.Line(mn.Value, "auth.mechanism") is { } mech)
        {
            mechanism = mech.ToLowerInvariant();
            if (!Mechanisms.Contains(mechanism))
            {
                cx.Error(mn.Value, $"unknown SASL mechanism `{mech}`", Unoffered.GetValueOrDefault(mechanism) ?? Suggestions.Hint(mechanism, Mechanisms.ToArray()));
                return null;
            }
        }
        var username = map.Find("username") is { } un ? cx.Text(un.Value, "auth.username") : scenarioAuth.Username;
        var password = map.Find("password") is { } pw ? cx.Text(pw.Value, "auth.password", allowEmpty: true) : scenarioAuth.Password.Value;
        var plain = map.Find("allow_plaintext") is { } ap ? cx.Bool(ap.Value, "auth.allow_plaintext") : scenarioAuth.AllowPlaintext;
        var initial = map.Find("initial_response") is { } ir ? cx.Bool(ir.Value, "auth.initial_response") : scenarioAuth.InitialResponse;
        var required = map.Find("required") is { } rq ? cx.Bool(rq.Value, "auth.required") : scenarioAuth.Required;
        var authzid = map.Find("authzid") is { } az ? cx.Text(az.Value, "auth.authzid", allowEmpty: true) : scenarioAuth.AuthorizationId;
        return username is null || password is null || plain is null || initial is null || required is null
            ? null
            : new AuthSpec(mechanism, username, new Secret(password), plain.Value, span) { InitialResponse = initial.Value, Required = required.Value, AuthorizationId = authzid };
    }

    /// <summary>An expectation mapping without `code` keeps the step's default codes: `ehlo` with `has:` still requires 250.</summary>
    private static Expectation? BindExpectation(BindContext cx, YNode node, StepKind kind, params string[] defaultCodes)
    {
        var codes = new List<CodePattern>();
        // Shorthand: `expect: 250`, `expect: 5xx`, `expect: [250, 251]`.
        if (node is YScalar or YSequence)
        {
            return BindCodes(cx, node, codes) ? new Expectation(codes, null, null, null, [], [], IsDefault: false) : null;
        }
        if (cx.Mapping(node, "expect") is not { } map)
        {
            return null;
        }
        cx.CheckKeys(map, ExpectKeys, "an expectation");
        var ok = true;
        if (map.Find("code") is { } c)
        {
            ok &= BindCodes(cx, c.Value, codes);
        }
        else
        {
            codes.AddRange(defaultCodes.Select(d => new CodePattern(d)));
        }
        string? enhanced = null;
        if (map.Find("enhanced") is { } e && cx.Line(e.Value, "expect.enhanced") is { } en)
        {
            if (!Regex.IsMatch(en, @"^[245]\.(x|\d{1,3})\.(x|\d{1,3})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                cx.Error(e.Value, $"`expect.enhanced` must be an RFC 3463 status code like `2.1.5` or `5.7.x`, found `{en}`");
                ok = false;
            }
            enhanced = en;
        }
        Regex? regex = null;
        var before = cx.Diagnostics.Count;
        if (map.Find("text") is { } t && cx.Text(t.Value, "expect.text") is { } pattern)
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                cx.Error(t.Value, $"invalid regular expression: {ex.Message}", "`text` is a .NET regular expression; use `contains` for a plain substring");
                ok = false;
            }
        }
        var contains = map.Find("contains") is { } ct ? cx.Text(ct.Value, "expect.contains") : null;
        ok &= cx.Diagnostics.Count == before;
        var has = BindCapabilities(cx, map.Find("has"), kind, ref ok);
        var lacks = BindCapabilities(cx, map.Find("lacks"), kind, ref ok);
        TlsExpectation? tlsExpect = null;
        if (map.Find("tls") is { } tlsEntry)
        {
            if (kind is not (StepKind.StartTls or StepKind.Banner))
            {
                cx.Error(tlsEntry.Key, "`expect.tls` checks the TLS session and applies to `starttls` steps (or `banner` with implicit TLS)");
                ok = false;
            }
            else
            {
                tlsExpect = BindTlsExpectation(cx, tlsEntry.Value);
                ok &= tlsExpect is not null;
            }
        }
        return ok ? new Expectation(codes, enhanced, regex, contains, has, lacks, IsDefault: false) { Tls = tlsExpect } : null;
    }

    private static TlsExpectation? BindTlsExpectation(BindContext cx, YNode node)
    {
        if (cx.Mapping(node, "expect.tls") is not { } map)
        {
            return null;
        }
        var before = cx.Diagnostics.Count;
        cx.CheckKeys(map, TlsExpectKeys, "`expect.tls`");
        var min = BindVersion(cx, map.Find("min_version")?.Value, "expect.tls.min_version");
        var fs = map.Find("forward_secrecy") is { } f ? cx.Bool(f.Value, "expect.tls.forward_secrecy") : null;
        var days = map.Find("days_left") is { } d ? cx.Int(d.Value, "expect.tls.days_left", 0, 36500) : null;
        var san = map.Find("san") is { } s ? cx.List(s.Value, "expect.tls.san").Select(x => x.Value).ToList() : [];
        var verified = map.Find("verified") is { } v ? cx.Bool(v.Value, "expect.tls.verified") : null;
        var pins = map.Find("pin") is { } p ? BindPins(cx, p.Value, "expect.tls.pin") : [];
        Regex? cipher = null;
        if (map.Find("cipher") is { } c && cx.Text(c.Value, "expect.tls.cipher") is { } pattern)
        {
            try
            {
                cipher = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                cx.Error(c.Value, $"invalid regular expression: {ex.Message}");
            }
        }
        return cx.Diagnostics.Count > before ? null : new TlsExpectation(min, fs, days, san, verified, pins, cipher);
    }

    private static bool BindCodes(BindContext cx, YNode node, List<CodePattern> into)
    {
        var ok = true;
        foreach (var (text, item) in cx.List(node, "expect.code"))
        {
            var p = text.ToLowerInvariant();
            if (p.Length == 3 && p[0] is >= '1' and <= '5' && p.Skip(1).All(ch => ch == 'x' || char.IsAsciiDigit(ch)))
            {
                into.Add(new CodePattern(p));
            }
            else
            {
                cx.Error(item, $"`{text}` is not a reply code", "write a code like `250`, a class like `2xx`, or a list `[250, 251]`");
                ok = false;
            }
        }
        return ok;
    }

    private static List<CapabilityCheck> BindCapabilities(BindContext cx, YEntry? entry, StepKind kind, ref bool ok)
    {
        var result = new List<CapabilityCheck>();
        if (entry is null)
        {
            return result;
        }
        if (kind != StepKind.Ehlo)
        {
            cx.Error(entry.Key, $"`{entry.Key.Value}` checks EHLO capabilities and applies only to `ehlo` steps");
            ok = false;
            return result;
        }
        foreach (var (text, item) in cx.List(entry.Value, $"expect.{entry.Key.Value}"))
        {
            var m = Regex.Match(text.Trim(), @"^([A-Za-z0-9][A-Za-z0-9-]*)(?:\s*(>=)\s*(\d+)|\s+(\S+))?$", RegexOptions.None, TimeSpan.FromSeconds(1));
            if (!m.Success)
            {
                cx.Error(item, $"`{text}` is not a capability check", "write `STARTTLS`, `AUTH PLAIN` or `SIZE >= 10000000`");
                ok = false;
                continue;
            }
            long? min = null;
            if (m.Groups[3].Success)
            {
                if (!long.TryParse(m.Groups[3].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
                {
                    cx.Error(item, $"`{m.Groups[3].Value}` is too large for a SIZE check", "SIZE values are byte counts, e.g. `SIZE >= 10000000`");
                    ok = false;
                    continue;
                }
                min = size;
            }
            result.Add(new CapabilityCheck(m.Groups[1].Value.ToUpperInvariant(), m.Groups[4].Success ? m.Groups[4].Value : null, min, text.Trim()));
        }
        return result;
    }

    /// <summary>"a@b", "&lt;a@b&gt;", "&lt;a@b&gt; SIZE=100", "" (null sender) → address and ESMTP parameters.</summary>
    public static (string Address, string Parameters) SplitAddress(string text)
    {
        text = text.Trim();
        if (text.StartsWith('<'))
        {
            var close = text.IndexOf('>', StringComparison.Ordinal);
            if (close > 0)
            {
                return (text[1..close], text[(close + 1)..].Trim());
            }
        }
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (text, string.Empty) : (text[..space], text[(space + 1)..].Trim());
    }

    /// <summary>Static order rules: what would leak or contradict the TLS mode is rejected before any socket opens.</summary>
    private static void CheckOrder(BindContext cx, List<Step> steps, TlsSpec tls, SourceSpan stepsSpan, bool stepErrors)
    {
        var tlsUp = tls.Mode == TlsMode.Implicit;
        var starttlsSeen = false;
        var quitSeen = false;
        foreach (var step in steps)
        {
            if (quitSeen)
            {
                cx.Error(step.Span, $"`{step.Name}` comes after `quit`", "the connection is closed after QUIT; move or remove this step");
                continue;
            }
            if (step.Kind == StepKind.Banner && step.Expect.Tls is not null && tls.Mode != TlsMode.Implicit)
            {
                cx.Error(step.Span, "`expect.tls` on the banner needs `tls.mode: implicit`", "with STARTTLS, put the TLS expectation on the `starttls` step");
            }
            if (step.Kind == StepKind.Banner && !ReferenceEquals(step, steps[0]))
            {
                cx.Error(step.Span, "`banner` can only be the first step", "the greeting is sent once, when the connection opens; move this step to the top");
                continue;
            }
            switch (step.Kind)
            {
                case StepKind.StartTls when tls.Mode == TlsMode.Implicit:
                    cx.Error(step.Span, "`starttls` step but `tls.mode` is implicit (TLS is already up from the first byte)", "remove this step, or set `tls: { mode: starttls }`");
                    break;
                case StepKind.StartTls when tls.Mode == TlsMode.None:
                    cx.Error(step.Span, "`starttls` step but `tls.mode` is none", "set `tls: { mode: starttls }` so certificate verification and the no-downgrade rule apply");
                    break;
                case StepKind.StartTls when starttlsSeen:
                    cx.Error(step.Span, "a second `starttls` step", "STARTTLS can be issued once per connection (RFC 3207)");
                    break;
                case StepKind.StartTls:
                    starttlsSeen = true;
                    tlsUp = step.Expect.Codes.All(c => c.Matches(220)) || step.Expect.IsDefault;
                    break;
                case StepKind.Auth when !tlsUp && step is AuthStep a && !a.Auth.AllowPlaintext && !step.AllowPlaintext:
                    cx.Error(step.Span, tls.Mode == TlsMode.StartTls
                        ? "`auth` comes before `starttls`: credentials would be sent in clear"
                        : "`auth` would send credentials in clear (`tls.mode` is none)",
                        tls.Mode == TlsMode.StartTls
                            ? "move `auth` after `starttls` and the second `ehlo`; to test a server's refusal on purpose add `allow_plaintext: true` to the step"
                            : "use `tls: { mode: starttls }`; to test a server without TLS on purpose add `allow_plaintext: true` to `auth`");
                    break;
                case StepKind.Quit:
                    quitSeen = true;
                    break;
            }
            if (tls.Mode == TlsMode.StartTls && !tlsUp && step.Kind != StepKind.Auth && SentBeforeTlsIsUnsafe.Contains(step.Kind) && !step.AllowPlaintext)
            {
                cx.Error(step.Span, $"`{step.Name}` comes before `starttls` although `tls.mode` is starttls", "move it after `starttls`; to check that the server refuses it in clear, add `allow_plaintext: true` to this step");
            }
        }
        // A `starttls` step that failed to bind was already reported; do not claim it is missing.
        if (tls.Mode == TlsMode.StartTls && !starttlsSeen && !stepErrors)
        {
            cx.Error(stepsSpan, "`tls.mode` is starttls but no step is `starttls`", "add `- starttls` (and a second `- ehlo`) after the first `ehlo`");
        }
    }

    /// <summary>A section given at file level and/or scenario level; scenario keys win.</summary>
    private sealed class Layers(IReadOnlyList<YMapping> layers, SourceSpan? keySpan)
    {
        public bool Any => layers.Count > 0;

        public SourceSpan? KeySpan => keySpan;

        public YNode? Get(string key)
        {
            for (var i = layers.Count - 1; i >= 0; i--)
            {
                if (layers[i].Find(key) is { } e)
                {
                    return e.Value;
                }
            }
            return null;
        }

        public void CheckKeys(BindContext cx, IReadOnlyCollection<string> allowed, string where)
        {
            foreach (var layer in layers)
            {
                cx.CheckKeys(layer, allowed, where);
            }
        }
    }
}
