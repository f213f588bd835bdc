#include "CaseRunner.h"

#include "MessageInspector.h"

#include <QEventLoop>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>

namespace outpost::testsupport {

namespace {

constexpr qint64 kPauseMs = 150;      // S+:
constexpr qint64 kOptWaitMs = 500;    // C?: / C?~: / OPT-RSET
constexpr qint64 kConnWaitMs = 10000; // CONN: first appearance
constexpr qint64 kMayNeverOpenMs = 2000;
constexpr qint64 kBlackholeMaxMs = 60000;
constexpr qint64 kCheckIdleMs = 500;
constexpr qint64 kFinalIdleMs = 1000;

using T = Directive::Type;

bool isBarrier(T t)
{
    return t == T::App || t == T::Check || t == T::Server;
}

QByteArray stripAngles(QByteArray id)
{
    id = id.trimmed();
    if (id.startsWith('<') && id.endsWith('>'))
        id = id.mid(1, id.size() - 2);
    return id;
}

bool anyEquals(const QList<QByteArray> &values, const QByteArray &actual)
{
    for (const QByteArray &v : values) {
        if (v == actual)
            return true;
    }
    return false;
}

bool numberHolds(const Condition &c, qint64 actual)
{
    for (const QByteArray &v : c.values) {
        bool ok = false;
        const qint64 want = v.toLongLong(&ok);
        if (!ok)
            continue;
        if (c.op == QLatin1String(">=") && actual >= want)
            return true;
        if (c.op == QLatin1String("<=") && actual <= want)
            return true;
        if (c.op == QLatin1String("=") && actual == want)
            return true;
    }
    return false;
}

bool wantTrue(const Condition &c)
{
    return c.values.value(0) != "false";
}

QList<QByteArray> linesOf(const QByteArray &wire)
{
    return wire.split('\n');
}

} // namespace

CaseRunner::CaseRunner(const CaseFile &caseFile, CaseApp *app, QObject *parent)
    : QObject(parent)
    , m_case(caseFile)
    , m_app(app)
{
    m_clock.start();
}

CaseRunner::~CaseRunner() = default;

// ------------------------------------------------------------------ compile

void CaseRunner::compile()
{
    QSet<int> seenConn;
    QMap<int, int> lastOfConn;
    int lastBarrier = -1;
    bool pendingMayAbort = false;
    int mayAbortConn = 0;
    const QList<Directive> &dl = m_case.dialogue;
    for (int k = 0; k < dl.size(); ++k) {
        const Directive &d = dl[k];
        if (d.type == T::Expect) {
            m_expects.append(d.conditions);
            continue;
        }
        if (d.type == T::Alt) {
            m_alts.append(d.conditions);
            continue;
        }
        if (d.type == T::MayAbort) {
            pendingMayAbort = true;
            mayAbortConn = d.conn;
            continue;
        }
        if (d.type == T::Conn) {
            if (seenConn.contains(d.conn)) {
                if (pendingMayAbort)
                    mayAbortConn = d.conn; // applies to the next line of that connection
                continue;
            }
            seenConn.insert(d.conn);
            Conn c;
            c.n = d.conn;
            c.account = d.account;
            m_conns.insert(c.n, c);
        }
        Step s;
        s.d = d;
        s.barrier = isBarrier(d.type);
        s.lastBarrier = lastBarrier;
        if (!s.barrier) {
            s.prevSameConn = lastOfConn.value(d.conn, -1);
            s.firstOfConn = d.type == T::Conn;
        }
        if (pendingMayAbort) {
            const bool applies =
                s.barrier ? false
                          : (d.type == T::Conn || d.conn == mayAbortConn || mayAbortConn == 0);
            if (applies) {
                s.mayAbort = true;
                pendingMayAbort = false;
            }
        }
        const int idx = int(m_steps.size());
        m_steps.append(s);
        if (s.barrier)
            lastBarrier = idx;
        else
            lastOfConn[d.conn] = idx;
    }
    for (auto it = lastOfConn.cbegin(); it != lastOfConn.cend(); ++it)
        m_conns[it.key()].lastStep = it.value();
}

// ------------------------------------------------------------------ run

bool CaseRunner::run(const QString &dataDir, int maxMs)
{
    compile();
    CaseEnvironment env;
    env.caseFile = &m_case;
    env.caFile = TestCerts::caFile();
    env.dataDir = dataDir;
    env.clock = &m_clock;
    for (const QString &acc : m_case.accountOrder) {
        auto *srv = new FakeSmtpServer(acc, &m_clock, this);
        srv->setAcceptCounter(&m_acceptCounter);
        QString err;
        if (!srv->start(&err)) {
            m_failures << QStringLiteral("cannot listen for account %1: %2").arg(acc, err);
            return false;
        }
        connect(srv, &FakeSmtpServer::accepted, this,
                [this](ServerConnection *sc) { onAccepted(sc); });
        m_servers.insert(acc, srv);
        env.ports.insert(acc, srv->port());
    }
    QString err;
    if (!m_app->setUp(env, &err)) {
        m_failures << QStringLiteral("app set-up failed: %1").arg(err);
        return false;
    }

    QEventLoop loop;
    m_loop = &loop;
    m_pollTimer = new QTimer(this);
    m_pollTimer->setInterval(20);
    connect(m_pollTimer, &QTimer::timeout, this, [this] { pollIdle(); });
    m_pollTimer->start();
    QTimer watchdog;
    watchdog.setSingleShot(true);
    connect(&watchdog, &QTimer::timeout, this, [this, maxMs] {
        m_failures << QStringLiteral("case did not finish within %1 ms").arg(maxMs);
        finish();
    });
    watchdog.start(maxMs);
    QTimer::singleShot(0, this, [this] { advance(); });
    if (m_phase != Phase::Done)
        loop.exec();
    m_loop = nullptr;
    m_pollTimer->stop();
    m_app->tearDown();
    return m_failures.isEmpty();
}

void CaseRunner::finish()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    if (m_loop)
        m_loop->quit();
}

void CaseRunner::advance()
{
    if (m_inAdvance) {
        m_advanceAgain = true;
        return;
    }
    m_inAdvance = true;
    do {
        m_advanceAgain = false;
        for (int i = 0; i < m_steps.size() && m_phase == Phase::Running; ++i) {
            if (!m_steps[i].started && depsDone(i))
                startStep(i);
        }
    } while (m_advanceAgain && m_phase == Phase::Running);
    m_inAdvance = false;
    if (m_phase != Phase::Running)
        return;
    for (const Step &s : m_steps) {
        if (!s.done)
            return;
    }
    beginFinal();
}

