#include "Dispatcher.h"

#include "Clock.h"
#include "Connectivity.h"
#include "Outcome.h"
#include "accounts/AccountStore.h"
#include "accounts/ConnectionTest.h"
#include "accounts/CredentialStore.h"
#include "accounts/SentCopy.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"

#include "storage/Storage.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslSocket>
#include <QThread>

#include <memory>

#include <utility>

namespace outpost {

namespace {
/// Messages handed to the transport and not yet reported, at most. The transport queues
/// them per server; more would only hold message bytes in memory.
constexpr int kMaxInFlight = 64;
/// Messages claimed per dispatch() run. Small batches keep each run short (the event loop,
/// and with it the UI, gets control back between batches).
constexpr int kClaimBatch = 16;
/// With the worker thread the claim costs this thread nothing: claim up to the room left, but
/// at most this many octets of messages at once (they are held in memory until sent).
constexpr qint64 kWorkerClaimBytes = 8 * 1024 * 1024;
/// With the worker thread, the next claim waits until this much room is free, so the transport
/// still holds kMaxInFlight - kClaimLowRoom messages (a backlog for pipelining) meanwhile.
constexpr int kClaimLowRoom = kMaxInFlight / 2;
/// Accepted messages are recorded together (group commit): one transaction, and so one disk
/// sync, for every message accepted within this window (ms) or for this many messages,
/// instead of one per message (at the next event-loop turn when nothing else is in flight): a
/// sync per message capped a flush at ~60 messages/s on a disk with a 5 ms fsync.
constexpr int kCommitWindowMs = 20;
constexpr int kCommitBatch = kMaxInFlight / 2;

} // namespace

Dispatcher::Dispatcher(Storage *storage, AccountStore *accounts, Settings *settings,
                       CredentialStore *credentials, Transport *transport,
                       Connectivity *connectivity, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_storage(storage)
    , m_store(storage->reader())
    , m_accounts(accounts)
    , m_settings(settings)
    , m_credentials(credentials)
    , m_transport(transport)
    , m_connectivity(connectivity)
    , m_clock(clock)
    , m_resolve([](const QString &h) { return h; })
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Dispatcher::scheduleDispatch);
    m_commitTimer.setSingleShot(true);
    connect(&m_commitTimer, &QTimer::timeout, this, &Dispatcher::startCommit);
    m_drainTimer.setSingleShot(true);
    m_drainTimer.setInterval(0);
    connect(&m_drainTimer, &QTimer::timeout, this, &Dispatcher::drainBacklog);
    connect(m_transport, &Transport::finished, this, &Dispatcher::onFinished);
    connect(m_accounts, &AccountStore::changed, this, [this] { m_paused.reset(); });
    // Before anyone hears that the transport has shut down, every outcome is on disk.
    connect(m_transport, &Transport::shutdownFinished, this, &Dispatcher::commitPending);
    connect(m_connectivity, &Connectivity::changed, this, [this](bool cameOnline) {
        if (!m_connectivity->canSend()) {
            // Remember what waits for the network, to sum it up once it has gone out.
            for (qint64 id : m_store->ids(MessageState::Queued))
                m_offlineBatch.insert(id);
            updateActivity();
            return;
        }
        if (cameOnline)
            makeAllDue(); // what waited for the network goes now, not at its backoff time
        scheduleDispatch();
    });
    connect(m_store, &OutboxReader::messageChanged, this, [this](qint64 id) {
        if (!m_connectivity->canSend()) {
            const auto s = m_store->summary(id);
            if (s && s->state == MessageState::Queued)
                m_offlineBatch.insert(id);
        }
    });
}

Dispatcher::~Dispatcher()
{
    m_stopped = true;
    requeueWaitingForPassword();
    commitPending(); // a message the server accepted is never sent twice for want of a write
}

void Dispatcher::start()
{
    m_started = true;
    m_stopped = false;
    scheduleDispatch();
}

void Dispatcher::stop()
{
    m_stopped = true;
    m_timer.stop();
    requeueWaitingForPassword();
}

void Dispatcher::requeueWaitingForPassword()
{
    // Claimed and not handed to the transport yet: queued again too.
    m_drainTimer.stop();
    requeueUnsent(std::exchange(m_backlog, {}));
    // Claimed, but their password (keychain, password command) never came: back to queued
    // now, not left in `sending` for the next start to recover.
    const auto waiting = std::exchange(m_waitingForPassword, {});
    for (const QList<ClaimedMessage> &claimed : waiting)
        requeueUnsent(claimed);
}

