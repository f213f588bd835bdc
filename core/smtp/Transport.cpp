#include "Transport.h"

#include <QDateTime>

#include <algorithm>

namespace outpost {

namespace {
/// Waiting messages per live session before the pool opens another one.
constexpr int kBacklogPerSession = 8;
} // namespace

Transport::Transport(QObject *parent)
    : QObject(parent)
{
    m_closeRest.setSingleShot(true);
    connect(&m_closeRest, &QTimer::timeout, this, [this] {
        for (Server *s : std::as_const(m_servers)) {
            const auto members = s->members;
            for (Slot *slot : members)
                slot->session->closeNow();
        }
        checkShutdownDone();
    });
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        // Whatever is still open at the deadline is aborted. The session may report that close
        // as graceful (QSslSocket::abort() emits disconnected() while it is Quitting), so the
        // slot remembers that it was cut off.
        for (Server *s : std::as_const(m_servers)) {
            const auto members = s->members;
            for (Slot *slot : members) {
                // A session whose close_notify and FIN went out before (closeNow()) closed
                // cleanly; only waiting for the server's own close ends here.
                slot->finOut = slot->session->state() == SmtpSession::State::Closing;
                slot->abortedAtDeadline = !slot->finOut;
                slot->session->abort();
            }
        }
        checkShutdownDone();
    });
}

Transport::~Transport()
{
    for (Server *s : std::as_const(m_servers)) {
        for (Slot *slot : std::as_const(s->members)) {
            slot->session->disconnect(this);
            delete slot->session;
            delete slot;
        }
        delete s;
    }
}

QString Transport::serverKey(const SessionConfig &c)
{
    return c.host.toLower() + QLatin1Char('|') + QString::number(c.port) + QLatin1Char('|') +
           securityName(c.security) + QLatin1Char('|') + c.credentials.user + QLatin1Char('|') +
           c.connectHost;
}

Transport::Server *Transport::serverFor(const SendRequest &r)
{
    const QString key = serverKey(r.session);
    Server *s = m_servers.value(key);
    if (!s) {
        s = new Server;
        s->key = key;
        s->rateTimer = new QTimer(this);
        s->rateTimer->setSingleShot(true);
        connect(s->rateTimer, &QTimer::timeout, this, [this, s] { pump(s); });
        m_servers.insert(key, s);
    }
    s->limits = r.limits; // the newest settings win
    return s;
}

void Transport::send(const SendRequest &request)
{
    ++m_outstanding;
    if (m_shuttingDown) {
        failNotAttempted(
            Pending{request, false},
            SmtpResult::failure(ErrorClass::Network, QStringLiteral("Outpost is shutting down")));
        return;
    }
    Server *s = serverFor(request);
    s->queue.push_back(Pending{request, false});
    pump(s);
}

void Transport::cancelPending(const QString &account, const SmtpResult &why)
{
    for (Server *s : std::as_const(m_servers)) {
        std::deque<Pending> keep;
        std::deque<Pending> drop;
        for (auto &p : s->queue)
            (p.request.account == account ? drop : keep).push_back(p);
        s->queue = keep;
        for (const auto &p : drop)
            failNotAttempted(p, why);
    }
}

void Transport::failNotAttempted(const Pending &p, const SmtpResult &why)
{
    TransactionResult tx;
    tx.messageId = p.request.message.id;
    tx.result = why;
    tx.notAttempted = true;
    tx.server = QStringLiteral("%1:%2").arg(p.request.session.host).arg(p.request.session.port);
    report(tx);
}

void Transport::report(const TransactionResult &tx)
{
    --m_outstanding;
    emit finished(tx);
}

