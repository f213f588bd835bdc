// Account discovery against real servers on loopback: Thunderbird's autoconfig served over
// HTTPS by a server of the test (both URLs), SRV records from a DNS server of the test on
// 127.0.0.2:53, and the live probe (EHLO, no login) against a real Postfix. Host names are
// example.org's; DiscoveryOptions::connectTo sends every connection to 127.0.0.1 and TLS
// still checks the certificate against the real name (tests/integration/certs/example.pem).

#include "RealServers.h"
#include "accounts/AccountDiscovery.h"

#include <QSignalSpy>

using namespace outpost;
using namespace outpost::test;

Q_DECLARE_METATYPE(outpost::DiscoverySource)

namespace {

QString certs()
{
    return sourceDir() + QStringLiteral("/tests/integration/certs/");
}

/// One of discovery_servers.py's servers; its first output line (port or "ready").
class PyServer
{
public:
    bool start(const QStringList &args)
    {
        m_p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_p.start(
            QStringLiteral("/usr/bin/python3"),
            QStringList{sourceDir() + QStringLiteral("/tests/integration/discovery_servers.py")} +
                args);
        if (!m_p.waitForStarted(10000) || !m_p.waitForReadyRead(20000))
            return false;
        m_line = m_p.readLine().trimmed();
        return !m_line.isEmpty();
    }
    QByteArray line() const { return m_line; }
    ~PyServer()
    {
        m_p.kill();
        m_p.waitForFinished(5000);
    }

private:
    QProcess m_p;
    QByteArray m_line;
};

struct Outcome
{
    std::optional<DiscoveredSettings> found;
    QStringList tried;
};

Outcome discover(const QString &address, const DiscoveryOptions &o)
{
    AccountDiscovery d(o);
    QSignalSpy spy(&d, &AccountDiscovery::finished);
    d.start(address);
    if (!spy.wait(60000))
        return {};
    return {spy.first().at(0).value<std::optional<DiscoveredSettings>>(),
            spy.first().at(1).toStringList()};
}

} // namespace

class TestDiscovery : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_files;

    QString file(const QString &name, const QByteArray &content)
    {
        const QString path = m_files.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return path;
    }

    static QByteArray autoconfigXml(const char *host, int port, const char *socket)
    {
        return QByteArray("<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
                          "<emailProvider id=\"example.org\"><domain>example.org</domain>"
                          "<displayName>Example Mail</displayName>"
                          "<outgoingServer type=\"smtp\"><hostname>") +
               host + "</hostname><port>" + QByteArray::number(port) + "</port><socketType>" +
               socket +
               "</socketType><authentication>password-cleartext</authentication>"
               "<username>%EMAILADDRESS%</username></outgoingServer></emailProvider>"
               "</clientConfig>";
    }

    static DiscoveryOptions options(quint16 httpsPort)
    {
        DiscoveryOptions o;
        o.stepTimeoutMs = 4000;
        o.extraCaCertificates = QSslCertificate::fromPath(SmtpServer::caPath());
        o.connectTo = [httpsPort](const QString &, quint16 port) {
            // HTTPS to the test's server; nothing listens for the probe's 465/587 here.
            return QPair<QString, quint16>(QStringLiteral("127.0.0.1"),
                                           port == 443 ? httpsPort : quint16(1));
        };
        o.useProbe = false;
        o.nameserver = QHostAddress(QStringLiteral("127.0.0.2")); // nobody there: no SRV
        return o;
    }

