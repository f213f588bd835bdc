// The copy of each sent message in the Sent folder, through the `outpost` binary against a
// real Postfix 3.7 (submission) and a real Dovecot 2.3 (IMAP), both from Debian 12's packages
// and started by this test on 127.0.0.1 (RealServers.h, RealImapServer.h). Root only.
//
// - twentyCopiesInOneSession: 20 messages (one with a Bcc) sent through Postfix -> 20 copies in
//   Dovecot's Sent, each byte-identical to what Outpost stored and Postfix received (the
//   submitted bytes, no Bcc field), flagged \Seen, with the send time as internal date, all in
//   one IMAP session that logged out at exit; `show --json` says copied with the UID.
// - sentCopyOffMakesNoImapConnection: `--sent-copy off` -> the message is sent, no IMAP
//   connection at all (Dovecot's log), no copy state.
// - folderFoundByName: a server without SPECIAL-USE -> the copy lands in "Sent Items".
// - quotaFailsThenCopiesOnce: APPEND refused with NO [OVERQUOTA] -> the message is sent, its
//   copy failed with class quota and the server's text (show, list --json); once the user
//   made room (the account's IMAP user changed to one with room) the next flush copies it
//   without sending the message again: exactly one copy.
// - exitLogsOutOfEverySession: three IMAP sessions open at exit (implicit TLS, STARTTLS, a
//   second server) -> LOGOUT to each, no connection closed without it.
// - killedBetween250AndAppendOk: `outpost flush` SIGKILLed after Postfix's 250 was recorded
//   and Dovecot stored the copy, its tagged OK held by a relay of this test -> the next flush
//   finds the copy by its Message-ID and appends nothing: exactly one copy, the exact bytes.
// - uncertainFoundInSentIsNotResent: a message left by a crash after its end of data (may have
//   been sent) whose copy is in Sent (put there by another IMAP client, as a provider that
//   saves submitted mail does) -> `sent`, history "resolved-by-sent-folder", Postfix never
//   gets it again, its copy state is copied with that UID, Sent holds one copy.
// - uncertainNotInSentIsResentOnce: the same without a copy -> sent again once (history
//   "not-in-sent-folder"), then copied once.
// - uncertainWithImapDownIsResent: the IMAP server refuses connections -> sent again at once,
//   history "sent-folder-unchecked" with the reason.
// - gmailStyleAutoChecksButNeverCopies: an account at smtp.gmail.com / imap.gmail.com (mapped
//   to these servers) with sent_copy auto -> no copy of ours, no IMAP session for a plain send,
//   and an uncertain message found in Sent (Gmail's own copy) is resolved, not sent again.

#include "OutboxPeek.h"
#include "RealImapServer.h"
#include "RealServers.h"
#include "accounts/CredentialStore.h"
#include "outbox/Service.h"
#include "storage/OutboxReader.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QTcpServer>
#include <QTcpSocket>

#include <QSqlDatabase>
#include <QSqlQuery>
#include <memory>

using namespace outpost;
using namespace outpost::test;
using Kind = RealSmtpServer::Kind;

namespace {

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

/// How many of the sessions that logged in within `log` ended with LOGOUT ("Logged out"),
/// and how many ended without it ("Disconnected: Connection closed …").
QPair<int, int> endings(const QByteArray &log)
{
    int clean = 0, unclean = 0;
    const QList<QByteArray> ours = loginSessions(log);
    for (const QByteArray &l : log.split('\n')) {
        for (const QByteArray &id : ours) {
            if (!l.contains('<' + id + '>'))
                continue;
            if (l.contains("Logged out"))
                ++clean;
            else if (l.contains("Disconnected"))
                ++unclean;
        }
    }
    return {clean, unclean};
}

int count(const QByteArray &log, const QByteArray &needle)
{
    int n = 0;
    for (const QByteArray &l : log.split('\n'))
        n += l.contains(needle) ? 1 : 0;
    return n;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Waits (at most 20 s) until `test` holds; Dovecot writes its log lines asynchronously.
template <typename Test> bool eventually(Test test)
{
    QElapsedTimer t;
    t.start();
    while (!test()) {
        if (t.elapsed() > 20000)
            return false;
        QTest::qWait(50);
    }
    return true;
}

/// A TCP relay on 127.0.0.1 between Outpost and an IMAP server: what either side writes goes
/// to the other as it is (TLS passes through), except that once a client has written more than
/// holdAfter() octets on its connection, nothing the server says reaches it any more (an
/// APPEND's tagged OK is held).
class HoldingRelay : public QObject
{
public:
    bool start(quint16 target)
    {
        m_target = target;
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *in = m_server.nextPendingConnection())
                relay(in);
        });
        return m_server.listen(QHostAddress::LocalHost);
    }
    quint16 port() const { return m_server.serverPort(); }
    /// Octets a client may write before the server's words are held; -1: never held.
    void setHoldAfter(qint64 octets) { m_holdAfter = octets; }
    /// Connections whose server's words are being held.
    int holding() const { return m_holding; }