bool CaseRunner::depsDone(int i) const
{
    const Step &s = m_steps[i];
    if (s.lastBarrier >= 0 && !m_steps[s.lastBarrier].done)
        return false;
    if (s.barrier) {
        for (int k = 0; k < i; ++k) {
            if (!m_steps[k].done)
                return false;
        }
        return true;
    }
    return s.prevSameConn < 0 || m_steps[s.prevSameConn].done;
}

int CaseRunner::nextStepOfConn(int i) const
{
    const int n = m_steps[i].d.conn;
    for (int k = i + 1; k < m_steps.size(); ++k) {
        if (!m_steps[k].barrier && m_steps[k].d.conn == n)
            return k;
    }
    return -1;
}

qint64 CaseRunner::commandTimeout(const Conn &c) const
{
    return m_case.intSetting(c.account, QStringLiteral("timeout.command"), 2000) + 1000;
}

void CaseRunner::armConnTimer(Conn &c, qint64 ms, std::function<void()> f)
{
    const int n = c.n;
    const int gen = c.gen;
    QTimer::singleShot(ms, this, [this, n, gen, f] {
        if (m_phase == Phase::Done)
            return;
        auto it = m_conns.find(n);
        if (it == m_conns.end() || it->gen != gen || it->current < 0)
            return;
        f();
    });
}

void CaseRunner::startStep(int i)
{
    Step &s = m_steps[i];
    s.started = true;
    if (s.barrier)
        startBarrier(i);
    else
        startConnStep(m_conns[s.d.conn], i);
}

void CaseRunner::complete(int i)
{
    Step &s = m_steps[i];
    if (s.done)
        return;
    s.done = true;
    if (!s.barrier) {
        Conn &c = m_conns[s.d.conn];
        if (c.current == i)
            c.current = -1;
        c.gen++;
        if (s.d.type != T::Send && s.d.type != T::SendPaused && s.d.type != T::OptClient &&
            s.d.type != T::OptClientRegex)
            c.skipSends = false;
        if (c.sc) {
            const int next = nextStepOfConn(i);
            c.sc->setHoldReading(next >= 0 && m_steps[next].d.type == T::Tls);
            if (next < 0) {
                c.tail = true;
                QTimer::singleShot(0, this, [this, n = c.n] {
                    if (m_phase != Phase::Done)
                        processTail(m_conns[n]);
                });
            }
        }
    }
    m_lastActivity = now();
    if (m_phase == Phase::Running)
        QTimer::singleShot(0, this, [this] { advance(); });
}

void CaseRunner::fail(int i, const QString &why)
{
    if (m_phase == Phase::Done)
        return;
    if (i >= 0) {
        const Step &s = m_steps[i];
        m_failures
            << QStringLiteral("line %1 `%2`: %3").arg(s.d.line).arg(s.d.source.left(120), why);
    } else {
        m_failures << why;
    }
    finish();
}

void CaseRunner::endEarly(int i, const QString &why)
{
    if (m_phase != Phase::Running)
        return;
    m_endedEarly = true;
    m_notes << QStringLiteral("dialogue ended early at the MAY-ABORT before line %1: %2")
                   .arg(m_steps[i].d.line)
                   .arg(why);
    beginFinal();
}

void CaseRunner::clientGone(Conn &c, int i, const QString &waitingFor)
{
    if (m_steps[i].mayAbort) {
        endEarly(i, QStringLiteral("the client closed connection %1").arg(c.n));
        return;
    }
    fail(i, QStringLiteral(
                "the client closed the connection while the harness waited for %1 (unread: \"%2\")")
                .arg(waitingFor, printable(c.sc ? c.sc->input() : QByteArray(), 200)));
}

// ------------------------------------------------------------------ connection steps

void CaseRunner::startConnStep(Conn &c, int i)
{
    Step &s = m_steps[i];
    c.current = i;
    c.gen++;
    c.stepStartedAt = now();
    if (s.d.type != T::Send && s.d.type != T::SendPaused)
        c.skipSends = false;
    switch (s.d.type) {
    case T::Conn: {
        const qint64 wait = s.mayAbort ? kMayNeverOpenMs : kConnWaitMs;
        armConnTimer(c, wait, [this, i, n = c.n, wait] {
            if (m_steps[i].mayAbort)
                endEarly(i, QStringLiteral("the client did not open connection %1 within %2 ms")
                                .arg(n)
                                .arg(wait));
            else
                fail(i, QStringLiteral("the client did not open connection %1 within %2 ms")
                            .arg(n)
                            .arg(wait));
        });
        tryClaims();
        return;
    }
    case T::Send:
        if (c.skipSends)
            c.sc->note(QStringLiteral("S: skipped (optional line not matched)"));
        else
            c.sc->writeBytes(s.d.bytes);
        complete(i);
        return;
    case T::SendPaused:
        if (c.skipSends) {
            c.sc->note(QStringLiteral("S+: skipped (optional line not matched)"));
            complete(i);
            return;
        }
        armConnTimer(c, kPauseMs, [this, i, n = c.n] {
            Conn &cc = m_conns[n];
            cc.sc->writeBytes(m_steps[i].d.bytes);
            complete(i);
        });
        return;
    case T::Client:
    case T::ClientRegex:
        armConnTimer(c, commandTimeout(c), [this, i, n = c.n] {
            Conn &cc = m_conns[n];
            fail(i, QStringLiteral("no matching client line within %1 ms (unread: \"%2\")")
                        .arg(commandTimeout(cc))
                        .arg(printable(cc.sc->input(), 300)));
        });
        break;
    case T::OptClient:
    case T::OptClientRegex:
    case T::OptRset:
        armConnTimer(c, kOptWaitMs, [this, i, n = c.n] {
            Conn &cc = m_conns[n];
            cc.sc->note(QStringLiteral("optional line not sent"));
            if (m_steps[i].d.type != T::OptRset)
                cc.skipSends = true;
            complete(i);
        });
        break;
    case T::Data:
    case T::DataPartial:
    case T::Bdat: {
        const qint64 ms = m_case.intSetting(c.account, QStringLiteral("timeout.data_end"), 8000);
        armConnTimer(c, ms, [this, i, n = c.n, ms] {
            Conn &cc = m_conns[n];
            fail(i, QStringLiteral("no end of data within %1 ms (%2 bytes unread, ending \"%3\")")
                        .arg(ms)
                        .arg(cc.sc->input().size())
                        .arg(printable(cc.sc->input().right(80))));
        });
        break;
    }
    case T::Tls: {
        const int gen = c.gen;
        const int n = c.n;
        auto *sc = c.sc.data();
        auto conn = std::make_shared<QMetaObject::Connection>();
        *conn = connect(
            sc, &ServerConnection::tlsDone, this,
            [this, i, n, gen, conn](bool ok, const QString &error) {
                QObject::disconnect(*conn);
                Conn &cc = m_conns[n];
                if (cc.gen != gen || m_phase != Phase::Running)
                    return;
                if (ok) {
                    complete(i);
                    return;
                }
                const int next = nextStepOfConn(i);
                if (next >= 0 && m_steps[next].d.type == T::EofExpected) {
                    cc.tlsFailed = true;
                    cc.sc->note(QStringLiteral("TLS failed (%1); EOF-EXPECTED follows").arg(error));
                    complete(i);
                    return;
                }
                if (m_steps[i].mayAbort) {
                    endEarly(i, QStringLiteral("TLS handshake ended: %1").arg(error));
                    return;
                }
                fail(i, QStringLiteral("TLS handshake failed: %1").arg(error));
            });
        armConnTimer(c, commandTimeout(c),
                     [this, i] { fail(i, QStringLiteral("TLS handshake did not complete")); });
        if (!sc->startTls(s.d.text))
            fail(i, QStringLiteral("cannot load the %1 test certificate from %2")
                        .arg(s.d.text, TestCerts::dir()));
        return;
    }
    case T::Quiet:
        if (!c.sc->input().isEmpty()) {
            fail(i, QStringLiteral("the client had already sent \"%1\"")
                        .arg(printable(c.sc->input(), 200)));
            return;
        }
        armConnTimer(c, s.d.number, [this, i] { complete(i); });
        break;
    case T::Wait:
        armConnTimer(c, s.d.number, [this, i] { complete(i); });
        return;
    case T::Blackhole:
        c.sc->setBlackhole(true);
        armConnTimer(c, kBlackholeMaxMs, [this, i] {
            fail(i, QStringLiteral("the client never closed the blackholed connection"));
        });
        break;
    case T::Close:
        c.sc->closeGracefully();
        complete(i);
        return;
    case T::Abort:
        c.sc->abortWithReset();
        complete(i);
        return;
    case T::EofExpected:
        armConnTimer(c, commandTimeout(c), [this, i, n = c.n] {
            fail(i, QStringLiteral("the client did not close connection %1 within %2 ms")
                        .arg(n)
                        .arg(commandTimeout(m_conns[n])));
        });
        break;
    default:
        fail(i, QStringLiteral("internal: unexpected connection directive"));
        return;
    }
    pump(c);
}

