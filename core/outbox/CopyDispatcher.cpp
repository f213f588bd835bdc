#include "CopyDispatcher.h"

#include "AccessTokenCache.h"
#include "Clock.h"
#include "Connectivity.h"
#include "Outcome.h"
#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/SentCopy.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "imap/ImapString.h"
#include "storage/Storage.h"

#include <QPointer>
#include <QRandomGenerator>

#include <algorithm>
#include <utility>

namespace outpost {

namespace {
/// Copies claimed and not reported yet, at most: each holds its message's bytes.
constexpr int kMaxInFlight = 64;
/// A claimed copy is not claimed again before this (ms); its outcome comes long before. After
/// a crash, start() makes it due at once.
constexpr qint64 kLeaseMs = 60LL * 60 * 1000;
} // namespace

CopyDispatcher::CopyDispatcher(Storage *storage, AccountStore *accounts, Settings *settings,
                               CredentialStore *credentials, ImapPool *pool,
                               Connectivity *connectivity, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_storage(storage)
    , m_store(storage->reader())
    , m_accounts(accounts)
    , m_settings(settings)
    , m_credentials(credentials)
    , m_pool(pool)
    , m_connectivity(connectivity)
    , m_clock(clock)
    , m_resolve([](const QString &h) { return h; })
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &CopyDispatcher::scheduleDispatch);
    connect(m_pool, &ImapPool::listFinished, this, &CopyDispatcher::onListFinished);
    connect(m_pool, &ImapPool::appendFinished, this, &CopyDispatcher::onAppendFinished);
    connect(m_pool, &ImapPool::searchFinished, this, &CopyDispatcher::onSearchFinished);
    connect(m_connectivity, &Connectivity::changed, this, [this] { scheduleDispatch(); });
    connect(m_accounts, &AccountStore::changed, this, [this](const QString &name) {
        // The folder or server may have changed: find the folder again.
        if (name.isEmpty())
            m_folders.clear();
        else
            m_folders.remove(name);
    });
}

CopyDispatcher::~CopyDispatcher() = default;

void CopyDispatcher::start()
{
    m_started = true;
    m_stopped = false;
    ++m_writesPending;
    m_storage->write([](StorageWriter &w) { return w.outbox.makeCopiesDue(); }, this,
                     [this](int) {
                         --m_writesPending;
                         scheduleDispatch();
                     });
    updateActivity();
}

void CopyDispatcher::stop()
{
    m_stopped = true;
    m_timer.stop();
    // Copies waiting for a password or the folder were never written: due again next time.
    QList<CopyUpdate> back;
    for (const QList<Waiting> &list : std::as_const(m_waiting)) {
        for (const Waiting &w : list) {
            CopyUpdate u;
            u.id = w.copy.id;
            u.state = CopyState::Pending;
            u.nextAttemptAt = m_clock->now();
            u.uncountAttempt = true;
            back << u;
        }
    }
    m_waiting.clear();
    const auto checks = std::exchange(m_checks, {});
    for (const QList<Check> &list : checks) {
        for (const Check &c : list)
            reportCheck(c, SentFolderCheck::Failed, QStringLiteral("Outpost is stopping"));
    }
    record(back);
    updateActivity();
}

void CopyDispatcher::wake()
{
    scheduleDispatch();
}

void CopyDispatcher::flush()
{
    ++m_writesPending;
    m_storage->write([](StorageWriter &w) { return w.outbox.makeCopiesDue(); }, this,
                     [this](int) {
                         --m_writesPending;
                         scheduleDispatch();
                     });
    updateActivity();
}

void CopyDispatcher::setCachedPassword(const QString &account, const QString &password)
{
    m_passwords.insert(account, password);
}

bool CopyDispatcher::isBusy() const
{
    if (m_dispatchPending || m_claimPending || m_writesPending > 0 || !m_inFlight.isEmpty() ||
        !m_waiting.isEmpty() || !m_checks.isEmpty() || !m_searching.isEmpty())
        return true;
    if (!m_started || m_stopped || m_pool->isShuttingDown() || !m_connectivity->canSend())
        return false;
    const qint64 next = m_store->nextCopyDueMs({});
    return next >= 0 && next <= m_clock->nowMs();
}

