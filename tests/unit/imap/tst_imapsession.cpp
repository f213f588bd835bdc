// ImapSession and ImapPool against a scripted IMAP server on 127.0.0.1 (ScriptedImapServer.h):
// the exact commands the client writes, pipelining with LITERAL+, synchronizing literals, the
// redaction of credentials, and hostile or failing servers (BYE mid-APPEND, an oversized
// literal announcement, a literal cut off by the close, garbage, a huge line, an unknown tag,
// STARTTLS missing, bytes injected after the STARTTLS OK, PREAUTH before STARTTLS, a BYE
// greeting, a silent server, no answer at exit).
#include "ScriptedImapServer.h"

#include "imap/ImapPool.h"
#include "imap/ImapSession.h"

#include <QSignalSpy>
#include <QTest>

using namespace outpost;
using namespace outpost::testsupport;
using Command = ScriptedImapServer::Command;

namespace {

const QByteArray kPassword = "p\xc3\xa4ssw\xc3\xb6rd-\xc3\xbc-7";

ImapConfig configFor(const ScriptedImapServer &server)
{
    ImapConfig c;
    c.host = QStringLiteral("127.0.0.1");
    c.port = server.port();
    c.security = Security::None;
    c.allowPlainAuth = true; // loopback only
    c.credentials.user = QStringLiteral("alice@example.org");
    c.credentials.password = QString::fromUtf8(kPassword);
    c.commandTimeoutMs = 5000;
    c.logoutTimeoutMs = 2000;
    return c;
}

ImapAppendRequest appendRequest(qint64 id, int size = 100)
{
    ImapAppendRequest r;
    r.id = id;
    r.mailbox = "Sent";
    r.message = "Message-ID: <" + QByteArray::number(id) + "@example.org>\r\n\r\n" +
                QByteArray(size, 'x') + "\r\n";
    r.internalDate = QDateTime(QDate(2023, 11, 4), QTime(9, 5, 7), Qt::UTC);
    return r;
}

} // namespace

class TestImapSession : public QObject
{
    Q_OBJECT
private:
    QStringList m_log;
    void record(ImapSession *s)
    {
        connect(s, &ImapSession::logLine, this, [this](const QString &l) { m_log << l; });
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<ImapResult>();
        qRegisterMetaType<ImapListResult>();
        qRegisterMetaType<ImapAppendResult>();
        qRegisterMetaType<ImapSearchResult>();
    }
    void init() { m_log.clear(); }
    void cleanup()
    {
        for (const QString &l : std::as_const(m_log)) {
            QVERIFY2(!l.toUtf8().contains(kPassword), qPrintable(l));
            QVERIFY2(!l.contains(QLatin1String("p\\xC3\\xA4ssw")), qPrintable(l));
            QVERIFY2(!l.toUtf8().contains(
                         QByteArray("\0alice@example.org\0", 19).append(kPassword).toBase64()),
                     qPrintable(l));
        }
    }