void CaseRunner::tryClaims()
{
    for (Conn &c : m_conns) {
        if (c.current < 0 || c.sc)
            continue;
        const Step &s = m_steps[c.current];
        if (s.d.type != T::Conn)
            continue;
        for (int k = 0; k < m_unclaimed.size(); ++k) {
            ServerConnection *sc = m_unclaimed[k];
            if (sc->account() != c.account)
                continue;
            m_unclaimed.removeAt(k);
            c.sc = sc;
            m_connOf.insert(sc, c.n);
            sc->note(QStringLiteral("is CONN %1").arg(c.n));
            complete(c.current);
            break;
        }
    }
}

void CaseRunner::onAccepted(ServerConnection *sc)
{
    m_lastActivity = now();
    m_captureCache.reset();
    connect(sc, &ServerConnection::dataArrived, this, [this, sc] { onConnEvent(sc); });
    connect(sc, &ServerConnection::finished, this, [this, sc] { onConnEvent(sc); });
    m_unclaimed.append(sc);
    if (m_phase != Phase::Done)
        tryClaims();
}

void CaseRunner::onConnEvent(ServerConnection *sc)
{
    m_lastActivity = now();
    m_captureCache.reset();
    if (m_phase == Phase::Done)
        return;
    const auto it = m_connOf.constFind(sc);
    if (it == m_connOf.constEnd())
        return;
    pump(m_conns[*it]);
}

void CaseRunner::pump(Conn &c)
{
    if (m_phase == Phase::Done || !c.sc)
        return;
    if (c.current < 0) {
        if (c.tail)
            processTail(c);
        return;
    }
    const int i = c.current;
    const Step &s = m_steps[i];
    QByteArray &in = c.sc->input();
    const bool closed = c.sc->isFinished();
    switch (s.d.type) {
    case T::Client: {
        const QByteArray &exp = s.d.bytes;
        const qsizetype n = std::min(in.size(), exp.size());
        if (in.left(n) != exp.left(n)) {
            qsizetype at = 0;
            while (at < n && in[at] == exp[at])
                ++at;
            fail(i,
                 QStringLiteral("client sent \"%1\", expected \"%2\" (first difference at byte %3)")
                     .arg(printable(in.mid(std::max<qsizetype>(0, at - 40), 200)),
                          printable(exp.mid(std::max<qsizetype>(0, at - 40), 200)))
                     .arg(at));
            return;
        }
        if (in.size() >= exp.size()) {
            in.remove(0, exp.size());
            complete(i);
        } else if (closed) {
            clientGone(c, i, QStringLiteral("\"%1\"").arg(printable(exp, 120)));
        }
        return;
    }
    case T::ClientRegex: {
        const qsizetype lf = in.indexOf('\n');
        if (lf < 0) {
            if (closed)
                clientGone(c, i, QStringLiteral("a line matching /%1/").arg(s.d.regex));
            return;
        }
        const QByteArray line = in.left(lf + 1);
        const QRegularExpression re(QRegularExpression::anchoredPattern(s.d.regex));
        if (!re.match(QString::fromUtf8(line)).hasMatch()) {
            fail(i, QStringLiteral("client line \"%1\" does not match /%2/")
                        .arg(printable(line), s.d.regex));
            return;
        }
        in.remove(0, lf + 1);
        complete(i);
        return;
    }
    case T::OptClient:
    case T::OptClientRegex:
    case T::OptRset: {
        const QByteArray exp = s.d.type == T::OptRset ? QByteArray("RSET\r\n") : s.d.bytes;
        std::optional<bool> matched;
        const qsizetype lf = in.indexOf('\n');
        if (s.d.type == T::OptClientRegex) {
            if (lf >= 0) {
                const QRegularExpression re(QRegularExpression::anchoredPattern(s.d.regex));
                matched = re.match(QString::fromUtf8(in.left(lf + 1))).hasMatch();
                if (*matched)
                    in.remove(0, lf + 1);
            }
        } else if (in.size() >= exp.size()) {
            matched = in.startsWith(exp);
            if (*matched)
                in.remove(0, exp.size());
        } else if (lf >= 0 || !exp.startsWith(in)) {
            matched = false;
        }
        if (!matched && closed)
            matched = false;
        if (!matched)
            return;
        if (*matched) {
            c.sc->note(QStringLiteral("optional line matched"));
            if (s.d.type == T::OptRset)
                c.sc->writeBytes("250 2.0.0 Ok\r\n");
        } else {
            c.sc->note(QStringLiteral("optional line not matched"));
            if (s.d.type != T::OptRset)
                c.skipSends = true;
        }
        const bool skip = c.skipSends;
        complete(i);
        m_conns[c.n].skipSends = skip;
        return;
    }
    case T::Data: {
        qsizetype end = -1;
        if (in.startsWith(".\r\n"))
            end = 3;
        else {
            const qsizetype m = in.indexOf("\r\n.\r\n");
            if (m >= 0)
                end = m + 5;
        }
        if (end >= 0) {
            in.remove(0, end);
            complete(i);
        } else if (closed) {
            clientGone(c, i, QStringLiteral("the end of data (%1 bytes so far)").arg(in.size()));
        }
        return;
    }
    case T::Bdat: {
        // RFC 3030 §2: "BDAT <octets>[ LAST]" CRLF, then exactly that many octets.
        const qsizetype lf = in.indexOf('\n');
        if (lf < 0) {
            if (closed)
                clientGone(c, i, QStringLiteral("a BDAT command"));
            return;
        }
        static const QRegularExpression re(QStringLiteral("^BDAT ([0-9]+)( LAST)?\r\n$"));
        const auto m = re.match(QString::fromLatin1(in.first(lf + 1)));
        if (!m.hasMatch()) {
            fail(i, QStringLiteral("expected a BDAT command, got \"%1\"")
                        .arg(printable(in.first(lf + 1), 200)));
            return;
        }
        const bool last = m.capturedLength(2) > 0;
        if (last != (s.d.number == 1)) {
            fail(i, QStringLiteral("expected %1, got \"%2\"")
                        .arg(s.d.number == 1 ? QStringLiteral("BDAT n LAST")
                                             : QStringLiteral("BDAT n (not LAST)"),
                             printable(in.first(lf + 1), 200)));
            return;
        }
        const qsizetype octets = m.captured(1).toLongLong();
        if (in.size() - (lf + 1) >= octets) {
            in.remove(0, lf + 1 + octets);
            complete(i);
        } else if (closed) {
            clientGone(c, i, QStringLiteral("%1 BDAT octets").arg(octets));
        }
        return;
    }
    case T::DataPartial:
        if (in.size() >= s.d.number) {
            // the harness stops reading: what arrived beyond N bytes is dropped unread
            in.clear();
            c.sc->stopReading();
            complete(i);
        } else if (closed) {
            clientGone(c, i, QStringLiteral("%1 payload bytes").arg(s.d.number));
        }
        return;
    case T::Quiet:
        if (!in.isEmpty())
            fail(i, QStringLiteral("the client sent \"%1\" during QUIET").arg(printable(in, 200)));
        return;
    case T::Blackhole:
        in.clear();
        if (closed)
            complete(i);
        return;
    case T::EofExpected:
        if (closed)
            complete(i);
        return;
    default:
        return;
    }
}