void CopyDispatcher::updateActivity()
{
    const bool busy = isBusy();
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit activityChanged(busy);
}

void CopyDispatcher::scheduleDispatch()
{
    if (m_dispatchPending)
        return;
    m_dispatchPending = true;
    QTimer::singleShot(0, this, &CopyDispatcher::dispatch);
    updateActivity();
}

void CopyDispatcher::dispatch()
{
    m_dispatchPending = false;
    if (!m_started || m_stopped || m_pool->isShuttingDown() || !m_connectivity->canSend() ||
        m_claimPending) {
        updateActivity();
        return;
    }
    int queued = int(m_inFlight.size());
    for (const QList<Waiting> &list : std::as_const(m_waiting))
        queued += int(list.size());
    const int room = kMaxInFlight - queued;
    if (room < kMaxInFlight / 2) {
        updateActivity(); // each outcome dispatches again
        return;
    }
    m_claimPending = true;
    m_storage->write(
        [room](StorageWriter &w) { return w.outbox.claimDueCopies(room, {}, kLeaseMs); }, this,
        [this](const QList<ClaimedCopy> &claimed) { onClaimed(claimed); });
}

void CopyDispatcher::onClaimed(const QList<ClaimedCopy> &claimed)
{
    m_claimPending = false;
    QList<CopyUpdate> none;
    QSet<QString> touched;
    for (const ClaimedCopy &c : claimed) {
        const std::optional<Account> account = m_accounts->find(c.account);
        if (!account || !sentCopyEffective(*account)) {
            // The account was removed or stopped copying since: no copy is made.
            CopyUpdate u;
            u.id = c.id;
            u.state = CopyState::None;
            u.uncountAttempt = true;
            none << u;
            continue;
        }
        m_waiting[c.account].append(Waiting{c, c.attemptsBefore > 0});
        touched.insert(c.account);
    }
    record(none);
    for (const QString &account : std::as_const(touched))
        proceed(account);
    if (m_stopped) {
        stop(); // claimed while stopping: back to due
        return;
    }
    if (claimed.size() > 0)
        scheduleDispatch(); // more may be due
    armTimer();
    updateActivity();
}

ImapConfig CopyDispatcher::configFor(const Account &account, const QString &secret) const
{
    ImapConfig c = imapConfigForAccount(account, secret, m_settings);
    c.connectHost = m_resolve(account.imapHost);
    if (c.connectHost == c.host)
        c.connectHost.clear();
    return c;
}

void CopyDispatcher::checkSentFolder(const QString &name, qint64 id, const QByteArray &messageId)
{
    Check check;
    check.id = id;
    check.messageId = messageId;
    const std::optional<Account> account = m_accounts->find(name);
    if (!account || account->imapHost.isEmpty()) {
        reportCheck(check, SentFolderCheck::Failed,
                    QStringLiteral("the account has no IMAP server"));
        return;
    }
    check.server = QStringLiteral("%1:%2").arg(account->imapHost).arg(account->effectiveImapPort());
    if (m_stopped || m_pool->isShuttingDown() || !m_connectivity->canSend()) {
        reportCheck(check, SentFolderCheck::Failed, QStringLiteral("Outpost is stopping"));
        return;
    }
    m_checks[name].append(check);
    proceed(name);
    updateActivity();
}

void CopyDispatcher::reportCheck(const Check &check, SentFolderCheck outcome, const QString &detail)
{
    SentFolderCheckResult r;
    r.id = check.id;
    r.outcome = outcome;
    r.mailbox = check.mailbox;
    r.server = check.server;
    r.detail = detail;
    QTimer::singleShot(0, this, [this, r] {
        emit sentFolderChecked(r);
        updateActivity();
    });
}

