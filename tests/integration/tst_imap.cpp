// The IMAP client core (core/imap) against a real Dovecot 2.3 from Debian 12's packages,
// started by this test on 127.0.0.1 (RealImapServer.h): the copies in the Sent folder.
//
// - login: STARTTLS and implicit TLS, the non-ASCII password, LOGOUT answered; a wrong
//   password is class auth; the protocol log never shows the password.
// - certificatePolicy: the SMTP side's TLS policy: an untrusted certificate is class
//   certificate with its chain; a SHA-256 pin alone is trusted.
// - list: the Sent mailbox by its \Sent attribute (RETURN (SPECIAL-USE)), and on a server
//   without SPECIAL-USE by its name ("Sent Items").
// - appendBatch: 20 copies through the pool in one IMAP session (one login in Dovecot's log),
//   with LITERAL+ and with synchronizing literals: each stored byte-identical, flag \Seen
//   (Maildir "S"), the given internal date (the file's mtime), APPENDUID kept.
// - search: UID SEARCH HEADER Message-ID finds the copy (its APPENDUID) and nothing for an
//   unknown Message-ID.
// - appendCheckedExactlyOnce: the retry of an unanswered APPEND searches first and finds the
//   copy: one copy stored, not two.
// - overQuota: NO [OVERQUOTA] is a structured failure (class quota, the code, the text).
// - shutdown: the pool's shutdown with three sessions open sends LOGOUT on each (Dovecot logs
//   "Logged out" three times and no "Disconnected" without it).

#include "RealImapServer.h"

#include "imap/ImapPool.h"
#include "imap/ImapSession.h"

#include <QSignalSpy>
#include <QSslCertificate>
#include <QTimeZone>

#include <numeric>

using namespace outpost;
using namespace outpost::test;

namespace {

const QString kUser = QStringLiteral("alice@example.org");

ImapConfig configFor(const RealImapServer &server, Security security, const QString &user = kUser)
{
    ImapConfig c;
    c.host = QStringLiteral("localhost");
    c.connectHost = QStringLiteral("127.0.0.1");
    c.security = security;
    c.port = security == Security::Tls ? server.tlsPort() : server.port();
    c.credentials.user = user;
    c.credentials.password = QString::fromUtf8(realServerPassword());
    c.extraCaCertificates = QSslCertificate::fromPath(SmtpServer::caPath());
    c.commandTimeoutMs = 20000;
    c.logTag = user;
    return c;
}

/// A message of about `size` octets with CRLF line ends and its own Message-ID.
QByteArray makeMessage(const QByteArray &messageId, int size)
{
    QByteArray m = "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
                   "Subject: copy " +
                   messageId + "\r\nMessage-ID: <" + messageId +
                   ">\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                   "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n"
                   "Gr\xc3\xbc\xc3\x9f"
                   "e, this is the body.\r\n";
    int line = 0;
    while (m.size() < size)
        m += "line " + QByteArray::number(++line) + " of the body, long enough to matter\r\n";
    return m + "-- \r\nAlice\r\n";
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// The Dovecot session ids ("session=<…>") of the logins in `log`.
QList<QByteArray> loginSessions(const QByteArray &log)
{
    QList<QByteArray> out;
    for (const QByteArray &l : log.split('\n')) {
        const qsizetype at = l.indexOf("session=<");
        if (l.contains("Login: user=") && at >= 0)
            out << l.mid(at + 9, l.indexOf('>', at) - at - 9);
    }
    return out;
}

/// How many of the sessions that logged in after the log's `mark` logged out. Dovecot writes
/// its log asynchronously: a session of an earlier test may log its end after the mark.
int loggedOut(const QByteArray &log)
{
    int n = 0;
    const QList<QByteArray> ours = loginSessions(log);
    for (const QByteArray &l : log.split('\n')) {
        for (const QByteArray &id : ours)
            n += l.contains("Logged out") && l.contains('<' + id + '>') ? 1 : 0;
    }
    return n;
}

/// Dovecot's lines for sessions (of those that logged in within `log`) that ended without
/// LOGOUT: "Disconnected: Connection closed …" (one that logged out says "Disconnected: Logged
/// out in=… out=…").
int uncleanOurs(const QByteArray &log)
{
    int n = 0;
    const QList<QByteArray> ours = loginSessions(log);
    for (const QByteArray &l : log.split('\n')) {
        for (const QByteArray &id : ours)
            n += l.contains("Disconnected") && !l.contains("Logged out") &&
                         l.contains('<' + id + '>')
                     ? 1
                     : 0;
    }
    return n;
}

int count(const QByteArray &log, const QByteArray &needle)
{
    int n = 0;
    for (const QByteArray &l : log.split('\n'))
        n += l.contains(needle) ? 1 : 0;
    return n;
}

} // namespace

class TestImap : public QObject
{
    Q_OBJECT
private:
    RealImapServer m_server;
    QStringList m_log; // every protocol line of the test's sessions