void CaseRunner::processTail(Conn &c)
{
    if (!c.sc || c.sc->isFinished() || !c.tail || c.current >= 0)
        return;
    QByteArray &in = c.sc->input();
    if (c.sc->blackhole()) {
        in.clear();
        return;
    }
    for (;;) {
        const qsizetype lf = in.indexOf('\n');
        if (lf < 0)
            return;
        const QByteArray line = in.left(lf + 1);
        in.remove(0, lf + 1);
        const QByteArray verb = line.trimmed().toUpper();
        if (verb == "RSET" || verb == "NOOP") {
            c.sc->writeBytes("250 2.0.0 Ok\r\n");
        } else if (verb == "QUIT") {
            c.sc->writeBytes("221 2.0.0 Bye\r\n");
            c.sc->closeGracefully();
            return;
        } else {
            fail(-1,
                 QStringLiteral("connection %1: the client sent \"%2\" after the end of its script")
                     .arg(c.n)
                     .arg(printable(line)));
            return;
        }
    }
}

// ------------------------------------------------------------------ barrier steps

void CaseRunner::startBarrier(int i)
{
    Step &s = m_steps[i];
    switch (s.d.type) {
    case T::Server: {
        FakeSmtpServer *srv = m_servers.value(s.d.account);
        QString err;
        if (!srv || !srv->setDown(s.d.text == QLatin1String("down"), &err)) {
            fail(i, QStringLiteral("cannot change the server state: %1").arg(err));
            return;
        }
        complete(i);
        return;
    }
    case T::Check:
        whenIdle(kCheckIdleMs, 20000, [this, i](bool idle) {
            if (!idle)
                m_notes << QStringLiteral("line %1: the app was not idle for %2 ms; checked anyway")
                               .arg(m_steps[i].d.line)
                               .arg(kCheckIdleMs);
            checkConditions(m_steps[i].d.conditions, QStringLiteral("CHECK"));
            complete(i);
        });
        return;
    case T::App: {
        const AppEvent &e = s.d.app;
        if (e.name == QLatin1String("sleep")) {
            QTimer::singleShot(s.d.number, this, [this, i] {
                if (m_phase == Phase::Running)
                    complete(i);
            });
            return;
        }
        auto run = [this, i] {
            if (m_phase != Phase::Running)
                return;
            const AppEvent &ev = m_steps[i].d.app;
            if (ev.name == QLatin1String("quit"))
                m_quitAt = now();
            m_app->runEvent(ev, [this, i](const QString &error) {
                if (m_phase != Phase::Running)
                    return;
                if (!error.isEmpty())
                    fail(i, QStringLiteral("app event failed: %1").arg(error));
                else
                    complete(i);
            });
        };
        // A user acts on what the app shows: let a failure that just happened be recorded.
        if (e.name == QLatin1String("user-retry") || e.name == QLatin1String("set"))
            whenIdle(200, 10000, [run](bool) { run(); });
        else
            run();
        return;
    }
    default:
        fail(i, QStringLiteral("internal: unexpected barrier"));
    }
}

void CaseRunner::whenIdle(qint64 idleMs, qint64 maxMs, std::function<void(bool)> f)
{
    m_idleWaiters.append({idleMs, now() + maxMs, ++m_waiterId, std::move(f)});
}

void CaseRunner::pollIdle()
{
    if (m_phase == Phase::Done)
        return;
    if (m_app->busy())
        m_lastActivity = now();
    const qint64 idleFor = now() - m_lastActivity;
    for (int k = 0; k < m_idleWaiters.size(); ++k) {
        auto [idleMs, deadline, id, f] = m_idleWaiters[k];
        const bool idle = idleFor >= idleMs;
        if (idle || now() >= deadline) {
            m_idleWaiters.removeAt(k);
            f(idle);
            return; // f may change everything; next poll handles the rest
        }
    }
}

// ------------------------------------------------------------------ end of the case

