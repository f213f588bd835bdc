#include "Service.h"

#include "AccessTokenCache.h"
#include "Clock.h"
#include "Connectivity.h"
#include "CopyDispatcher.h"
#include "Dispatcher.h"
#include "Outcome.h"
#include "Retention.h"
#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/OAuthAccount.h"
#include "accounts/SentCopy.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "imap/ImapPool.h"
#include "mime/Address.h"
#include "mime/HeaderInfo.h"
#include "mime/MessageImport.h"
#include "mime/MessageParse.h"
#include "smtp/Transport.h"
#include "storage/Database.h"
#include "storage/EndOfDataJournal.h"
#include "storage/Storage.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocalServer>
#include <QLocalSocket>
#include <QMetaEnum>
#include <QMetaMethod>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#include <unistd.h>
#endif
#include <QLockFile>
#include <QPointer>
#include <QSet>
#include <QSslSocket>
#include <QThreadPool>
#include <QTimer>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#endif

namespace outpost {

namespace {
constexpr int kLogLines = 2000;

QString joinMailboxes(const QList<mime::Mailbox> &list)
{
    QStringList out;
    for (const auto &m : list)
        out << (m.name.isEmpty() ? m.address : QStringLiteral("%1 <%2>").arg(m.name, m.address));
    return out.join(QLatin1String(", "));
}

/// A lock file younger than this may belong to a process that is creating it right now.
constexpr qint64 kAbandonedLockMs = 1000;

/// Removes `path` if it is a lock file nobody holds: QLockFile keeps a flock() on its file
/// while it holds it (on Windows it keeps it open without delete sharing), so a file we can
/// lock (or delete) belongs to a dead process. Such files are left by a process killed while
/// creating them (empty or half-written), which QLockFile itself never treats as stale with
/// staleLockTime 0, or only after 30 s for its ".rmlock" helper file.
bool removeAbandonedLock(const QString &path)
{
    const QFileInfo fi(path);
    if (!fi.exists() || fi.lastModified().msecsTo(QDateTime::currentDateTime()) < kAbandonedLockMs)
        return false;
#ifdef Q_OS_UNIX
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool removed = false;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0)
        removed = ::unlink(name.constData()) == 0;
    ::close(fd);
    return removed;
#else
    return QFile::remove(path);
#endif
}

/// QLockFile::tryLock(0), and once more after removing abandoned lock files (see above).
/// Leftovers may nest (".rmlock.rmlock", …); they are removed once we hold the lock.
bool takeLock(QLockFile &lock, const QString &path)
{
    bool ok = lock.tryLock(0);
    if (!ok && lock.error() == QLockFile::LockFailedError) {
        const bool helper = removeAbandonedLock(path + QStringLiteral(".rmlock"));
        const bool main = removeAbandonedLock(path);
        ok = (helper || main) && lock.tryLock(0);
    }
    if (ok) {
        const QFileInfo fi(path);
        const QStringList helpers =
            fi.dir().entryList({fi.fileName() + QStringLiteral(".rmlock*")}, QDir::Files);
        for (const QString &name : helpers)
            removeAbandonedLock(fi.dir().filePath(name));
    }
    return ok;
}

QString lockPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("outpost.lock"));
}

/// Writes one line (a request or a reply) to the single-instance channel.
void writeLine(QLocalSocket *socket, const QByteArray &line)
{
    socket->write(line);
    socket->flush();
}
} // namespace

Service::Service(ServiceOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    m_clock = m_options.clock ? m_options.clock : SystemClock::instance();
    m_credentials = m_options.credentials;
    if (!m_credentials) {
        m_ownedCredentials = std::make_unique<KeychainCredentialStore>();
        m_credentials = m_ownedCredentials.get();
    }
    m_oauthTokens = std::make_unique<OAuthTokenStore>(m_credentials, m_options.dataDir);
    m_accessTokens = std::make_unique<AccessTokenCache>(m_clock);
    m_accessTokens->setTokenStore(m_oauthTokens.get());
}

Service::~Service()
{
    // Messages handed to enqueueAsync() are written (the store would do it too, but then its
    // signals would reach a Service already half destroyed).
    finishCompositions();
    if (m_storage)
        m_storage->commitEnqueues();
    m_retention.reset();
    // Children that talk to sockets go first, without QUIT: this is the "kill" path.
    if (m_dispatcher)
        m_dispatcher->setSentFolderChecker({});
    m_copier.reset();
    m_imapPool.reset();
    m_dispatcher.reset();
    m_transport.reset();
    if (m_server)
        m_server->close();
}

OutboxReader *Service::outbox() const
{
    return m_storage ? m_storage->reader() : nullptr;
}

QString Service::serverName(const QString &dataDir)
{
    return instanceSocketPath(dataDir);
}

