#include "Dispatcher.h"

#include "AccessTokenCache.h"
#include "Clock.h"
#include "Connectivity.h"
#include "Outcome.h"
#include "accounts/AccountStore.h"
#include "accounts/ConnectionTest.h"
#include "accounts/CredentialStore.h"
#include "accounts/SentCopy.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"

#include "storage/EndOfDataJournal.h"
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
/// True when one of `updates` makes a copy in the Sent folder due.
bool anyCopyPending(const QList<DeliveryUpdate> &updates)
{
    return std::any_of(updates.cbegin(), updates.cend(),
                       [](const DeliveryUpdate &u) { return u.copyPending; });
}

/// Messages handed to the transport and not yet reported, at most. The transport queues
/// them per server. (Their octets are not in memory: they are read in pieces as they go out;
/// what is claimed ahead is bounded in octets too, by pool.claim_ahead_bytes.)
constexpr int kMaxInFlight = 64;
/// Messages claimed per dispatch() run. Small batches keep each run short (the event loop,
/// and with it the UI, gets control back between batches).
constexpr int kClaimBatch = 16;
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
    m_storageRetry.setSingleShot(true);
    m_storageRetry.setInterval(kStorageRetryMs);
    connect(&m_storageRetry, &QTimer::timeout, this, [this] {
        if (m_unwritten.isEmpty()) {
            storageRecovered(); // a failed claim: try claiming again
            return;
        }
        writeUpdates(std::exchange(m_unwritten, {}));
    });
    connect(m_transport, &Transport::endOfDataAhead, this, &Dispatcher::onEndOfDataAhead);
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
    // Waiting for the Sent folder's answer: queued again, still uncertain, checked next time.
    requeueUnsent(std::exchange(m_checking, {}).values());
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
    if (!m_inFlight.isEmpty() || !m_waitingForPassword.isEmpty() || !m_backlog.isEmpty() ||
        !m_checking.isEmpty())
        return true;
    if (!m_connectivity->canSend() || m_stopped || m_storageProblem.failed())
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
    if (!m_started || m_stopped || m_transport->isShuttingDown() || !m_connectivity->canSend() ||
        m_storageProblem.failed()) {
        // A full disk: claiming would only send messages whose outcome cannot be written.
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
        const qint64 byteRoom = claimByteRoom();
        if (room > 0 && !m_claimPending && byteRoom >= 0) {
            m_claimPending = true;
            const QStringList skip = skippedAccounts();
            m_storage->write(
                [room, skip, byteRoom](StorageWriter &w) {
                    QList<ClaimedMessage> claimed = w.outbox.claimDue(room, skip, byteRoom);
                    return std::make_pair(std::move(claimed), w.outbox.lastError());
                },
                this,
                [this](const std::pair<QList<ClaimedMessage>, StorageError> &r) {
                    if (r.second.isDiskFull())
                        storageFailed(r.second);
                    onClaimed(r.first, !r.first.isEmpty());
                });
        }
        armTimer();
        updateActivity();
        return;
    }
    const int room = std::min(kClaimBatch, kMaxInFlight - int(m_inFlight.size()));
    const qint64 byteRoom = claimByteRoom();
    if (room > 0 && byteRoom >= 0) {
        const QStringList skip = skippedAccounts();
        const QList<ClaimedMessage> claimed =
            m_storage->writeNow([room, skip, byteRoom](StorageWriter &w) {
                return w.outbox.claimDue(room, skip, byteRoom);
            });
        handleClaimed(claimed, claimed.size() == room);
    }
    armTimer();
    updateActivity();
}

qint64 Dispatcher::claimByteRoom() const
{
    // Everything claimed counts until its outcome is known: it is `sending` in the outbox
    // (neither cancelled nor edited meanwhile) and goes out before anything claimed later.
    const qint64 limit = m_settings->intValue(QString(), settingKey("pool.claim_ahead_bytes"));
    const qint64 claimed = claimedBytes();
    if (claimed == 0)
        return limit; // one message at least, however large
    return claimed < limit ? limit - claimed : -1;
}