void CopyDispatcher::onSearchFinished(const QString &account, const ImapSearchResult &result)
{
    const auto it = m_searching.find(result.id);
    if (it == m_searching.end())
        return;
    Check check = *it;
    m_searching.erase(it);
    if (!result.server.isEmpty())
        check.server = result.server;
    if (!result.result.ok()) {
        if (result.result.errorClass == ImapErrorClass::NoMailbox)
            m_folders.remove(account); // found by LIST before: look again next time
        loginRefused(account, result.result);
        const QString text =
            result.result.text.isEmpty() ? result.result.detail : result.result.text;
        reportCheck(
            check, SentFolderCheck::Failed,
            QStringLiteral("%1: %2").arg(imapErrorClassName(result.result.errorClass), text));
        return;
    }
    if (result.uids.isEmpty()) {
        reportCheck(check, SentFolderCheck::NotFound, {});
        return;
    }
    SentFolderCheckResult r;
    r.id = check.id;
    r.outcome = SentFolderCheck::Found;
    r.uid = *std::min_element(result.uids.cbegin(), result.uids.cend());
    r.mailbox = check.mailbox;
    r.server = check.server;
    QTimer::singleShot(0, this, [this, r] {
        emit sentFolderChecked(r);
        updateActivity();
    });
}

void CopyDispatcher::proceed(const QString &name)
{
    if (!m_waiting.contains(name) && !m_checks.contains(name))
        return;
    const std::optional<Account> account = m_accounts->find(name);
    if (!account)
        return;
    QString secret;
    if (account->oauth.enabled()) {
        // The token fetched for this call, else the shared one while it is valid.
        secret = m_freshTokens.take(name);
        if (secret.isEmpty() && m_tokens)
            secret = m_tokens->valid(name);
        if (secret.isEmpty()) {
            fetchAccessToken(*account);
            return;
        }
        m_tokensUsed.insert(name, secret);
    } else if (account->usesAuth()) {
        if (!m_passwords.contains(name)) {
            fetchPassword(*account);
            return;
        }
        secret = m_passwords.value(name);
    }
    QByteArray mailbox;
    if (!account->sentFolder.isEmpty())
        mailbox = imapEncodeMailboxName(account->sentFolder);
    else
        mailbox = m_folders.value(name);
    if (mailbox.isEmpty()) {
        if (!m_listing.contains(name)) {
            m_listing.insert(name);
            m_pool->list(name, configFor(*account, secret), 0);
        }
        return;
    }
    const QList<Waiting> waiting = m_waiting.take(name);
    for (const Waiting &w : waiting)
        append(*account, secret, w, mailbox);
    const QList<Check> checks = m_checks.take(name);
    for (Check c : checks) {
        const ImapConfig config = configFor(*account, secret);
        c.mailbox = imapDecodeMailboxName(mailbox);
        c.server = config.server();
        m_searching.insert(c.id, c);
        ImapSearchRequest r;
        r.id = c.id;
        r.mailbox = mailbox;
        r.messageId = c.messageId;
        m_pool->search(name, config, r);
    }
}

void CopyDispatcher::append(const Account &account, const QString &secret, const Waiting &w,
                            const QByteArray &mailbox)
{
    InFlight f;
    f.copy = w.copy;
    f.mailbox = mailbox;
    f.check = w.check;
    const ImapConfig config = configFor(account, secret);
    f.server = config.server();
    ImapAppendRequest r;
    r.id = w.copy.id;
    r.mailbox = mailbox;
    r.message = w.copy.data;
    r.flags = {QByteArrayLiteral("\\Seen")};
    r.internalDate = w.copy.sentAt;
    f.copy.data.clear(); // the pool holds the bytes until the APPEND is written
    m_inFlight.insert(w.copy.id, f);
    if (w.check)
        m_pool->appendChecked(account.name, config, r, w.copy.messageId);
    else
        m_pool->append(account.name, config, r);
}