    // LITERAL+: three APPENDs are written before the first is answered, each whole.
    void pipelinedAppends()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        QList<Command> held;
        server.hook = [&](const Command &c) {
            if (c.verb != "APPEND")
                return false;
            held << c;
            if (held.size() == 3) {
                for (const Command &h : std::as_const(held))
                    server.answer(h);
            }
            return true;
        };
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        s.open();
        for (int i = 1; i <= 3; ++i)
            s.append(appendRequest(i, i * 1000));
        QTRY_COMPARE_WITH_TIMEOUT(appended.count(), 3, 5000);
        for (int i = 0; i < 3; ++i) {
            const ImapAppendResult r = appended.at(i).first().value<ImapAppendResult>();
            QCOMPARE(r.id, i + 1);
            QVERIFY(r.result.ok());
            QVERIFY(r.nonSynchronizing);
            QCOMPARE(r.uid, quint32(i + 1));
            QCOMPARE(r.uidValidity, 1700000000u);
            QCOMPARE(server.commands.at(1 + i).literal,
                     appendRequest(i + 1, (i + 1) * 1000).message);
        }
        QCOMPARE(server.commands.at(1).line,
                 "A2 APPEND \"Sent\" (\\Seen) \" 4-Nov-2023 09:05:07 +0000\" {" +
                     QByteArray::number(appendRequest(1, 1000).message.size()) + "+}");
        QCOMPARE(m_log.filter(QStringLiteral("C: <message, ")).size(), 3);
    }

    // Without LITERAL+ the message waits for "+", and the next command for the completion.
    void synchronizingLiteral()
    {
        ScriptedImapServer server;
        server.capabilities = "IMAP4rev1 UIDPLUS";
        server.continueDelayMs = 100;
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        s.open();
        s.append(appendRequest(1));
        s.append(appendRequest(2));
        QTRY_COMPARE_WITH_TIMEOUT(appended.count(), 2, 5000);
        QCOMPARE(server.earlyLiteralOctets, 0);
        QVERIFY(server.commands.at(1).line.endsWith(
            '{' + QByteArray::number(appendRequest(1).message.size()) + '}'));
        const ImapAppendResult r = appended.first().first().value<ImapAppendResult>();
        QVERIFY(r.result.ok());
        QVERIFY(!r.nonSynchronizing);
    }

    // LOGIN with an 8-bit password: a synchronizing literal without LITERAL+, redacted.
    void loginLiteralPassword()
    {
        ScriptedImapServer server;
        server.greeting = "* OK [CAPABILITY IMAP4rev1] ready\r\n";
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy ready(&s, &ImapSession::ready);
        s.open();
        QVERIFY(ready.wait(5000));
        QCOMPARE(server.commands.first().line,
                 "A1 LOGIN \"alice@example.org\" {" + QByteArray::number(kPassword.size()) + '}');
        QCOMPARE(server.commands.first().literal, kPassword);
        QVERIFY(m_log.contains(QStringLiteral("C: A1 LOGIN \"alice@example.org\" <redacted>")));
    }

    // AUTHENTICATE PLAIN without SASL-IR: the initial response follows the "+".
    void authenticateWithoutSaslIr()
    {
        ScriptedImapServer server;
        server.greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n";
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy ready(&s, &ImapSession::ready);
        s.open();
        QVERIFY(ready.wait(5000));
        QCOMPARE(server.commands.first().line, QByteArray("A1 AUTHENTICATE PLAIN"));
        QCOMPARE(server.commands.first().literal,
                 QByteArray("\0alice@example.org\0", 19) + kPassword);
        QVERIFY(m_log.contains(QStringLiteral("C: <redacted>")));
    }

    void authenticateSaslIr()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy ready(&s, &ImapSession::ready);
        s.open();
        QVERIFY(ready.wait(5000));
        QVERIFY(server.commands.first().line.startsWith("A1 AUTHENTICATE PLAIN AGFsaWNl"));
        QVERIFY(m_log.contains(QStringLiteral("C: A1 AUTHENTICATE PLAIN <redacted>")));
        QVERIFY(s.capabilities().specialUse()); // from the OK's [CAPABILITY …]
    }

    // The server says BYE after the message and closes: the copy may or may not be stored.
    void byeMidAppend()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        server.hook = [&](const Command &c) {
            if (c.verb != "APPEND")
                return false;
            server.write("* BYE Server shutting down\r\n");
            server.close();
            return true;
        };
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.open();
        s.append(appendRequest(1));
        QVERIFY(appended.wait(5000));
        const ImapAppendResult r = appended.first().first().value<ImapAppendResult>();
        QCOMPARE(r.result.errorClass, ImapErrorClass::Unavailable);
        QCOMPARE(r.result.status, ImapStatus::Bye);
        QCOMPARE(r.result.text, QStringLiteral("Server shutting down"));
        QVERIFY(r.literalSent);
        QVERIFY(r.uncertain());
        QVERIFY(closed.count() == 1 || closed.wait(5000));
        QCOMPARE(closed.first().first().value<ImapSession::CloseKind>(),
                 ImapSession::CloseKind::Lost);
    }

    void hostile_data()
    {
        QTest::addColumn<QByteArray>("reply"); // to LIST; "%T" is the tag
        QTest::addColumn<bool>("closeAfter");
        QTest::addColumn<ImapErrorClass>("expected");
        QTest::addColumn<ImapSession::CloseKind>("closeKind");
        using K = ImapSession::CloseKind;
        QTest::newRow("oversized literal announcement")
            << QByteArray("* LIST () \"/\" {4294967296}\r\n") << false << ImapErrorClass::Protocol
            << K::Aborted;
        QTest::newRow("unterminated literal at EOF") << QByteArray("* LIST () \"/\" {10}\r\nSen")
                                                     << true << ImapErrorClass::Network << K::Lost;
        QTest::newRow("garbage line") << QByteArray("HTTP/1.1 400 Bad Request\r\n") << false
                                      << ImapErrorClass::Protocol << K::Aborted;
        QTest::newRow("huge line") << QByteArray("* OK ") + QByteArray(100000, 'a') << false
                                   << ImapErrorClass::Protocol << K::Aborted;
        QTest::newRow("unknown tag")
            << QByteArray("X99 OK done\r\n") << false << ImapErrorClass::Protocol << K::Graceful;
        QTest::newRow("unexpected continuation")
            << QByteArray("+ more\r\n") << false << ImapErrorClass::Protocol << K::Graceful;
        QTest::newRow("malformed LIST") << QByteArray("* LIST Sent\r\n%T OK done\r\n") << false
                                        << ImapErrorClass::Protocol << K::Graceful;
        QTest::newRow("NO [TRYCREATE]") << QByteArray("%T NO [TRYCREATE] no such mailbox\r\n")
                                        << false << ImapErrorClass::NoMailbox << K::Graceful;
        QTest::newRow("BAD") << QByteArray("%T BAD [CLIENTBUG] what?\r\n") << false
                             << ImapErrorClass::Bad << K::Graceful;
    }
    void hostile()
    {
        QFETCH(QByteArray, reply);
        QFETCH(bool, closeAfter);
        QFETCH(ImapErrorClass, expected);
        QFETCH(ImapSession::CloseKind, closeKind);
        ScriptedImapServer server;
        QVERIFY(server.start());
        server.hook = [&](const Command &c) {
            if (c.verb != "LIST")
                return false;
            server.write(QByteArray(reply).replace("%T", c.tag));
            if (closeAfter)
                server.close();
            return true;
        };
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy listed(&s, &ImapSession::listFinished);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.open();
        s.list(1);
        QVERIFY(listed.wait(5000));
        const ImapListResult r = listed.first().first().value<ImapListResult>();
        QCOMPARE(r.result.errorClass, expected);
        if (expected == ImapErrorClass::NoMailbox || expected == ImapErrorClass::Bad) {
            // A refusal leaves the session usable: it logs out cleanly.
            QVERIFY(s.isIdle());
            s.logout();
        }
        QVERIFY(closed.count() == 1 || closed.wait(5000));
        QCOMPARE(closed.first().first().value<ImapSession::CloseKind>(), closeKind);
        if (expected == ImapErrorClass::NoMailbox)
            QCOMPARE(server.commands.last().verb, QByteArray("LOGOUT"));
    }

    void startTlsNotOffered()
    {
        ScriptedImapServer server;
        server.greeting = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n";
        QVERIFY(server.start());
        ImapConfig c = configFor(server);
        c.security = Security::StartTls;
        ImapSession s(c);
        record(&s);
        QSignalSpy failed(&s, &ImapSession::openFailed);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        s.open();
        s.append(appendRequest(1));
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.first().first().value<ImapResult>().errorClass, ImapErrorClass::Tls);
        QCOMPARE(appended.count(), 1);
        QVERIFY(appended.first().first().value<ImapAppendResult>().notAttempted);
        QTRY_VERIFY_WITH_TIMEOUT(!server.commands.isEmpty(), 5000);
        QCOMPARE(server.commands.first().verb, QByteArray("LOGOUT")); // no credentials in clear
    }

    void preauthBeforeStartTls()
    {
        ScriptedImapServer server;
        server.greeting = "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n";
        QVERIFY(server.start());
        ImapConfig c = configFor(server);
        c.security = Security::StartTls;
        ImapSession s(c);
        QSignalSpy failed(&s, &ImapSession::openFailed);
        s.open();
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.first().first().value<ImapResult>().errorClass, ImapErrorClass::Tls);
    }

    // Bytes after the STARTTLS OK, before the handshake, are someone else's (RFC 2595 §3.1).
    void startTlsInjection()
    {
        ScriptedImapServer server;
        server.greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n";
        QVERIFY(server.start());
        server.hook = [&](const Command &c) {
            if (c.verb != "STARTTLS")
                return false;
            server.write(c.tag + " OK Begin TLS negotiation now\r\n* OK [CAPABILITY IMAP4rev1 "
                                 "AUTH=PLAIN] injected\r\n");
            return true;
        };
        ImapConfig c = configFor(server);
        c.security = Security::StartTls;
        ImapSession s(c);
        QSignalSpy failed(&s, &ImapSession::openFailed);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.open();
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.first().first().value<ImapResult>().errorClass, ImapErrorClass::Protocol);
        QVERIFY(closed.count() == 1 || closed.wait(5000));
        QCOMPARE(closed.first().first().value<ImapSession::CloseKind>(),
                 ImapSession::CloseKind::Aborted);
        QCOMPARE(server.commands.size(), 1); // STARTTLS only: no credentials
    }

    void silentServerTimesOut()
    {
        ScriptedImapServer server;
        server.greeting = "";
        QVERIFY(server.start());
        ImapConfig c = configFor(server);
        c.greetingTimeoutMs = 200;
        ImapSession s(c);
        QSignalSpy failed(&s, &ImapSession::openFailed);
        s.open();
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.first().first().value<ImapResult>().errorClass, ImapErrorClass::Timeout);
    }

    void byeGreeting()
    {
        ScriptedImapServer server;
        server.greeting = "* BYE [UNAVAILABLE] too many connections\r\n";
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        QSignalSpy failed(&s, &ImapSession::openFailed);
        s.open();
        QVERIFY(failed.wait(5000));
        const ImapResult r = failed.first().first().value<ImapResult>();
        QCOMPARE(r.errorClass, ImapErrorClass::Unavailable);
        QCOMPARE(r.code, QByteArray("UNAVAILABLE"));
    }

    // An APPEND the server never answers, at exit: uncertain, then close_notify/FIN (no RST).
    void closeNowDuringAppend()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        server.hook = [](const Command &c) {
            return c.verb == "APPEND";
        };
        ImapSession s(configFor(server));
        record(&s);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.open();
        s.append(appendRequest(1));
        QTRY_COMPARE_WITH_TIMEOUT(server.commands.size(), 2, 5000);
        s.closeNow();
        QCOMPARE(appended.count(), 1);
        const ImapAppendResult r = appended.first().first().value<ImapAppendResult>();
        QCOMPARE(r.result.errorClass, ImapErrorClass::Network);
        QVERIFY(r.uncertain());
        QTRY_VERIFY_WITH_TIMEOUT(server.clientClosed, 5000);
        server.close();
        QVERIFY(closed.count() == 1 || closed.wait(5000));
        QCOMPARE(closed.first().first().value<ImapSession::CloseKind>(),
                 ImapSession::CloseKind::Graceful);
    }

    void localRefusals()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        QSignalSpy searched(&s, &ImapSession::searchFinished);
        ImapAppendRequest nul = appendRequest(1);
        nul.message += QByteArray(1, '\0');
        s.append(nul);
        ImapSearchRequest q;
        q.id = 2;
        q.mailbox = "Sent";
        q.messageId = "caf\xc3\xa9@example.org";
        s.search(q);
        QCOMPARE(appended.count(), 1);
        QCOMPARE(appended.first().first().value<ImapAppendResult>().result.errorClass,
                 ImapErrorClass::Local);
        QCOMPARE(searched.count(), 1);
        QCOMPARE(searched.first().first().value<ImapSearchResult>().result.errorClass,
                 ImapErrorClass::Local);
        QCOMPARE(server.connections, 0);
    }

    // A search EXAMINEs the mailbox first, then UID SEARCH with the bracketed Message-ID.
    void searchCommands()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        ImapSession s(configFor(server));
        QSignalSpy searched(&s, &ImapSession::searchFinished);
        s.open();
        ImapSearchRequest q;
        q.id = 9;
        q.mailbox = "Sent";
        q.messageId = "a.b@example.org";
        s.search(q);
        QVERIFY(searched.wait(5000));
        const ImapSearchResult r = searched.first().first().value<ImapSearchResult>();
        QVERIFY(r.result.ok());
        QCOMPARE(r.uids, QList<quint32>{2});
        QCOMPARE(r.uidValidity, 1700000000u);
        QCOMPARE(server.commands.at(1).line, QByteArray("A2 EXAMINE \"Sent\""));
        QCOMPARE(server.commands.at(2).line,
                 QByteArray("A3 UID SEARCH HEADER Message-ID \"<a.b@example.org>\""));
    }

    // The pool: a batch over one session; after the server closed that session while it was
    // idle, the next copy goes over a new one.
    void poolReusesAndReplacesSessions()
    {
        ScriptedImapServer server;
        QVERIFY(server.start());
        ImapPool pool;
        QSignalSpy appended(&pool, &ImapPool::appendFinished);
        const ImapConfig c = configFor(server);
        for (int i = 1; i <= 5; ++i)
            pool.append(QStringLiteral("a"), c, appendRequest(i));
        QTRY_COMPARE_WITH_TIMEOUT(appended.count(), 5, 5000);
        QCOMPARE(server.connections, 1);
        server.write("* BYE Autologout; idle for too long\r\n");
        server.close();
        QTRY_COMPARE_WITH_TIMEOUT(pool.sessionCount(), 0, 5000);
        pool.append(QStringLiteral("a"), c, appendRequest(6));
        QTRY_COMPARE_WITH_TIMEOUT(appended.count(), 6, 5000);
        QVERIFY(appended.last().at(1).value<ImapAppendResult>().result.ok());
        QCOMPARE(server.connections, 2);
        QSignalSpy done(&pool, &ImapPool::shutdownFinished);
        pool.shutdown(3000);
        QVERIFY(done.wait(5000));
        QCOMPARE(done.first().at(0).toInt(), 1);
        QCOMPARE(server.commands.last().verb, QByteArray("LOGOUT"));
    }
};

QTEST_GUILESS_MAIN(TestImapSession)
#include "tst_imapsession.moc"
