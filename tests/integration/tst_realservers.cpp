// The `outpost` binary against the real submission servers most providers run: Postfix 3.7 and
// Exim 4.96 from Debian 12's packages, started by this test on 127.0.0.1 (RealServers.h).
//
// - matrix: every server x security (STARTTLS, implicit TLS) x chunking (auto, off) x
//   pipelining (auto, off), each cell a batch of six messages (7-bit, 8-bit, SMTPUTF8, a 5 MB
//   attachment, a DSN request, three recipients of which the server refuses one): every
//   message stored byte-intact, one session for the batch, QUIT answered, no protocol
//   complaint or lost connection in the server's log.
// - capabilityNotOffered: each EHLO keyword the engine acts on, against a Postfix smtpd that
//   does not offer it (smtpd_discard_ehlo_keywords), and the AUTH mechanisms one by one.
// - hungServer: the server stopped (SIGSTOP) mid-transaction while Outpost exits.

#include "RealServers.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>

using namespace outpost::test;
using Kind = RealSmtpServer::Kind;

namespace {

/// Header fields a server adds in front of a message it stores (trace fields, RFC 5321
/// §4.4, and the delivery agents' own).
bool isTraceField(const QByteArray &line)
{
    static const QList<QByteArray> names = {
        "return-path:", "x-original-to:", "delivered-to:", "received:", "envelope-to:"};
    const QByteArray lower = line.toLower();
    return std::any_of(names.cbegin(), names.cend(),
                       [&](const QByteArray &n) { return lower.startsWith(n); });
}

/// True when `stored` is `sent` preceded only by trace fields; *why says what differs.
bool storedIntact(const QByteArray &stored, const QByteArray &sent, QString *why)
{
    if (!stored.endsWith(sent)) {
        qsizetype i = 0;
        const QByteArray tail = stored.right(sent.size());
        while (i < sent.size() && i < tail.size() && tail[i] == sent[i])
            ++i;
        *why = QStringLiteral("the stored message does not end with the submitted bytes "
                              "(first difference at octet %1 of %2: stored \"%3\", sent \"%4\")")
                   .arg(i)
                   .arg(sent.size())
                   .arg(QString::fromUtf8(tail.mid(i, 60)), QString::fromUtf8(sent.mid(i, 60)));
        return false;
    }
    const QByteArray prefix = stored.left(stored.size() - sent.size());
    for (const QByteArray &line : prefix.split('\n')) {
        const QByteArray l = QByteArray(line).replace('\r', "");
        if (l.isEmpty() || l.startsWith(' ') || l.startsWith('\t') || isTraceField(l))
            continue;
        *why = QStringLiteral("the server put \"%1\" in front of the message")
                   .arg(QString::fromUtf8(l));
        return false;
    }
    return true;
}

/// The Message-ID (without brackets) in a stored message's header, or empty.
QByteArray messageIdOf(const QByteArray &message)
{
    static const QRegularExpression re(QStringLiteral("(?im)^Message-ID:\\s*<([^>\\r\\n]+)>"));
    const qsizetype end = message.indexOf("\r\n\r\n");
    const auto m = re.match(QString::fromUtf8(message.left(end < 0 ? message.size() : end)));
    return m.hasMatch() ? m.captured(1).toUtf8() : QByteArray();
}

/// `key=value` pairs of Postfix's "disconnect from" line (ehlo=2 starttls=1 ... commands=N).
QHash<QByteArray, QByteArray> disconnectCounts(const QByteArray &line)
{
    QHash<QByteArray, QByteArray> out;
    const qsizetype from = line.indexOf("disconnect from ");
    for (const QByteArray &w : line.mid(from).split(' ')) {
        const qsizetype eq = w.indexOf('=');
        if (eq > 0)
            out.insert(w.left(eq), w.mid(eq + 1).trimmed());
    }
    return out;
}

QList<QByteArray> linesMatching(const QByteArray &log, const QByteArray &needle)
{
    QList<QByteArray> out;
    for (const QByteArray &l : log.split('\n')) {
        if (l.contains(needle))
            out << l;
    }
    return out;
}

/// The lines a server logs about a session that did not end cleanly or a client that broke
/// the protocol.
QList<QByteArray> complaints(Kind kind, const QByteArray &log)
{
    static const QList<QByteArray> postfix = {"lost connection",     "improper command pipelining",
                                              "TLS library problem", "SSL_accept error",
                                              "timeout after",       "too many errors",
                                              "unexpected eof",      "Connection reset"};
    static const QList<QByteArray> exim = {"unexpected disconnection",
                                           "synchronization error",
                                           "non-properly terminated",
                                           "lost while reading",
                                           "TLS error",
                                           "SMTP protocol error",
                                           "SMTP syntax error",
                                           "incomplete transaction",
                                           "Connection reset"};
    QList<QByteArray> out;
    for (const QByteArray &l : log.split('\n')) {
        for (const QByteArray &bad : kind == Kind::Postfix ? postfix : exim) {
            if (l.contains(bad)) {
                out << l;
                break;
            }
        }
    }
    return out;
}

/// The protocol lines (C: / S:) of `outpost flush --verbose`, without the account prefix.
QList<QByteArray> protocolLines(const QByteArray &verbose)
{
    QList<QByteArray> out;
    for (const QByteArray &l : verbose.split('\n')) {
        const qsizetype c = l.indexOf("C: ");
        const qsizetype s = l.indexOf("S: ");
        const qsizetype at = c < 0 ? s : s < 0 ? c : std::min(c, s);
        if (at >= 0)
            out << l.mid(at);
    }
    return out;
}

} // namespace