    void record(ImapSession *s)
    {
        connect(s, &ImapSession::logLine, this, [this](const QString &l) { m_log << l; });
    }
    void record(ImapPool *p)
    {
        connect(p, &ImapPool::logLine, this,
                [this](const QString &, int, const QString &l) { m_log << l; });
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<ImapResult>();
        qRegisterMetaType<ImapListResult>();
        qRegisterMetaType<ImapAppendResult>();
        qRegisterMetaType<ImapSearchResult>();
        const QString skip = RealImapServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QVERIFY2(m_server.start(), qPrintable(m_server.error()));
    }

    void cleanup()
    {
        // No password, in any form the client might have written, in any protocol line.
        const QByteArray password = realServerPassword();
        const QByteArray plain = QByteArray("\0", 1) + kUser.toUtf8() + '\0' + password;
        for (const QString &l : std::as_const(m_log)) {
            QVERIFY2(!l.toUtf8().contains(password), qPrintable(l));
            QVERIFY2(!l.toUtf8().contains(plain.toBase64()), qPrintable(l));
            QVERIFY2(!l.contains(QLatin1String("p\\xC3\\xA4ssw")), qPrintable(l));
        }
        m_log.clear();
    }

    void login_data()
    {
        QTest::addColumn<Security>("security");
        QTest::addColumn<QString>("auth");
        QTest::newRow("starttls, auto (AUTHENTICATE PLAIN)") << Security::StartTls << QString();
        QTest::newRow("tls, auto (AUTHENTICATE PLAIN)") << Security::Tls << QString();
        QTest::newRow("tls, AUTHENTICATE LOGIN") << Security::Tls << QStringLiteral("login");
        QTest::newRow("starttls, LOGIN command")
            << Security::StartTls << QStringLiteral("imap-login");
    }
    void login()
    {
        QFETCH(Security, security);
        QFETCH(QString, auth);
        const qint64 mark = m_server.logSize();
        ImapConfig c = configFor(m_server, security);
        if (!auth.isEmpty())
            c.auth = auth;
        ImapSession s(c);
        record(&s);
        QSignalSpy ready(&s, &ImapSession::ready);
        QSignalSpy failed(&s, &ImapSession::openFailed);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.open();
        QVERIFY2(ready.wait(20000), qPrintable(m_log.join(QLatin1Char('\n'))));
        QCOMPARE(failed.count(), 0);
        QVERIFY(s.capabilities().literalPlus());
        QVERIFY(s.capabilities().uidPlus());
        if (security == Security::StartTls)
            QVERIFY(m_log.contains(QStringLiteral("C: A1 STARTTLS")) ||
                    m_log.filter(QStringLiteral("STARTTLS")).size() > 0);
        QVERIFY(!m_log.filter(QStringLiteral("<redacted>")).isEmpty());
        s.logout();
        QVERIFY(closed.wait(10000));
        QCOMPARE(closed.first().first().value<ImapSession::CloseKind>(),
                 ImapSession::CloseKind::Graceful);
        QTRY_COMPARE_WITH_TIMEOUT(loggedOut(m_server.log(mark)), 1, 5000);
        QVERIFY2(uncleanOurs(m_server.log(mark)) == 0, m_server.log(mark).constData());
        QCOMPARE(count(m_server.log(mark), "Login: user=<alice@example.org>"), 1);
    }

