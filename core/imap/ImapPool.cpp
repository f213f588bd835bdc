#include "ImapPool.h"

#include <algorithm>

namespace outpost {

ImapPool::ImapPool(QObject *parent)
    : QObject(parent)
{
    m_closeRest.setSingleShot(true);
    connect(&m_closeRest, &QTimer::timeout, this, [this] {
        const auto servers = m_servers.values();
        for (Server *s : servers)
            s->session->closeNow();
        checkShutdownDone();
    });
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        const auto servers = m_servers.values();
        for (Server *s : servers) {
            // A session whose close_notify and FIN went out before (closeNow()) closed
            // cleanly; only waiting for the server's own close ends here.
            s->finOut = s->session->state() == ImapSession::State::Closing;
            s->abortedAtDeadline = !s->finOut;
            s->session->abort();
        }
        checkShutdownDone();
    });
}

ImapPool::~ImapPool()
{
    for (Server *s : std::as_const(m_servers)) {
        s->session->disconnect(this);
        delete s->session;
        delete s;
    }
}

QString ImapPool::serverKey(const ImapConfig &c)
{
    return c.host.toLower() + QLatin1Char('|') + QString::number(c.port) + QLatin1Char('|') +
           securityName(c.security) + QLatin1Char('|') + c.credentials.user + QLatin1Char('|') +
           c.connectHost;
}

void ImapPool::list(const QString &account, const ImapConfig &config, qint64 id)
{
    Pending p;
    p.kind = ImapCommand::Kind::List;
    p.account = account;
    p.config = config;
    p.callerId = id;
    give(p);
}

void ImapPool::append(const QString &account, const ImapConfig &config,
                      const ImapAppendRequest &request)
{
    Pending p;
    p.kind = ImapCommand::Kind::Append;
    p.account = account;
    p.config = config;
    p.callerId = request.id;
    p.append = request;
    give(p);
}

void ImapPool::appendChecked(const QString &account, const ImapConfig &config,
                             const ImapAppendRequest &request, const QByteArray &messageId)
{
    Pending p;
    p.kind = ImapCommand::Kind::Append;
    p.account = account;
    p.config = config;
    p.callerId = request.id;
    p.append = request;
    p.check = true;
    p.search.mailbox = request.mailbox;
    p.search.messageId = messageId;
    give(p);
}

void ImapPool::search(const QString &account, const ImapConfig &config,
                      const ImapSearchRequest &request)
{
    Pending p;
    p.kind = ImapCommand::Kind::Search;
    p.account = account;
    p.config = config;
    p.callerId = request.id;
    p.search = request;
    give(p);
}

qint64 ImapPool::give(Pending p)
{
    const qint64 ticket = m_nextTicket++;
    m_pending.insert(ticket, p);
    submit(ticket);
    return ticket;
}

void ImapPool::submit(qint64 ticket)
{
    const Pending &p = m_pending[ticket];
    if (m_shuttingDown) {
        // Reported through the session machinery's shape: not attempted, class Network.
        const ImapResult why = ImapResult::failure(ImapErrorClass::Network,
                                                   QStringLiteral("Outpost is shutting down"));
        const Pending done = m_pending.take(ticket);
        switch (done.kind) {
        case ImapCommand::Kind::List: {
            ImapListResult r;
            r.id = done.callerId;
            r.result = why;
            r.notAttempted = true;
            r.server = done.config.server();
            emit listFinished(done.account, r);
            return;
        }
        case ImapCommand::Kind::Append: {
            ImapAppendResult r;
            r.id = done.callerId;
            r.result = why;
            r.notAttempted = true;
            r.server = done.config.server();
            emit appendFinished(done.account, r);
            return;
        }
        case ImapCommand::Kind::Search:
        case ImapCommand::Kind::Noop: {
            ImapSearchResult r;
            r.id = done.callerId;
            r.result = why;
            r.notAttempted = true;
            r.server = done.config.server();
            emit searchFinished(done.account, r);
            return;
        }
        }
        return;
    }
    Server *s = sessionFor(p);
    s->idleTimer->stop();
    switch (p.kind) {
    case ImapCommand::Kind::List:
        s->session->list(ticket);
        return;
    case ImapCommand::Kind::Append: {
        if (p.check && !p.checked) {
            ImapSearchRequest q = p.search;
            q.id = ticket;
            s->session->search(q);
            return;
        }
        ImapAppendRequest r = p.append;
        r.id = ticket;
        s->session->append(r);
        return;
    }
    case ImapCommand::Kind::Search: {
        ImapSearchRequest r = p.search;
        r.id = ticket;
        s->session->search(r);
        return;
    }
    case ImapCommand::Kind::Noop:
        s->session->noop(ticket);
        return;
    }
}