qint64 Dispatcher::claimedBytes() const
{
    qint64 bytes = 0;
    for (const InFlight &f : m_inFlight)
        bytes += f.message.size;
    for (const ClaimedMessage &c : m_backlog)
        bytes += c.size;
    for (const ClaimedMessage &c : m_checking)
        bytes += c.size;
    for (const QList<ClaimedMessage> &waiting : m_waitingForPassword) {
        for (const ClaimedMessage &c : waiting)
            bytes += c.size;
    }
    return bytes;
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
        if (!c.readError.isEmpty()) {
            // Its octets could not be read at the claim (a damaged page, the message removed
            // meanwhile): nothing goes out; it waits for the backoff like any failed attempt.
            TransactionResult tx;
            tx.messageId = c.id;
            tx.result = SmtpResult::failure(
                ErrorClass::Storage,
                QStringLiteral("the message could not be read from the outbox: %1")
                    .arg(c.readError));
            apply({decideOutcome(tx, c, outcomeContext(c.account, QString())).update});
            continue;
        }
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
        if (c.uncertain && m_checkSentFolder && !c.messageId.isEmpty() &&
            sentFolderCheckable(*account)) {
            // The server may have it already: its Sent folder (the provider's copy, or ours)
            // says so before it goes again. Bounded: without an answer it goes anyway.
            m_checking.insert(c.id, c);
            QTimer::singleShot(kSentFolderCheckMs, this, [this, id = c.id] {
                if (!m_checking.contains(id))
                    return;
                SentFolderCheckResult r;
                r.id = id;
                r.outcome = SentFolderCheck::TimedOut;
                r.detail = QStringLiteral("no answer within %1 s").arg(kSentFolderCheckMs / 1000);
                onSentFolderChecked(r);
            });
            m_checkSentFolder(c.account, c.id, c.messageId);
            continue;
        }
        sendOrWait(c, *account);
    }
}

void Dispatcher::sendOrWait(const ClaimedMessage &c, const Account &account)
{
    if (account.oauth.enabled()) {
        const QString token = m_tokens ? m_tokens->valid(account.name) : QString();
        if (token.isEmpty()) {
            // One refresh for every message of the account, whatever the pool opens.
            m_waitingForPassword[account.name].append(c);
            fetchAccessToken(account);
            return;
        }
        sendClaimed(c, account, token);
        return;
    }
    if (account.usesAuth() && !m_passwords.contains(account.name)) {
        m_waitingForPassword[account.name].append(c);
        fetchPassword(account);
        return;
    }
    sendClaimed(c, account, m_passwords.value(account.name));
}