    void wrongPassword()
    {
        ImapConfig c = configFor(m_server, Security::Tls);
        c.credentials.password = QStringLiteral("not the password");
        ImapSession s(c);
        record(&s);
        QSignalSpy failed(&s, &ImapSession::openFailed);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.open();
        QVERIFY(failed.wait(20000));
        const ImapResult r = failed.first().first().value<ImapResult>();
        QCOMPARE(r.errorClass, ImapErrorClass::Auth);
        QCOMPARE(r.status, ImapStatus::No);
        QCOMPARE(r.code, QByteArray("AUTHENTICATIONFAILED"));
        QVERIFY(closed.count() == 1 || closed.wait(10000));
    }

    // The account's TLS policy, as for SMTP: without the test CA the certificate is not
    // trusted (class certificate, with the chain); its SHA-256 pin alone is enough.
    void certificatePolicy()
    {
        ImapConfig c = configFor(m_server, Security::Tls);
        c.extraCaCertificates.clear();
        {
            ImapSession s(c);
            QSignalSpy failed(&s, &ImapSession::openFailed);
            s.open();
            QVERIFY(failed.wait(20000));
            const ImapResult r = failed.first().first().value<ImapResult>();
            QCOMPARE(r.errorClass, ImapErrorClass::Certificate);
            QVERIFY(!r.certificateChainPem.isEmpty());
            QVERIFY(!r.certificateErrors.isEmpty());
        }
        const QList<QSslCertificate> leaf = QSslCertificate::fromPath(SmtpServer::certPath());
        QCOMPARE(leaf.size(), 1);
        c.pinSha256 = leaf.first().digest(QCryptographicHash::Sha256);
        c.security = Security::StartTls;
        c.port = m_server.port();
        ImapSession s(c);
        record(&s);
        QSignalSpy ready(&s, &ImapSession::ready);
        s.open();
        QVERIFY(ready.wait(20000));
        QVERIFY(!m_log.filter(QStringLiteral("pinned SHA-256")).isEmpty());
        QSignalSpy closed(&s, &ImapSession::closed);
        s.logout();
        QVERIFY(closed.wait(10000));
    }

    void listFindsSentBySpecialUse()
    {
        ImapSession s(configFor(m_server, Security::Tls));
        record(&s);
        QSignalSpy listed(&s, &ImapSession::listFinished);
        s.open();
        s.list(7);
        QVERIFY(listed.wait(20000));
        const ImapListResult r = listed.first().first().value<ImapListResult>();
        QVERIFY2(r.result.ok(), qPrintable(r.result.detail));
        QCOMPARE(r.id, 7);
        QVERIFY(r.usedSpecialUse);
        QCOMPARE(r.sentFoundBy, SentFoundBy::SpecialUse);
        QCOMPARE(r.sent.name, QByteArray("Sent"));
        QVERIFY(r.sent.hasAttribute("\\Sent"));
        bool archive = false;
        for (const ImapMailbox &m : r.mailboxes)
            archive = archive || (m.name == "Archive" && m.hasAttribute("\\Archive"));
        QVERIFY(archive);
        QVERIFY(m_log.contains(QStringLiteral("C: A3 LIST \"\" \"*\" RETURN (SPECIAL-USE)")) ||
                !m_log.filter(QStringLiteral("RETURN (SPECIAL-USE)")).isEmpty());
        QSignalSpy closed(&s, &ImapSession::closed);
        s.logout();
        QVERIFY(closed.wait(10000));
    }

    void listFindsSentByName()
    {
        RealImapServer plain;
        RealImapServer::Variant v;
        v.specialUse = false;
        QVERIFY2(plain.start(v), qPrintable(plain.error()));
        ImapSession s(configFor(plain, Security::Tls));
        record(&s);
        QSignalSpy listed(&s, &ImapSession::listFinished);
        s.open();
        s.list(1);
        QVERIFY(listed.wait(20000));
        const ImapListResult r = listed.first().first().value<ImapListResult>();
        QVERIFY2(r.result.ok(), qPrintable(r.result.detail));
        QVERIFY(!r.usedSpecialUse);
        QCOMPARE(r.sentFoundBy, SentFoundBy::Name);
        QCOMPARE(r.sent.name, QByteArray("Sent Items"));
        QVERIFY(!r.sent.hasAttribute("\\Sent"));
        QVERIFY(m_log.filter(QStringLiteral("RETURN")).isEmpty());
        QSignalSpy closed(&s, &ImapSession::closed);
        s.logout();
        QVERIFY(closed.wait(10000));
    }