void CopyDispatcher::fetchPassword(const Account &account)
{
    if (m_fetching.contains(account.name))
        return;
    m_fetching.insert(account.name);
    const QString name = account.name;
    const QString server =
        QStringLiteral("%1:%2").arg(account.imapHost).arg(account.effectiveImapPort());
    auto done = [this, name, server](bool ok, const QString &secret, const QString &error) {
        m_fetching.remove(name);
        if (!ok) {
            failWaiting(name,
                        ImapResult::failure(ImapErrorClass::Auth,
                                            QStringLiteral("no password: %1").arg(error)),
                        server);
            return;
        }
        m_passwords.insert(name, secret);
        proceed(name);
        updateActivity();
    };
    if (!account.passwordCommand.isEmpty()) {
        runPasswordCommand(
            account.passwordCommand, this,
            [done](PasswordCommandStatus status, const QString &secret, const QString &error) {
                done(status == PasswordCommandStatus::Ok, secret, error);
            },
            int(m_settings->intValue(name, settingKey("timeout.password_command"))));
    } else {
        m_credentials->readPassword(name, done);
    }
}

void CopyDispatcher::fetchAccessToken(const Account &account)
{
    if (m_fetching.contains(account.name))
        return;
    const QString name = account.name;
    const QString server =
        QStringLiteral("%1:%2").arg(account.imapHost).arg(account.effectiveImapPort());
    if (!m_tokens) {
        failWaiting(name,
                    ImapResult::failure(ImapErrorClass::Auth,
                                        QStringLiteral("not signed in: no token store")),
                    server);
        return;
    }
    m_fetching.insert(name);
    QPointer<CopyDispatcher> self(this);
    m_tokens->request(account, [self, name, server](const OAuthResult &r) {
        if (!self)
            return;
        self->m_fetching.remove(name);
        if (!r.ok()) {
            const OAuthErrorCode code = r.error.code;
            const bool later = code == OAuthErrorCode::Network ||
                               code == OAuthErrorCode::ServerError ||
                               code == OAuthErrorCode::BadResponse;
            // The provider could not be asked: like a server out of reach. Else only a new
            // sign-in helps, which the submission of the account's next message says too.
            self->failWaiting(
                name,
                ImapResult::failure(
                    later ? ImapErrorClass::Network : ImapErrorClass::Auth,
                    QStringLiteral("%1: %2").arg(later ? QStringLiteral("no access token")
                                                       : QStringLiteral("sign-in refused"),
                                                 r.error.toString())),
                server);
            return;
        }
        self->m_freshTokens.insert(name, r.tokens.accessToken);
        self->proceed(name);
        self->m_freshTokens.remove(name);
        self->updateActivity();
    });
}

void CopyDispatcher::loginRefused(const QString &account, const ImapResult &result)
{
    if (result.errorClass != ImapErrorClass::Auth || !m_tokens)
        return;
    const QString token = m_tokensUsed.take(account);
    if (!token.isEmpty())
        m_tokens->drop(account, token); // the next try refreshes
}

void CopyDispatcher::onListFinished(const QString &account, const ImapListResult &result)
{
    if (!m_listing.remove(account))
        return;
    if (!result.result.ok()) {
        loginRefused(account, result.result);
        failWaiting(account, result.result, result.server);
        return;
    }
    if (result.sentFoundBy == SentFoundBy::NotFound) {
        failWaiting(account,
                    ImapResult::failure(ImapErrorClass::NoMailbox,
                                        QStringLiteral("no folder is marked \\Sent and none has a "
                                                       "usual name for it; set one with "
                                                       "--sent-folder")),
                    result.server);
        return;
    }
    m_folders.insert(account, result.sent.name);
    proceed(account);
    updateActivity();
}

void CopyDispatcher::failWaiting(const QString &account, const ImapResult &result,
                                 const QString &server)
{
    const QList<Check> checks = m_checks.take(account);
    for (const Check &c : checks)
        reportCheck(
            c, SentFolderCheck::Failed,
            QStringLiteral("%1: %2").arg(imapErrorClassName(result.errorClass),
                                         result.text.isEmpty() ? result.detail : result.text));
    const QList<Waiting> waiting = m_waiting.take(account);
    QList<CopyUpdate> updates;
    for (const Waiting &w : waiting)
        updates << failure(w.copy, w.copy.attemptsBefore + 1, result, server);
    record(updates);
    updateActivity();
}

