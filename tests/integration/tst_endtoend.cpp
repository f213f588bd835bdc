// End to end through the `outpost` binary against a real SMTP server (aiosmtpd): the main
// job — queue, flush over one pooled session, QUIT and a clean close.

#include "ServerProcess.h"

#include <QJsonArray>
#include <QRegularExpression>

using namespace outpost::test;

class TestEndToEnd : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_data;

    QByteArray queueOne(const QString &account, const QString &subject, const QString &body)
    {
        const RunResult r = runOutpost(
            m_data.path(), {QStringLiteral("queue"), QStringLiteral("--account"), account,
                            QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                            QStringLiteral("--subject"), subject, QStringLiteral("--body"), body});
        if (r.exitCode != 0)
            qWarning() << r.err;
        return r.out.trimmed();
    }
    QJsonArray list()
    {
        const RunResult r =
            runOutpost(m_data.path(), {QStringLiteral("list"), QStringLiteral("--json")});
        return QJsonDocument::fromJson(r.out).array();
    }

private slots:
    void init() { QVERIFY(m_data.isValid()); }

    void threeMessagesOneStartTlsSession()
    {
        SmtpServer server;
        QVERIFY(server.start({QStringLiteral("--starttls"), QStringLiteral("--auth"),
                              QStringLiteral("alice:s3cret")}));
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = runOutpost(
            dir, {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("work"),
                  QStringLiteral("--host"), QStringLiteral("localhost"), QStringLiteral("--port"),
                  QString::number(server.port()), QStringLiteral("--security"),
                  QStringLiteral("starttls"), QStringLiteral("--user"), QStringLiteral("alice"),
                  QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                  QStringLiteral("--password-command"), QStringLiteral("echo s3cret"),
                  QStringLiteral("--ca-file"), SmtpServer::caPath()});
        QCOMPARE(r.exitCode, 0);
        QStringList ids;
        for (int i = 1; i <= 3; ++i) {
            r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--account"),
                                 QStringLiteral("work"), QStringLiteral("--to"),
                                 QStringLiteral("bob@example.net"), QStringLiteral("--subject"),
                                 QStringLiteral("Message %1").arg(i), QStringLiteral("--body"),
                                 QStringLiteral("Body %1\n.leading dot\n").arg(i)});
            QCOMPARE(r.exitCode, 0);
            QVERIFY(QRegularExpression(QStringLiteral("^\\d+$"))
                        .match(QString::fromUtf8(r.out.trimmed()))
                        .hasMatch());
            ids << QString::fromUtf8(r.out.trimmed());
        }
        r = runOutpost(dir, {QStringLiteral("flush"), QStringLiteral("--verbose")});
        QCOMPARE(r.exitCode, 0);
        // The protocol log never shows the password, plain or base64.
        QVERIFY(!r.err.contains("s3cret"));
        QVERIFY(!r.err.contains(QByteArray("\0alice\0s3cret", 13).toBase64()));
        QVERIFY(r.err.contains("C: AUTH PLAIN <redacted>"));

        // One TCP connection, one STARTTLS, one AUTH, QUIT, and a clean close by the client.
        QTRY_COMPARE_WITH_TIMEOUT(server.count(QStringLiteral("close")), 1, 10000);
        QCOMPARE(server.tcpConnections(), 1);
        QCOMPARE(server.count(QStringLiteral("starttls")), 1);
        QCOMPARE(server.count(QStringLiteral("auth")), 1);
        QCOMPARE(server.count(QStringLiteral("quit")), 1);
        for (const QJsonObject &e : server.events()) {
            if (e.value(QLatin1String("event")).toString() == QLatin1String("close"))
                QVERIFY2(e.value(QLatin1String("error")).isNull(),
                         qPrintable(e.value(QLatin1String("error")).toString()));
        }

        // Each arrived exactly as stored.
        const QStringList files = server.deliveredFiles();
        QCOMPARE(files.size(), 3);
        const RunResult listed =
            runOutpost(dir, {QStringLiteral("list"), QStringLiteral("--json")});
        const QJsonArray arr = QJsonDocument::fromJson(listed.out).array();
        QCOMPARE(arr.size(), 3);
        for (const QJsonValue &v : arr) {
            const QJsonObject o = v.toObject();
            QCOMPARE(o.value(QLatin1String("state")).toString(), QStringLiteral("sent"));
            QCOMPARE(o.value(QLatin1String("attempts")).toInt(), 1);
            QCOMPARE(o.value(QLatin1String("last_reply"))
                         .toObject()
                         .value(QLatin1String("code"))
                         .toInt(),
                     250);
        }
        for (int i = 0; i < 3; ++i) {
            const QByteArray got = server.delivered(files[i]);
            QVERIFY(got.contains("Subject: Message " + QByteArray::number(i + 1)));
            QVERIFY(got.contains("\r\n.leading dot\r\n")); // dot-stuffing undone by the server
        }
    }

    void realServer_data()
    {
        QTest::addColumn<QStringList>("serverOptions");
        QTest::addColumn<QString>("security");
        QTest::addColumn<QString>("auth");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("expectMechanism");
        const QStringList auth = {QStringLiteral("--auth"),
                                  QStringLiteral("alice:p\u00e4ss w\u00f6rd")};
        QTest::newRow("starttls-plain")
            << (QStringList{QStringLiteral("--starttls")} + auth) << QStringLiteral("starttls")
            << QStringLiteral("plain") << QStringLiteral("bob@example.net")
            << QStringLiteral("PLAIN");
        QTest::newRow("starttls-login")
            << (QStringList{QStringLiteral("--starttls")} + auth) << QStringLiteral("starttls")
            << QStringLiteral("login") << QStringLiteral("bob@example.net")
            << QStringLiteral("LOGIN");
        QTest::newRow("implicit-tls-auto")
            << (QStringList{QStringLiteral("--implicit-tls")} + auth) << QStringLiteral("tls")
            << QStringLiteral("auto") << QStringLiteral("bob@example.net")
            << QStringLiteral("PLAIN");
        QTest::newRow("smtputf8")
            << (QStringList{QStringLiteral("--starttls"), QStringLiteral("--smtputf8")} + auth)
            << QStringLiteral("starttls") << QStringLiteral("auto")
            << QStringLiteral("j\u00f6ran@b\u00fccher.example") << QStringLiteral("PLAIN");
    }
    void realServer()
    {
        QFETCH(QStringList, serverOptions);
        QFETCH(QString, security);
        QFETCH(QString, auth);
        QFETCH(QString, to);
        QFETCH(QString, expectMechanism);
        SmtpServer server;
        QVERIFY(server.start(serverOptions));
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = runOutpost(
            dir, {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("a"),
                  QStringLiteral("--host"), QStringLiteral("localhost"), QStringLiteral("--port"),
                  QString::number(server.port()), QStringLiteral("--security"), security,
                  QStringLiteral("--auth"), auth, QStringLiteral("--user"), QStringLiteral("alice"),
                  QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                  QStringLiteral("--password-command"),
                  QStringLiteral("printf 'p\\303\\244ss w\\303\\266rd\\n'"),
                  QStringLiteral("--ca-file"), SmtpServer::caPath()});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--account"),
                             QStringLiteral("a"), QStringLiteral("--to"), to,
                             QStringLiteral("--subject"), QStringLiteral("Gr\u00fc\u00dfe"),
                             QStringLiteral("--body"), QStringLiteral("K\u00f6ln\n")});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir, {QStringLiteral("flush"), QStringLiteral("--verbose")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QTRY_COMPARE_WITH_TIMEOUT(server.count(QStringLiteral("close")), 1, 10000);
        QCOMPARE(server.count(QStringLiteral("auth")), 1);
        for (const QJsonObject &e : server.events()) {
            if (e.value(QLatin1String("event")).toString() == QLatin1String("auth"))
                QCOMPARE(e.value(QLatin1String("mechanism")).toString(), expectMechanism);
            if (e.value(QLatin1String("event")).toString() == QLatin1String("data")) {
                const QString rcpt = e.value(QLatin1String("rcpt")).toArray().first().toString();
                if (to.startsWith(QLatin1String("bob")))
                    QCOMPARE(rcpt, to);
                else
                    QCOMPARE(rcpt, QStringLiteral("j\u00f6ran@xn--bcher-kva.example"));
            }
        }
        QCOMPARE(server.deliveredFiles().size(), 1);
        QVERIFY(!r.err.contains("p\xc3\xa4ss"));
    }

    void dsnAskedOfAServerWithoutDsn()
    {
        // aiosmtpd does not offer DSN (RFC 3461): the message still goes, with no DSN parameter
        // (aiosmtpd would refuse one with 555), and `show` says why no notification will come.
        SmtpServer server;
        QVERIFY(server.start({}));
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addLocalAccount(dir, server.port());
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir,
                       {QStringLiteral("queue"), QStringLiteral("--to"),
                        QStringLiteral("bob@example.net"), QStringLiteral("--subject"),
                        QStringLiteral("dsn"), QStringLiteral("--body"), QStringLiteral("hello"),
                        QStringLiteral("--notify"), QStringLiteral("success,failure"),
                        QStringLiteral("--ret"), QStringLiteral("hdrs"), QStringLiteral("--envid"),
                        QStringLiteral("E2E-1")});
        QCOMPARE(r.exitCode, 0);
        const QString id = QString::fromUtf8(r.out.trimmed());
        r = runOutpost(dir, {QStringLiteral("flush"), QStringLiteral("--verbose")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("-- the server does not offer DSN"), r.err.constData());
        QVERIFY(!r.err.contains("NOTIFY="));
        QVERIFY(!r.err.contains("RET="));
        QTRY_COMPARE_WITH_TIMEOUT(server.deliveredFiles().size(), 1, 5000);
        r = runOutpost(dir, {QStringLiteral("show"), id});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("  DSN:        notify=success,failure ret=hdrs envid=E2E-1\n"),
                 r.out.constData());
        QVERIFY2(r.out.contains(" sent 250 2.0.0 Ok: queued as 0001; note: the server does not "
                                "offer delivery status notifications (DSN), so none were "
                                "requested from it\n"),
                 r.out.constData());
        r = runOutpost(dir, {QStringLiteral("show"), id, QStringLiteral("--json")});
        const QJsonArray history =
            QJsonDocument::fromJson(r.out).object().value(QLatin1String("history")).toArray();
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.at(1).toObject().value(QLatin1String("notes")),
                 QJsonArray{QStringLiteral("dsn-not-offered")});
    }

    void replyToEml()
    {
        // `queue --reply-to-eml`: the reply that reaches the server threads under the message
        // replied to (RFC 5322 §3.6.4) and goes to its Reply-To.
        SmtpServer server;
        QVERIFY(server.start({}));
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addLocalAccount(dir, server.port());
        QCOMPARE(r.exitCode, 0);
        const QString parent = data.filePath(QStringLiteral("question.eml"));
        {
            QFile f(parent);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("From: Bob <bob@example.net>\n"
                    "Reply-To: team@example.net\n"
                    "Subject: RE: Re: Plans\n"
                    "Message-ID: <q.2@example.net>\n"
                    "References: <q.0@example.net> <q.1@example.net>\n"
                    "\n"
                    "Friday?\n");
        }
        r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--reply-to-eml"), parent,
                             QStringLiteral("--body"), QStringLiteral("Friday it is.")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--reply-to-eml"),
                             data.filePath(QStringLiteral("missing.eml")), QStringLiteral("--body"),
                             QStringLiteral("x")});
        QCOMPARE(r.exitCode, 65);
        QVERIFY(r.err.contains("missing.eml"));
        r = runOutpost(dir, {QStringLiteral("flush")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(server.deliveredFiles().size(), 1);
        const QByteArray got = server.delivered(server.deliveredFiles().first());
        QVERIFY2(got.contains("\r\nTo: team@example.net\r\n"), got.constData());
        QVERIFY(got.contains("\r\nSubject: Re: Plans\r\n"));
        QVERIFY(got.contains("\r\nIn-Reply-To: <q.2@example.net>\r\n"));
        QVERIFY(got.contains("\r\nReferences: <q.0@example.net> <q.1@example.net> "
                             "<q.2@example.net>\r\n"));
        for (const QJsonObject &e : server.events())
            if (e.value(QLatin1String("event")).toString() == QLatin1String("data"))
                QCOMPARE(e.value(QLatin1String("rcpt")).toArray().first().toString(),
                         QStringLiteral("team@example.net"));
    }

    // A server that ends TLS with close_notify and never sends its FIN (RFC 8446 §6.1): the
    // session ends there and then, the message waits for the next attempt; before, Outpost
    // noticed only when the command timeout (5 minutes) ran out.
    void closeNotifyWithoutFin()
    {
        QProcess server;
        server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        server.start(QStringLiteral("/usr/bin/python3"),
                     {sourceDir() + QStringLiteral("/tests/integration/closenotify.py"),
                      SmtpServer::certPath(),
                      sourceDir() + QStringLiteral("/tests/integration/certs/localhost.key")});
        QVERIFY(server.waitForStarted(10000));
        QVERIFY(server.waitForReadyRead(20000));
        const quint16 port = quint16(server.readLine().trimmed().toUInt());
        QVERIFY(port != 0);
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = runOutpost(
            dir, {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("cn"),
                  QStringLiteral("--host"), QStringLiteral("localhost"), QStringLiteral("--port"),
                  QString::number(port), QStringLiteral("--security"), QStringLiteral("tls"),
                  QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                  QStringLiteral("--ca-file"), SmtpServer::caPath()});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir,
                       {QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("cn"),
                        QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                        QStringLiteral("--subject"), QStringLiteral("close_notify"),
                        QStringLiteral("--body"), QStringLiteral("Hello.")});
        QCOMPARE(r.exitCode, 0);
        const QByteArray id = r.out.trimmed();
        QElapsedTimer t;
        t.start();
        r = runOutpost(dir, {QStringLiteral("flush"), QStringLiteral("--verbose")}, {}, 30000);
        QVERIFY2(r.exitCode == 75, (QByteArray::number(r.exitCode) + ' ' + r.err).constData());
        QVERIFY2(t.elapsed() < 15000,
                 qPrintable(QStringLiteral("flush took %1 ms").arg(t.elapsed())));
        QVERIFY2(r.err.contains("-- the server ended TLS (close_notify)"), r.err.constData());
        r = runOutpost(dir,
                       {QStringLiteral("show"), QString::fromLatin1(id), QStringLiteral("--json")});
        const QJsonObject m = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(m.value(QLatin1String("state")).toString(), QStringLiteral("queued"));
        QCOMPARE(m.value(QLatin1String("class")).toString(), QStringLiteral("network"));
        QCOMPARE(m.value(QLatin1String("uncertain")).toBool(), false);
        server.kill();
        server.waitForFinished(5000);
    }

    void serverDownThenUp()
    {
        // A port that nothing listens on: start a server to learn a free port, then stop it.
        quint16 port = 0;
        {
            SmtpServer probe;
            QVERIFY(probe.start({}));
            port = probe.port();
        }
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addLocalAccount(dir, port);
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--account"),
                             QStringLiteral("local"), QStringLiteral("--to"),
                             QStringLiteral("bob@example.net"), QStringLiteral("--subject"),
                             QStringLiteral("waiting"), QStringLiteral("--body"),
                             QStringLiteral("hello")});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(dir, {QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 75);
        QJsonArray arr =
            QJsonDocument::fromJson(
                runOutpost(dir, {QStringLiteral("list"), QStringLiteral("--json")}).out)
                .array();
        QCOMPARE(arr.size(), 1);
        QJsonObject m = arr.first().toObject();
        QCOMPARE(m.value(QLatin1String("state")).toString(), QStringLiteral("queued"));
        QCOMPARE(m.value(QLatin1String("class")).toString(), QStringLiteral("network"));
        QVERIFY(!m.value(QLatin1String("last_error")).toString().isEmpty());

        SmtpServer server;
        QVERIFY(server.start({}, port));
        r = runOutpost(dir, {QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 0);
        QTRY_COMPARE_WITH_TIMEOUT(server.deliveredFiles().size(), 1, 5000);
        arr = QJsonDocument::fromJson(
                  runOutpost(dir, {QStringLiteral("list"), QStringLiteral("--json")}).out)
                  .array();
        QCOMPARE(arr.first().toObject().value(QLatin1String("state")).toString(),
                 QStringLiteral("sent"));
        // A second flush sends nothing again.
        r = runOutpost(dir, {QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(server.count(QStringLiteral("data")), 1);
    }
};

QTEST_GUILESS_MAIN(TestEndToEnd)
#include "tst_endtoend.moc"