private:
    void relay(QTcpSocket *in)
    {
        auto *out = new QTcpSocket(in);
        auto written = std::make_shared<qint64>(0);
        auto held = std::make_shared<bool>(false);
        connect(in, &QTcpSocket::readyRead, this, [this, in, out, written, held] {
            const QByteArray data = in->readAll();
            *written += data.size();
            if (m_holdAfter >= 0 && *written > m_holdAfter && !*held) {
                *held = true;
                ++m_holding;
            }
            out->write(data); // buffered until connected
        });
        connect(out, &QTcpSocket::readyRead, this, [in, out, held] {
            const QByteArray data = out->readAll();
            if (!*held)
                in->write(data);
        });
        connect(in, &QTcpSocket::disconnected, this, [in, out] {
            out->disconnectFromHost();
            in->deleteLater();
        });
        connect(out, &QTcpSocket::disconnected, in, [in] { in->disconnectFromHost(); });
        out->connectToHost(QHostAddress::LocalHost, m_target);
    }

    QTcpServer m_server;
    quint16 m_target = 0;
    qint64 m_holdAfter = -1;
    int m_holding = 0;
};

} // namespace

class TestSentCopy : public QObject
{
    Q_OBJECT

private:
    RealSmtpServer m_postfix;
    RealImapServer m_dovecot;
    RealImapServer m_byName; // "Sent Items" without SPECIAL-USE
    QTemporaryDir m_files;
    QString m_passwordFile;

    /// `outpost account add NAME` on Postfix's STARTTLS port with the test user (password
    /// through --password-command) and the IMAP options `imap`.
    RunResult addAccount(const QString &dir, const QString &name, const QStringList &imap)
    {
        return runOutpost(dir,
                          QStringList{QStringLiteral("account"), QStringLiteral("add"), name,
                                      QStringLiteral("--host"), QStringLiteral("localhost"),
                                      QStringLiteral("--port"), QString::number(m_postfix.port()),
                                      QStringLiteral("--security"), QStringLiteral("starttls"),
                                      QStringLiteral("--user"), QStringLiteral("alice@example.org"),
                                      QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                                      QStringLiteral("--password-command"),
                                      QStringLiteral("cat '%1'").arg(m_passwordFile),
                                      QStringLiteral("--ca-file"), SmtpServer::caPath()} +
                              imap);
    }

    static QStringList imapTls(const RealImapServer &s)
    {
        return {QStringLiteral("--imap-host"),     QStringLiteral("localhost"),
                QStringLiteral("--imap-port"),     QString::number(s.tlsPort()),
                QStringLiteral("--imap-security"), QStringLiteral("tls")};
    }

    qint64 queue(const QString &dir, const QString &account, const QString &subject,
                 const QStringList &more = {})
    {
        const RunResult r = runOutpost(
            dir, QStringList{QStringLiteral("queue"), QStringLiteral("--account"), account,
                             QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                             QStringLiteral("--subject"), subject, QStringLiteral("--body"),
                             QStringLiteral("Body of %1.\n").arg(subject)} +
                     more);
        if (r.exitCode != 0)
            qWarning("queue: exit %d: %s", r.exitCode, r.err.constData());
        return r.exitCode == 0 ? r.out.trimmed().toLongLong() : -1;
    }

    QJsonObject show(const QString &dir, qint64 id)
    {
        const RunResult r = runOutpost(
            dir, {QStringLiteral("show"), QString::number(id), QStringLiteral("--json")});
        return QJsonDocument::fromJson(r.out).object();
    }

    /// The files in `user`'s `mailbox` keyed by their content's Message-ID.
    static QHash<QByteArray, QStringList> byMessageId(const RealImapServer &s, const QString &user,
                                                      const QString &mailbox)
    {
        QHash<QByteArray, QStringList> out;
        for (const QString &f : s.messageFiles(user, mailbox))
            out[messageIdOf(readFile(f))] << f;
        return out;
    }