CopyUpdate CopyDispatcher::failure(const ClaimedCopy &copy, int attempts, const ImapResult &result,
                                   const QString &server) const
{
    CopyUpdate u;
    u.id = copy.id;
    u.state = CopyState::Failed;
    u.errorClass = imapErrorClassName(result.errorClass);
    u.error = result.text.isEmpty() ? result.detail : result.text;
    u.server = server;
    u.detail = QStringLiteral("%1: %2").arg(u.errorClass, u.error);
    const qint64 now = m_clock->nowMs();
    const qint64 lifetime = m_settings->intValue(copy.account, settingKey("retry.lifetime_ms"));
    const qint64 sent = copy.sentAt.isValid() ? copy.sentAt.toMSecsSinceEpoch() : now;
    if (now - sent >= lifetime) {
        u.event = HistoryEvent::CopyGivenUp;
        return u; // no next attempt
    }
    // The Dispatcher's schedule: retry.initial_ms doubling to retry.max_ms, ±20 % jitter.
    const qint64 backoff =
        retryBackoffMs(attempts, m_settings->intValue(copy.account, settingKey("retry.initial_ms")),
                       m_settings->intValue(copy.account, settingKey("retry.max_ms")));
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    u.nextAttemptAt =
        QDateTime::fromMSecsSinceEpoch(now + qint64(double(backoff) * jitter), Qt::UTC);
    u.event = HistoryEvent::CopyFailed;
    return u;
}

void CopyDispatcher::onAppendFinished(const QString &account, const ImapAppendResult &result)
{
    const auto it = m_inFlight.find(result.id);
    if (it == m_inFlight.end())
        return;
    InFlight f = *it;
    m_inFlight.erase(it);
    CopyUpdate u;
    u.id = f.copy.id;
    u.server = result.server.isEmpty() ? f.server : result.server;
    if (result.result.ok()) {
        u.state = CopyState::Copied;
        u.uid = result.uid;
        u.event = HistoryEvent::Copied;
        u.detail = result.alreadyStored
                       ? QStringLiteral("found in %1 already (UID %2): not appended again")
                             .arg(imapDecodeMailboxName(f.mailbox))
                             .arg(result.uid)
                       : QStringLiteral("appended to %1").arg(imapDecodeMailboxName(f.mailbox));
    } else if (result.notAttempted && (m_pool->isShuttingDown() || m_stopped)) {
        // Outpost quits: nothing was written, the copy is due at the next start.
        u.state = CopyState::Pending;
        u.nextAttemptAt = m_clock->now();
        u.uncountAttempt = true;
    } else if (result.uncertain() && !f.check && !m_pool->isShuttingDown()) {
        // The APPEND went out and its answer was lost: due again at once, and as its attempt
        // was counted, the next claim searches for the copy before appending (appendChecked).
        u.state = CopyState::Pending;
        u.nextAttemptAt = m_clock->now();
    } else {
        if (result.result.errorClass == ImapErrorClass::NoMailbox)
            m_folders.remove(account); // found by LIST before: look again next time
        loginRefused(account, result.result);
        u = failure(f.copy, f.copy.attemptsBefore + 1, result.result, u.server);
    }
    record({u});
    scheduleDispatch();
}

void CopyDispatcher::record(const QList<CopyUpdate> &updates)
{
    if (updates.isEmpty())
        return;
    ++m_writesPending;
    m_storage->write(
        [updates](StorageWriter &w) {
            QString error;
            w.outbox.applyCopyUpdates(updates, &error);
            return error;
        },
        this,
        [this](const QString &error) {
            --m_writesPending;
            if (!error.isEmpty())
                qWarning("outpost: could not record a copy in the Sent folder: %s",
                         qPrintable(error));
            armTimer();
            updateActivity();
        });
}

void CopyDispatcher::armTimer()
{
    if (m_stopped || !m_started || !m_connectivity->canSend()) {
        m_timer.stop();
        return;
    }
    const qint64 next = m_store->nextCopyDueMs({});
    if (next < 0) {
        m_timer.stop();
        return;
    }
    const qint64 wait = std::clamp<qint64>(next - m_clock->nowMs(), 0, 24LL * 3600 * 1000);
    m_timer.start(int(wait));
}

} // namespace outpost