bool Service::open(QString *error)
{
    QDir dir(m_options.dataDir);
    // The folder and its files are this user's alone before anything is read from them: the
    // outbox holds the messages, their Bcc recipients and the command that gives the password.
    m_dataDir = prepareDataDir(m_options.dataDir, true);
    if (!m_dataDir.ok()) {
        *error = QStringLiteral("the data folder %1 may not be used (%2: %3)")
                     .arg(m_options.dataDir, dataDirProblemName(m_dataDir.problem), m_dataDir.path);
        return false;
    }
    m_storageProblem = StorageError{};
    const QString folder = m_dataDir.path;
    if (m_options.singleInstance) {
        m_lock = std::make_unique<QLockFile>(lockPath(m_options.dataDir));
        m_lock->setStaleLockTime(0);
        bool locked = takeLock(*m_lock, lockPath(m_options.dataDir));
        StorageError why;
        if (!locked && m_lock->error() != QLockFile::LockFailedError) {
            // QLockFile says only "unknown error" when it cannot write its file: a full disk
            // is told by a write of our own. The reserve makes room for the lock file (and
            // SQLite's files) so that the app, flush and daemon start on a full disk.
            why = storageErrorFromErrno(probeWrite(folder), folder,
                                        QStringLiteral("cannot create the lock file"));
            while (!locked && why.isDiskFull() && m_options.useReserve &&
                   DiskReserve::release(folder)) {
                m_storageProblem = why;
                locked = takeLock(*m_lock, lockPath(m_options.dataDir));
            }
        }
        if (!locked) {
            m_lockedByOther = m_lock->error() == QLockFile::LockFailedError;
            if (!m_lockedByOther && why.isDiskFull())
                m_storageProblem = why;
            *error =
                m_lockedByOther
                    ? QStringLiteral("another Outpost process is sending from %1")
                          .arg(m_options.dataDir)
                    : QStringLiteral("cannot create the lock file in %1").arg(m_options.dataDir);
            m_lock.reset();
            return false;
        }
    }
    m_db = std::make_unique<Database>();
    const QString dbPath = dir.filePath(QStringLiteral("outbox.sqlite"));
    const Database::Access access =
        m_options.readOnly ? Database::Access::ReadOnly : Database::Access::ReadWrite;
    bool opened = m_db->open(dbPath, error, access);
    if (!opened && m_db->lastOpenError() == Database::OpenError::DiskFull &&
        access == Database::Access::ReadOnly &&
        QFileInfo(dbPath + QStringLiteral("-wal")).size() == 0) {
        // Reading needs no room when nobody writes (no -wal with changes): the file as it is,
        // and the reserve stays for the writes that need it.
        m_storageProblem = m_db->lastFailure();
        opened = m_db->open(dbPath, error, Database::Access::Snapshot);
    }
    while (!opened && m_db->lastOpenError() == Database::OpenError::DiskFull &&
           m_options.useReserve && DiskReserve::release(folder)) {
        // SQLite needs room for its -wal and -shm files even to read: the reserve's.
        m_storageProblem = m_db->lastFailure();
        opened = m_db->open(dbPath, error, access);
    }
    if (!opened) {
        m_dbError = int(m_db->lastOpenError());
        if (m_db->lastFailure().isDiskFull())
            m_storageProblem = m_db->lastFailure();
        m_lock.reset();
        return false;
    }
    if (!m_options.readOnly)
        DiskReserve::ensure(folder); // made once the disk has room (again)
    m_storage = std::make_unique<Storage>(m_db.get(), m_clock);
    if (m_options.dispatch && !m_options.readOnly) {
        // The sending process (the app, flush, daemon) writes on one storage thread with the
        // only write connection of the process: the thread that drives the UI and the sockets
        // never waits for a transaction or a disk sync. Short CLI commands write on their one
        // connection, synchronously.
        m_storage->useWorkerThread();
    }
    m_settings = std::make_unique<Settings>(m_db.get(), m_storage.get());
    m_accounts = std::make_unique<AccountStore>(m_db.get(), m_storage.get());
    connect(m_storage.get(), &Storage::enqueued, this, [this](quint64 storeTicket, qint64 id) {
        if (const quint64 t = m_storeTickets.take(storeTicket))
            emit enqueued(t, id);
    });
    connect(m_storage.get(), &Storage::enqueueFailed, this,
            [this](quint64 storeTicket, const QString &error) {
                if (const quint64 t = m_storeTickets.take(storeTicket))
                    emit enqueueFailed(t, error);
            });
    m_connectivity = std::make_unique<Connectivity>();
    if (m_options.systemNetworkInfo)
        m_connectivity->useSystemBackend();
    m_transport = std::make_unique<Transport>();
    m_dispatcher = std::make_unique<Dispatcher>(m_storage.get(), m_accounts.get(), m_settings.get(),
                                                m_credentials, m_transport.get(),
                                                m_connectivity.get(), m_clock);
    if (m_options.resolveHost)
        m_dispatcher->setHostResolver(m_options.resolveHost);
    m_dispatcher->setAccessTokens(m_accessTokens.get());
    connect(m_storage.get(), &Storage::groupCommitted, m_dispatcher.get(), [this](int written) {
        if (written > 0)
            m_dispatcher->wake();
    });
    connect(m_dispatcher.get(), &Dispatcher::notice, this, &Service::notice);
    // The copies in the Sent folder: their own pool of IMAP sessions and dispatcher.
    m_imapPool = std::make_unique<ImapPool>();
    m_imapPool->setIdleTimeout(int(m_settings->intValue(QString(), settingKey("pool.idle_ms"))));
    m_copier = std::make_unique<CopyDispatcher>(m_storage.get(), m_accounts.get(), m_settings.get(),
                                                m_credentials, m_imapPool.get(),
                                                m_connectivity.get(), m_clock);
    if (m_options.resolveHost)
        m_copier->setHostResolver(m_options.resolveHost);
    m_copier->setAccessTokens(m_accessTokens.get());
    connect(m_dispatcher.get(), &Dispatcher::copiesDue, m_copier.get(), &CopyDispatcher::wake);
    // A message whose delivery is uncertain is looked for in the Sent folder before it goes
    // again.
    m_dispatcher->setSentFolderChecker(
        [copier = m_copier.get()](const QString &account, qint64 id, const QByteArray &messageId) {
            copier->checkSentFolder(account, id, messageId);
        });
    connect(m_copier.get(), &CopyDispatcher::sentFolderChecked, m_dispatcher.get(),
            &Dispatcher::onSentFolderChecked);
    connect(m_dispatcher.get(), &Dispatcher::activityChanged, this, &Service::updateActivity);
    connect(m_copier.get(), &CopyDispatcher::activityChanged, this, &Service::updateActivity);
    connect(m_transport.get(), &Transport::shutdownFinished, this, [this](int clean, int aborted) {
        m_smtpShutDown = true;
        partShutDown(clean, aborted);
    });
    connect(m_imapPool.get(), &ImapPool::shutdownFinished, this, [this](int clean, int aborted) {
        m_imapShutDown = true;
        partShutDown(clean, aborted);
    });
    connect(m_imapPool.get(), &ImapPool::logLine, this,
            [this](const QString &account, int id, const QString &line) {
                const QString entry =
                    QStringLiteral("[%1 imap#%2] %3").arg(account, QString::number(id), line);
                m_log.append(entry);
                if (m_log.size() > kLogLines)
                    m_log.remove(0, m_log.size() - kLogLines);
                emit logLine(account, entry);
            });
    connect(m_transport.get(), &Transport::sessionReady, this,
            [this](const QString &account, const Capabilities &caps) {
                // Written (by the storage) only when they changed: every new pooled session
                // (each 100 messages) reports the same.
                m_accounts->setLastCapabilities(account, caps.describe());
            });
    connect(m_transport.get(), &Transport::logLine, this,
            [this](const QString &account, int id, const QString &line) {
                const QString entry =
                    QStringLiteral("[%1 #%2] %3").arg(account, QString::number(id), line);
                m_log.append(entry);
                if (m_log.size() > kLogLines)
                    m_log.remove(0, m_log.size() - kLogLines);
                emit logLine(account, entry);
            });

    if (m_options.singleInstance) {
        m_server = new QLocalServer(this);
        m_server->setSocketOptions(QLocalServer::UserAccessOption);
        const QString name = serverName(m_options.dataDir);
        if (!name.isEmpty() && !m_server->listen(name)) {
            // A stale socket left by a crash: we hold the lock and the folder is ours alone
            // (instanceSocketPath()), so it is ours to remove.
            QLocalServer::removeServer(name);
            m_server->listen(name);
        }
        connect(m_server, &QLocalServer::newConnection, this, &Service::onLocalConnection);
    }
    if (m_options.dispatch) {
        // The first TLS socket loads and initialises the TLS backend (OpenSSL): about 15 ms,
        // once, which the first session would otherwise spend on the thread that sends. A
        // process-wide initialisation, done by the storage thread while it is idle.
        m_storage->write([](StorageWriter &) { QSslSocket::supportsSsl(); });
        // The end-of-data marks of the process that sent last (EndOfDataJournal): those of
        // messages still `sending` count as their end_of_data_at for decideInterrupted().
        const QString journalPath = dir.filePath(EndOfDataJournal::fileName());
        const EndOfDataJournal::Contents journal = EndOfDataJournal::read(journalPath);
        for (const QString &problem : journal.problems) {
            qWarning("outpost: %s", qPrintable(problem));
            m_log.append(problem);
        }
        // A message found accepted is sent: its copy in the Sent folder is due as the
        // dispatcher would have made it (Dispatcher::onFinished()).
        QSet<QString> copying;
        for (const Account &a : m_accounts->list()) {
            if (sentCopyEffective(a))
                copying.insert(a.name);
        }
        StorageError recovery;
        const int recovered = m_storage->writeNow([&recovery, &journal, &copying,
                                                   now = m_clock->now()](StorageWriter &w) {
            const int n = w.outbox.recoverInterrupted(
                [&now, &copying](const InterruptedMessage &m) {
                    Recovery r = decideInterrupted(m, now);
                    r.copyPending = r.state == MessageState::Sent && copying.contains(m.account);
                    return r;
                },
                journal.marked, journal.accepted);
            recovery = w.outbox.lastError();
            return n;
        });
        m_recovered = std::max(0, recovered);
        if (recovery.isDiskFull())
            m_storageProblem = recovery;
        // Recovered, the marks are used: the journal starts empty. Not recovered (the outbox
        // could not be written), the messages stay `sending` and their marks are kept.
        const bool used = recovered >= 0 && !recovery.failed();
        m_endOfDataJournal = std::make_unique<EndOfDataJournal>(journalPath);
        QString journalError;
        if (m_endOfDataJournal->open(used, journal.marked, &journalError, journal.accepted)) {
            m_dispatcher->setEndOfDataJournal(m_endOfDataJournal.get());
        } else {
            // The marks then go to the outbox, through the storage thread (slower, as safe).
            qWarning("outpost: cannot open the end-of-data journal %s (%s): the end-of-data "
                     "marks are written to the outbox instead",
                     qPrintable(journalPath), qPrintable(journalError));
            m_endOfDataJournal.reset();
        }
        m_dispatcher->start();
        // The sender keeps the outbox from growing for ever: at start, then daily, on the
        // storage thread after what is queued there now.
        m_retention = std::make_unique<Retention>(m_storage.get(), m_settings.get(), m_clock);
        m_retention->start();
        m_copier->start();
    }
    return true;
}