class TestRealServers : public QObject
{
    Q_OBJECT

private:
    RealSmtpServer m_postfix, m_exim;
    QTemporaryDir m_files;
    QString m_passwordFile, m_bigFile;
    int m_cell = 0;

    RealSmtpServer &server(Kind k) { return k == Kind::Postfix ? m_postfix : m_exim; }

    /// `outpost account add NAME` for 127.0.0.1:port (host name localhost, as the
    /// certificate says) with the test user, its password through --password-command.
    RunResult addAccount(const QString &dir, const QString &name, quint16 port,
                         const QString &security, const QStringList &more = {})
    {
        return runOutpost(dir,
                          QStringList{QStringLiteral("account"), QStringLiteral("add"), name,
                                      QStringLiteral("--host"), QStringLiteral("localhost"),
                                      QStringLiteral("--port"), QString::number(port),
                                      QStringLiteral("--security"), security,
                                      QStringLiteral("--user"), QStringLiteral("alice@example.org"),
                                      QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                                      QStringLiteral("--password-command"),
                                      QStringLiteral("cat '%1'").arg(m_passwordFile),
                                      QStringLiteral("--ca-file"), SmtpServer::caPath()} +
                              more);
    }

    /// `outpost queue --account NAME args…`; the new message's id, or -1.
    qint64 queue(const QString &dir, const QString &account, const QStringList &args)
    {
        const RunResult r = runOutpost(
            dir, QStringList{QStringLiteral("queue"), QStringLiteral("--account"), account} + args);
        if (r.exitCode != 0) {
            qWarning("queue %s: exit %d: %s", qPrintable(args.join(QLatin1Char(' '))), r.exitCode,
                     r.err.constData());
            return -1;
        }
        return r.out.trimmed().toLongLong();
    }

    QJsonObject show(const QString &dir, qint64 id)
    {
        const RunResult r = runOutpost(
            dir, {QStringLiteral("show"), QString::number(id), QStringLiteral("--json")});
        return QJsonDocument::fromJson(r.out).object();
    }