void Dispatcher::flush()
{
    makeAllDue();
    scheduleDispatch();
}

void Dispatcher::makeAllDue()
{
    writeThen([](StorageWriter &w) { w.outbox.makeAllDue(); }, [this] { scheduleDispatch(); });
}

template <typename Job, typename Done> void Dispatcher::writeThen(Job job, Done done)
{
    ++m_writesPending;
    m_storage->write(std::move(job), this, [this, done](auto &&...result) {
        --m_writesPending;
        done(result...);
        updateActivity();
    });
}

void Dispatcher::wake()
{
    scheduleDispatch();
}

qint64 Dispatcher::backoffMs(int attempts, qint64 initialMs, qint64 maxMs)
{
    return retryBackoffMs(attempts, initialMs, maxMs);
}

bool Dispatcher::isBusy() const
{
    if (!m_pendingUpdates.isEmpty() || m_claimPending || m_writesPending > 0)
        return true;
    if (!m_inFlight.isEmpty() || !m_waitingForPassword.isEmpty() || !m_backlog.isEmpty())
        return true;
    if (!m_connectivity->canSend() || m_stopped)
        return false;
    const qint64 next = m_store->nextDueMs(skippedAccounts());
    return next >= 0 && next <= m_clock->nowMs();
}

void Dispatcher::updateActivity()
{
    const bool busy = isBusy();
    if (busy == m_busy)
        return;
    m_busy = busy;
    if (!busy && !m_offlineBatch.isEmpty() && m_offlineBatchSent > 0) {
        bool allDone = true;
        for (qint64 id : std::as_const(m_offlineBatch)) {
            const auto s = m_store->summary(id);
            if (s && (s->state == MessageState::Queued || s->state == MessageState::Sending))
                allDone = false;
        }
        if (allDone) {
            Notice n;
            n.kind = Notice::Kind::BatchSent;
            n.count = m_offlineBatchSent;
            m_offlineBatch.clear();
            m_offlineBatchSent = 0;
            emit notice(n);
        }
    }
    emit activityChanged(busy);
}

void Dispatcher::scheduleDispatch()
{
    if (m_dispatchPending)
        return;
    m_dispatchPending = true;
    QTimer::singleShot(0, this, &Dispatcher::dispatch);
}

QStringList Dispatcher::skippedAccounts() const
{
    // Made once per change of the accounts (AccountStore::changed), not at every dispatch.
    if (!m_paused)
        m_paused = m_accounts->pausedAccounts();
    QStringList skip = *m_paused;
    for (auto it = m_waitingForPassword.cbegin(); it != m_waitingForPassword.cend(); ++it)
        skip << it.key();
    return skip;
}

void Dispatcher::dispatch()
{
    m_dispatchPending = false;
    if (!m_started || m_stopped || m_transport->isShuttingDown() || !m_connectivity->canSend()) {
        updateActivity();
        return;
    }
    if (m_storage->hasWorkerThread()) {
        const int room = kMaxInFlight - int(m_inFlight.size()) - int(m_backlog.size());
        if (room < kClaimLowRoom && !m_claimPending) {
            // Messages are in flight and each result dispatches again: claim once enough
            // room has opened. (A claim scans the due messages; claiming as every single
            // result came in cost that scan per message: 108 claims for 500 messages.)
            updateActivity();
            return;
        }
        if (room > 0 && !m_claimPending) {
            m_claimPending = true;
            const QStringList skip = skippedAccounts();
            m_storage->write(
                [room, skip](StorageWriter &w) {
                    return w.outbox.claimDue(room, skip, kWorkerClaimBytes);
                },
                this,
                [this](const QList<ClaimedMessage> &claimed) {
                    onClaimed(claimed, !claimed.isEmpty());
                });
        }
        armTimer();
        updateActivity();
        return;
    }
    const int room = std::min(kClaimBatch, kMaxInFlight - int(m_inFlight.size()));
    if (room > 0) {
        const QStringList skip = skippedAccounts();
        const QList<ClaimedMessage> claimed = m_storage->writeNow(
            [room, skip](StorageWriter &w) { return w.outbox.claimDue(room, skip); });
        handleClaimed(claimed, claimed.size() == room);
    }
    armTimer();
    updateActivity();
}

