using SmtpProbe.Core.Scenarios;
using SmtpProbe.Smtp.Tls;

namespace SmtpProbe.Smtp.Tests.Tls;

public class SystemTrustStoreTests
{
    private static TlsSpec Tls(TlsMode mode, string? ca = null, TlsVerify verify = TlsVerify.Full) =>
        new(mode, verify == TlsVerify.None, ca, "mx.example.test") { Verify = verify };

    [Fact]
    public void SystemStore_IsNeededOnlyByASessionThatVerifiesItsChainWithoutItsOwnCa()
    {
        Assert.False(SystemTrustStore.IsNeeded([]));
        Assert.False(SystemTrustStore.IsNeeded([Tls(TlsMode.None)]));
        Assert.False(SystemTrustStore.IsNeeded([Tls(TlsMode.StartTls, ca: "/ca.pem"), Tls(TlsMode.Implicit, verify: TlsVerify.None)]));
        Assert.False(SystemTrustStore.IsNeeded([Tls(TlsMode.StartTls, verify: TlsVerify.Name)]));
        Assert.True(SystemTrustStore.IsNeeded([Tls(TlsMode.StartTls, ca: "/ca.pem"), Tls(TlsMode.StartTls)]));
        Assert.True(SystemTrustStore.IsNeeded([Tls(TlsMode.Implicit, verify: TlsVerify.Ca)]));
    }
}