void Transport::pump(Server *s)
{
    if (m_shuttingDown)
        return;
    while (!s->queue.empty()) {
        if (s->limits.ratePerMinute > 0) {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            while (!s->starts.empty() && s->starts.front() <= now - 60000)
                s->starts.pop_front();
            if (int(s->starts.size()) >= s->limits.ratePerMinute) {
                s->rateTimer->start(int(s->starts.front() + 60000 - now) + 1);
                return;
            }
        }
        Slot *idle = nullptr;
        for (Slot *slot : std::as_const(s->members)) {
            if (!slot->current && !slot->retiring && slot->session->isIdle()) {
                idle = slot;
                break;
            }
        }
        if (idle) {
            idle->idleTimer->stop();
            idle->current = s->queue.front();
            s->queue.pop_front();
            if (s->limits.ratePerMinute > 0)
                s->starts.push_back(QDateTime::currentMSecsSinceEpoch());
            emit poolChanged();
            idle->session->submit(idle->current->request.message);
            continue;
        }
        int opening = 0;
        int live = 0;
        for (Slot *slot : std::as_const(s->members)) {
            if (slot->retiring)
                continue;
            ++live;
            if (!slot->session->isIdle() && !slot->current)
                ++opening;
        }
        // Open the first session at once; open another only when none is being set up and
        // the backlog is deep enough that a second TLS handshake and login pay for
        // themselves (kBacklogPerSession waiting messages per live session).
        if (live < s->limits.maxPerServer &&
            (live == 0 || (opening == 0 && int(s->queue.size()) >= kBacklogPerSession * live))) {
            openSession(s, s->queue.front().request);
            continue;
        }
        // Otherwise queue the next message behind a running pipelined transaction, within the
        // session's transaction budget (the running one and the queued one both count).
        Slot *behind = nullptr;
        for (Slot *slot : std::as_const(s->members)) {
            if (slot->current && !slot->next && !slot->retiring &&
                slot->sent + 2 <= s->limits.maxMessages && slot->session->canQueueNext()) {
                behind = slot;
                break;
            }
        }
        if (!behind)
            return;
        behind->next = s->queue.front();
        s->queue.pop_front();
        if (s->limits.ratePerMinute > 0)
            s->starts.push_back(QDateTime::currentMSecsSinceEpoch());
        behind->session->queueNext(behind->next->request.message);
    }
}

void Transport::openSession(Server *s, const SendRequest &r)
{
    auto *slot = new Slot;
    slot->id = m_nextSessionId++;
    slot->account = r.account;
    slot->session = new SmtpSession(r.session, this);
    slot->idleTimer = new QTimer(slot->session);
    slot->idleTimer->setSingleShot(true);
    s->members.append(slot);
    SmtpSession *session = slot->session;
    connect(slot->idleTimer, &QTimer::timeout, this, [this, s, slot] {
        slot->retiring = true;
        emit poolChanged();
        slot->session->quit();
        pump(s);
    });
    connect(session, &SmtpSession::ready, this, [this, s, slot] { onReady(s, slot); });
    connect(session, &SmtpSession::openFailed, this,
            [this, s, slot](const SmtpResult &r) { onOpenFailed(s, slot, r); });
    connect(session, &SmtpSession::transactionFinished, this,
            [this, s, slot](const TransactionResult &tx) { onTransactionFinished(s, slot, tx); });
    connect(session, &SmtpSession::closed, this,
            [this, s, slot](SmtpSession::CloseKind k) { onClosed(s, slot, k); });
    const QString account = r.account;
    const int id = slot->id;
    connect(session, &SmtpSession::logLine, this,
            [this, account, id](const QString &line) { emit logLine(account, id, line); });
    connect(session, &SmtpSession::stateChanged, this, &Transport::poolChanged);
    connect(session, &SmtpSession::endOfDataAhead, this, &Transport::endOfDataAhead);
    emit poolChanged();
    session->open();
}

void Transport::onReady(Server *s, Slot *slot)
{
    emit sessionReady(slot->account, slot->session->capabilities());
    slot->idleTimer->start(std::max(1, s->limits.idleMs));
    pump(s);
}

void Transport::onOpenFailed(Server *s, Slot *slot, const SmtpResult &given)
{
    slot->retiring = true;
    // A session that never opened delivered nothing, whatever its result says.
    SmtpResult result = given;
    if (result.ok())
        result =
            SmtpResult::failure(ErrorClass::Protocol,
                                QStringLiteral("the session failed without a reason"), given.reply);
    // The first waiting request carries the attempt; the rest learn the same without one.
    bool first = true;
    while (!s->queue.empty()) {
        Pending p = s->queue.front();
        s->queue.pop_front();
        if (first) {
            TransactionResult tx;
            tx.messageId = p.request.message.id;
            tx.result = result;
            tx.server =
                QStringLiteral("%1:%2").arg(p.request.session.host).arg(p.request.session.port);
            report(tx);
            first = false;
        } else {
            failNotAttempted(p, result);
        }
    }
    emit poolChanged();
}