    /// APPENDs `message` to `mailbox` of `user` by Python's imaplib (another IMAP client, as a
    /// provider's own copy would come); returns the UID from APPENDUID, 0 on failure.
    static quint32 providerAppend(const RealImapServer &s, const QString &user,
                                  const QString &mailbox, const QByteArray &message)
    {
        QProcess p;
        p.start(QStringLiteral("/usr/bin/python3"),
                {QStringLiteral("-c"),
                 QStringLiteral(
                     "import imaplib, ssl, sys\n"
                     "c = ssl.create_default_context(); c.check_hostname = False\n"
                     "c.verify_mode = ssl.CERT_NONE\n"
                     "m = imaplib.IMAP4_SSL('127.0.0.1', %1, ssl_context=c)\n"
                     "u, w = sys.argv[1].encode(), sys.argv[2].encode()\n"
                     "m.authenticate('PLAIN', lambda _: b'\\0' + u + b'\\0' + w)\n"
                     "t, d = m.append(sys.argv[3], '(\\\\Seen)', None, sys.stdin.buffer.read())\n"
                     "print(d[0].decode())\n"
                     "m.logout()\n")
                     .arg(s.tlsPort()),
                 user, QString::fromUtf8(realServerPassword()), mailbox});
        if (!p.waitForStarted(10000))
            return 0;
        p.write(message);
        p.closeWriteChannel();
        p.waitForFinished(30000);
        const QRegularExpressionMatch m =
            QRegularExpression(QStringLiteral("APPENDUID \\d+ (\\d+)"))
                .match(QString::fromLatin1(p.readAllStandardOutput()));
        if (!m.hasMatch())
            qWarning("python append: %s", p.readAllStandardError().constData());
        return m.hasMatch() ? m.captured(1).toUInt() : 0;
    }

    static QStringList events(const QJsonObject &shown)
    {
        QStringList out;
        for (const QJsonValue &h : shown[QStringLiteral("history")].toArray())
            out << h.toObject()[QStringLiteral("event")].toString();
        return out;
    }

    /// Files Postfix delivered with `messageId`.
    int deliveredCount(const QByteArray &messageId) const
    {
        int n = 0;
        for (const QString &f : m_postfix.deliveryFiles())
            n += messageIdOf(RealSmtpServer::delivery(f)) == messageId ? 1 : 0;
        return n;
    }

private slots:
    void initTestCase()
    {
        const QString skip = RealSmtpServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QVERIFY(m_files.isValid());
        m_passwordFile = m_files.filePath(QStringLiteral("password"));
        QFile pw(m_passwordFile);
        QVERIFY(pw.open(QIODevice::WriteOnly));
        pw.write(realServerPassword());
        pw.close();
        QVERIFY2(m_postfix.start(Kind::Postfix), qPrintable(m_postfix.error()));
        QVERIFY2(m_dovecot.start(), qPrintable(m_dovecot.error()));
        RealImapServer::Variant byName;
        byName.specialUse = false;
        QVERIFY2(m_byName.start(byName), qPrintable(m_byName.error()));
    }