namespace {
/// Composes a draft into the message the store keeps; false with *error when it cannot be.
bool composeNew(const QString &account, const mime::Draft &draft, const QDateTime &sendAt,
                MessageState state, NewMessage *n, QString *error)
{
    const mime::ComposedMessage m = mime::composeMessage(draft);
    if (!m.ok()) {
        *error = m.error;
        return false;
    }
    n->account = account;
    n->data = m.data;
    n->messageId = m.messageId;
    n->reversePath = m.envelope.reversePath;
    n->recipients = m.envelope.recipients;
    n->needsSmtpUtf8 = m.envelope.needsSmtpUtf8;
    n->fromText = joinMailboxes({draft.from});
    n->toText = joinMailboxes(draft.to + draft.cc);
    n->subject = QString(draft.subject)
                     .replace(QLatin1Char('\r'), QLatin1Char(' '))
                     .replace(QLatin1Char('\n'), QLatin1Char(' '));
    n->sendAt = sendAt;
    n->state = state;
    return true;
}

QStringList usedAddresses(const mime::Draft &draft)
{
    QStringList used;
    for (const auto &list : {draft.to, draft.cc, draft.bcc}) {
        for (const auto &mb : list)
            used << mb.address;
    }
    return used;
}
} // namespace

Service::EnqueueResult Service::enqueue(const QString &account, const mime::Draft &draft,
                                        const QDateTime &sendAt, MessageState state,
                                        const DsnRequest &dsn)
{
    EnqueueResult r;
    if (!m_accounts->find(account)) {
        r.error = QStringLiteral("no account named \"%1\"").arg(account);
        r.failure = EnqueueResult::Failure::NoAccount;
        return r;
    }
    NewMessage n;
    if (!composeNew(account, draft, sendAt, state, &n, &r.error)) {
        r.failure = EnqueueResult::Failure::Refused;
        return r;
    }
    n.dsn = withDefaultNotify(dsn, account);
    const QStringList remember = usedAddresses(draft);
    r.id = m_storage->writeNow([&](StorageWriter &w) {
        const qint64 id = w.outbox.enqueue(n, &r.error);
        if (id)
            w.addresses.remember(remember);
        else
            r.storage = w.outbox.lastError();
        return id;
    });
    if (!r.id) {
        r.failure = EnqueueResult::Failure::Storage;
        return r;
    }
    m_dispatcher->wake();
    return r;
}

