// Self-tests of the case runner: small case scripts played against a scripted client
// (instead of the core), checking that the runner accepts what the format allows and
// reports what it forbids.

#include "CaseRunner.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <sys/socket.h>

using namespace outpost::testsupport;

namespace {

/// One client action.
struct Act
{
    enum Kind
    {
        Send,
        Reply,
        Line,
        CloseFin,
        CloseRst
    } kind;
    QByteArray bytes;
};
Act send(const QByteArray &b)
{
    return {Act::Send, b};
}
Act reply()
{
    return {Act::Reply, {}};
}
Act fin()
{
    return {Act::CloseFin, {}};
}
Act rst()
{
    return {Act::CloseRst, {}};
}

/// A CaseApp that, on each `flush`, opens one connection to account A and plays the next
/// list of actions on it.
class ScriptedClient : public CaseApp
{
public:
    QList<QList<Act>> sessions;
    QByteArray received; ///< everything the server sent, all sessions
    bool refused = false;

    ~ScriptedClient() override { m_sockets.reset(); } // sockets go while members live

    bool setUp(const CaseEnvironment &env, QString *) override
    {
        m_env = env;
        return true;
    }
    void runEvent(const AppEvent &e, std::function<void(const QString &)> done) override
    {
        if (e.name == QLatin1String("enqueue")) {
            for (const QString &id : e.args)
                m_views[id].state = QStringLiteral("queued");
        } else if (e.name == QLatin1String("flush") && !sessions.isEmpty()) {
            start(sessions.takeFirst());
        }
        done({});
    }
    bool busy() const override { return m_running > 0; }
    std::optional<MessageView> message(const QString &id) const override
    {
        if (!m_views.contains(id))
            return std::nullopt;
        return m_views.value(id);
    }
    int notices(const QString &) const override { return 0; }
    qint64 exitedAt() const override { return -1; }

private:
    std::unique_ptr<QObject> m_sockets = std::make_unique<QObject>();
    void start(QList<Act> acts)
    {
        // Owned by m_sockets: a socket must not outlive the client whose members its
        // callbacks touch (UBSan caught one reporting into a finished test).
        auto *s = new QTcpSocket(m_sockets.get());
        auto queue = std::make_shared<QList<Act>>(std::move(acts));
        auto buf = std::make_shared<QByteArray>();
        auto step = std::make_shared<std::function<void()>>();
        ++m_running;
        auto end = [this, s] {
            --m_running;
            s->deleteLater();
        };
        *step = [s, queue, buf, end] {
            while (!queue->isEmpty()) {
                Act &a = queue->first();
                if (a.kind == Act::Send) {
                    s->write(a.bytes);
                    s->flush();
                } else if (a.kind == Act::Reply || a.kind == Act::Line) {
                    for (;;) {
                        const qsizetype lf = buf->indexOf('\n');
                        if (lf < 0)
                            return; // wait for more
                        const QByteArray l = buf->left(lf + 1);
                        buf->remove(0, lf + 1);
                        if (a.kind == Act::Line || l.size() < 5 || l[3] != '-')
                            break;
                    }
                } else if (a.kind == Act::CloseFin) {
                    s->disconnectFromHost();
                } else {
                    const linger lg{1, 0};
                    setsockopt(int(s->socketDescriptor()), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
                    s->abort();
                }
                queue->removeFirst();
            }
            queue->append(Act{Act::CloseFin, {}}); // keep the step from running twice
            queue->clear();
            end();
        };
        QObject::connect(s, &QTcpSocket::readyRead, s, [this, s, buf, step] {
            const QByteArray b = s->readAll();
            received += b;
            *buf += b;
            (*step)();
        });
        QObject::connect(s, &QTcpSocket::connected, s, [step] { (*step)(); });
        QObject::connect(s, &QTcpSocket::errorOccurred, s,
                         [this, queue, end](QAbstractSocket::SocketError e) {
                             if (e == QAbstractSocket::ConnectionRefusedError) {
                                 refused = true;
                                 if (!queue->isEmpty()) {
                                     queue->clear();
                                     end();
                                 }
                             }
                         });
        s->connectToHost(QHostAddress::LocalHost, m_env.ports.value(QStringLiteral("A")));
    }

    CaseEnvironment m_env;
    QHash<QString, MessageView> m_views;
    int m_running = 0;
};

const QByteArray kHead =
    "ID: T001\nMSG m1.to: bob@example.net\nAPP: enqueue m1\nAPP: flush\nCONN: 1\n";

QList<Act> fullTransaction(bool quit = true)
{
    QList<Act> a = {reply(), send("EHLO x\r\n"),
                    reply(), send("MAIL FROM:<alice@example.org>\r\n"),
                    reply(), send("RCPT TO:<bob@example.net>\r\n"),
                    reply(), send("DATA\r\n"),
                    reply(), send("Subject: x\r\n\r\n..dot\r\n.\r\n"),
                    reply()};
    if (quit)
        a += {send("QUIT\r\n"), reply(), fin()};
    return a;
}

const QByteArray kTransactionScript = "S: 220 hi\\r\\n\n"
                                      "C~: EHLO [^\\r\\n]+\\r\\n\n"
                                      "S: 250-x\\r\\n250 SIZE 100\\r\\n\n"
                                      "C: MAIL FROM:<alice@example.org>\\r\\n\n"
                                      "S: 250 ok\\r\\n\n"
                                      "C: RCPT TO:<bob@example.net>\\r\\n\n"
                                      "S: 250 ok\\r\\n\n"
                                      "C: DATA\\r\\n\n"
                                      "S: 354 go\\r\\n\n"
                                      "C*: <data>\n"
                                      "S: 250 queued\\r\\n\n";

} // namespace

class TestCaseRunner : public QObject
{
    Q_OBJECT
private slots:
    void happyPath();
    void quietViolated();
    void optionalLineSkipsReplies();
    void unexpectedConnection();
    void tailMode();
    void tailModeUnknownCommand();
    void resetIsNotGraceful();
    void mayAbortAppliesAlt();
    void wrongBytes();
    void nestedMail();
    void serverDownCountsAttempts();

private:
    /// Runs a case text; prints the runner's report when the outcome is not `expectPass`.
    bool runCase(const QByteArray &text, ScriptedClient &app, QStringList *failures = nullptr,
                 bool expectPass = true);
};

bool TestCaseRunner::runCase(const QByteArray &text, ScriptedClient &app, QStringList *failures,
                             bool expectPass)
{
    QString err;
    const auto cf = CaseFile::parse(text, &err);
    if (!cf) {
        qWarning("parse: %s", qPrintable(err));
        return false;
    }
    QTemporaryDir dir;
    CaseRunner r(*cf, &app);
    const bool ok = r.run(dir.path(), 30000);
    if (failures)
        *failures = r.failures();
    if (ok != expectPass)
        qInfo().noquote() << r.report();
    return ok;
}

void TestCaseRunner::happyPath()
{
    ScriptedClient app;
    app.sessions = {fullTransaction(false) + QList<Act>{fin()}};
    QStringList f;
    QVERIFY(runCase(kHead + "S: 220-a\\r\\n\nQUIET: 200\nS+: 220 b\\r\\n\n" +
                        kTransactionScript.mid(kTransactionScript.indexOf('\n') + 1) +
                        "EXPECT: deliveries=1 conns=1 data_exact(m1)=Subject: "
                        "x\\r\\n\\r\\n.dot\\r\\n wire_has=EHLO x\n"
                        "EXPECT: wire_lacks=HELO no_nested_mail=true graceful_close(1)=true "
                        "size_param_ok=false\n"
                        "EXPECT: header_count(m1,Subject)=1 data_7bit=true data_no_bare=true "
                        "data_lines_max=10\n",
                    app, &f));
    // a client QUIT is answered in tail mode, and then the harness closes first
    ScriptedClient app2;
    app2.sessions = {fullTransaction(true)};
    QVERIFY(
        !runCase(kHead + kTransactionScript + "EXPECT: graceful_close(1)=true\n", app2, &f, false));
    QVERIFY(app2.received.endsWith("221 2.0.0 Bye\r\n"));
    QVERIFY2(f.value(0).contains(QLatin1String("closed connection 1 first")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::quietViolated()
{
    ScriptedClient app;
    app.sessions = {{send("EHLO x\r\n"), reply(), fin()}};
    QStringList f;
    QVERIFY(!runCase(kHead + "S: 220-a\\r\\n\nQUIET: 300\nS+: 220 b\\r\\n\nEXPECT: conns=1\n", app,
                     &f, false));
    QVERIFY2(f.value(0).contains(QLatin1String("QUIET")) ||
                 f.value(0).contains(QLatin1String("already sent")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::optionalLineSkipsReplies()
{
    ScriptedClient app;
    app.sessions = {{reply(), fin()}};
    QStringList f;
    QVERIFY(runCase(kHead +
                        "S: 220 hi\\r\\n\nC?: QUIT\\r\\n\nS: 221 bye\\r\\n\nEOF-EXPECTED\nEXPECT: "
                        "conns=1 client_closed_within(1)=1000\n",
                    app, &f));
    QVERIFY(!app.received.contains("221"));
}

void TestCaseRunner::unexpectedConnection()
{
    ScriptedClient app;
    app.sessions = {{reply(), send("QUIT\r\n"), reply(), fin()}, {fin()}};
    QStringList f;
    QVERIFY(!runCase(kHead + "S: 220 hi\\r\\n\nAPP: flush\nEXPECT: conns=2\n", app, &f, false));
    QVERIFY2(f.join(QLatin1Char('\n')).contains(QLatin1String("no CONN line asked for it")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::tailMode()
{
    ScriptedClient app;
    app.sessions = {{reply(), send("NOOP\r\n"), reply(), send("RSET\r\n"), reply(),
                     send("QUIT\r\n"), reply(), fin()}};
    QVERIFY(runCase(kHead + "S: 220 hi\\r\\n\nEXPECT: conns=1\n", app));
    QCOMPARE(app.received,
             QByteArray("220 hi\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n"));
}

void TestCaseRunner::tailModeUnknownCommand()
{
    ScriptedClient app;
    app.sessions = {{reply(), send("HELP\r\n"), fin()}};
    QStringList f;
    QVERIFY(!runCase(kHead + "S: 220 hi\\r\\n\nEXPECT: conns=1\n", app, &f, false));
    QVERIFY2(f.join(QLatin1Char('\n')).contains(QLatin1String("after the end of its script")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::resetIsNotGraceful()
{
    ScriptedClient app;
    app.sessions = {{reply(), rst()}};
    QStringList f;
    QVERIFY(!runCase(kHead + "S: 220 hi\\r\\n\nEOF-EXPECTED\nEXPECT: graceful_close(1)=true\n", app,
                     &f, false));
    QVERIFY2(f.join(QLatin1Char('\n')).contains(QLatin1String("RST")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::mayAbortAppliesAlt()
{
    ScriptedClient app;
    app.sessions = {{reply(), fin()}};
    QVERIFY(runCase(kHead +
                        "S: 220 hi\\r\\n\nMAY-ABORT\nC~: EHLO [^\\r\\n]+\\r\\n\nS: 250 ok\\r\\n\n"
                        "EXPECT: deliveries=1\nALT: deliveries=0 conns=1 wire_lacks=EHLO\n",
                    app));
    // without MAY-ABORT the same close is a failure
    ScriptedClient app2;
    app2.sessions = {{reply(), fin()}};
    QStringList f;
    QVERIFY(!runCase(
        kHead + "S: 220 hi\\r\\n\nC~: EHLO [^\\r\\n]+\\r\\n\nS: 250 ok\\r\\nEXPECT: conns=1\n",
        app2, &f, false));
    QVERIFY2(f.value(0).contains(QLatin1String("closed the connection")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::wrongBytes()
{
    ScriptedClient app;
    app.sessions = {
        {reply(), send("EHLO x\r\n"), reply(), send("MAIL FROM:<eve@example.com>\r\n"), fin()}};
    QStringList f;
    QVERIFY(!runCase(kHead + kTransactionScript + "EXPECT: conns=1\n", app, &f, false));
    QVERIFY2(f.value(0).contains(QLatin1String("first difference at byte 11")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::nestedMail()
{
    ScriptedClient app;
    app.sessions = {{reply(), send("MAIL FROM:<a@b>\r\n"), reply(), send("MAIL FROM:<a@b>\r\n"),
                     reply(), send("RSET\r\n"), reply(), send("MAIL FROM:<a@b>\r\n"), reply(),
                     fin()}};
    QStringList f;
    QVERIFY(!runCase(
        kHead + "S: 220 hi\\r\\n\nC: MAIL FROM:<a@b>\\r\\n\nS: 250 ok\\r\\n\n"
                "C: MAIL FROM:<a@b>\\r\\n\nS: 250 ok\\r\\n\nC: RSET\\r\\n\nS: 250 ok\\r\\n\n"
                "C: MAIL FROM:<a@b>\\r\\n\nS: 250 ok\\r\\n\nEOF-EXPECTED\nEXPECT: "
                "no_nested_mail=true\n",
        app, &f, false));
    QVERIFY2(f.value(0).contains(QLatin1String("still open")),
             qPrintable(f.join(QLatin1Char('\n'))));
}

void TestCaseRunner::serverDownCountsAttempts()
{
    ScriptedClient app;
    app.sessions = {{fin()}, {fin()}};
    QVERIFY(runCase("ID: T002\nMSG m1.to: bob@example.net\nSERVER: down\nAPP: flush\nAPP: sleep "
                    "300\nAPP: flush\n"
                    "APP: sleep 300\nEXPECT: connect_attempts=2 conns=0\n",
                    app));
    QVERIFY(app.refused);
}

QTEST_GUILESS_MAIN(TestCaseRunner)
#include "tst_caserunner.moc"