void Dispatcher::onClaimed(const QList<ClaimedMessage> &claimed, bool more)
{
    m_claimPending = false;
    if (m_stopped || m_transport->isShuttingDown()) {
        requeueUnsent(claimed);
    } else {
        // Handed to the transport kClaimBatch at a time, one event-loop turn each: a claim
        // of 8 MB of messages took 4-6 ms of this thread at once.
        m_backlog += claimed;
        m_backlogMore = more;
        drainBacklog();
        armTimer();
    }
    updateActivity();
}

void Dispatcher::drainBacklog()
{
    if (m_backlog.isEmpty())
        return;
    if (m_stopped || m_transport->isShuttingDown()) {
        requeueUnsent(std::exchange(m_backlog, {}));
        updateActivity();
        return;
    }
    const QList<ClaimedMessage> now =
        m_backlog.first(std::min<qsizetype>(kClaimBatch, m_backlog.size()));
    m_backlog.remove(0, now.size());
    handleClaimed(now, m_backlog.isEmpty() && m_backlogMore);
    if (!m_backlog.isEmpty())
        m_drainTimer.start();
    else
        updateActivity();
}

void Dispatcher::requeueUnsent(const QList<ClaimedMessage> &claimed)
{
    if (claimed.isEmpty())
        return;
    QList<DeliveryUpdate> updates;
    for (const ClaimedMessage &c : claimed) {
        DeliveryUpdate u;
        u.id = c.id;
        u.state = MessageState::Queued;
        u.nextAttemptAt = m_clock->now();
        u.countAttempt = false;
        u.event = HistoryEvent::Interrupted;
        updates << u;
    }
    apply(updates);
}

void Dispatcher::handleClaimed(const QList<ClaimedMessage> &claimed, bool more)
{
    if (more)
        scheduleDispatch(); // more may be due: continue after the event loop had its turn
    QHash<QString, std::optional<Account>> accounts;
    for (const ClaimedMessage &c : claimed) {
        if (!accounts.contains(c.account))
            accounts.insert(c.account, m_accounts->find(c.account));
        const std::optional<Account> account = accounts.value(c.account);
        if (!account) {
            DeliveryUpdate u;
            u.id = c.id;
            u.state = MessageState::Failed;
            u.errorClass = ErrorClass::Local;
            u.detail = QStringLiteral("the account \"%1\" does not exist").arg(c.account);
            u.countAttempt = false;
            u.event = HistoryEvent::Failed;
            apply({u});
            continue;
        }
        if (account->usesAuth() && !m_passwords.contains(account->name)) {
            m_waitingForPassword[account->name].append(c);
            fetchPassword(*account);
            continue;
        }
        sendClaimed(c, *account, m_passwords.value(account->name));
    }
}

void Dispatcher::armTimer()
{
    if (m_claimPending)
        return; // its result arms the timer again
    if (m_stopped || !m_connectivity->canSend() || int(m_inFlight.size()) >= kMaxInFlight) {
        m_timer.stop();
        return;
    }
    const qint64 next = m_store->nextDueMs(skippedAccounts());
    if (next < 0) {
        m_timer.stop();
        return;
    }
    const qint64 wait = std::clamp<qint64>(next - m_clock->nowMs(), 0, 24LL * 3600 * 1000);
    m_timer.start(int(wait));
}

