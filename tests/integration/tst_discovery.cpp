// Account discovery against real servers on loopback: Thunderbird's autoconfig served over
// HTTPS by a server of the test (both URLs), SRV records from a DNS server of the test on
// 127.0.0.2:53, and the live probe (EHLO, no login) against a real Postfix. Host names are
// example.org's; DiscoveryOptions::connectTo sends every connection to 127.0.0.1 and TLS
// still checks the certificate against the real name (tests/integration/certs/example.pem).
// The IMAP server found with the submission server: `account add --auto` (in process) stores
// it, and a flush through an account found that way puts the copy into a real Dovecot's Sent.

#include "CommandTest.h"
#include "RealImapServer.h"
#include "RealServers.h"
#include "accounts/AccountDiscovery.h"
#include "accounts/AccountStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>

#include <sys/stat.h>

using namespace outpost;
using namespace outpost::cli;
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

    /// An autoconfig document: the SMTP server, and the IMAP server unless `imapHost` is null.
    static QByteArray autoconfigXml(const char *host, int port, const char *socket,
                                    const char *imapHost = "imap.example.org", int imapPort = 993,
                                    const char *imapSocket = "SSL")
    {
        QByteArray incoming;
        if (imapHost)
            incoming = QByteArray("<incomingServer type=\"imap\"><hostname>") + imapHost +
                       "</hostname><port>" + QByteArray::number(imapPort) + "</port><socketType>" +
                       imapSocket +
                       "</socketType><authentication>password-cleartext</authentication>"
                       "<username>%EMAILADDRESS%</username></incomingServer>";
        return QByteArray("<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
                          "<emailProvider id=\"example.org\"><domain>example.org</domain>"
                          "<displayName>Example Mail</displayName>") +
               incoming + "<outgoingServer type=\"smtp\"><hostname>" + host + "</hostname><port>" +
               QByteArray::number(port) + "</port><socketType>" + socket +
               "</socketType><authentication>password-cleartext</authentication>"
               "<username>%EMAILADDRESS%</username></outgoingServer></emailProvider>"
               "</clientConfig>";
    }

    /// discovery_servers.py's HTTPS server with `xml` at the autoconfig host's path.
    bool serveAutoconfig(PyServer &https, const QByteArray &xml)
    {
        return https.start(QStringList{
            QStringLiteral("https"), certs() + QStringLiteral("example.pem"),
            certs() + QStringLiteral("example.key"),
            QStringLiteral("/mail/config-v1.1.xml=") + file(QStringLiteral("served.xml"), xml)});
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
                               autoconfigXml("mail.example.org", 587, "STARTTLS",
                                             "mail.example.org", 143, "STARTTLS"));
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
        // The incomingServer of the same document; its login is the SMTP one.
        QCOMPARE(r.found->imap.host, atAutoconfig ? QStringLiteral("imap.example.org")
                                                  : QStringLiteral("mail.example.org"));
        QCOMPARE(r.found->imap.port, atAutoconfig ? quint16(993) : quint16(143));
        QCOMPARE(r.found->imap.security, atAutoconfig ? Security::Tls : Security::StartTls);
        QCOMPARE(r.found->imap.user, QString());
        QVERIFY(!r.found->needsConfirmation);
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
        QTest::addColumn<QString>("imapHost"); // empty: no IMAP server
        QTest::addColumn<int>("imapPort");
        QTest::addColumn<int>("imapSecurity");
        QTest::addColumn<QString>("confirmWhy"); // empty: nothing to confirm
        const int tls = int(Security::Tls), starttls = int(Security::StartTls);
        QTest::newRow("submissions, imaps")
            << QStringList{QStringLiteral(
                               "_submissions._tcp.example.org=0,1,465,submit.example.org"),
                           QStringLiteral("_submission._tcp.example.org=0,1,587,other.example.org"),
                           QStringLiteral("_imaps._tcp.example.org=0,1,993,imap.example.org"),
                           QStringLiteral("_imap._tcp.example.org=0,1,143,other.example.org")}
            << "submit.example.org" << 465 << tls << "imap.example.org" << 993 << tls << "";
        QTest::newRow("submission only, imap only")
            << QStringList{QStringLiteral(
                               "_submission._tcp.example.org=0,1,587,submit.example.org"),
                           QStringLiteral("_imap._tcp.example.org=0,1,143,imap.example.org")}
            << "submit.example.org" << 587 << starttls << "imap.example.org" << 143 << starttls
            << "";
        QTest::newRow("lowest priority wins, no imap record")
            << QStringList{QStringLiteral("_submissions._tcp.example.org=20,1,465,b.example.org"),
                           QStringLiteral("_submissions._tcp.example.org=10,1,465,a.example.org")}
            << "a.example.org" << 465 << tls << "" << 0 << 0 << "";
        QTest::newRow("imaps says no service")
            << QStringList{QStringLiteral(
                               "_submissions._tcp.example.org=0,1,465,submit.example.org"),
                           QStringLiteral("_imaps._tcp.example.org=0,0,0,.")}
            << "submit.example.org" << 465 << tls << "" << 0 << 0 << "";
        QTest::newRow("target elsewhere")
            << QStringList{QStringLiteral(
                   "_submissions._tcp.example.org=0,1,465,relay.elsewhere.test")}
            << "relay.elsewhere.test" << 465 << tls << "" << 0 << 0
            << "example.org's DNS names a server outside it: relay.elsewhere.test";
        QTest::newRow("imap target elsewhere")
            << QStringList{QStringLiteral(
                               "_submissions._tcp.example.org=0,1,465,submit.example.org"),
                           QStringLiteral("_imaps._tcp.example.org=0,1,993,imap.elsewhere.test")}
            << "submit.example.org" << 465 << tls << "imap.elsewhere.test" << 993 << tls
            << "example.org's DNS names an IMAP server outside it: imap.elsewhere.test";
        QTest::newRow("both elsewhere")
            << QStringList{QStringLiteral(
                               "_submissions._tcp.example.org=0,1,465,relay.elsewhere.test"),
                           QStringLiteral("_imaps._tcp.example.org=0,1,993,imap.elsewhere.test")}
            << "relay.elsewhere.test" << 465 << tls << "imap.elsewhere.test" << 993 << tls
            << "example.org's DNS names a server outside it: relay.elsewhere.test; example.org's "
               "DNS names an IMAP server outside it: imap.elsewhere.test";
    }
    void srvRecords()
    {
        if (::geteuid() != 0)
            QSKIP("the DNS server of the test needs root for port 53 (QDnsLookup takes no port)");
        QFETCH(QStringList, records);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, security);
        QFETCH(QString, imapHost);
        QFETCH(int, imapPort);
        QFETCH(int, imapSecurity);
        QFETCH(QString, confirmWhy);
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
        QCOMPARE(r.found->imap.host, imapHost);
        if (!imapHost.isEmpty()) {
            QCOMPARE(int(r.found->imap.port), imapPort);
            QCOMPARE(int(r.found->imap.security), imapSecurity);
            QVERIFY2(r.found->origin.contains(QStringLiteral("_imap")),
                     qPrintable(r.found->origin));
        }
        QCOMPARE(r.found->imap.user, QString()); // SRV says nothing of logins
        QCOMPARE(r.found->needsConfirmation, !confirmWhy.isEmpty());
        QCOMPARE(r.found->confirmWhy, confirmWhy);
        // _imaps._tcp is asked first; _imap._tcp only when it has no record.
        const QStringList asked = r.tried.filter(QStringLiteral("srv _imap"));
        QVERIFY2(!asked.isEmpty() && asked.first().startsWith(QStringLiteral("srv _imaps._tcp.")),
                 qPrintable(r.tried.join(QLatin1Char('\n'))));
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

    // `account add --auto` puts the IMAP server of the autoconfig file into the account's
    // --imap-* fields, says so, and stores it with --yes (as `account list --json` shows it);
    // sent_copy stays auto.
    void autoAddStoresTheImapServer()
    {
        PyServer https;
        QVERIFY(serveAutoconfig(https, autoconfigXml("smtp.example.org", 465, "SSL",
                                                     "imap.example.org", 143, "STARTTLS")));
        const DiscoveryOptions o = options(quint16(https.line().toUInt()));
        CommandFixture f;
        f.discovery = &o;
        const QStringList args{QStringLiteral("work"), QStringLiteral("--address"),
                               QStringLiteral("alice@example.org"), QStringLiteral("--auto")};
        CommandRun r = f.run<AccountAdd>(args);
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.out.contains("  from:     alice@example.org\n"
                                "  imap:     imap.example.org port 143, starttls\n"
                                "            a copy of each sent message goes to its Sent "
                                "folder\n"),
                 r.out.constData());
        QVERIFY(!f.open()->accounts()->find(QStringLiteral("work")));

        r = f.run<AccountAdd>(args + QStringList{QStringLiteral("--yes")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f.run<AccountList>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonObject imap = QJsonDocument::fromJson(r.out)
                                     .array()
                                     .first()
                                     .toObject()[QStringLiteral("imap")]
                                     .toObject();
        QCOMPARE(imap, (QJsonObject{{QStringLiteral("host"), QStringLiteral("imap.example.org")},
                                    {QStringLiteral("port"), 143},
                                    {QStringLiteral("security"), QStringLiteral("starttls")},
                                    {QStringLiteral("user"), QStringLiteral("alice@example.org")},
                                    {QStringLiteral("sent_folder"), QString()},
                                    {QStringLiteral("sent_copy"), QStringLiteral("auto")},
                                    {QStringLiteral("sent_copy_effective"), true}}));
    }

    // The user's own --imap-* options win: --imap-host replaces the found server entirely;
    // --imap-user alone keeps the found server with the user's login.
    void autoAddKeepsTheUsersImapOptions()
    {
        PyServer https;
        QVERIFY(serveAutoconfig(https, autoconfigXml("smtp.example.org", 465, "SSL")));
        const DiscoveryOptions o = options(quint16(https.line().toUInt()));
        CommandFixture f;
        f.discovery = &o;
        const QStringList auto_{QStringLiteral("--address"), QStringLiteral("alice@example.org"),
                                QStringLiteral("--auto"), QStringLiteral("--yes")};
        CommandRun r = f.run<AccountAdd>(
            QStringList{QStringLiteral("mine"), QStringLiteral("--imap-host"),
                        QStringLiteral("mail.example.net"), QStringLiteral("--imap-security"),
                        QStringLiteral("starttls")} +
            auto_);
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("  imap:     mail.example.net port 143, starttls (from "
                                "--imap-host)\n"),
                 r.out.constData());
        r = f.run<AccountAdd>(QStringList{QStringLiteral("login"), QStringLiteral("--imap-user"),
                                          QStringLiteral("alice")} +
                              auto_);
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("  imap:     imap.example.org port 993, tls, login alice\n"),
                 r.out.constData());
        const auto service = f.open();
        const auto mine = service->accounts()->find(QStringLiteral("mine"));
        QVERIFY(mine);
        QCOMPARE(mine->imapHost, QStringLiteral("mail.example.net"));
        QCOMPARE(mine->effectiveImapPort(), quint16(143));
        QCOMPARE(mine->imapSecurity, Security::StartTls);
        const auto login = service->accounts()->find(QStringLiteral("login"));
        QVERIFY(login);
        QCOMPARE(login->imapHost, QStringLiteral("imap.example.org"));
        QCOMPARE(login->effectiveImapPort(), quint16(993));
        QCOMPARE(login->imapSecurity, Security::Tls);
        QCOMPARE(login->imapUser, QStringLiteral("alice"));
    }

    // An autoconfig file without an incomingServer: the account gets no IMAP server, and the
    // output says so and how to give one.
    void autoAddWithoutImapSaysSo()
    {
        PyServer https;
        QVERIFY(serveAutoconfig(https, autoconfigXml("smtp.example.org", 465, "SSL", nullptr)));
        const DiscoveryOptions o = options(quint16(https.line().toUInt()));
        CommandFixture f;
        f.discovery = &o;
        CommandRun r = f.run<AccountAdd>({QStringLiteral("work"), QStringLiteral("--address"),
                                          QStringLiteral("alice@example.org"),
                                          QStringLiteral("--auto"), QStringLiteral("--yes")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("  imap:     none found, so no copies in the Sent folder (give the "
                                "IMAP server with --imap-host H)\n"),
                 r.out.constData());
        QVERIFY(f.open()->accounts()->find(QStringLiteral("work"))->imapHost.isEmpty());
    }

    // End to end: the autoconfig file names a real Postfix for submission and a real Dovecot
    // for IMAP; the account `account add --auto --yes` makes from it sends through Postfix and
    // its copy lands in Dovecot's Sent folder.
    void foundImapServerGetsTheCopy()
    {
        QString skip = RealSmtpServer::skipReason();
        if (skip.isEmpty())
            skip = RealImapServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        // The servers' own users read the files their scripts write: not with the umask 077 an
        // earlier CommandFixture set for this process (as main() sets it for `outpost`).
        const mode_t umaskBefore = ::umask(022);
        RealSmtpServer postfix;
        const bool postfixUp = postfix.start(RealSmtpServer::Kind::Postfix);
        RealImapServer dovecot;
        const bool dovecotUp = postfixUp && dovecot.start();
        ::umask(umaskBefore);
        QVERIFY2(postfixUp, qPrintable(postfix.error()));
        QVERIFY2(dovecotUp, qPrintable(dovecot.error()));
        PyServer https;
        // "localhost" is not in example.org: shown for confirmation, saved with --yes.
        QVERIFY(serveAutoconfig(https, autoconfigXml("localhost", postfix.port(), "STARTTLS",
                                                     "localhost", dovecot.tlsPort(), "SSL")));
        const DiscoveryOptions o = options(quint16(https.line().toUInt()));
        CommandFixture f;
        f.discovery = &o;
        const QString password = m_files.filePath(QStringLiteral("password"));
        {
            QFile pw(password);
            QVERIFY(pw.open(QIODevice::WriteOnly));
            pw.write(realServerPassword());
        }
        CommandRun r = f.run<AccountAdd>(
            {QStringLiteral("work"), QStringLiteral("--address"),
             QStringLiteral("alice@example.org"), QStringLiteral("--auto"), QStringLiteral("--yes"),
             QStringLiteral("--password-command"), QStringLiteral("cat '%1'").arg(password),
             QStringLiteral("--ca-file"), SmtpServer::caPath()});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("  check:    the server localhost is not in example.org\n"),
                 r.out.constData());
        const qint64 id = f.queue(QStringLiteral("copied where discovery said"));
        QVERIFY(id > 0);
        r = f.run<Flush>({});
        QVERIFY2(r.is(Result::Ok), r.why() + r.out);
        QCOMPARE(f.open()->outbox()->summary(id)->state, MessageState::Sent);
        QTRY_COMPARE_WITH_TIMEOUT(
            dovecot.messageFiles(QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                .size(),
            1, 30000);
        const QStringList copies =
            dovecot.messageFiles(QStringLiteral("alice@example.org"), QStringLiteral("Sent"));
        QFile copy(copies.first());
        QVERIFY(copy.open(QIODevice::ReadOnly));
        QVERIFY(copy.readAll().contains("Subject: copied where discovery said"));
    }
};

QTEST_GUILESS_MAIN(TestDiscovery)
#include "tst_discovery.moc"