quint64 Service::enqueueAsync(const QString &account, const mime::Draft &draft, QString *error,
                              const QDateTime &sendAt, MessageState state, const DsnRequest &dsn)
{
    if (!m_accounts->find(account)) {
        *error = QStringLiteral("no account named \"%1\"").arg(account);
        return 0;
    }
    const DsnRequest d = withDefaultNotify(dsn, account);
    if (checkDsnRequest(d) != DsnProblem::None) {
        *error = QStringLiteral("invalid delivery status notification request");
        return 0;
    }
    return composeAsync(0, account, draft, sendAt, state, d);
}

quint64 Service::replaceMessageAsync(qint64 id, const QString &account, const mime::Draft &draft,
                                     QString *error, const QDateTime &sendAt, MessageState state)
{
    if (!m_accounts->find(account)) {
        *error = QStringLiteral("no account named \"%1\"").arg(account);
        return 0;
    }
    return composeAsync(id, account, draft, sendAt, state, {});
}

quint64 Service::composeAsync(qint64 replaces, const QString &account, const mime::Draft &draft,
                              const QDateTime &sendAt, MessageState state, const DsnRequest &dsn)
{
    if (!m_composer) {
        // One thread: messages reach the store in the order they were sent. GMime objects
        // are made and used by that thread only (GMime's utilities are thread-safe).
        m_composer = std::make_unique<QThreadPool>();
        m_composer->setMaxThreadCount(1);
        m_composer->setObjectName(QStringLiteral("outpost-compose"));
    }
    const quint64 ticket = ++m_lastTicket;
    m_composer->start([this, ticket, replaces, account, draft, sendAt, state, dsn] {
        NewMessage n;
        QString error;
        if (composeNew(account, draft, sendAt, state, &n, &error))
            n.dsn = dsn;
        const QStringList remember = usedAddresses(draft);
        QMetaObject::invokeMethod(
            this,
            [this, ticket, replaces, n, error, remember] {
                onComposed(ticket, replaces, n, error, remember);
            },
            Qt::QueuedConnection);
    });
    return ticket;
}