void Dispatcher::fetchPassword(const Account &account)
{
    if (m_fetching.contains(account.name))
        return;
    m_fetching.insert(account.name);
    const QString name = account.name;
    const QString server = QStringLiteral("%1:%2").arg(account.host).arg(account.port);
    auto done = [this, name, server](PasswordCommandStatus status, const QString &secret,
                                     const QString &error) {
        m_fetching.remove(name);
        const QList<ClaimedMessage> waiting = m_waitingForPassword.take(name);
        const std::optional<Account> account = m_accounts->find(name);
        if (status == PasswordCommandStatus::TimedOut && account) {
            // The command may be waiting for the user (a pinentry, a locked password manager):
            // not a refused login. The messages wait for the backoff like any attempt that
            // reached nobody; the account stays as it is.
            for (const ClaimedMessage &c : waiting) {
                TransactionResult tx;
                tx.messageId = c.id;
                tx.server = server;
                tx.result = SmtpResult::failure(ErrorClass::Credentials, error);
                apply({decideOutcome(tx, c, outcomeContext(c.account, server)).update});
            }
            updateActivity();
            scheduleDispatch();
            return;
        }
        if (status != PasswordCommandStatus::Ok || !account) {
            // Nothing can be sent without it: hold the account's messages and say so once.
            for (const ClaimedMessage &c : waiting) {
                DeliveryUpdate u;
                u.id = c.id;
                u.state = MessageState::Held;
                u.errorClass = ErrorClass::Auth;
                u.detail = QStringLiteral("no password: %1").arg(error);
                u.countAttempt = false;
                u.event = HistoryEvent::HeldAccountPaused;
                apply({u});
            }
            pauseAccount(name, SmtpResult::failure(ErrorClass::Auth,
                                                   QStringLiteral("no password: %1").arg(error)));
            // Nothing more to do for this account: say so, or `outpost flush` waits forever.
            updateActivity();
            return;
        }
        m_passwords.insert(name, secret);
        for (const ClaimedMessage &c : waiting)
            sendClaimed(c, *account, secret);
        scheduleDispatch();
    };
    if (!account.passwordCommand.isEmpty()) {
        runPasswordCommand(account.passwordCommand, this, done,
                           int(m_settings->intValue(name, settingKey("timeout.password_command"))));
    } else {
        m_credentials->readPassword(
            account.name, [done](bool ok, const QString &secret, const QString &error) {
                done(ok ? PasswordCommandStatus::Ok : PasswordCommandStatus::Failed, secret, error);
            });
    }
}

void Dispatcher::sendClaimed(const ClaimedMessage &c, const Account &account,
                             const QString &password)
{
    SendRequest r;
    r.account = account.name;
    r.session = sessionConfigForAccount(account, password, m_settings);
    SessionConfig &s = r.session;
    s.connectHost = m_resolve(account.host);
    if (s.connectHost == s.host)
        s.connectHost.clear();
    auto ms = [&](QLatin1String key) {
        return int(m_settings->intValue(account.name, key));
    };
    r.limits.maxPerServer = ms(settingKey("pool.max_per_server"));
    r.limits.maxMessages = ms(settingKey("pool.max_messages"));
    r.limits.idleMs = ms(settingKey("pool.idle_ms"));
    r.limits.ratePerMinute = ms(settingKey("pool.rate_per_min"));
    r.message.id = c.id;
    r.message.reversePath = c.reversePath;
    r.message.recipients = c.recipients;
    r.message.data = c.data;
    r.message.needsSmtpUtf8 = c.needsSmtpUtf8;
    r.message.dsn = c.dsn;
    InFlight f;
    f.message = c;
    f.message.data.clear(); // the transport holds the bytes; keep only the envelope here
    f.server = QStringLiteral("%1:%2").arg(account.host).arg(account.port);
    m_inFlight.insert(c.id, f);
    m_transport->send(r);
}

void Dispatcher::apply(const QList<DeliveryUpdate> &updates)
{
    startCommit(); // outcomes reach the store in the order they happened
    writeThen(
        [updates](StorageWriter &w) {
            QString error;
            if (!w.outbox.applyUpdates(updates, &error))
                return error.isEmpty() ? QStringLiteral("could not write the outbox") : error;
            return QString();
        },
        [this, n = updates.size(), first = updates.first().id](const QString &error) {
            if (!error.isEmpty())
                qWarning("outpost: could not record the outcome of message %lld (and %lld more): "
                         "%s",
                         first, qint64(n - 1), qPrintable(error));
            scheduleDispatch(); // a message queued again may be due
        });
}

void Dispatcher::applyLater(const DeliveryUpdate &u)
{
    m_pendingUpdates << u;
    if (m_pendingUpdates.size() >= kCommitBatch) {
        startCommit();
        return;
    }
    // With nothing else in flight no further outcome is coming: write at the next turn.
    const int wait = m_inFlight.isEmpty() ? 0 : kCommitWindowMs;
    if (!m_commitTimer.isActive() || wait < m_commitTimer.remainingTime())
        m_commitTimer.start(wait);
}

void Dispatcher::commitPending()
{
    startCommit();
    m_storage->drain();
}