void CaseRunner::beginFinal()
{
    if (m_phase != Phase::Running)
        return;
    m_phase = Phase::Finishing;
    const qint64 deadline = now() + 30000;
    auto check = std::make_shared<std::function<void()>>();
    // The function refers to itself weakly (a strong self-capture is a reference cycle that
    // LeakSanitizer reports); a pending timer holds the strong reference.
    std::weak_ptr<std::function<void()>> weak = check;
    *check = [this, deadline, weak] {
        if (m_phase != Phase::Finishing)
            return;
        bool connsQuiet = true;
        for (const Conn &c : m_conns) {
            if (!c.sc || c.sc->isFinished())
                continue;
            if (!c.tail || !c.sc->input().isEmpty())
                connsQuiet = c.sc->blackhole() ? connsQuiet : false;
        }
        if (m_endedEarly)
            connsQuiet = true;
        if (connsQuiet) {
            whenIdle(kFinalIdleMs, std::max<qint64>(1000, deadline - now()), [this](bool idle) {
                if (m_phase != Phase::Finishing)
                    return;
                if (!idle)
                    m_notes << QStringLiteral(
                        "the app did not become idle; outcome checked anyway");
                for (ServerConnection *sc : std::as_const(m_unclaimed)) {
                    m_failures << QStringLiteral("connection #%1 (account %2) was opened but no "
                                                 "CONN line asked for it")
                                      .arg(sc->acceptIndex())
                                      .arg(sc->account());
                }
                if (m_endedEarly) {
                    if (m_alts.isEmpty())
                        m_failures << QStringLiteral(
                            "the dialogue ended early at a MAY-ABORT but the case has no ALT line");
                    for (const auto &alt : std::as_const(m_alts))
                        checkConditions(alt, QStringLiteral("ALT"));
                } else {
                    for (const auto &exp : std::as_const(m_expects))
                        checkConditions(exp, QStringLiteral("EXPECT"));
                }
                finish();
            });
            return;
        }
        if (now() > deadline) {
            m_notes << QStringLiteral("connections still busy at the end");
            connsQuiet = true;
        }
        QTimer::singleShot(50, this, [self = weak.lock()] { (*self)(); });
    };
    (*check)();
}

void CaseRunner::checkConditions(const QList<Condition> &conds, const QString &what)
{
    for (const Condition &c : conds) {
        QString detail;
        if (!evaluate(c, &detail))
            m_failures
                << QStringLiteral("line %1 %2 %3: %4").arg(c.line).arg(what, c.text(), detail);
    }
}

// ------------------------------------------------------------------ outcome

QList<ServerConnection *> CaseRunner::allConnections() const
{
    QList<ServerConnection *> out;
    for (FakeSmtpServer *s : m_servers)
        out += s->connections();
    std::sort(out.begin(), out.end(),
              [](auto *a, auto *b) { return a->acceptIndex() < b->acceptIndex(); });
    return out;
}

ServerConnection *CaseRunner::connByNumber(int n) const
{
    const auto it = m_conns.constFind(n);
    return it == m_conns.constEnd() ? nullptr : it->sc.data();
}

QList<CaseRunner::Capture> CaseRunner::captures() const
{
    if (m_captureCache)
        return *m_captureCache;
    QList<Capture> out;
    for (ServerConnection *sc : allConnections()) {
        for (const WirePayload &p : sc->model().payloads()) {
            Capture c;
            c.payload = &p;
            c.conn = sc->acceptIndex();
            c.message = p.complete ? p.message : WireModel::unstuff(p.wire);
            // Message-ID from the (possibly partial) header block
            const qsizetype hdrEnd = c.message.indexOf("\r\n\r\n");
            if (hdrEnd >= 0 || p.complete)
                c.messageId = stripAngles(
                    MessageInspector(c.message.left(hdrEnd < 0 ? c.message.size() : hdrEnd + 4))
                        .messageId());
            out.append(c);
        }
    }
    m_captureCache = out;
    return out;
}

QList<CaseRunner::Capture> CaseRunner::capturesOf(const QString &id, bool completeOnly) const
{
    QList<Capture> out;
    const auto view = m_app->message(id);
    const QByteArray mid = view ? stripAngles(view->messageId) : QByteArray();
    const CaseMessage *cm = m_case.message(id);
    for (const Capture &c : captures()) {
        if (completeOnly && !c.payload->complete)
            continue;
        bool mine = false;
        if (!mid.isEmpty() && !c.messageId.isEmpty()) {
            mine = c.messageId == mid;
        } else if (cm) {
            // no Message-ID to go by: the envelope decides
            QList<QByteArray> rcpts = cm->raw ? cm->rcpt : cm->to + cm->cc + cm->bcc;
            mine = !c.payload->rcptLines.isEmpty();
            for (const QByteArray &line : c.payload->rcptLines) {
                bool found = false;
                for (const QByteArray &r : rcpts)
                    found = found || line.contains("<" + r + ">");
                mine = mine && found;
            }
        }
        if (mine)
            out.append(c);
    }
    return out;
}