void Service::onComposed(quint64 ticket, qint64 replaces, const NewMessage &message,
                         const QString &error, const QStringList &remember)
{
    if (!error.isEmpty()) {
        emit enqueueFailed(ticket, error);
        return;
    }
    const quint64 storeTicket = replaces ? m_storage->replaceDraftAsync(replaces, message, remember)
                                         : m_storage->enqueueAsync(message, remember);
    m_storeTickets.insert(storeTicket, ticket);
}

void Service::finishCompositions()
{
    if (!m_composer)
        return;
    m_composer->waitForDone();
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

Service::EditableMessage Service::editMessage(qint64 id)
{
    EditableMessage e;
    e.id = id;
    if (!m_storage->writeNow(&OutboxWriter::takeBackToDraft, id, &e.error))
        return e;
    return readForEditing(id);
}

Service::EditableMessage Service::readForEditing(qint64 id) const
{
    EditableMessage e;
    e.id = id;
    const auto record = outbox()->message(id);
    if (!record) {
        e.error = QStringLiteral("no message with id %1").arg(id);
        return e;
    }
    e.account = record->account;
    e.sendAt = record->sendAt;
    QList<QByteArray> envelope;
    for (const RecipientRecord &r : record->recipients)
        envelope << r.address;
    const mime::ParsedDraft parsed = mime::parseDraft(outbox()->messageData(id), envelope);
    if (!parsed.ok()) {
        e.error = parsed.error; // it stays as it is: nothing is lost, it can be deleted
        return e;
    }
    e.draft = parsed.draft;
    return e;
}

void Service::takeBackToDraft(qint64 id, QObject *context,
                              std::function<void(bool, const QString &)> done)
{
    m_storage->write(
        [id](StorageWriter &w) {
            QString error;
            const bool ok = w.outbox.takeBackToDraft(id, &error);
            return std::make_pair(ok, error);
        },
        context, [done](const std::pair<bool, QString> &r) { done(r.first, r.second); });
}

Service::EnqueueResult Service::replaceMessage(qint64 id, const QString &account,
                                               const mime::Draft &draft, const QDateTime &sendAt,
                                               MessageState state)
{
    EnqueueResult r;
    if (!m_accounts->find(account)) {
        r.error = QStringLiteral("no account named \"%1\"").arg(account);
        r.failure = EnqueueResult::Failure::NoAccount;
        return r;
    }
    NewMessage n;
    if (!composeNew(account, draft, sendAt, state, &n, &r.error)) {
        r.failure = EnqueueResult::Failure::Refused;
        return r;
    }
    const QStringList remember = usedAddresses(draft);
    if (!m_storage->writeNow([&](StorageWriter &w) {
            if (!w.outbox.replaceDraft(id, n, &r.error))
                return false;
            w.addresses.remember(remember);
            return true;
        })) {
        // Not a draft any more, or not written: the writer does not tell which.
        r.failure = EnqueueResult::Failure::Refused;
        return r;
    }
    r.id = id;
    m_dispatcher->wake();
    return r;
}

Service::EnqueueResult::Failure Service::importRaw(const QString &account, const QByteArray &raw,
                                                   std::optional<QByteArray> mailFrom,
                                                   const QList<QByteArray> &recipients,
                                                   const QDateTime &sendAt, const DsnRequest &dsn,
                                                   NewMessage *n, QString *error) const
{
    if (!m_accounts->find(account)) {
        *error = QStringLiteral("no account named \"%1\"").arg(account);
        return EnqueueResult::Failure::NoAccount;
    }
    mime::ImportOptions opt;
    opt.mailFrom = mailFrom;
    opt.recipients = recipients;
    const mime::ComposedMessage m = mime::importMessage(raw, opt);
    if (!m.ok()) {
        *error = m.error;
        return m.notAMessage ? EnqueueResult::Failure::NotAMessage
                             : EnqueueResult::Failure::Refused;
    }
    n->account = account;
    n->data = m.data;
    n->messageId = m.messageId;
    n->reversePath = m.envelope.reversePath;
    n->recipients = m.envelope.recipients;
    n->needsSmtpUtf8 = m.envelope.needsSmtpUtf8;
    n->fromText = QString::fromUtf8(m.envelope.reversePath);
    QStringList to;
    for (const QByteArray &a : m.envelope.recipients)
        to << QString::fromUtf8(a);
    n->toText = to.join(QLatin1String(", "));
    n->subject = mime::decodedSubject(m.data);
    n->sendAt = sendAt;
    n->dsn = withDefaultNotify(dsn, account);
    return EnqueueResult::Failure::None;
}

Service::EnqueueResult Service::enqueueRaw(const QString &account, const QByteArray &raw,
                                           std::optional<QByteArray> mailFrom,
                                           const QList<QByteArray> &recipients,
                                           const QDateTime &sendAt, const DsnRequest &dsn)
{
    EnqueueResult r;
    NewMessage n;
    r.failure = importRaw(account, raw, mailFrom, recipients, sendAt, dsn, &n, &r.error);
    if (r.failure != EnqueueResult::Failure::None)
        return r;
    r.id = m_storage->writeNow([&](StorageWriter &w) {
        const qint64 id = w.outbox.enqueue(n, &r.error);
        if (!id)
            r.storage = w.outbox.lastError();
        return id;
    });
    if (r.id)
        m_dispatcher->wake();
    else
        r.failure = EnqueueResult::Failure::Storage;
    return r;
}

quint64 Service::enqueueRawAsync(const QString &account, const QByteArray &raw, QString *error)
{
    NewMessage n;
    if (importRaw(account, raw, {}, {}, {}, {}, &n, error) != EnqueueResult::Failure::None)
        return 0;
    const quint64 ticket = ++m_lastTicket;
    m_storeTickets.insert(m_storage->enqueueAsync(n), ticket);
    return ticket;
}

DsnRequest Service::withDefaultNotify(const DsnRequest &dsn, const QString &account) const
{
    DsnRequest d = dsn;
    if (d.notify != DsnRequest::NotifyDefault)
        return d;
    const QString v = m_settings->value(account, settingKey("dsn.notify"));
    if (v != QLatin1String("default") &&
        parseDsnNotify(v, &d.notify) != DsnProblem::None) // refused by Settings::validate()
        d.notify = DsnRequest::NotifyDefault;
    return d;
}

void Service::flush()
{
    m_dispatcher->flush();
    m_copier->flush();
}

bool Service::retry(qint64 id, QString *error, QDateTime *overriddenSendAt)
{
    QString why;
    const auto s = outbox()->summary(id);
    if (s && m_accounts->isPaused(s->account))
        m_dispatcher->resumeAccount(s->account);
    const bool ok = m_storage->writeNow(&OutboxWriter::retryNow, id, &why, overriddenSendAt);
    if (error)
        *error = why;
    m_dispatcher->wake();
    return ok;
}

void Service::act(UserAction action, const QList<qint64> &ids, QObject *context,
                  std::function<void(const ActionReport &)> done)
{
    if (action == UserAction::Retry) {
        // A retry also ends its account's pause (the user says the problem is fixed).
        QSet<QString> resumed;
        for (qint64 id : ids) {
            const auto s = outbox()->summary(id);
            if (s && m_accounts->isPaused(s->account) && !resumed.contains(s->account)) {
                resumed.insert(s->account);
                m_dispatcher->resumeAccount(s->account);
            }
        }
    }
    m_storage->write(
        [action, ids](StorageWriter &w) {
            ActionReport r;
            for (qint64 id : ids) {
                QString error;
                bool ok = false;
                switch (action) {
                case UserAction::Retry:
                    ok = w.outbox.retryNow(id, &error);
                    break;
                case UserAction::Hold:
                    ok = w.outbox.hold(id, &error);
                    break;
                case UserAction::Release:
                    ok = w.outbox.release(id, &error);
                    break;
                case UserAction::Delete:
                    ok = w.outbox.removeFinished(id, &error);
                    break;
                case UserAction::Cancel: {
                    bool deleted = false;
                    ok = w.outbox.cancel(id, &deleted, &error);
                    if (ok && !deleted)
                        ++r.kept;
                    break;
                }
                }
                if (ok) {
                    ++r.done;
                } else {
                    r.refused.append({id, error});
                    if (w.outbox.lastError().isDiskFull() && !r.storage.failed())
                        r.storage = w.outbox.lastError();
                }
            }
            return r;
        },
        this,
        [this, action, guard = QPointer<QObject>(context), guarded = context != nullptr,
         done](const ActionReport &r) {
            if (action == UserAction::Retry || action == UserAction::Release)
                m_dispatcher->wake();
            if (action == UserAction::Delete && r.done > 0 && m_retention)
                m_retention->reclaim();
            if (done && (!guarded || guard))
                done(r);
        });
}

void Service::setPassword(const QString &account, const QString &password)
{
    m_dispatcher->setCachedPassword(account, password);
    m_copier->setCachedPassword(account, password);
    m_credentials->writePassword(account, password, [](bool, const QString &) {});
    m_dispatcher->resumeAccount(account);
}

void Service::resumeAccount(const QString &account)
{
    m_dispatcher->resumeAccount(account);
}

void Service::shutdown(int deadlineMs)
{
    if (m_dispatcher)
        m_dispatcher->stop();
    if (m_retention)
        m_retention->stop();
    if (m_copier)
        m_copier->stop();
    if (m_server)
        m_server->close();
    if (!m_transport) {
        QTimer::singleShot(0, this, [this] { emit shutdownFinished(0, 0); });
        return;
    }
    // QUIT to every SMTP server and LOGOUT to every IMAP server at once, both bounded by the
    // same deadline.
    m_transport->shutdown(deadlineMs);
    m_imapPool->shutdown(deadlineMs);
}

void Service::partShutDown(int clean, int aborted)
{
    m_shutdownClean += clean;
    m_shutdownAborted += aborted;
    if (!m_smtpShutDown || !m_imapShutDown)
        return;
    // Every copy's outcome is on disk before anyone hears the shutdown is over.
    m_storage->drain();
    emit shutdownFinished(m_shutdownClean, m_shutdownAborted);
}

bool Service::isBusy() const
{
    return (m_dispatcher && m_dispatcher->isBusy()) || (m_copier && m_copier->isBusy());
}

void Service::updateActivity()
{
    const bool busy = isBusy();
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit activityChanged(busy);
}

void Service::onLocalConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        // Bounded: a peer that never ends its line cannot make this process buffer it all.
        socket->setReadBufferSize(kInstanceLineMax + 1);
        if (!localPeerIsThisUser(socket->socketDescriptor())) {
            socket->abort(); // another user's process: nothing is read from it
            continue;
        }
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            QPointer<QLocalSocket> guard(socket);
            auto reply = [guard](const InstanceReply &r) {
                if (guard)
                    writeLine(guard, encodeReply(r));
            };
            while (socket->canReadLine()) {
                QString why;
                const std::optional<InstanceRequest> request =
                    decodeRequest(socket->readLine(kInstanceLineMax + 1), &why);
                if (request)
                    handleRequest(*request, reply);
                else
                    reply(InstanceReply::refusal(why));
                if (!guard)
                    return;
            }
            if (socket->bytesAvailable() > kInstanceLineMax) {
                // A line that never ends: refused, and nothing more is read from this peer.
                reply(InstanceReply::refusal(QStringLiteral("request too long")));
                socket->disconnectFromServer();
            }
        });
    }
}