    void appendBatch_data()
    {
        QTest::addColumn<bool>("literalPlus");
        QTest::newRow("LITERAL+ (pipelined)") << true;
        QTest::newRow("synchronizing literals") << false;
    }
    void appendBatch()
    {
        QFETCH(bool, literalPlus);
        RealImapServer own;
        RealImapServer *server = &m_server;
        if (!literalPlus) {
            RealImapServer::Variant v;
            v.literalPlus = false;
            QVERIFY2(own.start(v), qPrintable(own.error()));
            server = &own;
        }
        const qint64 mark = server->logSize();
        const QStringList before = server->messageFiles(kUser, QStringLiteral("Sent"));
        ImapPool pool;
        record(&pool);
        QSignalSpy appended(&pool, &ImapPool::appendFinished);
        QSignalSpy ready(&pool, &ImapPool::sessionReady);
        const ImapConfig c = configFor(*server, Security::StartTls);
        const QDateTime when(QDate(2023, 11, 14), QTime(22, 13, 20), QTimeZone(3600));
        QHash<qint64, QByteArray> sent;
        const QByteArray tag = QByteArray::number(QDateTime::currentMSecsSinceEpoch());
        QElapsedTimer clock;
        clock.start();
        for (int i = 1; i <= 20; ++i) {
            ImapAppendRequest r;
            r.id = i;
            r.mailbox = "Sent";
            // Sizes from a few hundred octets to 600 KB: the large ones go out in pieces.
            r.message = makeMessage("copy-" + QByteArray::number(i) + '.' + tag + "@example.org",
                                    i == 7 ? 600 * 1024 : i * 300);
            r.internalDate = when.addSecs(i);
            sent.insert(i, r.message);
            pool.append(QStringLiteral("alice"), c, r);
        }
        QTRY_COMPARE_WITH_TIMEOUT(appended.count(), 20, 60000);
        // For the record (not a pass/fail bound): connection, TLS, login and 20 copies.
        qInfo("20 copies (%lld octets) in %lld ms",
              qlonglong(
                  std::accumulate(sent.cbegin(), sent.cend(), qsizetype(0),
                                  [](qsizetype n, const QByteArray &m) { return n + m.size(); })),
              qlonglong(clock.elapsed()));
        QCOMPARE(ready.count(), 1);
        QCOMPARE(pool.sessionCount(), 1);
        QHash<quint32, qint64> byUid;
        for (const QList<QVariant> &args : std::as_const(appended)) {
            const ImapAppendResult r = args.at(1).value<ImapAppendResult>();
            QVERIFY2(r.result.ok(), qPrintable(r.result.detail + QLatin1Char(' ') + r.result.text));
            QVERIFY(r.literalSent);
            QCOMPARE(r.nonSynchronizing, literalPlus);
            QVERIFY(r.uid > 0);
            QVERIFY(r.uidValidity > 0);
            byUid.insert(r.uid, r.id);
        }
        QCOMPARE(byUid.size(), 20);
        // What Dovecot stored: 20 new files, each the message byte for byte, \Seen, dated.
        QStringList files = server->messageFiles(kUser, QStringLiteral("Sent"));
        for (const QString &f : before)
            files.removeOne(f);
        QCOMPARE(files.size(), 20);
        int matched = 0;
        for (const QString &f : std::as_const(files)) {
            const QByteArray stored = readFile(f);
            bool found = false;
            for (auto it = sent.cbegin(); it != sent.cend(); ++it) {
                if (stored == it.value()) {
                    found = true;
                    QVERIFY2(f.endsWith(QLatin1String(":2,S")), qPrintable(f));
                    QCOMPARE(QFileInfo(f).lastModified().toSecsSinceEpoch(),
                             when.addSecs(it.key()).toSecsSinceEpoch());
                }
            }
            QVERIFY2(
                found,
                qPrintable(QStringLiteral("%1 is not byte-identical to any copy sent").arg(f)));
            ++matched;
        }
        QCOMPARE(matched, 20);
        // Synchronizing: every APPEND waited for "+"; LITERAL+: none did.
        const QStringList appendLines = m_log.filter(QStringLiteral(" APPEND \"Sent\""));
        QCOMPARE(appendLines.size(), 20);
        for (const QString &l : appendLines)
            QCOMPARE(l.endsWith(QLatin1String("+}")), literalPlus);
        QCOMPARE(m_log.filter(QStringLiteral("S: +")).size(), literalPlus ? 0 : 20);
        QSignalSpy done(&pool, &ImapPool::shutdownFinished);
        pool.shutdown(5000);
        QVERIFY(done.wait(10000));
        QCOMPARE(done.first().at(0).toInt(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(loggedOut(server->log(mark)), 1, 5000);
        // One session carried the batch: one login, one imap process.
        QCOMPARE(count(server->log(mark), "Login: user=<alice@example.org>"), 1);
        QVERIFY2(uncleanOurs(server->log(mark)) == 0, server->log(mark).constData());
    }

    void search()
    {
        ImapSession s(configFor(m_server, Security::Tls));
        record(&s);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        QSignalSpy searched(&s, &ImapSession::searchFinished);
        s.open();
        const QByteArray id =
            "search." + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "@example.org";
        ImapAppendRequest a;
        a.id = 1;
        a.mailbox = "Sent";
        a.message = makeMessage(id, 2000);
        s.append(a);
        QVERIFY(appended.wait(20000));
        const ImapAppendResult ar = appended.first().first().value<ImapAppendResult>();
        QVERIFY(ar.result.ok());
        ImapSearchRequest q;
        q.id = 2;
        q.mailbox = "Sent";
        q.messageId = '<' + id + '>';
        s.search(q);
        q.id = 3;
        q.messageId = "unknown." + id; // without brackets: added
        s.search(q);
        QTRY_COMPARE_WITH_TIMEOUT(searched.count(), 2, 20000);
        const ImapSearchResult found = searched.at(0).first().value<ImapSearchResult>();
        QVERIFY2(found.result.ok(), qPrintable(found.result.detail));
        QCOMPARE(found.uids, QList<quint32>{ar.uid});
        QCOMPARE(found.uidValidity, ar.uidValidity);
        const ImapSearchResult none = searched.at(1).first().value<ImapSearchResult>();
        QVERIFY(none.result.ok());
        QVERIFY(none.uids.isEmpty());
        // EXAMINE once: the second search reuses the selected mailbox.
        QCOMPARE(m_log.filter(QStringLiteral("EXAMINE")).size(), 1);
        QSignalSpy closed(&s, &ImapSession::closed);
        s.logout();
        QVERIFY(closed.wait(10000));
    }

    // The retry of a copy whose APPEND went unanswered: the search finds the stored copy and
    // nothing is appended a second time.
    void appendCheckedExactlyOnce()
    {
        ImapPool pool;
        record(&pool);
        QSignalSpy appended(&pool, &ImapPool::appendFinished);
        const QByteArray id =
            "once." + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "@example.org";
        ImapAppendRequest a;
        a.id = 1;
        a.mailbox = "Sent";
        a.message = makeMessage(id, 1500);
        const ImapConfig c = configFor(m_server, Security::Tls);
        pool.appendChecked(QStringLiteral("alice"), c, a, id);
        QVERIFY(appended.wait(20000));
        const ImapAppendResult first = appended.first().at(1).value<ImapAppendResult>();
        QVERIFY2(first.result.ok(), qPrintable(first.result.detail));
        QVERIFY(!first.alreadyStored);
        QVERIFY(first.uid > 0);
        a.id = 2;
        pool.appendChecked(QStringLiteral("alice"), c, a, '<' + id + '>');
        QTRY_COMPARE_WITH_TIMEOUT(appended.count(), 2, 20000);
        const ImapAppendResult second = appended.last().at(1).value<ImapAppendResult>();
        QVERIFY2(second.result.ok(), qPrintable(second.result.detail));
        QCOMPARE(second.id, 2);
        QVERIFY(second.alreadyStored);
        QCOMPARE(second.uid, first.uid);
        QCOMPARE(second.uidValidity, first.uidValidity);
        int copies = 0;
        for (const QString &f : m_server.messageFiles(kUser, QStringLiteral("Sent")))
            copies += readFile(f).contains("Message-ID: <" + id + ">") ? 1 : 0;
        QCOMPARE(copies, 1);
        QCOMPARE(m_log.filter(QStringLiteral(" APPEND ")).size(), 1);
        QCOMPARE(m_log.filter(QStringLiteral(" UID SEARCH HEADER Message-ID")).size(), 2);
        QSignalSpy done(&pool, &ImapPool::shutdownFinished);
        pool.shutdown(5000);
        QVERIFY(done.wait(10000));
    }

    void overQuota()
    {
        ImapSession s(configFor(m_server, Security::Tls, QStringLiteral("full@example.org")));
        record(&s);
        QSignalSpy appended(&s, &ImapSession::appendFinished);
        s.open();
        ImapAppendRequest a;
        a.id = 5;
        a.mailbox = "Sent";
        a.message = makeMessage("quota@example.org", 3000);
        s.append(a);
        QVERIFY(appended.wait(20000));
        const ImapAppendResult r = appended.first().first().value<ImapAppendResult>();
        QCOMPARE(r.result.errorClass, ImapErrorClass::Quota);
        QCOMPARE(imapErrorClassName(r.result.errorClass), QStringLiteral("quota"));
        QCOMPARE(r.result.status, ImapStatus::No);
        QCOMPARE(r.result.code, QByteArray("OVERQUOTA"));
        QVERIFY2(r.result.text.contains(QLatin1String("Quota exceeded")),
                 qPrintable(r.result.text));
        QVERIFY(!r.uncertain());
        QVERIFY(m_server.messageFiles(QStringLiteral("full@example.org"), QStringLiteral("Sent"))
                    .isEmpty());
        QSignalSpy closed(&s, &ImapSession::closed);
        s.logout();
        QVERIFY(closed.wait(10000));
    }

    void shutdownLogsOutEverySession()
    {
        const qint64 mark = m_server.logSize();
        ImapPool pool;
        record(&pool);
        QSignalSpy listed(&pool, &ImapPool::listFinished);
        pool.list(QStringLiteral("a"), configFor(m_server, Security::StartTls), 1);
        pool.list(QStringLiteral("b"), configFor(m_server, Security::Tls), 2);
        pool.list(QStringLiteral("c"),
                  configFor(m_server, Security::Tls, QStringLiteral("full@example.org")), 3);
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 3, 20000);
        QCOMPARE(pool.sessionCount(), 3);
        QSignalSpy done(&pool, &ImapPool::shutdownFinished);
        pool.shutdown(5000);
        QVERIFY(done.wait(10000));
        QCOMPARE(done.first().at(0).toInt(), 3); // clean
        QCOMPARE(done.first().at(1).toInt(), 0); // aborted
        QCOMPARE(m_log.filter(QStringLiteral(" LOGOUT")).size(), 3);
        QTRY_COMPARE_WITH_TIMEOUT(loggedOut(m_server.log(mark)), 3, 5000);
        QVERIFY2(uncleanOurs(m_server.log(mark)) == 0, m_server.log(mark).constData());
    }

    void idleSessionLogsOut()
    {
        const qint64 mark = m_server.logSize();
        ImapPool pool;
        pool.setIdleTimeout(300);
        QSignalSpy listed(&pool, &ImapPool::listFinished);
        pool.list(QStringLiteral("a"), configFor(m_server, Security::Tls), 1);
        QVERIFY(listed.wait(20000));
        QTRY_COMPARE_WITH_TIMEOUT(pool.sessionCount(), 0, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(loggedOut(m_server.log(mark)), 1, 5000);
    }

    void cleanupTestCase() { m_server.stop(); }
};

QTEST_GUILESS_MAIN(TestImap)
#include "tst_imap.moc"