bool CaseRunner::evaluate(const Condition &c, QString *detail) const
{
    const QString &k = c.key;
    const QString m = c.args.value(0);
    auto says = [detail](const QString &s) {
        *detail = s;
    };

    // ---- message keys
    if (k == QLatin1String("state") || k == QLatin1String("class") ||
        k == QLatin1String("last_reply") || k == QLatin1String("last_reply_text") ||
        k == QLatin1String("last_reply_matches") || k == QLatin1String("rcpt") ||
        k == QLatin1String("attempts") || k == QLatin1String("uncertain") ||
        k == QLatin1String("history_notes") || k == QLatin1String("delivery")) {
        const auto v = m_app->message(m);
        if (!v) {
            says(QStringLiteral("message %1 is unknown to the app (never queued?)").arg(m));
            return false;
        }
        QByteArray actual;
        if (k == QLatin1String("state"))
            actual = v->state.toUtf8();
        else if (k == QLatin1String("class"))
            actual = v->errorClass.toUtf8();
        else if (k == QLatin1String("last_reply")) {
            says(
                QStringLiteral("last reply %1 \"%2\"").arg(v->lastReplyCode).arg(v->lastReplyText));
            return numberHolds(c, v->lastReplyCode);
        } else if (k == QLatin1String("last_reply_text"))
            actual = v->lastReplyText.toUtf8();
        else if (k == QLatin1String("last_reply_matches")) {
            says(
                QStringLiteral("last reply %1 \"%2\"").arg(v->lastReplyCode).arg(v->lastReplyText));
            return QRegularExpression(QString::fromUtf8(c.values.value(0)))
                .match(v->lastReplyText)
                .hasMatch();
        } else if (k == QLatin1String("rcpt")) {
            const QString addr = c.args.value(1).toLower();
            if (!v->recipients.contains(addr)) {
                says(QStringLiteral("no recipient %1; recipients: %2")
                         .arg(addr, QStringList(v->recipients.keys()).join(QLatin1Char(' '))));
                return false;
            }
            actual = v->recipients.value(addr).toUtf8();
        } else if (k == QLatin1String("attempts")) {
            says(QStringLiteral("attempts=%1 (state %2, class %3)")
                     .arg(v->attempts)
                     .arg(v->state, v->errorClass));
            return numberHolds(c, v->attempts);
        } else if (k == QLatin1String("uncertain")) {
            says(QStringLiteral("uncertain=%1 (state %2)")
                     .arg(v->uncertain ? u"true" : u"false", v->state));
            return v->uncertain == wantTrue(c);
        } else if (k == QLatin1String("history_notes")) {
            actual = v->historyNotes.join(QLatin1Char(',')).toUtf8();
        } else if (k == QLatin1String("delivery")) {
            actual = v->delivery.toUtf8();
        }
        says(QStringLiteral("%1 is \"%2\" (state %3, class %4, last reply %5 \"%6\", attempts %7)")
                 .arg(k, QString::fromUtf8(actual), v->state, v->errorClass)
                 .arg(v->lastReplyCode)
                 .arg(v->lastReplyText)
                 .arg(v->attempts));
        return anyEquals(c.values, actual);
    }
    if (k == QLatin1String("notices")) {
        const int n = m_app->notices(m);
        says(QStringLiteral("notices=%1").arg(n));
        return numberHolds(c, n);
    }
    if (k == QLatin1String("process_alive")) {
        says(QStringLiteral("alive=%1").arg(m_app->alive()));
        return m_app->alive() == wantTrue(c);
    }

    // ---- session and wire keys
    const QList<ServerConnection *> conns = allConnections();
    if (k == QLatin1String("conns")) {
        int n = 0;
        for (auto *sc : conns)
            n += (m.isEmpty() || sc->account() == m) ? 1 : 0;
        says(QStringLiteral("conns=%1").arg(n));
        return numberHolds(c, n);
    }
    if (k == QLatin1String("connect_attempts")) {
        int n = 0;
        for (auto it = m_servers.cbegin(); it != m_servers.cend(); ++it)
            n += (m.isEmpty() || it.key() == m) ? (*it)->refusedAttempts() : 0;
        says(QStringLiteral("connect_attempts=%1").arg(n));
        return numberHolds(c, n);
    }
    if (k == QLatin1String("deliveries")) {
        int n = 0;
        for (auto *sc : conns)
            n += sc->model().deliveries();
        says(QStringLiteral("deliveries=%1").arg(n));
        return numberHolds(c, n);
    }
    if (k == QLatin1String("dup_deliveries")) {
        QHash<QByteArray, int> seen;
        int dups = 0;
        for (const Capture &cap : captures()) {
            if (!cap.payload->complete || cap.payload->replyCode < 200 ||
                cap.payload->replyCode >= 300)
                continue;
            if (seen[cap.messageId]++ > 0 && !cap.messageId.isEmpty())
                ++dups;
        }
        says(QStringLiteral("dup_deliveries=%1").arg(dups));
        return numberHolds(c, dups);
    }
    if (k == QLatin1String("auth_attempts")) {
        int n = 0;
        for (auto *sc : conns)
            n += sc->model().authCommands();
        says(QStringLiteral("auth_attempts=%1").arg(n));
        return numberHolds(c, n);
    }
    if (k == QLatin1String("wire_has") || k == QLatin1String("wire_lacks") ||
        k == QLatin1String("plain_wire_lacks")) {
        for (const QByteArray &v : c.values) {
            for (auto *sc : conns) {
                const QByteArray w = k == QLatin1String("plain_wire_lacks") && sc->plainBytes() >= 0
                                         ? sc->wire().left(sc->plainBytes())
                                         : sc->wire();
                const qsizetype at = w.indexOf(v);
                if (at >= 0) {
                    says(QStringLiteral("found on connection #%1: \"%2\"")
                             .arg(sc->acceptIndex())
                             .arg(printable(w.mid(std::max<qsizetype>(0, at - 30), 120))));
                    return k == QLatin1String("wire_has");
                }
            }
        }
        says(QStringLiteral("not found on any connection"));
        return k != QLatin1String("wire_has");
    }
    if (k == QLatin1String("no_nested_mail")) {
        for (auto *sc : conns) {
            bool open = false;
            for (const WireCommand &cmd : sc->model().commands()) {
                if (cmd.kind == WireCommand::Kind::EndOfData ||
                    (cmd.kind == WireCommand::Kind::Bdat && cmd.payload >= 0)) {
                    open = false;
                } else if (cmd.kind != WireCommand::Kind::Command) {
                    continue;
                } else if (cmd.verb == "RSET" || cmd.verb == "EHLO" || cmd.verb == "HELO") {
                    open = false;
                } else if (cmd.verb == "MAIL") {
                    if (open) {
                        says(QStringLiteral(
                                 "connection #%1: \"%2\" while an accepted MAIL was still open")
                                 .arg(sc->acceptIndex())
                                 .arg(printable(cmd.line)));
                        return !wantTrue(c);
                    }
                    open = cmd.replyCode >= 200 && cmd.replyCode < 300;
                }
            }
        }
        says(QStringLiteral("no nested MAIL"));
        return wantTrue(c);
    }
    if (k == QLatin1String("eightbit_declared") || k == QLatin1String("size_param_ok")) {
        static const QRegularExpression sizeRe(QStringLiteral("\\sSIZE=(\\d+)"),
                                               QRegularExpression::CaseInsensitiveOption);
        for (auto *sc : conns) {
            const WireCommand *mail = nullptr;
            for (const WireCommand &cmd : sc->model().commands()) {
                if (cmd.kind == WireCommand::Kind::Command && cmd.verb == "MAIL") {
                    mail = &cmd;
                    if (k == QLatin1String("size_param_ok") && cmd.sizeServer &&
                        !sizeRe.match(QString::fromLatin1(cmd.line)).hasMatch()) {
                        says(QStringLiteral("connection #%1: \"%2\" to a SIZE server has no SIZE=")
                                 .arg(sc->acceptIndex())
                                 .arg(printable(cmd.line)));
                        return !wantTrue(c);
                    }
                    continue;
                }
                const bool ends = cmd.kind == WireCommand::Kind::EndOfData ||
                                  (cmd.kind == WireCommand::Kind::Bdat && cmd.payload >= 0);
                if (!ends || !mail)
                    continue;
                const WirePayload &p = sc->model().payloads()[cmd.payload];
                if (k == QLatin1String("eightbit_declared")) {
                    bool eight = false;
                    for (char ch : p.wire)
                        eight = eight || uchar(ch) >= 0x80;
                    const QByteArray up = mail->line.toUpper();
                    const bool declared =
                        up.contains("BODY=8BITMIME") || (p.bdat && up.contains("BODY=BINARYMIME"));
                    if (eight && !declared) {
                        says(QStringLiteral("connection #%1: 8-bit payload after \"%2\"")
                                 .arg(sc->acceptIndex())
                                 .arg(printable(mail->line)));
                        return !wantTrue(c);
                    }
                } else if (mail->sizeServer) {
                    const auto mm = sizeRe.match(QString::fromLatin1(mail->line));
                    if (mm.captured(1).toLongLong() < p.message.size()) {
                        says(QStringLiteral(
                                 "connection #%1: \"%2\" declares less than the %3-octet payload")
                                 .arg(sc->acceptIndex())
                                 .arg(printable(mail->line))
                                 .arg(p.message.size()));
                        return !wantTrue(c);
                    }
                }
            }
        }
        says(QStringLiteral("holds"));
        return wantTrue(c);
    }
    if (k == QLatin1String("client_closed_within") || k == QLatin1String("graceful_close")) {
        ServerConnection *sc = connByNumber(m.toInt());
        if (!sc) {
            says(QStringLiteral("connection %1 was never opened").arg(m));
            return false;
        }
        if (sc->serverClosedFirst()) {
            says(QStringLiteral("the harness closed connection %1 first").arg(m));
            return false;
        }
        if (!sc->clientClosed()) {
            says(QStringLiteral("the client did not close connection %1").arg(m));
            return false;
        }
        if (k == QLatin1String("graceful_close")) {
            const bool fin = sc->clientClose() == ClientClose::Fin;
            const bool notify = !sc->tlsActive() || sc->closeNotifyReceived();
            says(QStringLiteral("closed with %1%2")
                     .arg(sc->clientClose() == ClientClose::Fin     ? u"FIN"
                          : sc->clientClose() == ClientClose::Reset ? u"RST"
                                                                    : u"FIN or RST (unknown)",
                          sc->tlsActive() ? (notify ? u", close_notify" : u", no close_notify")
                                          : u""));
            return (fin && notify) == wantTrue(c);
        }
        const qint64 from = std::max(sc->acceptedAt(), sc->lastServerWriteAt());
        const qint64 took = sc->clientClosedAt() - from;
        says(QStringLiteral("closed %1 ms after the later of accept and the last server line")
                 .arg(took));
        return took <= c.values.value(0).toLongLong();
    }
    if (k == QLatin1String("closed_within")) {
        if (m_quitAt < 0) {
            says(QStringLiteral("no APP: quit ran"));
            return false;
        }
        const qint64 limit = c.values.value(0).toLongLong();
        qint64 worst = 0;
        for (auto *sc : conns) {
            if (!sc->isFinished()) {
                says(QStringLiteral("connection #%1 is still open").arg(sc->acceptIndex()));
                return false;
            }
            if (sc->finishedAt() > m_quitAt)
                worst = std::max(worst, sc->finishedAt() - m_quitAt);
        }
        const qint64 exited = m_app->exitedAt();
        if (exited < 0) {
            says(QStringLiteral("the app did not finish exiting (connections closed after %1 ms)")
                     .arg(worst));
            return false;
        }
        worst = std::max(worst, exited - m_quitAt);
        says(QStringLiteral("everything closed and exited %1 ms after quit (app exit at %2 ms)")
                 .arg(worst)
                 .arg(exited - m_quitAt));
        return worst <= limit;
    }

    // ---- payload keys
    if (k == QLatin1String("data_7bit") || k == QLatin1String("data_no_bare") ||
        k == QLatin1String("data_lines_max")) {
        const QList<Capture> caps = captures();
        int complete = 0;
        for (const Capture &cap : caps) {
            if (!cap.payload->complete)
                continue;
            ++complete;
            const QByteArray &w = cap.payload->wire;
            if (k == QLatin1String("data_7bit")) {
                for (qsizetype x = 0; x < w.size(); ++x) {
                    if (w[x] == 0 || uchar(w[x]) >= 0x80) {
                        says(QStringLiteral(
                                 "octet 0x%1 at %2 of the payload on connection #%3: \"%4\"")
                                 .arg(uchar(w[x]), 2, 16, QLatin1Char('0'))
                                 .arg(x)
                                 .arg(cap.conn)
                                 .arg(printable(w.mid(std::max<qsizetype>(0, x - 40), 100))));
                        return !wantTrue(c);
                    }
                }
            } else if (k == QLatin1String("data_no_bare")) {
                for (qsizetype x = 0; x < w.size(); ++x) {
                    const bool bareCr = w[x] == '\r' && (x + 1 >= w.size() || w[x + 1] != '\n');
                    const bool bareLf = w[x] == '\n' && (x == 0 || w[x - 1] != '\r');
                    if (bareCr || bareLf) {
                        says(QStringLiteral("bare %1 at %2 on connection #%3: \"%4\"")
                                 .arg(bareCr ? u"CR" : u"LF")
                                 .arg(x)
                                 .arg(cap.conn)
                                 .arg(printable(w.mid(std::max<qsizetype>(0, x - 40), 100))));
                        return !wantTrue(c);
                    }
                }
            } else {
                qsizetype longest = 0;
                for (QByteArray line : linesOf(w)) {
                    if (line.endsWith('\r'))
                        line.chop(1);
                    longest = std::max(longest, line.size());
                }
                if (longest > c.values.value(0).toLongLong()) {
                    says(QStringLiteral("a line of %1 octets on connection #%2")
                             .arg(longest)
                             .arg(cap.conn));
                    return false;
                }
            }
        }
        if (complete == 0) {
            says(QStringLiteral("no payload was captured"));
            return false;
        }
        says(QStringLiteral("holds for %1 payloads").arg(complete));
        return k == QLatin1String("data_lines_max") || wantTrue(c);
    }
    if (k == QLatin1String("same_message_id")) {
        const QList<Capture> caps = capturesOf(m, false);
        if (caps.isEmpty()) {
            says(QStringLiteral("no transmission of %1 was captured").arg(m));
            return false;
        }
        QByteArray firstId = caps.first().messageId;
        QByteArray full;
        for (const Capture &cap : caps) {
            if (cap.payload->complete && full.isEmpty())
                full = cap.message;
        }
        for (const Capture &cap : caps) {
            if (cap.messageId != firstId || firstId.isEmpty()) {
                says(QStringLiteral("Message-IDs differ: <%1> and <%2>")
                         .arg(QString::fromLatin1(firstId), QString::fromLatin1(cap.messageId)));
                return !wantTrue(c);
            }
            const bool same =
                cap.payload->complete ? cap.message == full : full.startsWith(cap.message);
            if (!full.isEmpty() && !same) {
                says(QStringLiteral("transmissions of %1 differ in their bytes").arg(m));
                return !wantTrue(c);
            }
        }
        says(QStringLiteral("%1 transmissions, all <%2>")
                 .arg(caps.size())
                 .arg(QString::fromLatin1(firstId)));
        return wantTrue(c);
    }

    // the rest looks into m's captured payloads; every transmission must satisfy it
    const QList<Capture> caps = capturesOf(m);
    if (caps.isEmpty()) {
        const auto v = m_app->message(m);
        says(QStringLiteral("no complete payload of %1 was captured (state %2)")
                 .arg(m, v ? v->state : QStringLiteral("unknown")));
        return false;
    }
    for (const Capture &cap : caps) {
        MessageInspector mi(cap.message);
        bool ok = false;
        if (k == QLatin1String("data_exact")) {
            ok = anyEquals(c.values, cap.message);
            says(QStringLiteral("payload \"%1\"").arg(printable(cap.message, 400)));
        } else if (k == QLatin1String("header_count")) {
            const int n = mi.headerCount(c.args.value(1).toLatin1());
            ok = numberHolds(c, n);
            says(QStringLiteral("%1 %2 fields; header: \"%3\"")
                     .arg(n)
                     .arg(c.args.value(1),
                          printable(cap.message.left(cap.message.indexOf("\r\n\r\n") + 2), 600)));
        } else if (k == QLatin1String("header_decoded")) {
            const auto v = mi.headerDecoded(c.args.value(1).toLatin1());
            ok = v && anyEquals(c.values, v->toUtf8());
            says(v ? QStringLiteral("decoded \"%1\"").arg(*v)
                   : QStringLiteral("no %1 field").arg(c.args.value(1)));
        } else if (k == QLatin1String("encoded_words_ok")) {
            QString why;
            ok = mi.encodedWordsOk(&why) == wantTrue(c);
            says(why.isEmpty() ? QStringLiteral("all encoded-words fine") : why);
        } else if (k == QLatin1String("decoded_body") || k == QLatin1String("decoded_lines")) {
            const auto body = mi.decodedBody();
            if (!body) {
                says(QStringLiteral("no text/plain part"));
                return false;
            }
            if (k == QLatin1String("decoded_body")) {
                ok = anyEquals(c.values, body->toUtf8());
                says(QStringLiteral("body \"%1\"").arg(printable(body->toUtf8(), 400)));
            } else {
                QList<QByteArray> lines;
                for (const QByteArray &l : body->toUtf8().split('\n')) {
                    QByteArray t = l;
                    if (t.endsWith('\r'))
                        t.chop(1);
                    if (!t.isEmpty())
                        lines.append(t);
                }
                ok = lines == c.values;
                says(QStringLiteral("lines %1").arg(printable(lines.join('|'), 400)));
            }
        } else if (k == QLatin1String("attachment_name")) {
            const QStringList names = mi.attachmentNames();
            const int idx = c.args.value(1).toInt() - 1;
            ok = idx >= 0 && idx < names.size() && anyEquals(c.values, names[idx].toUtf8());
            says(QStringLiteral("attachments %1").arg(names.join(QStringLiteral(" | "))));
        } else if (k == QLatin1String("msgid_ok")) {
            QString why;
            ok = mi.messageIdOk(&why);
            if (ok) {
                for (const CaseMessage &other : m_case.messages) {
                    if (other.id == m)
                        continue;
                    for (const Capture &oc : capturesOf(other.id, false)) {
                        if (oc.messageId == cap.messageId) {
                            ok = false;
                            why = QStringLiteral("same Message-ID as %1").arg(other.id);
                        }
                    }
                }
            }
            ok = ok == wantTrue(c);
            says(why.isEmpty() ? QStringLiteral("<%1>").arg(QString::fromLatin1(cap.messageId))
                               : why);
        } else if (k == QLatin1String("date_ok")) {
            const auto v = m_app->message(m);
            QString why;
            ok = mi.dateOk(v ? v->queuedAt : QDateTime(), 600, &why) == wantTrue(c);
            says(why.isEmpty() ? QStringLiteral("Date fine") : why);
        } else if (k == QLatin1String("date_zone")) {
            const QString z = mi.dateZone();
            ok = anyEquals(c.values, z.toLatin1());
            says(QStringLiteral("zone \"%1\"").arg(z));
        } else if (k == QLatin1String("addresses") || k == QLatin1String("display_names")) {
            const QByteArray h = c.args.value(1).toLatin1();
            const QStringList got =
                k == QLatin1String("addresses") ? mi.addresses(h) : mi.displayNames(h);
            QList<QByteArray> gotB;
            for (const QString &g : got)
                gotB << g.toUtf8();
            ok = gotB == c.values;
            QByteArray raw;
            for (const RawField &f : mi.fields()) {
                if (f.name.compare(h, Qt::CaseInsensitive) == 0)
                    raw = f.value;
            }
            says(QStringLiteral("parsed %1 from \"%2\"")
                     .arg(printable(gotB.join('|')), printable(raw)));
        } else {
            says(QStringLiteral("unknown key"));
            return false;
        }
        if (!ok)
            return false;
    }
    return true;
}