void Dispatcher::onSentFolderChecked(const SentFolderCheckResult &r)
{
    const auto it = m_checking.find(r.id);
    if (it == m_checking.end())
        return;
    const ClaimedMessage c = *it;
    m_checking.erase(it);
    const std::optional<Account> account = m_accounts->find(c.account);
    if (m_stopped || m_transport->isShuttingDown() || !account) {
        requeueUnsent({c});
        updateActivity();
        return;
    }
    if (r.outcome == SentFolderCheck::Found) {
        // The server took it at the uncertain attempt: sent, never sent again. The copy found
        // is its copy (when the account copies at all), so none is appended.
        DeliveryUpdate u;
        u.id = c.id;
        u.state = MessageState::Sent;
        u.countAttempt = false;
        u.event = HistoryEvent::ResolvedBySentFolder;
        u.server = r.server;
        u.detail = QStringLiteral("found in %1 (UID %2)").arg(r.mailbox).arg(r.uid);
        for (const QByteArray &address : c.recipients)
            u.recipients << RecipientRecord{address, MessageState::Sent, {}};
        u.copyFound = sentCopyEffective(*account);
        u.copyFoundUid = r.uid;
        apply({u});
        updateActivity();
        return;
    }
    // Not there, or the folder could not be asked: sent again as before, and the history
    // says which, before the attempt's own outcome.
    HistoryEntry h;
    h.at = m_clock->now();
    h.event = r.outcome == SentFolderCheck::NotFound ? HistoryEvent::NotInSentFolder
                                                     : HistoryEvent::SentFolderUnchecked;
    h.server = r.server;
    h.detail = r.outcome == SentFolderCheck::NotFound
                   ? QStringLiteral("searched %1").arg(r.mailbox)
                   : QStringLiteral("%1: %2").arg(sentFolderCheckName(r.outcome), r.detail);
    writeThen([id = c.id, h](StorageWriter &w) { w.outbox.addNote(id, h); }, [] {});
    sendOrWait(c, *account);
    updateActivity();
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
            holdWaiting(name, waiting,
                        SmtpResult::failure(ErrorClass::Auth,
                                            QStringLiteral("no password: %1").arg(error)));
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

void Dispatcher::holdWaiting(const QString &account, const QList<ClaimedMessage> &waiting,
                             const SmtpResult &why)
{
    for (const ClaimedMessage &c : waiting) {
        DeliveryUpdate u;
        u.id = c.id;
        u.state = MessageState::Held;
        u.errorClass = why.errorClass;
        u.detail = why.detail;
        u.countAttempt = false;
        u.event = HistoryEvent::HeldAccountPaused;
        apply({u});
    }
    pauseAccount(account, why);
    // Nothing more to do for this account: say so, or `outpost flush` waits forever.
    updateActivity();
}

void Dispatcher::fetchAccessToken(const Account &account)
{
    if (m_fetching.contains(account.name))
        return;
    m_fetching.insert(account.name);
    const QString name = account.name;
    if (!m_tokens) {
        QTimer::singleShot(0, this, [this, name] {
            OAuthResult r;
            r.error =
                OAuthError::make(OAuthErrorCode::Configuration, QStringLiteral("no token store"));
            onAccessToken(name, r);
        });
        return;
    }
    m_tokens->request(account, [this, name](const OAuthResult &r) { onAccessToken(name, r); });
}

void Dispatcher::onAccessToken(const QString &name, const OAuthResult &r)
{
    m_fetching.remove(name);
    const QList<ClaimedMessage> waiting = m_waitingForPassword.take(name);
    const std::optional<Account> account = m_accounts->find(name);
    if (!account) {
        requeueUnsent(waiting);
        updateActivity();
        return;
    }
    const QString server = QStringLiteral("%1:%2").arg(account->host).arg(account->port);
    if (!r.ok()) {
        const OAuthErrorCode code = r.error.code;
        if (code == OAuthErrorCode::Network || code == OAuthErrorCode::ServerError ||
            code == OAuthErrorCode::BadResponse) {
            // The provider could not be asked now: like a server that could not be reached,
            // the messages wait for the backoff and the account stays as it is.
            for (const ClaimedMessage &c : waiting) {
                TransactionResult tx;
                tx.messageId = c.id;
                tx.server = server;
                tx.result = SmtpResult::failure(
                    ErrorClass::Network,
                    QStringLiteral("no access token: %1").arg(r.error.toString()));
                apply({decideOutcome(tx, c, outcomeContext(c.account, server)).update});
            }
            updateActivity();
            scheduleDispatch();
            return;
        }
        // invalid_grant (revoked, expired, never signed in), a refused client, an unusable
        // provider: only the user can fix it. Held, not failed, and no further request.
        holdWaiting(
            name, waiting,
            SmtpResult::failure(ErrorClass::SignIn,
                                QStringLiteral("sign-in refused: %1").arg(r.error.toString())));
        return;
    }
    for (const ClaimedMessage &c : waiting)
        sendClaimed(c, *account, r.tokens.accessToken);
    scheduleDispatch();
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
    // The end of data waits until the outbox knows it may go (onEndOfDataAhead()): a crash
    // after it then leaves the message marked "may have been sent already", never silent.
    s.holdEndOfData = true;
    r.message.id = c.id;
    r.message.reversePath = c.reversePath;
    r.message.recipients = c.recipients;
    // Read in pieces from the outbox as it goes out, through a connection of its own.
    r.message.source = m_storage->messageSource(c.id, c.size);
    r.message.shape = c.shape;
    r.message.needsSmtpUtf8 = c.needsSmtpUtf8;
    r.message.dsn = c.dsn;
    InFlight f;
    f.message = c;
    f.server = QStringLiteral("%1:%2").arg(account.host).arg(account.port);
    if (account.oauth.enabled())
        f.accessToken = password;
    m_inFlight.insert(c.id, f);
    m_transport->send(r);
}

void Dispatcher::apply(const QList<DeliveryUpdate> &updates)
{
    startCommit(); // outcomes reach the store in the order they happened
    writeUpdates(updates);
}

void Dispatcher::writeUpdates(const QList<DeliveryUpdate> &updates)
{
    if (updates.isEmpty())
        return;
    writeThen(
        [updates](StorageWriter &w) {
            QString error;
            if (w.outbox.applyUpdates(updates, &error))
                return std::make_pair(QString(), StorageError{});
            return std::make_pair(error.isEmpty() ? QStringLiteral("could not write the outbox")
                                                  : error,
                                  w.outbox.lastError());
        },
        [this, updates](const std::pair<QString, StorageError> &r) {
            if (r.first.isEmpty()) {
                resolveMarks(updates);
                if (m_storageProblem.failed())
                    storageRecovered();
                if (anyCopyPending(updates))
                    emit copiesDue(); // before this write's activity change is told
                scheduleDispatch();   // a message queued again may be due
                return;
            }
            qWarning("outpost: could not record the outcome of message %lld (and %lld more): %s",
                     updates.first().id, qint64(updates.size() - 1), qPrintable(r.first));
            if (r.second.isDiskFull()) {
                // Kept, and tried again: the messages stay `sending` in the outbox meanwhile
                // (queued again by the next start should this process end first), never lost.
                m_unwritten += updates;
                storageFailed(r.second);
            }
            scheduleDispatch();
        });
}

void Dispatcher::storageFailed(const StorageError &error)
{
    const bool first = !m_storageProblem.failed();
    m_storageProblem = error;
    m_storageRetry.start();
    if (first) {
        Notice n;
        n.kind = Notice::Kind::DiskFull;
        n.storage = error;
        emit notice(n);
    }
    updateActivity();
}

void Dispatcher::storageRecovered()
{
    m_storageProblem = StorageError{};
    if (m_unwritten.isEmpty())
        m_storageRetry.stop();
    scheduleDispatch();
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
    // At exit, the outcomes a full disk refused get one more try.
    m_pendingUpdates = std::exchange(m_unwritten, {}) + m_pendingUpdates;
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
    writeUpdates(updates);
}

void Dispatcher::onEndOfDataAhead(qint64 id)
{
    if (m_journal) {
        // One write(2) on this thread: the mark survives this process from here on, and the
        // end goes without waiting for the storage thread or a transaction.
        QString error;
        if (m_journal->mark(id, &error)) {
            m_journalFailing = false;
            m_transport->releaseEndOfData(id, true);
            return;
        }
        if (!std::exchange(m_journalFailing, true))
            qWarning("outpost: could not write the end-of-data journal %s (%s): the marks go to "
                     "the outbox meanwhile",
                     qPrintable(m_journal->path()), qPrintable(error));
    }
    m_pendingMarks << id;
    if (!m_markWriting)
        startMarkCommit();
}

void Dispatcher::startMarkCommit()
{
    if (m_pendingMarks.isEmpty())
        return;
    m_markWriting = true;
    // The accepted outcomes waiting for their group commit share this transaction and its disk
    // sync: the marks cost the flush no extra sync, and those outcomes are durable sooner.
    m_commitTimer.stop();
    const QList<DeliveryUpdate> updates = std::exchange(m_pendingUpdates, {});
    const QList<qint64> marks = std::exchange(m_pendingMarks, {});
    writeThen(
        [updates, marks](StorageWriter &w) {
            QString error;
            if (!w.outbox.applyUpdatesAndMarks(updates, marks, &error) && error.isEmpty())
                error = QStringLiteral("could not write the outbox");
            return error;
        },
        [this, marks, updates, n = updates.size(),
         copies = anyCopyPending(updates)](const QString &error) {
            m_markWriting = false;
            if (error.isEmpty())
                resolveMarks(updates);
            if (!error.isEmpty())
                qWarning("outpost: could not record that the end of data of %lld message(s) "
                         "may go (and %lld outcome(s)): %s",
                         qint64(marks.size()), qint64(n), qPrintable(error));
            else if (copies)
                emit copiesDue();
            // Unrecorded, the end never goes: the transaction is abandoned and retried later.
            for (qint64 id : marks)
                m_transport->releaseEndOfData(id, error.isEmpty());
            if (n > 0)
                scheduleDispatch();
            startMarkCommit(); // the marks asked for meanwhile
        });
}

void Dispatcher::journalAcceptance(qint64 id)
{
    if (!m_journal)
        return;
    // One write(2) on this thread, before the outcome waits for its group commit: a crash in
    // that wait finds the message sent at the next start instead of sending it again.
    QString error;
    if (!m_journal->accept(id, &error))
        qWarning("outpost: could not record in the end-of-data journal %s that message %lld was "
                 "accepted (%s): should Outpost stop before its outcome is written, it is sent "
                 "again as \"may have been sent already\"",
                 qPrintable(m_journal->path()), id, qPrintable(error));
}

void Dispatcher::resolveMarks(const QList<DeliveryUpdate> &committed)
{
    if (!m_journal)
        return;
    QList<qint64> ids;
    ids.reserve(committed.size());
    for (const DeliveryUpdate &u : committed)
        ids << u.id;
    m_journal->resolve(ids);
}

void Dispatcher::pauseAccount(const QString &account, const SmtpResult &why)
{
    startCommit(); // outcomes reach the store in the order they happened
    const bool wasPaused = m_accounts->isPaused(account);
    m_accounts->setPaused(account, true, errorClassName(why.errorClass), why.detail);
    m_paused.reset();
    // A refused login means the password kept here is wrong: the next attempt, once the user
    // gave a new one (keychain or command, e.g. `account edit`), reads it again.
    if (why.errorClass == ErrorClass::Auth)
        m_passwords.remove(account);
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
    m_pendingMarks.removeAll(tx.messageId); // ended before its end of data was released
    const ClaimedMessage &c = f.message;
    ServerContact::Seen seen;
    if (serverContactOf(tx.result.errorClass, tx.notAttempted, &seen)) {
        ServerContact &contact = m_contacts[c.account];
        const bool changed =
            contact.account.isEmpty() || contact.seen != seen || contact.server != f.server;
        contact = {c.account, f.server, seen, tx.result.errorClass, m_clock->now()};
        if (changed)
            emit serverContactChanged();
    }
    OutcomeContext ctx = outcomeContext(c.account, f.server);
    if (!f.accessToken.isEmpty()) {
        if (tx.result.errorClass == ErrorClass::Auth && tx.result.reply.code != 0)
            ctx.tokenRefused = !m_tokens || m_tokens->retryAfterRefusal(c.account, f.accessToken);
        else if (tx.result.ok() && m_tokens)
            m_tokens->accepted(c.account, f.accessToken); // it works: a later refusal is news
    }
    OutcomeDecision d = decideOutcome(tx, c, ctx);
    if (d.accepted) {
        if (d.update.state == MessageState::Sent && m_offlineBatch.contains(c.id))
            ++m_offlineBatchSent;
        // The server has the message: its copy in the Sent folder is due, in the same write.
        const std::optional<Account> account = m_accounts->find(c.account);
        d.update.copyPending = account && sentCopyEffective(*account);
        if (d.update.state == MessageState::Sent && !d.notice)
            journalAcceptance(c.id);
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

QList<ServerContact> Dispatcher::serverContacts() const
{
    return m_contacts.values();
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
