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
        const int tls = int(Security::Tls), starttls = int(Security::StartTls);
        QTest::newRow("gmail") << "gmail.com"
                               << "smtp.gmail.com" << 465 << tls << "oauth"
                               << "google";
        QTest::newRow("googlemail") << "GoogleMail.com"
                                    << "smtp.gmail.com" << 465 << tls << "oauth"
                                    << "google";
        QTest::newRow("outlook") << "outlook.com"
                                 << "smtp-mail.outlook.com" << 587 << starttls << "oauth"
                                 << "microsoft";
        QTest::newRow("hotmail") << "hotmail.com"
                                 << "smtp-mail.outlook.com" << 587 << starttls << "oauth"
                                 << "microsoft";
        QTest::newRow("yahoo") << "yahoo.com"
                               << "smtp.mail.yahoo.com" << 465 << tls << "app-password"
                               << "";
        QTest::newRow("icloud") << "me.com"
                                << "smtp.mail.me.com" << 587 << starttls << "app-password"
                                << "";
        QTest::newRow("fastmail") << "fastmail.com"
                                  << "smtp.fastmail.com" << 465 << tls << "app-password"
                                  << "";
        QTest::newRow("gmx.de") << "gmx.de"
                                << "mail.gmx.net" << 587 << starttls << "password"
                                << "";
        QTest::newRow("gmx.com") << "gmx.com"
                                 << "mail.gmx.com" << 587 << starttls << "password"
                                 << "";
        QTest::newRow("web.de") << "web.de"
                                << "smtp.web.de" << 587 << starttls << "password"
                                << "";
        QTest::newRow("mailbox.org") << "mailbox.org"
                                     << "smtp.mailbox.org" << 465 << tls << "password"
                                     << "";
        QTest::newRow("posteo") << "posteo.net"
                                << "posteo.de" << 465 << tls << "password"
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
        const auto p = presetFor(domain);
        QVERIFY(p);
        QCOMPARE(p->source, DiscoverySource::Preset);
        QCOMPARE(p->host, host);
        QCOMPARE(int(p->port), port);
        QCOMPARE(int(p->security), security);
        QCOMPARE(signInName(p->signIn), signIn);
        QCOMPARE(p->oauthProvider, oauth);
        QVERIFY(p->helpUrl.startsWith(QLatin1String("https://")));
        QVERIFY(!p->needsConfirmation);
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
    }
};

QTEST_GUILESS_MAIN(TestAutoconfig)
#include "tst_autoconfig.moc"