void Service::handleRequest(const InstanceRequest &request, const RemoteReply &reply)
{
    switch (request.verb) {
    case InstanceVerb::Changed:
        // Another process changed the database (queue, retry, config): reread and reschedule.
        {
            const QString before = m_settings->value({}, settingKey("retention.sent_days"));
            m_settings->reload();
            if (m_retention && m_settings->value({}, settingKey("retention.sent_days")) != before)
                m_retention->run(); // a shorter retention applies now, not in a day
        }
        m_storage->reader()->announce({{}, true}); // views reread what the other process changed
        m_accounts->reload();
        m_dispatcher->wake();
        reply(InstanceReply::success());
        return;
    case InstanceVerb::Flush: {
        // Answer once everything that was due has been tried.
        m_settings->reload();
        m_dispatcher->flush();
        m_copier->flush();
        auto conn = std::make_shared<QMetaObject::Connection>();
        auto finish = [this, reply, conn] {
            QObject::disconnect(*conn);
            InstanceReply r = InstanceReply::success();
            r.queued = outbox()->count(MessageState::Queued);
            r.held = outbox()->count(MessageState::Held);
            r.failed = outbox()->count(MessageState::Failed);
            r.sent = outbox()->count(MessageState::Sent);
            reply(r);
        };
        *conn = connect(this, &Service::activityChanged, this, [finish](bool busy) {
            if (!busy)
                finish();
        });
        QTimer::singleShot(0, this, [this, finish] {
            if (!isBusy())
                finish();
        });
        return;
    }
    case InstanceVerb::Status:
        reply(statusReport());
        return;
    case InstanceVerb::Activate:
    case InstanceVerb::Yield:
        break;
    }
    // What only the desktop app (a window to show) or `outpost daemon` (yield) answers: a
    // sender without a listener (`outpost flush`) says so at once instead of leaving the asker
    // waiting for its timeout.
    if (!isSignalConnected(QMetaMethod::fromSignal(&Service::remoteRequest))) {
        reply(InstanceReply::refusal(QStringLiteral("\"%1\" is not handled by this process")
                                         .arg(instanceVerbName(request.verb))));
        return;
    }
    emit remoteRequest(request, reply);
}