void Dispatcher::startCommit()
{
    m_commitTimer.stop();
    if (m_pendingUpdates.isEmpty())
        return;
    const QList<DeliveryUpdate> updates = std::exchange(m_pendingUpdates, {});
    // One transaction, and so one disk sync, for the whole group; messageChanged() tells of
    // them once they are on disk.
    writeThen(
        [updates](StorageWriter &w) {
            QString error;
            w.outbox.applyUpdates(updates, &error);
            return error;
        },
        [this, n = updates.size(),
         copies = std::any_of(updates.cbegin(), updates.cend(), [](const DeliveryUpdate &u) {
             return u.copyPending;
         })](const QString &error) {
            if (!error.isEmpty())
                qWarning("outpost: could not record the outcome of %lld messages: %s", qint64(n),
                         qPrintable(error));
            else if (copies)
                emit copiesDue(); // before this write's activity change is told
            scheduleDispatch();
        });
}

void Dispatcher::pauseAccount(const QString &account, const SmtpResult &why)
{
    startCommit(); // outcomes reach the store in the order they happened
    const bool wasPaused = m_accounts->isPaused(account);
    m_accounts->setPaused(account, true, errorClassName(why.errorClass), why.detail);
    m_paused.reset();
    const bool tell = !wasPaused && !m_pausedNotified.contains(account);
    if (tell)
        m_pausedNotified.insert(account);
    writeThen([account, cls = why.errorClass, reply = why.reply, detail = why.detail](
                  StorageWriter &w) { return w.outbox.holdAccount(account, cls, reply, detail); },
              [this, account, why, tell](int held) {
                  if (!tell)
                      return;
                  Notice n;
                  n.kind = Notice::Kind::AccountPaused;
                  n.account = account;
                  n.count = held + 1;
                  n.result = why;
                  emit notice(n);
              });
    m_transport->cancelPending(account, why);
}

void Dispatcher::resumeAccount(const QString &account)
{
    m_pausedNotified.remove(account);
    m_accounts->setPaused(account, false);
    m_paused.reset();
    writeThen([account](StorageWriter &w) { w.outbox.releaseAccount(account); },
              [this] { scheduleDispatch(); });
}

void Dispatcher::setCachedPassword(const QString &account, const QString &password)
{
    m_passwords.insert(account, password);
}

OutcomeContext Dispatcher::outcomeContext(const QString &account, const QString &server) const
{
    OutcomeContext ctx;
    ctx.now = m_clock->now();
    ctx.shuttingDown = m_transport->isShuttingDown();
    ctx.retryInitialMs = m_settings->intValue(account, settingKey("retry.initial_ms"));
    ctx.retryMaxMs = m_settings->intValue(account, settingKey("retry.max_ms"));
    ctx.lifetimeMs = m_settings->intValue(account, settingKey("retry.lifetime_ms"));
    // ±20 % jitter, so many clients (or messages) do not retry in lockstep.
    ctx.jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    ctx.server = server;
    return ctx;
}

void Dispatcher::onFinished(const TransactionResult &tx)
{
    const auto it = m_inFlight.find(tx.messageId);
    if (it == m_inFlight.end())
        return;
    const InFlight f = *it;
    m_inFlight.erase(it);
    const ClaimedMessage &c = f.message;
    OutcomeDecision d = decideOutcome(tx, c, outcomeContext(c.account, f.server));
    if (d.accepted) {
        if (d.update.state == MessageState::Sent && m_offlineBatch.contains(c.id))
            ++m_offlineBatchSent;
        // The server has the message: its copy in the Sent folder is due, in the same write.
        const std::optional<Account> account = m_accounts->find(c.account);
        d.update.copyPending = account && sentCopyEffective(*account);
        applyLater(d.update);
        raiseNotice(d, c, tx);
        return; // commitPending() dispatches again
    }
    apply({d.update});
    if (d.pauseAccount)
        pauseAccount(c.account, tx.result);
    raiseNotice(d, c, tx);
    scheduleDispatch();
}

void Dispatcher::raiseNotice(const OutcomeDecision &d, const ClaimedMessage &c,
                             const TransactionResult &tx)
{
    if (!d.notice)
        return;
    Notice n;
    n.kind = *d.notice;
    n.account = c.account;
    n.messageId = c.id;
    n.result = tx.result;
    if (n.kind == Notice::Kind::PartiallySent) {
        // What the message's row says too: the first refusal is its reply.
        n.result.reply = d.update.reply;
        n.count = d.reached;
        n.recipients = d.recipientCount;
        n.refused = d.refused;
    }
    emit notice(n);
}

} // namespace outpost