    /// The bytes Outpost stored for message `id` (what it submits), read from the outbox.
    static QByteArray storedBytes(const QString &dir, qint64 id)
    {
        QByteArray out;
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
            db.setDatabaseName(dir + QStringLiteral("/outbox.sqlite"));
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
            if (db.open()) {
                QSqlQuery q(db);
                q.prepare(QStringLiteral("SELECT data FROM message_data WHERE id = ?"));
                q.addBindValue(id);
                if (q.exec() && q.next())
                    out = q.value(0).toByteArray();
            }
        }
        QSqlDatabase::removeDatabase(QStringLiteral("peek"));
        return out;
    }

    /// Waits until `server` stored `count` messages whose Message-ID is `messageId` (at most
    /// 20 s) and returns them.
    static QList<QByteArray> waitForDeliveries(const RealSmtpServer &server,
                                               const QByteArray &messageId, int count)
    {
        QStringList files;
        QElapsedTimer t;
        t.start();
        do {
            files.clear();
            const auto heads = server.deliveryHeads();
            for (auto it = heads.cbegin(); it != heads.cend(); ++it) {
                if (messageIdOf(it.value()) == messageId)
                    files << it.key();
            }
            if (files.size() >= count)
                break;
            QTest::qWait(50);
        } while (t.elapsed() < 20000);
        QList<QByteArray> out;
        for (const QString &f : std::as_const(files))
            out << RealSmtpServer::delivery(f);
        return out;
    }

    /// True once `server` stored a delivery status notification for `envid` (RFC 3464
    /// Original-Envelope-Id) with the given Action.
    static bool hasNotice(const RealSmtpServer &server, const QByteArray &envid,
                          const QByteArray &action)
    {
        const auto heads = server.deliveryHeads();
        return std::any_of(heads.cbegin(), heads.cend(), [&](const QByteArray &m) {
            const QByteArray lower = m.toLower(); // Postfix writes -Id, Exim -ID
            return lower.contains("original-envelope-id: " + envid.toLower()) &&
                   lower.contains("action: " + action);
        });
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
        m_bigFile = m_files.filePath(QStringLiteral("photos.bin"));
        QFile big(m_bigFile);
        QVERIFY(big.open(QIODevice::WriteOnly));
        QByteArray data(5 * 1024 * 1024, Qt::Uninitialized);
        QRandomGenerator rng(20261206);
        rng.fillRange(reinterpret_cast<quint32 *>(data.data()), data.size() / 4);
        big.write(data);
        big.close();
        QVERIFY2(m_postfix.start(Kind::Postfix), qPrintable(m_postfix.error()));
        QVERIFY2(m_exim.start(Kind::Exim), qPrintable(m_exim.error()));
    }

    void matrix_data()
    {
        QTest::addColumn<Kind>("kind");
        QTest::addColumn<QString>("security");
        QTest::addColumn<bool>("chunking");
        QTest::addColumn<bool>("pipelining");
        for (const Kind k : {Kind::Postfix, Kind::Exim}) {
            for (const QString &sec : {QStringLiteral("starttls"), QStringLiteral("tls")}) {
                for (const bool chunking : {true, false}) {
                    for (const bool pipelining : {true, false}) {
                        QTest::newRow(
                            qPrintable(QStringLiteral("%1 %2 chunking=%3 pipelining=%4")
                                           .arg(RealSmtpServer::kindName(k), sec)
                                           .arg(QLatin1String(chunking ? "auto" : "off"))
                                           .arg(QLatin1String(pipelining ? "auto" : "off"))))
                            << k << sec << chunking << pipelining;
                    }
                }
            }
        }
    }

    void matrix()
    {
        QFETCH(Kind, kind);
        QFETCH(QString, security);
        QFETCH(bool, chunking);
        QFETCH(bool, pipelining);
        RealSmtpServer &srv = server(kind);
        const int cell = ++m_cell;
        QTemporaryDir data;
        const QString dir = data.path();
        const QString acct = QStringLiteral("real");
        const quint16 port = security == QLatin1String("tls") ? srv.tlsPort() : srv.port();
        RunResult r = addAccount(dir, acct, port, security);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        if (!chunking) {
            r = runOutpost(dir, {QStringLiteral("config"), QStringLiteral("set"),
                                 QStringLiteral("chunking"), QStringLiteral("off")});
            QCOMPARE(r.exitCode, 0);
        }
        if (!pipelining) {
            r = runOutpost(dir, {QStringLiteral("config"), QStringLiteral("set"),
                                 QStringLiteral("pipelining"), QStringLiteral("off")});
            QCOMPARE(r.exitCode, 0);
        }

        // The six messages of the batch.
        const QString envid = QStringLiteral("ENV-%1").arg(cell);
        QList<qint64> ids;
        ids << queue(dir, acct,
                     {QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                      QStringLiteral("--subject"), QStringLiteral("7-bit %1").arg(cell),
                      QStringLiteral("--body"),
                      QStringLiteral("Plain text.\n.A line that starts with a dot\n.\nEnd.\n")});
        const QString eml = m_files.filePath(QStringLiteral("eightbit-%1.eml").arg(cell));
        {
            QFile f(eml);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("From: Alice <alice@example.org>\nTo: bob@example.net\n"
                    "Subject: 8-bit body\nMIME-Version: 1.0\n"
                    "Content-Type: text/plain; charset=utf-8\n"
                    "Content-Transfer-Encoding: 8bit\n\n"
                    "Gr\xc3\xbc\xc3\x9f"
                    "e aus K\xc3\xb6ln \xe2\x80\x93 na\xc3\xafve caf\xc3\xa9.\n");
        }
        ids << queue(dir, acct, {QStringLiteral("--eml"), eml});
        ids << queue(dir, acct,
                     {QStringLiteral("--to"), QStringLiteral("j\u00f6rg@example.net"),
                      QStringLiteral("--subject"), QStringLiteral("SMTPUTF8 %1").arg(cell),
                      QStringLiteral("--body"), QStringLiteral("To a non-ASCII mailbox.\n")});
        ids << queue(dir, acct,
                     {QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                      QStringLiteral("--subject"), QStringLiteral("5 MB %1").arg(cell),
                      QStringLiteral("--body"), QStringLiteral("The photos.\n"),
                      QStringLiteral("--attach"), m_bigFile});
        ids << queue(dir, acct,
                     {QStringLiteral("--to"), QStringLiteral("dave@example.net"),
                      QStringLiteral("--subject"), QStringLiteral("DSN %1").arg(cell),
                      QStringLiteral("--body"), QStringLiteral("Tell me when it arrives.\n"),
                      QStringLiteral("--notify"), QStringLiteral("success,failure"),
                      QStringLiteral("--ret"), QStringLiteral("hdrs"), QStringLiteral("--envid"),
                      envid});
        ids << queue(dir, acct,
                     {QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                      QStringLiteral("--to"), QStringLiteral("carol@example.net"),
                      QStringLiteral("--to"), QStringLiteral("refused@example.net"),
                      QStringLiteral("--subject"), QStringLiteral("Three %1").arg(cell),
                      QStringLiteral("--body"), QStringLiteral("To three.\n")});
        QVERIFY(!ids.contains(-1));

        const qint64 logOffset = srv.logSize();
        r = runOutpost(dir, {QStringLiteral("flush"), QStringLiteral("--verbose")}, {}, 120000);
        const QByteArray verbose = r.err;
        QVERIFY2(r.exitCode == 0, verbose.constData());
        QVERIFY2(!verbose.contains(realServerPassword()), "the password is in the log");
        QVERIFY(verbose.contains("C: AUTH PLAIN <redacted>"));

        // What the server offered, and the path taken.
        const QList<QByteArray> proto = protocolLines(verbose);
        const auto offered = [&](const QByteArray &kw) {
            return std::any_of(proto.cbegin(), proto.cend(), [&](const QByteArray &l) {
                return l.startsWith("S: 250-" + kw) || l.startsWith("S: 250 " + kw);
            });
        };
        const auto sent = [&](const QByteArray &prefix) {
            return std::count_if(proto.cbegin(), proto.cend(),
                                 [&](const QByteArray &l) { return l.startsWith(prefix); });
        };
        for (const QByteArray kw : {"PIPELINING", "CHUNKING", "SMTPUTF8", "DSN", "SIZE"})
            QVERIFY2(offered(kw), kw.constData());
        if (chunking) {
            QVERIFY2(sent("C: BDAT ") >= 6, verbose.constData());
            QCOMPARE(sent("C: DATA"), 0);
            QCOMPARE(sent("C: BDAT 1048576"), 6); // the 5 MB attachment: six full chunks, then LAST
        } else {
            QCOMPARE(sent("C: DATA"), 6);
            QCOMPARE(sent("C: BDAT"), 0);
        }
        const qsizetype mail = std::distance(
            proto.cbegin(), std::find_if(proto.cbegin(), proto.cend(), [](const QByteArray &l) {
                return l.startsWith("C: MAIL");
            }));
        QVERIFY(mail >= 0 && mail + 1 < proto.size());
        // PIPELINING: RCPT follows MAIL before any reply; without it, MAIL's reply comes first.
        QCOMPARE(proto[mail + 1].startsWith("C: RCPT"), pipelining);
        QCOMPARE(sent("C: QUIT"), 1);
        QCOMPARE(sent("S: 221"), 1);
        QCOMPARE(sent("C: EHLO"), security == QLatin1String("starttls") ? 2 : 1);
        QCOMPARE(sent("C: STARTTLS"), security == QLatin1String("starttls") ? 1 : 0);
        QCOMPARE(sent("C: AUTH"), 1);
        // SIZE, BODY=8BITMIME, SMTPUTF8 and the DSN parameters where they belong.
        QCOMPARE(sent("C: MAIL FROM:<alice@example.org> SIZE="), 6);
        QCOMPARE(std::count_if(proto.cbegin(), proto.cend(),
                               [](const QByteArray &l) {
                                   return l.startsWith("C: MAIL") && l.contains("BODY=8BITMIME");
                               }),
                 2); // the 8-bit body, and the SMTPUTF8 message (UTF-8 headers)
        QCOMPARE(std::count_if(proto.cbegin(), proto.cend(),
                               [](const QByteArray &l) {
                                   return l.startsWith("C: RCPT TO:<j") &&
                                          l.contains("rg@example.net>");
                               }),
                 1);
        QVERIFY(std::any_of(proto.cbegin(), proto.cend(), [&](const QByteArray &l) {
            return l.startsWith("C: MAIL") && l.contains(" SMTPUTF8");
        }));
        QVERIFY(std::any_of(proto.cbegin(), proto.cend(), [&](const QByteArray &l) {
            return l.startsWith("C: MAIL") && l.contains(" RET=HDRS ENVID=" + envid.toLatin1());
        }));
        QVERIFY(sent("C: RCPT TO:<dave@example.net> NOTIFY=SUCCESS,FAILURE "
                     "ORCPT=rfc822;dave@example.net") == 1);

        // Outpost's view: each message sent; the refused recipient failed with the server's
        // words, the other two sent.
        for (const qint64 id : std::as_const(ids)) {
            const QJsonObject m = show(dir, id);
            QVERIFY2(m.value(QLatin1String("state")).toString() == QLatin1String("sent"),
                     QJsonDocument(m).toJson().constData());
        }
        const QJsonArray rcpts = show(dir, ids.last()).value(QLatin1String("recipients")).toArray();
        QCOMPARE(rcpts.size(), 3);
        for (const QJsonValue &v : rcpts) {
            const QJsonObject o = v.toObject();
            const bool refused = o.value(QLatin1String("address")).toString() ==
                                 QLatin1String("refused@example.net");
            QCOMPARE(o.value(QLatin1String("state")).toString(),
                     refused ? QStringLiteral("failed") : QStringLiteral("sent"));
            if (refused) {
                const QJsonObject reply = o.value(QLatin1String("reply")).toObject();
                QCOMPARE(reply.value(QLatin1String("code")).toInt(), 550);
                QCOMPARE(reply.value(QLatin1String("enhanced_code")).toString(),
                         QStringLiteral("5.1.1"));
            }
        }

        // The server's view: every message stored once per accepted recipient, byte-intact.
        const QList<int> perMessage = {1, 1, 1, 1, 1, 2};
        for (int i = 0; i < ids.size(); ++i) {
            const QByteArray bytes = storedBytes(dir, ids[i]);
            QVERIFY(!bytes.isEmpty());
            const QByteArray mid = messageIdOf(bytes);
            QVERIFY(!mid.isEmpty());
            const QList<QByteArray> got = waitForDeliveries(srv, mid, perMessage[i]);
            QCOMPARE(got.size(), perMessage[i]);
            for (const QByteArray &g : got) {
                QString why;
                QVERIFY2(storedIntact(g, bytes, &why),
                         qPrintable(QStringLiteral("message %1: %2").arg(i + 1).arg(why)));
            }
        }
        // The DSN request reached the server: a success notice with our ENVID came back.
        QTRY_VERIFY_WITH_TIMEOUT(hasNotice(srv, envid.toLatin1(), "delivered"), 20000);

        // One session for the batch, ended by QUIT, and nothing the server complains about.
        const QByteArray log = srv.log(logOffset);
        QVERIFY2(complaints(kind, log).isEmpty(), complaints(kind, log).join('\n').constData());
        if (kind == Kind::Postfix) {
            QCOMPARE(linesMatching(log, "]: connect from ").size(), 1);
            const QList<QByteArray> ends = linesMatching(log, "]: disconnect from ");
            QCOMPARE(ends.size(), 1);
            const auto counts = disconnectCounts(ends.first());
            QCOMPARE(counts.value("ehlo"), security == QLatin1String("starttls") ? "2" : "1");
            QCOMPARE(counts.value("auth"), QByteArray("1"));
            QCOMPARE(counts.value("mail"), QByteArray("6"));
            QCOMPARE(counts.value("rcpt"), QByteArray("7/8"));
            QCOMPARE(counts.value("quit"), QByteArray("1"));
            QCOMPARE(counts.contains("bdat"), chunking);
            QCOMPARE(counts.value("data"), chunking ? QByteArray() : QByteArray("6"));
            QVERIFY(!counts.contains("rset"));
        } else {
            QCOMPARE(linesMatching(log, "TCP/IP connection count").size(), 1);
            QCOMPARE(linesMatching(log, " closed by QUIT").size(), 1);
            QCOMPARE(linesMatching(log, " <= alice@example.org ").size(), 6);
        }
    }

    void cleanupTestCase()
    {
        m_postfix.stop();
        m_exim.stop();
    }
};

QTEST_GUILESS_MAIN(TestRealServers)
#include "tst_realservers.moc"