private slots:
    void initTestCase() { QVERIFY(m_files.isValid()); }

    void presetComesFirst()
    {
        DiscoveryOptions o;
        o.useProbe = false;
        const Outcome r = discover(QStringLiteral("alice@gmail.com"), o);
        QVERIFY(r.found);
        QCOMPARE(r.found->source, DiscoverySource::Preset);
        QCOMPARE(r.found->host, QStringLiteral("smtp.gmail.com"));
        QCOMPARE(r.found->signIn, SignIn::OAuth);
        QCOMPARE(r.found->user, QStringLiteral("alice@gmail.com"));
    }

    // https://autoconfig.<domain>/mail/config-v1.1.xml first, then
    // https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml.
    void autoconfigOverHttps_data()
    {
        QTest::addColumn<bool>("atAutoconfig");
        QTest::addColumn<bool>("atWellKnown");
        QTest::addColumn<DiscoverySource>("source");
        QTest::newRow("autoconfig host") << true << true << DiscoverySource::Autoconfig;
        QTest::newRow("well-known only") << false << true << DiscoverySource::WellKnown;
    }
    void autoconfigOverHttps()
    {
        QFETCH(bool, atAutoconfig);
        QFETCH(bool, atWellKnown);
        QFETCH(DiscoverySource, source);
        QStringList routes;
        if (atAutoconfig)
            routes << QStringLiteral("/mail/config-v1.1.xml=") +
                          file(QStringLiteral("a.xml"),
                               autoconfigXml("smtp.example.org", 465, "SSL"));
        if (atWellKnown)
            routes << QStringLiteral("/.well-known/autoconfig/mail/config-v1.1.xml=") +
                          file(QStringLiteral("w.xml"),
                               autoconfigXml("mail.example.org", 587, "STARTTLS"));
        PyServer https;
        QVERIFY(https.start(QStringList{QStringLiteral("https"),
                                        certs() + QStringLiteral("example.pem"),
                                        certs() + QStringLiteral("example.key")} +
                            routes));
        const Outcome r =
            discover(QStringLiteral("alice@example.org"), options(quint16(https.line().toUInt())));
        QVERIFY2(r.found, qPrintable(r.tried.join(QLatin1Char('\n'))));
        QCOMPARE(r.found->source, source);
        QCOMPARE(r.found->host, atAutoconfig ? QStringLiteral("smtp.example.org")
                                             : QStringLiteral("mail.example.org"));
        QCOMPARE(r.found->user, QStringLiteral("alice@example.org"));
        QCOMPARE(r.found->providerName, QStringLiteral("Example Mail"));
        QVERIFY2(r.found->origin.startsWith(
                     atAutoconfig ? QStringLiteral("https://autoconfig.example.org/")
                                  : QStringLiteral("https://example.org/.well-known/")),
                 qPrintable(r.found->origin));
        QVERIFY(r.found->origin.contains(QStringLiteral("emailaddress=alice%40example.org")) ==
                atAutoconfig);
    }

    // A server whose certificate is not for the autoconfig host is not believed (HTTPS only,
    // verified); discovery goes on to the next step.
    void autoconfigWithWrongCertificateIsIgnored()
    {
        PyServer https;
        QVERIFY(https.start(QStringList{
            QStringLiteral("https"), certs() + QStringLiteral("localhost.pem"),
            certs() + QStringLiteral("localhost.key"),
            QStringLiteral("/mail/config-v1.1.xml=") +
                file(QStringLiteral("x.xml"), autoconfigXml("smtp.example.org", 465, "SSL"))}));
        const Outcome r =
            discover(QStringLiteral("alice@example.org"), options(quint16(https.line().toUInt())));
        QVERIFY(!r.found);
        QVERIFY2(r.tried.size() >= 4, qPrintable(r.tried.join(QLatin1Char('\n'))));
        QVERIFY(
            r.tried.at(1).startsWith(QStringLiteral("autoconfig https://autoconfig.example.org")));
    }

    // RFC 6186 / RFC 8314: _submissions._tcp (implicit TLS) before _submission._tcp; a target
    // outside the address's domain must be confirmed by the user.
    void srvRecords_data()
    {
        QTest::addColumn<QStringList>("records");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("security");
        QTest::addColumn<bool>("confirm");
        QTest::newRow("submissions")
            << QStringList{QStringLiteral(
                               "_submissions._tcp.example.org=0,1,465,submit.example.org"),
                           QStringLiteral("_submission._tcp.example.org=0,1,587,other.example.org")}
            << "submit.example.org" << 465 << int(Security::Tls) << false;
        QTest::newRow("submission only")
            << QStringList{QStringLiteral(
                   "_submission._tcp.example.org=0,1,587,submit.example.org")}
            << "submit.example.org" << 587 << int(Security::StartTls) << false;
        QTest::newRow("lowest priority wins")
            << QStringList{QStringLiteral("_submissions._tcp.example.org=20,1,465,b.example.org"),
                           QStringLiteral("_submissions._tcp.example.org=10,1,465,a.example.org")}
            << "a.example.org" << 465 << int(Security::Tls) << false;
        QTest::newRow("target elsewhere")
            << QStringList{QStringLiteral(
                   "_submissions._tcp.example.org=0,1,465,relay.elsewhere.test")}
            << "relay.elsewhere.test" << 465 << int(Security::Tls) << true;
    }
    void srvRecords()
    {
        if (::geteuid() != 0)
            QSKIP("the DNS server of the test needs root for port 53 (QDnsLookup takes no port)");
        QFETCH(QStringList, records);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, security);
        QFETCH(bool, confirm);
        PyServer dns;
        QVERIFY(
            dns.start(QStringList{QStringLiteral("dns"), QStringLiteral("127.0.0.2")} + records));
        QCOMPARE(dns.line(), QByteArray("ready"));
        const Outcome r = discover(QStringLiteral("alice@example.org"), options(1));
        QVERIFY2(r.found, qPrintable(r.tried.join(QLatin1Char('\n'))));
        QCOMPARE(r.found->source, DiscoverySource::Srv);
        QCOMPARE(r.found->host, host);
        QCOMPARE(int(r.found->port), port);
        QCOMPARE(int(r.found->security), security);
        QCOMPARE(r.found->needsConfirmation, confirm);
    }

    // The last step: smtp.<domain> on 465, then 587, then mail.<domain>, each with EHLO and
    // QUIT only, against a real Postfix; no AUTH is ever sent to a guessed server.
    void probeRealPostfix()
    {
        const QString skip = RealSmtpServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        RealSmtpServer postfix;
        postfix.setCertificate(certs() + QStringLiteral("example.pem"),
                               certs() + QStringLiteral("example.key"));
        QVERIFY2(postfix.start(RealSmtpServer::Kind::Postfix), qPrintable(postfix.error()));
        DiscoveryOptions o = options(1);
        const quint16 starttls = postfix.port();
        o.useProbe = true;
        // Only mail.example.org:587 answers (the others are refused), as for a host that
        // offers STARTTLS submission only.
        o.connectTo = [starttls](const QString &host, quint16 port) {
            const bool there = host == QLatin1String("mail.example.org") && port == 587;
            return QPair<QString, quint16>(QStringLiteral("127.0.0.1"),
                                           there ? starttls : quint16(1));
        };
        const Outcome r = discover(QStringLiteral("alice@example.org"), o);
        QVERIFY2(r.found, qPrintable(r.tried.join(QLatin1Char('\n'))));
        QCOMPARE(r.found->source, DiscoverySource::Guess);
        QCOMPARE(r.found->host, QStringLiteral("mail.example.org"));
        QCOMPARE(int(r.found->port), 587);
        QCOMPARE(r.found->security, Security::StartTls);
        QVERIFY(r.found->needsConfirmation);
        QVERIFY2(r.found->capabilities.join(QLatin1Char(' ')).contains(QStringLiteral("AUTH")),
                 qPrintable(r.found->capabilities.join(QLatin1Char(' '))));
        // smtp.example.org:465, :587 and mail.example.org:465 were tried first.
        QCOMPARE(r.tried.filter(QStringLiteral("probe ")).size(), 4);
        // The server saw EHLO, STARTTLS, EHLO and QUIT: no AUTH, no MAIL.
        QTRY_VERIFY_WITH_TIMEOUT(postfix.log().contains("]: disconnect from "), 10000);
        const QByteArray log = postfix.log();
        QVERIFY2(log.contains("ehlo=2 starttls=1 quit=1 commands=4"), log.constData());
    }
};

QTEST_GUILESS_MAIN(TestDiscovery)
#include "tst_discovery.moc"