ImapPool::Server *ImapPool::sessionFor(const Pending &p)
{
    const QString key = serverKey(p.config);
    if (Server *s = m_servers.value(key)) {
        if (s->session->isUsable())
            return s;
        // A retiring session stays in the pool until it closes, under its own key.
        m_servers.remove(key);
        s->key = key + QStringLiteral("|retiring%1").arg(s->id);
        m_servers.insert(s->key, s);
    }
    auto *s = new Server;
    s->key = key;
    s->id = m_nextSessionId++;
    s->session = new ImapSession(p.config, this);
    s->idleTimer = new QTimer(s->session);
    s->idleTimer->setSingleShot(true);
    m_servers.insert(key, s);
    ImapSession *session = s->session;
    const QString account = p.account;
    const int id = s->id;
    connect(s->idleTimer, &QTimer::timeout, this, [s] { s->session->logout(); });
    connect(session, &ImapSession::ready, this, [this, s, account] {
        emit sessionReady(account, s->session->capabilities());
        afterResult(s);
    });
    connect(session, &ImapSession::listFinished, this, [this, s](const ImapListResult &r) {
        if (resend(s, r.id, r))
            return;
        const Pending p = m_pending.take(r.id);
        ImapListResult out = r;
        out.id = p.callerId;
        emit listFinished(p.account, out);
        afterResult(s);
    });
    connect(session, &ImapSession::appendFinished, this, [this, s](const ImapAppendResult &r) {
        if (resend(s, r.id, r))
            return;
        const Pending p = m_pending.take(r.id);
        ImapAppendResult out = r;
        out.id = p.callerId;
        emit appendFinished(p.account, out);
        afterResult(s);
    });
    connect(session, &ImapSession::searchFinished, this,
            [this, s](const ImapSearchResult &r) { onSearchFinished(s, r); });
    connect(session, &ImapSession::closed, this,
            [this, s](ImapSession::CloseKind k) { onClosed(s, k); });
    connect(session, &ImapSession::logLine, this,
            [this, account, id](const QString &line) { emit logLine(account, id, line); });
    session->open();
    return s;
}

bool ImapPool::resend(Server *server, qint64 ticket, const ImapCommandOutcome &outcome)
{
    auto it = m_pending.find(ticket);
    if (it == m_pending.end())
        return false;
    // A command the session never wrote, on a session that was set up and then ended (the
    // server closed it while it was pooled): once more on a fresh session. Commands of a
    // session that could not be set up get its result instead.
    const bool sessionDied = outcome.notAttempted &&
                             outcome.result.errorClass != ImapErrorClass::Local &&
                             server->session->commandCount() > 0;
    if (!sessionDied || it->retried || m_shuttingDown)
        return false;
    it->retried = true;
    emit logLine(it->account, server->id,
                 QStringLiteral("-- pooled session ended; sending the command on a new session"));
    submit(ticket);
    return true;
}

void ImapPool::onSearchFinished(Server *server, const ImapSearchResult &r)
{
    if (resend(server, r.id, r))
        return;
    auto it = m_pending.find(r.id);
    if (it == m_pending.end())
        return;
    if (it->kind == ImapCommand::Kind::Append && r.result.ok() && r.uids.isEmpty()) {
        // appendChecked(): no copy there, so this APPEND cannot make a second one.
        it->checked = true;
        submit(r.id);
        return;
    }
    const Pending p = m_pending.take(r.id);
    if (p.kind == ImapCommand::Kind::Append) {
        ImapAppendResult out;
        static_cast<ImapCommandOutcome &>(out) = r;
        out.id = p.callerId;
        if (r.result.ok()) {
            out.alreadyStored = true;
            out.uid = r.uids.last();
            out.uidValidity = r.uidValidity;
        }
        emit appendFinished(p.account, out);
    } else {
        ImapSearchResult out = r;
        out.id = p.callerId;
        emit searchFinished(p.account, out);
    }
    afterResult(server);
}

void ImapPool::afterResult(Server *server)
{
    if (m_shuttingDown || !server->session->isIdle())
        return;
    server->idleTimer->start(std::max(1, m_idleMs));
}

void ImapPool::onClosed(Server *server, ImapSession::CloseKind kind)
{
    if (m_shuttingDown) {
        if ((kind == ImapSession::CloseKind::Aborted && !server->finOut) ||
            server->abortedAtDeadline)
            ++m_aborted;
        else
            ++m_clean;
    }
    m_servers.remove(server->key);
    server->idleTimer->stop();
    server->session->disconnect(this);
    server->session->deleteLater();
    delete server;
    if (m_shuttingDown)
        checkShutdownDone();
}

void ImapPool::shutdown(int deadlineMs)
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    // LOGOUT to every session at once; commands already written finish first.
    const auto servers = m_servers.values();
    for (Server *s : servers) {
        s->idleTimer->stop();
        s->session->logout();
    }
    const int deadline = std::max(1, deadlineMs);
    m_deadline.start(deadline);
    m_closeRest.start(deadline - std::clamp(deadline / 4, 0, 1000));
    QTimer::singleShot(0, this, &ImapPool::checkShutdownDone);
}

void ImapPool::checkShutdownDone()
{
    if (!m_shuttingDown || m_shutdownReported || !m_servers.isEmpty())
        return;
    m_shutdownReported = true;
    m_deadline.stop();
    m_closeRest.stop();
    emit shutdownFinished(m_clean, m_aborted);
}

} // namespace outpost