QString CaseRunner::report() const
{
    QStringList out;
    out << QStringLiteral("=== %1: %2").arg(m_case.id, m_case.title);
    for (const QString &f : m_failures)
        out << QStringLiteral("FAIL: ") + f;
    for (const QString &n : m_notes)
        out << QStringLiteral("note: ") + n;
    for (const CaseMessage &cm : m_case.messages) {
        const auto v = m_app->message(cm.id);
        if (!v) {
            out << QStringLiteral("%1: not queued").arg(cm.id);
            continue;
        }
        QStringList rc;
        for (auto it = v->recipients.cbegin(); it != v->recipients.cend(); ++it)
            rc << it.key() + QLatin1Char('=') + it.value();
        out << QStringLiteral(
                   "%1: state=%2 class=%3 reply=%4 \"%5\" attempts=%6 uncertain=%7 rcpt[%8] <%9>")
                   .arg(cm.id, v->state, v->errorClass)
                   .arg(v->lastReplyCode)
                   .arg(v->lastReplyText)
                   .arg(v->attempts)
                   .arg(v->uncertain)
                   .arg(rc.join(QLatin1Char(' ')), QString::fromLatin1(v->messageId));
    }
    for (ServerConnection *sc : allConnections()) {
        const int n = m_connOf.value(sc, 0);
        out << QStringLiteral("--- connection #%1 (account %2%3)")
                   .arg(sc->acceptIndex())
                   .arg(sc->account(),
                        n ? QStringLiteral(", CONN %1").arg(n) : QStringLiteral(", unclaimed"));
        out += sc->transcript(80);
    }
    const QStringList diag = m_app->diagnostics();
    if (!diag.isEmpty()) {
        out << QStringLiteral("--- app");
        out += diag.mid(std::max<qsizetype>(0, diag.size() - 60));
    }
    return out.join(QLatin1Char('\n'));
}

} // namespace outpost::testsupport