void Transport::onTransactionFinished(Server *s, Slot *slot, const TransactionResult &tx)
{
    if (!slot->current)
        return;
    // The session reports in order: the running message, then the one queued behind it.
    Pending p = *slot->current;
    slot->current = std::move(slot->next);
    slot->next.reset();
    if (tx.mailAnswered)
        ++slot->sent;
    const ErrorClass cls = tx.result.errorClass;
    // A reused session found dead before its MAIL was answered (or answered with 421): the
    // server dropped it while idle. Send once more on a fresh session, not counted.
    const bool stale =
        tx.sessionReused && !p.retriedFresh &&
        ((!tx.mailAnswered && (cls == ErrorClass::Network || cls == ErrorClass::Timeout ||
                               cls == ErrorClass::Protocol)) ||
         (tx.result.reply.code == 421 && tx.recipients.isEmpty()));
    const bool sessionUsable = slot->session->isIdle() && !slot->retiring;
    if (stale && m_shuttingDown) {
        // Nothing is sent again once shutdown() began: the message was never attempted.
        TransactionResult notSent = tx;
        notSent.notAttempted = true;
        report(notSent);
    } else if (stale) {
        slot->retiring = true;
        if (slot->session->isIdle())
            slot->session->quit();
        p.retriedFresh = true;
        s->queue.push_front(p);
        emit logLine(slot->account, slot->id,
                     QStringLiteral("-- pooled session was dead; resending on a new session"));
    } else {
        report(tx);
    }
    if (slot->current) {
        // The queued message is running now (or is reported next); the session stays busy.
        emit poolChanged();
        pump(s);
        return;
    }
    if (sessionUsable && !stale) {
        if (slot->sent >= s->limits.maxMessages || m_shuttingDown) {
            slot->retiring = true;
            slot->session->quit();
        } else {
            slot->idleTimer->start(std::max(1, s->limits.idleMs));
        }
    } else if (!sessionUsable && !stale) {
        slot->retiring = true;
    }
    emit poolChanged();
    pump(s);
}

void Transport::onClosed(Server *s, Slot *slot, SmtpSession::CloseKind kind)
{
    if (m_shuttingDown) {
        if ((kind == SmtpSession::CloseKind::Aborted && !slot->finOut) || slot->abortedAtDeadline)
            ++m_aborted;
        else
            ++m_clean;
    }
    s->members.removeOne(slot);
    for (std::optional<Pending> *held : {&slot->next, &slot->current}) {
        if (!*held)
            continue;
        // Closed without a transaction result (should not happen: SmtpSession reports first).
        Pending p = **held;
        held->reset();
        if (!m_shuttingDown && !p.retriedFresh) {
            p.retriedFresh = true;
            s->queue.push_front(p);
        } else {
            failNotAttempted(
                p, SmtpResult::failure(ErrorClass::Network, QStringLiteral("connection closed")));
        }
    }
    slot->session->disconnect(this);
    slot->session->deleteLater();
    delete slot;
    emit poolChanged();
    if (m_shuttingDown)
        checkShutdownDone();
    else
        pump(s);
}

void Transport::shutdown(int deadlineMs)
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    const SmtpResult why =
        SmtpResult::failure(ErrorClass::Network, QStringLiteral("Outpost is shutting down"));
    for (Server *s : std::as_const(m_servers)) {
        while (!s->queue.empty()) {
            Pending p = s->queue.front();
            s->queue.pop_front();
            failNotAttempted(p, why);
        }
        s->rateTimer->stop();
    }
    // QUIT to every session at once; those inside a transaction QUIT when it ends.
    for (Server *s : std::as_const(m_servers)) {
        const auto members = s->members;
        for (Slot *slot : members) {
            slot->retiring = true;
            slot->idleTimer->stop();
            slot->session->quit();
        }
    }
    const int deadline = std::max(1, deadlineMs);
    m_deadline.start(deadline);
    m_closeRest.start(deadline - std::clamp(deadline / 4, 0, 1000));
    QTimer::singleShot(0, this, &Transport::checkShutdownDone);
}

void Transport::checkShutdownDone()
{
    if (!m_shuttingDown || m_shutdownReported)
        return;
    for (Server *s : std::as_const(m_servers)) {
        if (!s->members.isEmpty())
            return;
    }
    m_shutdownReported = true;
    m_deadline.stop();
    m_closeRest.stop();
    emit shutdownFinished(m_clean, m_aborted);
}

QList<PoolSessionInfo> Transport::poolState() const
{
    QList<PoolSessionInfo> out;
    for (const Server *s : std::as_const(m_servers)) {
        for (const Slot *slot : s->members) {
            PoolSessionInfo info;
            info.server = QStringLiteral("%1:%2")
                              .arg(slot->session->config().host)
                              .arg(slot->session->config().port);
            info.account = slot->account;
            info.state = slot->session->state();
            info.busy = slot->current.has_value();
            info.messagesSent = slot->sent;
            out << info;
        }
    }
    return out;
}

void Transport::releaseEndOfData(qint64 messageId, bool recorded)
{
    for (Server *s : std::as_const(m_servers)) {
        for (Slot *slot : std::as_const(s->members)) {
            if (slot->session &&
                ((slot->current && slot->current->request.message.id == messageId) ||
                 (slot->next && slot->next->request.message.id == messageId))) {
                slot->session->releaseEndOfData(messageId, recorded);
                return;
            }
        }
    }
}

} // namespace outpost