QString senderRoleName(SenderRole role)
{
    switch (role) {
    case SenderRole::Desktop:
        return QStringLiteral("app");
    case SenderRole::Daemon:
        return QStringLiteral("daemon");
    case SenderRole::Flush:
        return QStringLiteral("flush");
    }
    return QString();
}

InstanceReply Service::statusReport() const
{
    SenderStatus status;
    status.role = senderRoleName(m_options.role);
    status.pid = QCoreApplication::applicationPid();
    status.workOffline = m_connectivity && m_connectivity->workOffline();
    status.network =
        m_connectivity
            ? QString::fromLatin1(QMetaEnum::fromType<Connectivity::Reachability>().valueToKey(
                                      int(m_connectivity->reachability())))
                  .toLower()
            : QStringLiteral("unknown");
    if (m_transport) {
        for (const PoolSessionInfo &p : m_transport->poolState())
            status.pool.append(PooledSession{p.account, p.server, p.busy, p.messagesSent});
    }
    InstanceReply r = InstanceReply::success();
    r.sender = status;
    return r;
}

namespace {
/// How long a hand-over keeps trying while the data directory's lock is held but nobody
/// listens yet (the holder is still starting) (milliseconds).
constexpr int kHandOverWaitMs = 5000;
constexpr int kHandOverRetryMs = 50;

/// True when no live process holds the data directory's lock.
bool lockIsFree(const QString &dataDir)
{
    QLockFile probe(lockPath(dataDir));
    probe.setStaleLockTime(0);
    if (!takeLock(probe, lockPath(dataDir))) {
        // Held by a process, or not to be made (a full disk): without a lock file nobody
        // holds it.
        return probe.error() != QLockFile::LockFailedError && !QFileInfo::exists(lockPath(dataDir));
    }
    probe.unlock();
    return true;
}

/// True when `path` is a socket this user owns (checked before connecting: a name another
/// user made could receive what is handed over).
bool socketIsOurs(const QString &path)
{
#ifdef Q_OS_UNIX
    struct stat st = {};
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 && S_ISSOCK(st.st_mode) &&
           st.st_uid == ::geteuid();
#else
    Q_UNUSED(path);
    return true;
#endif
}

void handOver(const QString &dataDir, const InstanceRequest &request, QPointer<QObject> context,
              std::shared_ptr<QElapsedTimer> since, int replyTimeoutMs,
              std::function<void(bool, const InstanceReply &)> done)
{
    if (!context)
        return;
    auto *socket = new QLocalSocket(context);
    socket->setReadBufferSize(kInstanceLineMax + 1);
    auto *replyTimer = new QTimer(socket);
    replyTimer->setSingleShot(true);
    auto finished = std::make_shared<bool>(false);
    auto finish = [socket, done, finished](bool ok, const InstanceReply &reply) {
        if (*finished)
            return;
        *finished = true;
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        done(ok, reply);
    };
    QObject::connect(replyTimer, &QTimer::timeout, socket, [finish] { finish(false, {}); });
    QObject::connect(socket, &QLocalSocket::connected, socket,
                     [socket, request, finish, replyTimer, replyTimeoutMs] {
                         // Only a process of this user hears the request or is believed.
                         if (!localPeerIsThisUser(socket->socketDescriptor())) {
                             finish(false, {});
                             return;
                         }
                         writeLine(socket, encodeRequest(request));
                         replyTimer->start(std::max(1, replyTimeoutMs));
                     });
    QObject::connect(socket, &QLocalSocket::readyRead, socket, [socket, finish] {
        if (socket->canReadLine()) {
            // Something that is not a reply counts as no answer.
            const std::optional<InstanceReply> reply =
                decodeReply(socket->readLine(kInstanceLineMax + 1));
            finish(reply.has_value(), reply.value_or(InstanceReply{}));
        } else if (socket->bytesAvailable() > kInstanceLineMax) {
            finish(false, {});
        }
    });
    QObject::connect(
        socket, &QLocalSocket::errorOccurred, socket, [=](QLocalSocket::LocalSocketError e) {
            if (*finished)
                return;
            const bool notListening =
                e == QLocalSocket::ServerNotFoundError || e == QLocalSocket::ConnectionRefusedError;
            // The lock holder may not be listening yet: it takes the lock first, opens the
            // database, then listens. Try again for a while, unless the lock is free (nobody
            // is there at all).
            if (notListening && since->elapsed() < kHandOverWaitMs && !lockIsFree(dataDir)) {
                *finished = true;
                socket->disconnect();
                socket->deleteLater();
                QTimer::singleShot(kHandOverRetryMs, context, [=] {
                    handOver(dataDir, request, context, since, replyTimeoutMs, done);
                });
                return;
            }
            finish(false, {});
        });
    QObject::connect(socket, &QLocalSocket::disconnected, socket, [finish] { finish(false, {}); });
    const QString name = Service::serverName(dataDir);
    if (name.isEmpty() || (QFileInfo::exists(name) && !socketIsOurs(name))) {
        // Not a socket of ours (or nowhere private to look): nobody to talk to. Reported as
        // "not listening" so that the caller works on its own as without a running instance.
        QTimer::singleShot(0, socket, [finish] { finish(false, {}); });
        return;
    }
    socket->connectToServer(name);
}
} // namespace

