// Account discovery without the network: the built-in provider presets, and Thunderbird's
// autoconfig format (config-v1.1.xml) read by parseAutoconfig() — data-driven rows of real and
// broken documents.

#include "accounts/AccountDiscovery.h"

#include <QTest>

using namespace outpost;

class TestAutoconfig : public QObject
{
    Q_OBJECT
private slots:
    void presets_data()
    {
        QTest::addColumn<QString>("domain");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("security");
        QTest::addColumn<QString>("signIn");
        QTest::addColumn<QString>("oauth");
        QTest::addColumn<QString>("imapHost"); // always port 993 with implicit TLS
        QTest::addColumn<QString>("imapUser"); // for alice@<domain>; "" = the same as for SMTP
        const int tls = int(Security::Tls), starttls = int(Security::StartTls);
        QTest::newRow("gmail") << "gmail.com"
                               << "smtp.gmail.com" << 465 << tls << "oauth"
                               << "google"
                               << "imap.gmail.com"
                               << "";
        QTest::newRow("googlemail") << "GoogleMail.com"
                                    << "smtp.gmail.com" << 465 << tls << "oauth"
                                    << "google"
                                    << "imap.gmail.com"
                                    << "";
        QTest::newRow("outlook") << "outlook.com"
                                 << "smtp-mail.outlook.com" << 587 << starttls << "oauth"
                                 << "microsoft"
                                 << "outlook.office365.com"
                                 << "";
        QTest::newRow("hotmail") << "hotmail.com"
                                 << "smtp-mail.outlook.com" << 587 << starttls << "oauth"
                                 << "microsoft"
                                 << "outlook.office365.com"
                                 << "";
        QTest::newRow("yahoo") << "yahoo.com"
                               << "smtp.mail.yahoo.com" << 465 << tls << "app-password"
                               << ""
                               << "imap.mail.yahoo.com"
                               << "";
        QTest::newRow("icloud") << "me.com"
                                << "smtp.mail.me.com" << 587 << starttls << "app-password"
                                << ""
                                << "imap.mail.me.com"
                                << "alice";
        QTest::newRow("fastmail") << "fastmail.com"
                                  << "smtp.fastmail.com" << 465 << tls << "app-password"
                                  << ""
                                  << "imap.fastmail.com"
                                  << "";
        QTest::newRow("gmx.de") << "gmx.de"
                                << "mail.gmx.net" << 587 << starttls << "password"
                                << ""
                                << "imap.gmx.net"
                                << "";
        QTest::newRow("gmx.com") << "gmx.com"
                                 << "mail.gmx.com" << 587 << starttls << "password"
                                 << ""
                                 << "imap.gmx.com"
                                 << "";
        QTest::newRow("web.de") << "web.de"
                                << "smtp.web.de" << 587 << starttls << "password"
                                << ""
                                << "imap.web.de"
                                << "";
        QTest::newRow("mailbox.org") << "mailbox.org"
                                     << "smtp.mailbox.org" << 465 << tls << "password"
                                     << ""
                                     << "imap.mailbox.org"
                                     << "";
        QTest::newRow("posteo") << "posteo.net"
                                << "posteo.de" << 465 << tls << "password"
                                << ""
                                << "posteo.de"
                                << "";
    }
    void presets()
    {
        QFETCH(QString, domain);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, security);
        QFETCH(QString, signIn);
        QFETCH(QString, oauth);
        QFETCH(QString, imapHost);
        QFETCH(QString, imapUser);
        const QString address = QStringLiteral("alice@") + domain;
        const auto p = presetFor(domain, address);
        QVERIFY(p);
        QCOMPARE(p->source, DiscoverySource::Preset);
        QCOMPARE(p->host, host);
        QCOMPARE(int(p->port), port);
        QCOMPARE(int(p->security), security);
        QCOMPARE(signInName(p->signIn), signIn);
        QCOMPARE(p->oauthProvider, oauth);
        QVERIFY(p->helpUrl.startsWith(QLatin1String("https://")));
        QVERIFY(!p->needsConfirmation);
        QCOMPARE(p->user, address);
        QCOMPARE(p->imap.host, imapHost);
        QCOMPARE(p->imap.port, quint16(993));
        QCOMPARE(p->imap.security, Security::Tls);
        QCOMPARE(p->imap.user, imapUser);
        // Without the address only the servers are known, no login names.
        const auto bare = presetFor(domain);
        QVERIFY(bare);
        QCOMPARE(bare->imap.host, imapHost);
        QVERIFY(bare->user.isEmpty());
        QVERIFY(bare->imap.user.isEmpty());
    }
    void noPresetForOthers()
    {
        QVERIFY(!presetFor(QStringLiteral("example.org")));
        QVERIFY(!presetFor(QStringLiteral("gmail.com.evil.example")));
    }

    void autoconfig_data()
    {
        QTest::addColumn<QByteArray>("xml");
        QTest::addColumn<QString>("host"); // empty: nothing usable
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("security");
        QTest::addColumn<QString>("user");
        QTest::addColumn<bool>("confirm");
        QTest::addColumn<QString>("error");
        const QByteArray head =
            "<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
            "<emailProvider id=\"example.org\"><domain>example.org</domain>"
            "<displayName>Example Mail</displayName>"
            "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname>"
            "<port>993</port><socketType>SSL</socketType></incomingServer>";
        const QByteArray tail = "</emailProvider></clientConfig>";
        const auto out = [](const char *type, const char *host, const char *port,
                            const char *socket, const char *user) {
            return QByteArray("<outgoingServer type=\"") + type + "\"><hostname>" + host +
                   "</hostname><port>" + port + "</port><socketType>" + socket +
                   "</socketType><authentication>password-cleartext</authentication>"
                   "<username>" +
                   user + "</username></outgoingServer>";
        };
        const int tls = int(Security::Tls), starttls = int(Security::StartTls);
        QTest::newRow("ssl, %EMAILADDRESS%")
            << head + out("smtp", "smtp.example.org", "465", "SSL", "%EMAILADDRESS%") + tail
            << "smtp.example.org" << 465 << tls << "alice@example.org" << false << "";
        QTest::newRow("starttls, %EMAILLOCALPART%")
            << head + out("smtp", "mail.example.org", "587", "STARTTLS", "%EMAILLOCALPART%") + tail
            << "mail.example.org" << 587 << starttls << "alice" << false << "";
        QTest::newRow("plain skipped, then SSL")
            << head + out("smtp", "smtp.example.org", "25", "plain", "%EMAILADDRESS%") +
                   out("smtp", "smtp.example.org", "465", "SSL", "%EMAILADDRESS%") + tail
            << "smtp.example.org" << 465 << tls << "alice@example.org" << false << "";
        QTest::newRow("server of another domain needs confirming")
            << head + out("smtp", "smtp.hoster.test", "465", "SSL", "%EMAILADDRESS%") + tail
            << "smtp.hoster.test" << 465 << tls << "alice@example.org" << true << "";
        QTest::newRow("only plain")
            << head + out("smtp", "smtp.example.org", "25", "plain", "%EMAILADDRESS%") + tail << ""
            << 0 << 0 << "" << false << "no SMTP server with TLS in it";
        QTest::newRow("no outgoing server")
            << head + tail << "" << 0 << 0 << "" << false << "no SMTP server with TLS in it";
        QTest::newRow("html error page") << QByteArray("<html><body>Not here</body></html>") << ""
                                         << 0 << 0 << "" << false << "not an autoconfig document";
        QTest::newRow("broken xml") << QByteArray("<clientConfig><emailProvider><outgoing") << ""
                                    << 0 << 0 << "" << false << "not valid XML";
        QTest::newRow("no XML at all") << QByteArray("Not Found") << "" << 0 << 0 << "" << false
                                       << "not an autoconfig document";
    }
    void autoconfig()
    {
        QFETCH(QByteArray, xml);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, security);
        QFETCH(QString, user);
        QFETCH(bool, confirm);
        QFETCH(QString, error);
        QString why;
        const auto s = parseAutoconfig(xml, QStringLiteral("alice@example.org"), &why);
        if (host.isEmpty()) {
            QVERIFY(!s);
            QVERIFY2(why.startsWith(error), qPrintable(why));
            return;
        }
        QVERIFY2(s, qPrintable(why));
        QCOMPARE(s->host, host);
        QCOMPARE(int(s->port), port);
        QCOMPARE(int(s->security), security);
        QCOMPARE(s->user, user);
        QCOMPARE(s->providerName, QStringLiteral("Example Mail"));
        QCOMPARE(s->needsConfirmation, confirm);
        QCOMPARE(s->imap.host, QStringLiteral("imap.example.org")); // the head's
    }

    // The IMAP server of an autoconfig document: the first incomingServer type="imap" with SSL
    // or STARTTLS, next to the SMTP server (which alone decides whether anything is found).
    void autoconfigImap_data()
    {
        QTest::addColumn<QByteArray>("servers"); // inside emailProvider
        QTest::addColumn<QString>("host");       // empty: no IMAP server
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("security");
        QTest::addColumn<QString>("user");       // empty: the SMTP login
        QTest::addColumn<QString>("confirmWhy"); // empty: nothing to confirm
        const auto in = [](const char *type, const char *host, const char *port, const char *socket,
                           const char *user) {
            return QByteArray("<incomingServer type=\"") + type + "\"><hostname>" + host +
                   "</hostname><port>" + port + "</port><socketType>" + socket +
                   "</socketType><authentication>password-cleartext</authentication>"
                   "<username>" +
                   user + "</username></incomingServer>";
        };
        const auto smtpAt = [](const char *host) {
            return QByteArray("<outgoingServer type=\"smtp\"><hostname>") + host +
                   "</hostname><port>465</port><socketType>SSL</socketType>"
                   "<username>%EMAILADDRESS%</username></outgoingServer>";
        };
        const QByteArray smtp = smtpAt("smtp.example.org");
        const int tls = int(Security::Tls), starttls = int(Security::StartTls);
        QTest::newRow("imap SSL, same login")
            << in("imap", "imap.example.org", "993", "SSL", "%EMAILADDRESS%") + smtp
            << "imap.example.org" << 993 << tls << ""
            << "";
        QTest::newRow("imap STARTTLS, %EMAILLOCALPART%")
            << in("imap", "mail.example.org", "143", "STARTTLS", "%EMAILLOCALPART%") + smtp
            << "mail.example.org" << 143 << starttls << "alice"
            << "";
        QTest::newRow("%EMAILDOMAIN%")
            << in("imap", "imap.example.org", "993", "SSL", "%EMAILLOCALPART%+%EMAILDOMAIN%") + smtp
            << "imap.example.org" << 993 << tls << "alice+example.org"
            << "";
        QTest::newRow("no username: the address, as for SMTP")
            << in("imap", "imap.example.org", "993", "SSL", "") + smtp << "imap.example.org" << 993
            << tls << ""
            << "";
        QTest::newRow("plain refused, then STARTTLS")
            << in("imap", "imap.example.org", "143", "plain", "%EMAILADDRESS%") +
                   in("imap", "imap2.example.org", "143", "STARTTLS", "%EMAILADDRESS%") + smtp
            << "imap2.example.org" << 143 << starttls << ""
            << "";
        QTest::newRow("only plain imap")
            << in("imap", "imap.example.org", "143", "plain", "%EMAILADDRESS%") + smtp << "" << 0
            << 0 << ""
            << "";
        QTest::newRow("no incomingServer") << smtp << "" << 0 << 0 << ""
                                           << "";
        QTest::newRow("pop3 only ignored")
            << in("pop3", "pop.example.org", "995", "SSL", "%EMAILADDRESS%") + smtp << "" << 0 << 0
            << ""
            << "";
        QTest::newRow("pop3 first, then imap")
            << in("pop3", "pop.example.org", "995", "SSL", "%EMAILADDRESS%") +
                   in("imap", "imap.example.org", "993", "SSL", "%EMAILADDRESS%") + smtp
            << "imap.example.org" << 993 << tls << ""
            << "";
        QTest::newRow("imap after the smtp server")
            << smtp + in("imap", "imap.example.org", "993", "SSL", "%EMAILADDRESS%")
            << "imap.example.org" << 993 << tls << ""
            << "";
        QTest::newRow("first usable imap wins")
            << in("imap", "imap.example.org", "993", "SSL", "%EMAILADDRESS%") +
                   in("imap", "other.example.org", "143", "STARTTLS", "%EMAILADDRESS%") + smtp
            << "imap.example.org" << 993 << tls << ""
            << "";
        QTest::newRow("imap server elsewhere needs confirming")
            << in("imap", "imap.hoster.test", "993", "SSL", "%EMAILADDRESS%") + smtp
            << "imap.hoster.test" << 993 << tls << ""
            << "the server imap.hoster.test is not in example.org";
        QTest::newRow("both elsewhere")
            << in("imap", "imap.hoster.test", "993", "SSL", "%EMAILADDRESS%") +
                   smtpAt("smtp.hoster.test")
            << "imap.hoster.test" << 993 << tls << ""
            << "the servers smtp.hoster.test and imap.hoster.test are not in example.org";
        QTest::newRow("one server elsewhere for both")
            << in("imap", "mail.hoster.test", "993", "SSL", "%EMAILADDRESS%") +
                   smtpAt("mail.hoster.test")
            << "mail.hoster.test" << 993 << tls << ""
            << "the server mail.hoster.test is not in example.org";
    }
    void autoconfigImap()
    {
        QFETCH(QByteArray, servers);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(int, security);
        QFETCH(QString, user);
        QFETCH(QString, confirmWhy);
        const QByteArray xml = "<?xml version=\"1.0\"?><clientConfig version=\"1.1\">"
                               "<emailProvider id=\"example.org\"><domain>example.org</domain>" +
                               servers + "</emailProvider></clientConfig>";
        QString why;
        const auto s = parseAutoconfig(xml, QStringLiteral("alice@example.org"), &why);
        QVERIFY2(s, qPrintable(why));
        QCOMPARE(s->user, QStringLiteral("alice@example.org"));
        QCOMPARE(s->imap.host, host);
        if (!host.isEmpty()) {
            QCOMPARE(int(s->imap.port), port);
            QCOMPARE(int(s->imap.security), security);
        }
        QCOMPARE(s->imap.user, user);
        QCOMPARE(s->needsConfirmation, !confirmWhy.isEmpty());
        QCOMPARE(s->confirmWhy, confirmWhy);
    }

    // An IMAP server alone is no account: without a usable SMTP server nothing is found.
    void imapWithoutSmtpIsNothing()
    {
        const QByteArray xml =
            "<clientConfig version=\"1.1\"><emailProvider id=\"example.org\">"
            "<incomingServer type=\"imap\"><hostname>imap.example.org</hostname><port>993</port>"
            "<socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>";
        QString why;
        QVERIFY(!parseAutoconfig(xml, QStringLiteral("alice@example.org"), &why));
        QCOMPARE(why, QStringLiteral("no SMTP server with TLS in it"));
    }
};

QTEST_GUILESS_MAIN(TestAutoconfig)
#include "tst_autoconfig.moc"