    void twentyCopiesInOneSession()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(dir, QStringLiteral("real"), imapTls(m_dovecot));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QList<qint64> ids;
        for (int i = 1; i <= 20; ++i) {
            const QStringList bcc =
                i == 7 ? QStringList{QStringLiteral("--bcc"), QStringLiteral("secret@example.net")}
                       : QStringList{};
            ids << queue(dir, QStringLiteral("real"), QStringLiteral("Copy %1").arg(i), bcc);
            QVERIFY(ids.last() > 0);
        }
        const qint64 mark = m_dovecot.logSize();
        const qint64 before = QDateTime::currentSecsSinceEpoch();
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);

        const QHash<QByteArray, QStringList> sent =
            byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"));
        QSet<quint32> uids;
        for (const qint64 id : std::as_const(ids)) {
            const QByteArray stored = storedBytes(dir, id);
            const QByteArray messageId = messageIdOf(stored);
            QVERIFY(!messageId.isEmpty());
            QCOMPARE(sent.value(messageId).size(), 1);
            const QString file = sent.value(messageId).first();
            // Byte-identical to what was submitted (Dovecot keeps CRLF: mail_save_crlf).
            QCOMPARE(readFile(file), stored);
            QVERIFY2(!stored.contains("\r\nBcc:"), stored.left(400).constData());
            // \Seen: the Maildir info "2,S"; the internal date (the file's mtime) is the send
            // time, not the Date field's.
            QVERIFY2(QRegularExpression(QStringLiteral(":2,[A-Z]*S")).match(file).hasMatch(),
                     qPrintable(file));
            const qint64 mtime = QFileInfo(file).lastModified().toSecsSinceEpoch();
            QVERIFY2(mtime >= before - 1 && mtime <= QDateTime::currentSecsSinceEpoch() + 1,
                     qPrintable(QString::number(mtime - before)));
            // What Postfix received ends with the same bytes.
            bool delivered = false;
            for (const QString &f : m_postfix.deliveryFiles()) {
                const QByteArray d = RealSmtpServer::delivery(f);
                if (messageIdOf(d) == messageId && d.endsWith(stored))
                    delivered = true;
            }
            QVERIFY2(delivered, messageId.constData());
            const QJsonObject copy = show(dir, id)[QStringLiteral("copy")].toObject();
            QCOMPARE(copy[QStringLiteral("state")].toString(), QStringLiteral("copied"));
            QCOMPARE(copy[QStringLiteral("attempts")].toInt(), 1);
            QVERIFY(copy[QStringLiteral("uid")].toInteger() > 0);
            uids.insert(quint32(copy[QStringLiteral("uid")].toInteger()));
        }
        QCOMPARE(sent.size(), 20);
        QCOMPARE(uids.size(), 20);
        // One IMAP session for the batch, logged out at exit.
        QVERIFY(eventually([&] { return endings(m_dovecot.log(mark)).first == 1; }));
        const QByteArray log = m_dovecot.log(mark);
        QCOMPARE(count(log, "Login: user=<alice@example.org>"), 1);
        QCOMPARE(endings(log), qMakePair(1, 0));
    }

    void sentCopyOffMakesNoImapConnection()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(
            dir, QStringLiteral("off"),
            imapTls(m_dovecot) + QStringList{QStringLiteral("--sent-copy"), QStringLiteral("off")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const qint64 id = queue(dir, QStringLiteral("off"), QStringLiteral("No copy"));
        const qint64 mark = m_dovecot.logSize();
        const int before =
            m_dovecot.messageFiles(QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                .size();
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        const QJsonObject m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QVERIFY(m[QStringLiteral("copy")].isNull());
        QCOMPARE(m_dovecot.messageFiles(QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                     .size(),
                 before);
        // Not even a connection: Dovecot logs every one its login process sees.
        QCOMPARE(count(m_dovecot.log(mark), "imap-login"), 0);
    }

    void folderFoundByName()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(dir, QStringLiteral("byname"), imapTls(m_byName));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const qint64 id = queue(dir, QStringLiteral("byname"), QStringLiteral("By name"));
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        const QByteArray stored = storedBytes(dir, id);
        const QStringList files = m_byName.messageFiles(QStringLiteral("alice@example.org"),
                                                        QStringLiteral("Sent Items"));
        QCOMPARE(files.size(), 1);
        QCOMPARE(readFile(files.first()), stored);
        QCOMPARE(show(dir, id)[QStringLiteral("copy")].toObject()[QStringLiteral("state")],
                 QJsonValue(QStringLiteral("copied")));
    }

    void quotaFailsThenCopiesOnce()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r =
            addAccount(dir, QStringLiteral("full"),
                       imapTls(m_dovecot) + QStringList{QStringLiteral("--imap-user"),
                                                        QStringLiteral("full@example.org")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // Long first backoff: only the user's flush retries here.
        r = runOutpost(dir, {QStringLiteral("config"), QStringLiteral("set"),
                             QStringLiteral("retry.initial_ms"), QStringLiteral("3600000")});
        QCOMPARE(r.exitCode, 0);
        // Larger than the user's quota (1 KiB).
        r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--account"),
                             QStringLiteral("full"), QStringLiteral("--to"),
                             QStringLiteral("bob@example.net"), QStringLiteral("--subject"),
                             QStringLiteral("Over quota"), QStringLiteral("--body"),
                             QStringLiteral("A line of the body.\n").repeated(150)});
        QCOMPARE(r.exitCode, 0);
        const qint64 id = r.out.trimmed().toLongLong();
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        QJsonObject m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QCOMPARE(m[QStringLiteral("attempts")].toInt(), 1);
        QJsonObject copy = m[QStringLiteral("copy")].toObject();
        QCOMPARE(copy[QStringLiteral("state")].toString(), QStringLiteral("failed"));
        const QJsonObject error = copy[QStringLiteral("error")].toObject();
        QCOMPARE(error[QStringLiteral("class")].toString(), QStringLiteral("quota"));
        QVERIFY2(error[QStringLiteral("text")].toString().contains(QStringLiteral("Quota")),
                 qPrintable(error[QStringLiteral("text")].toString()));
        QVERIFY(!copy[QStringLiteral("next_attempt_at")].isNull());
        // The same in `list --json` and in the words of `show`.
        r = runOutpost(dir, {QStringLiteral("list"), QStringLiteral("--json")});
        const QJsonArray list = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list[0].toObject()[QStringLiteral("copy")].toObject()[QStringLiteral("state")],
                 QJsonValue(QStringLiteral("failed")));
        r = runOutpost(dir, {QStringLiteral("show"), QString::number(id)});
        QVERIFY2(r.out.contains("Sent copy:  copy to Sent failed, retry at "), r.out.constData());
        QVERIFY2(r.out.contains("The mailbox is full (over its quota)."), r.out.constData());
        QVERIFY(m_dovecot.messageFiles(QStringLiteral("full@example.org"), QStringLiteral("Sent"))
                    .isEmpty());

        // The user makes room: here by copying into a mailbox with room (Dovecot 2.3 did not
        // apply a quota rule changed in its passwd-file to the next login).
        r = runOutpost(dir,
                       {QStringLiteral("account"), QStringLiteral("edit"), QStringLiteral("full"),
                        QStringLiteral("--imap-user"), QStringLiteral("alice@example.org")});
        QCOMPARE(r.exitCode, 0);
        const QByteArray messageId = messageIdOf(storedBytes(dir, id));
        const qint64 postfixMark = m_postfix.logSize();
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        m = show(dir, id);
        copy = m[QStringLiteral("copy")].toObject();
        QVERIFY2(copy[QStringLiteral("state")].toString() == QStringLiteral("copied"),
                 QJsonDocument(copy).toJson().constData());
        QCOMPARE(copy[QStringLiteral("attempts")].toInt(), 2);
        QCOMPARE(m[QStringLiteral("attempts")].toInt(), 1); // the message was not sent again
        QCOMPARE(count(m_postfix.log(postfixMark), "from=<alice@example.org>"), 0);
        QVERIFY(m_dovecot.messageFiles(QStringLiteral("full@example.org"), QStringLiteral("Sent"))
                    .isEmpty());
        const QStringList files =
            byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                .value(messageId);
        QCOMPARE(files.size(), 1);
        QCOMPARE(readFile(files.first()), storedBytes(dir, id));
        QStringList events;
        for (const QJsonValue &h : m[QStringLiteral("history")].toArray())
            events << h.toObject()[QStringLiteral("event")].toString();
        QVERIFY2(events.mid(events.size() - 2) ==
                     QStringList({QStringLiteral("copy-failed"), QStringLiteral("copied")}),
                 qPrintable(events.join(QLatin1Char(' '))));
    }

    void killedBetween250AndAppendOk()
    {
        HoldingRelay relay;
        QVERIFY(relay.start(m_dovecot.tlsPort()));
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(dir, QStringLiteral("killed"),
                                 {QStringLiteral("--imap-host"), QStringLiteral("localhost"),
                                  QStringLiteral("--imap-port"), QString::number(relay.port()),
                                  QStringLiteral("--imap-security"), QStringLiteral("tls")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // 300 KB: the APPEND is most of what the client writes; the login before it is < 10 KB.
        const QString body = data.filePath(QStringLiteral("body.txt"));
        {
            QFile f(body);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("A line of the body, long enough to weigh.\n").repeated(7000));
        }
        r = runOutpost(dir, {QStringLiteral("queue"), QStringLiteral("--account"),
                             QStringLiteral("killed"), QStringLiteral("--to"),
                             QStringLiteral("bob@example.net"), QStringLiteral("--subject"),
                             QStringLiteral("Killed before the OK"), QStringLiteral("--body-file"),
                             body});
        QCOMPARE(r.exitCode, 0);
        const qint64 id = r.out.trimmed().toLongLong();
        const QByteArray stored = storedBytes(dir, id);
        const QByteArray messageId = messageIdOf(stored);
        relay.setHoldAfter(100000);

        QProcess p;
        p.setProcessEnvironment(cliEnvironment());
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
        QVERIFY(p.waitForStarted(10000));
        // Dovecot stored the copy and its OK is held: Outpost does not know it made it.
        QTRY_VERIFY_WITH_TIMEOUT(
            relay.holding() == 1 &&
                byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                        .value(messageId)
                        .size() == 1,
            60000);
        QCOMPARE(p.state(), QProcess::Running);
        QJsonObject m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent")); // 250 recorded
        QCOMPARE(m[QStringLiteral("copy")].toObject()[QStringLiteral("state")].toString(),
                 QStringLiteral("pending"));
        p.kill(); // SIGKILL before the tagged OK
        QVERIFY(finished.wait(10000));

        relay.setHoldAfter(-1);
        // Run without blocking: the relay lives in this process's event loop.
        QProcess again;
        again.setProcessEnvironment(cliEnvironment());
        QSignalSpy againDone(&again, &QProcess::finished);
        again.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
        QVERIFY(againDone.wait(120000));
        QVERIFY2(again.exitCode() == 0, again.readAllStandardError().constData());
        m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QCOMPARE(m[QStringLiteral("attempts")].toInt(), 1);
        const QJsonObject copy = m[QStringLiteral("copy")].toObject();
        QVERIFY2(copy[QStringLiteral("state")].toString() == QStringLiteral("copied"),
                 QJsonDocument(m).toJson().constData());
        QCOMPARE(copy[QStringLiteral("attempts")].toInt(), 2);
        const QStringList files =
            byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                .value(messageId);
        QCOMPARE(files.size(), 1);
        QCOMPARE(readFile(files.first()), stored);
        const QJsonObject last = m[QStringLiteral("history")].toArray().last().toObject();
        QCOMPARE(last[QStringLiteral("event")].toString(), QStringLiteral("copied"));
        QVERIFY2(last[QStringLiteral("detail")].toString().startsWith(
                     QStringLiteral("found in Sent already (UID %1)")
                         .arg(copy[QStringLiteral("uid")].toInteger())),
                 qPrintable(last[QStringLiteral("detail")].toString()));
        QCOMPARE(deliveredCount(messageId), 1);
    }

    void uncertainFoundInSentIsNotResent()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(
            dir, QStringLiteral("found"),
            imapTls(m_dovecot) + QStringList{QStringLiteral("--sent-copy"), QStringLiteral("on")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const qint64 id = queue(dir, QStringLiteral("found"), QStringLiteral("Taken unanswered"));
        QVERIFY(id > 0);
        const QByteArray stored = storedBytes(dir, id);
        const QByteArray messageId = messageIdOf(stored);
        // The server took it and its reply was lost; the provider saved it in Sent.
        const quint32 uid = providerAppend(m_dovecot, QStringLiteral("alice@example.org"),
                                           QStringLiteral("Sent"), stored);
        QVERIFY(uid > 0);
        QVERIFY(markSentUnanswered(dir, id));
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        const QJsonObject m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QCOMPARE(m[QStringLiteral("uncertain")].toBool(), true);
        QCOMPARE(m[QStringLiteral("attempts")].toInt(), 1); // not sent again
        const QStringList ev = events(m);
        QVERIFY2(ev.mid(ev.size() - 2) == QStringList({QStringLiteral("recovered-uncertain"),
                                                       QStringLiteral("resolved-by-sent-folder")}),
                 qPrintable(ev.join(QLatin1Char(' '))));
        const QJsonObject last = m[QStringLiteral("history")].toArray().last().toObject();
        QVERIFY2(last[QStringLiteral("detail")].toString() ==
                     QStringLiteral("found in Sent (UID %1)").arg(uid),
                 qPrintable(last[QStringLiteral("detail")].toString()));
        const QJsonObject copy = m[QStringLiteral("copy")].toObject();
        QCOMPARE(copy[QStringLiteral("state")].toString(), QStringLiteral("copied"));
        QCOMPARE(copy[QStringLiteral("uid")].toInteger(), qint64(uid));
        QCOMPARE(deliveredCount(messageId), 0);
        QCOMPARE(byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                     .value(messageId)
                     .size(),
                 1);
        r = runOutpost(dir, {QStringLiteral("show"), QString::number(id)});
        QVERIFY2(r.out.contains("found in the Sent folder: the server had taken it; not sent "
                                "again"),
                 r.out.constData());
    }

    void uncertainNotInSentIsResentOnce()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(dir, QStringLiteral("notfound"), imapTls(m_dovecot));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const qint64 id = queue(dir, QStringLiteral("notfound"), QStringLiteral("Lost unanswered"));
        QVERIFY(id > 0);
        const QByteArray stored = storedBytes(dir, id);
        const QByteArray messageId = messageIdOf(stored);
        QVERIFY(markSentUnanswered(dir, id));
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        const QJsonObject m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QCOMPARE(m[QStringLiteral("attempts")].toInt(), 2);
        const QStringList ev = events(m);
        QVERIFY2(ev.contains(QStringLiteral("not-in-sent-folder")) &&
                     ev.indexOf(QStringLiteral("not-in-sent-folder")) <
                         ev.indexOf(QStringLiteral("sent")),
                 qPrintable(ev.join(QLatin1Char(' '))));
        QVERIFY(eventually([&] { return deliveredCount(messageId) == 1; }));
        QCOMPARE(m[QStringLiteral("copy")].toObject()[QStringLiteral("state")].toString(),
                 QStringLiteral("copied"));
        const QStringList files =
            byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"))
                .value(messageId);
        QCOMPARE(files.size(), 1);
        QCOMPARE(readFile(files.first()), stored);
    }

    /// An account at Gmail (smtp.gmail.com / imap.gmail.com, mapped to this test's Postfix and
    /// Dovecot, the certificate pinned) with `--sent-copy auto`: Gmail files what is submitted
    /// itself, so no copy of ours is made and no IMAP session is opened for a plain send; but a
    /// message whose delivery is uncertain is looked for in Sent, and Gmail's own copy there
    /// resolves it: `sent`, not sent again, no copy state (the copy is Gmail's).
    void gmailStyleAutoChecksButNeverCopies()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        const QList<QSslCertificate> leaf = QSslCertificate::fromPath(
            sourceDir() + QStringLiteral("/tests/integration/certs/localhost.pem"));
        QVERIFY(!leaf.isEmpty());
        const QString pin =
            QString::fromLatin1(leaf.first().digest(QCryptographicHash::Sha256).toHex());
        RunResult r = runOutpost(dir, {QStringLiteral("account"),
                                       QStringLiteral("add"),
                                       QStringLiteral("gmail"),
                                       QStringLiteral("--host"),
                                       QStringLiteral("smtp.gmail.com"),
                                       QStringLiteral("--port"),
                                       QString::number(m_postfix.port()),
                                       QStringLiteral("--security"),
                                       QStringLiteral("starttls"),
                                       QStringLiteral("--user"),
                                       QStringLiteral("alice@example.org"),
                                       QStringLiteral("--from"),
                                       QStringLiteral("alice@example.org"),
                                       QStringLiteral("--password-command"),
                                       QStringLiteral("cat '%1'").arg(m_passwordFile),
                                       QStringLiteral("--pin-sha256"),
                                       pin,
                                       QStringLiteral("--imap-host"),
                                       QStringLiteral("imap.gmail.com"),
                                       QStringLiteral("--imap-port"),
                                       QString::number(m_dovecot.tlsPort()),
                                       QStringLiteral("--imap-security"),
                                       QStringLiteral("tls")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runOutpost(
            dir, {QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--json")});
        const QJsonObject imap = QJsonDocument::fromJson(r.out)
                                     .array()
                                     .at(0)
                                     .toObject()[QStringLiteral("imap")]
                                     .toObject();
        QCOMPARE(imap[QStringLiteral("sent_copy")].toString(), QStringLiteral("auto"));
        QCOMPARE(imap[QStringLiteral("sent_copy_effective")].toBool(), false);

        const qint64 plain = queue(dir, QStringLiteral("gmail"), QStringLiteral("Plain send"));
        const qint64 uncertain =
            queue(dir, QStringLiteral("gmail"), QStringLiteral("Taken, reply lost"));
        QVERIFY(plain > 0 && uncertain > 0);
        const QByteArray plainId = messageIdOf(storedBytes(dir, plain));
        const QByteArray stored = storedBytes(dir, uncertain);
        const QByteArray uncertainId = messageIdOf(stored);
        // Gmail took it and filed it in Sent; Outpost was stopped before the reply was recorded.
        const quint32 uid = providerAppend(m_dovecot, QStringLiteral("alice@example.org"),
                                           QStringLiteral("Sent"), stored);
        QVERIFY(uid > 0);
        QVERIFY(markSentUnanswered(dir, uncertain));
        const int logins = count(m_dovecot.log(), "imap-login: Info: Login: user=<alice");

        ServiceOptions o;
        o.dataDir = dir;
        o.singleInstance = false;
        MemoryCredentialStore credentials;
        o.credentials = &credentials;
        o.resolveHost = [](const QString &host) {
            return host.endsWith(QLatin1String(".gmail.com")) ? QStringLiteral("127.0.0.1") : host;
        };
        Service service(o);
        QString error;
        QVERIFY2(service.open(&error), qPrintable(error));
        service.flush();
        QTRY_VERIFY_WITH_TIMEOUT(service.outbox()->summary(plain)->state == MessageState::Sent &&
                                     service.outbox()->summary(uncertain)->state ==
                                         MessageState::Sent,
                                 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!service.isBusy(), 30000);
        QCOMPARE(deliveredCount(plainId), 1);
        QCOMPARE(deliveredCount(uncertainId), 0); // never sent again
        QCOMPARE(service.outbox()->summary(plain)->copyState, CopyState::None);
        QCOMPARE(service.outbox()->summary(uncertain)->copyState, CopyState::None);
        const std::optional<MessageRecord> record = service.outbox()->message(uncertain);
        QVERIFY(record);
        QCOMPARE(record->history.last().event, HistoryEvent::ResolvedBySentFolder);
        QCOMPARE(record->history.last().detail, QStringLiteral("found in Sent (UID %1)").arg(uid));
        QSignalSpy down(&service, &Service::shutdownFinished);
        service.shutdown(5000);
        QVERIFY(down.wait(10000));
        // One IMAP session, for the check; Sent holds Gmail's copy only, none of ours.
        QVERIFY(eventually([&] {
            return count(m_dovecot.log(), "imap-login: Info: Login: user=<alice") == logins + 1;
        }));
        const auto sent =
            byMessageId(m_dovecot, QStringLiteral("alice@example.org"), QStringLiteral("Sent"));
        QCOMPARE(sent.value(uncertainId).size(), 1);
        QCOMPARE(sent.value(plainId).size(), 0);
    }

    void uncertainWithImapDownIsResent()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        const QList<quint16> closed = freePorts(1); // nothing listens there
        QCOMPARE(closed.size(), 1);
        RunResult r = addAccount(dir, QStringLiteral("down"),
                                 {QStringLiteral("--imap-host"), QStringLiteral("localhost"),
                                  QStringLiteral("--imap-port"), QString::number(closed[0]),
                                  QStringLiteral("--imap-security"), QStringLiteral("tls")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runOutpost(dir, {QStringLiteral("config"), QStringLiteral("set"),
                             QStringLiteral("retry.initial_ms"), QStringLiteral("3600000")});
        QCOMPARE(r.exitCode, 0);
        const qint64 id = queue(dir, QStringLiteral("down"), QStringLiteral("Unchecked"));
        QVERIFY(id > 0);
        const QByteArray messageId = messageIdOf(storedBytes(dir, id));
        QVERIFY(markSentUnanswered(dir, id));
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0 || r.exitCode == 75, r.out + r.err);
        const QJsonObject m = show(dir, id);
        QCOMPARE(m[QStringLiteral("state")].toString(), QStringLiteral("sent"));
        QCOMPARE(m[QStringLiteral("attempts")].toInt(), 2);
        bool unchecked = false;
        for (const QJsonValue &h : m[QStringLiteral("history")].toArray()) {
            const QJsonObject o = h.toObject();
            if (o[QStringLiteral("event")].toString() == QStringLiteral("sent-folder-unchecked")) {
                unchecked = true;
                QVERIFY2(o[QStringLiteral("detail")].toString().startsWith(
                             QStringLiteral("failed: network: ")),
                         qPrintable(o[QStringLiteral("detail")].toString()));
            }
        }
        QVERIFY2(unchecked, qPrintable(events(m).join(QLatin1Char(' '))));
        QVERIFY(eventually([&] { return deliveredCount(messageId) == 1; }));
    }

    void exitLogsOutOfEverySession()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        RunResult r = addAccount(dir, QStringLiteral("a"), imapTls(m_dovecot));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = addAccount(dir, QStringLiteral("b"),
                       {QStringLiteral("--imap-host"), QStringLiteral("localhost"),
                        QStringLiteral("--imap-port"), QString::number(m_dovecot.port()),
                        QStringLiteral("--imap-security"), QStringLiteral("starttls")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = addAccount(dir, QStringLiteral("c"), imapTls(m_byName));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const QString &a : {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")})
            QVERIFY(queue(dir, a, QStringLiteral("Exit %1").arg(a)) > 0);
        const qint64 mark = m_dovecot.logSize();
        const qint64 markByName = m_byName.logSize();
        r = runOutpost(dir, {QStringLiteral("flush")}, {}, 120000);
        QVERIFY2(r.exitCode == 0, r.out + r.err);
        QVERIFY(eventually([&] {
            return endings(m_dovecot.log(mark)).first == 2 &&
                   endings(m_byName.log(markByName)).first == 1;
        }));
        QCOMPARE(count(m_dovecot.log(mark), "Login: user=<alice@example.org>"), 2);
        QCOMPARE(endings(m_dovecot.log(mark)), qMakePair(2, 0));
        QCOMPARE(count(m_byName.log(markByName), "Login: user=<alice@example.org>"), 1);
        QCOMPARE(endings(m_byName.log(markByName)), qMakePair(1, 0));
    }
};

QTEST_GUILESS_MAIN(TestSentCopy)
#include "tst_sentcopy.moc"