std::unique_ptr<QLockFile> Service::lockOutbox(const QString &dataDir, bool *heldByOther)
{
    auto lock = std::make_unique<QLockFile>(lockPath(dataDir));
    lock->setStaleLockTime(0);
    if (!takeLock(*lock, lockPath(dataDir))) {
        *heldByOther = lock->error() == QLockFile::LockFailedError;
        return nullptr;
    }
    *heldByOther = false;
    return lock;
}

bool Service::isOutboxFree(const QString &dataDir)
{
    return lockIsFree(dataDir);
}

void Service::sendToRunningInstance(const QString &dataDir, const InstanceRequest &request,
                                    QObject *context,
                                    std::function<void(bool, const InstanceReply &)> done,
                                    int replyTimeoutMs)
{
    auto since = std::make_shared<QElapsedTimer>();
    since->start();
    // The answer always comes from the event loop, never from inside this call (a socket may
    // fail at once in connectToServer()): callers start their own loop after asking, and a
    // quit() before that loop runs would be lost, leaving it waiting forever.
    QPointer<QObject> guard(context);
    auto later = [guard, done = std::move(done)](bool ok, const InstanceReply &reply) {
        if (guard)
            QMetaObject::invokeMethod(
                guard.data(), [done, ok, reply] { done(ok, reply); }, Qt::QueuedConnection);
    };
    handOver(dataDir, request, guard, since, replyTimeoutMs, std::move(later));
}

} // namespace outpost
