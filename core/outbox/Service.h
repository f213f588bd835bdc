#pragma once

#include "DataDir.h"
#include "InstanceMessage.h"
#include "Notice.h"
#include "mime/MessageComposer.h"
#include "storage/DiskSpace.h"
#include "storage/OutboxTypes.h"

#include <QHash>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QLocalServer;
class QThreadPool;
class QLockFile;

namespace outpost {

class AccountStore;
class Clock;
class Connectivity;
class CredentialStore;
class AccessTokenCache;
class OAuthTokenStore;
class Database;
class EndOfDataJournal;
class Dispatcher;
class OutboxReader;
class Retention;
class Settings;
class Storage;
class Transport;
class ImapPool;
class CopyDispatcher;

/// Answers a request that came from another process over the single-instance channel.
using RemoteReply = std::function<void(const InstanceReply &)>;

/// Which kind of process sends from an outbox, as `outpost status` reports it.
enum class SenderRole
{
    Desktop, ///< "app": the desktop app with its window and tray
    Daemon,  ///< "daemon": `outpost daemon`, the background sender without a window
    Flush,   ///< "flush": `outpost flush`, until everything due was tried
};

/// The stable name of a role ("app", "daemon", "flush").
QString senderRoleName(SenderRole role);

/// How a Service is put together.
struct ServiceOptions
{
    QString dataDir;                        ///< holds outbox.sqlite and the lock
    CredentialStore *credentials = nullptr; ///< not owned; nullptr = system keychain
    const Clock *clock = nullptr;           ///< not owned; nullptr = system clock
    std::function<QString(const QString &host)>
        resolveHost; ///< tests: "smtp.example.net" -> "127.0.0.1"
    bool singleInstance =
        true; ///< take the data-directory lock and serve other processes' requests
    bool systemNetworkInfo = false; ///< use QNetworkInformation for reachability
    /// Run the dispatcher (and recover interrupted messages). Off for short CLI commands that
    /// only read or change the outbox while another process may be sending.
    bool dispatch = true;
    /// Only read the outbox (`outpost list`, `show`; needs dispatch off): it is opened with
    /// Database::Access::ReadOnly, without the integrity check at open (damage met while
    /// reading is reported by the read), and every write through it is refused.
    bool readOnly = false;
    /// May release the data folder's reserve (DiskReserve) when the disk is full at open:
    /// off for `queue` and `sendmail`, which would only spend it on a new message (they say
    /// the disk is full instead), on for everything that must work on a full disk.
    bool useReserve = true;
    /// What this process is, for the answer to a "status" request from another process.
    SenderRole role = SenderRole::Desktop;
};

/// The headless core of Outpost, composed: database, stores, settings, transport,
/// dispatcher, connectivity, and the single-instance channel. The desktop app, `outpost
/// flush` and the tests all drive this one class.
///
/// Exactly one Service sends from a data directory at a time: open() takes a QLockFile there
/// and listens on a QLocalServer named after the directory, so a second process can hand its
/// requests over (see sendToRunningInstance()).
class Service : public QObject
{
    Q_OBJECT
public:
    /// Nothing is opened before open().
    explicit Service(ServiceOptions options, QObject *parent = nullptr);
    /// Not graceful: sockets are dropped, nothing is written (a crash looks the same).
    /// Call shutdown() first for a clean exit.
    ~Service() override;

    /// Opens the data directory: the lock (when singleInstance), the database (created or
    /// migrated), recovery of messages left in `sending`, then starts dispatching. False with
    /// *error when the directory cannot be used; lockedByOther() tells whether another
    /// process holds it.
    bool open(QString *error);
    /// True when open() failed because another process holds the data folder's lock.
    bool lockedByOther() const { return m_lockedByOther; }
    /// Why the database could not be opened (Corrupt: offer to move it aside).
    int databaseErrorKind() const { return m_dbError; }
    /// Why open() refused the data folder (DataDirProblem::None when it did not).
    const DataDirCheck &dataDirCheck() const { return m_dataDir; }
    /// Messages that open() put back in the queue after a crash.
    int recoveredCount() const { return m_recovered; }
    /// A full disk met by open() (the lock file, the database, recovery) or by a later write
    /// of this Service (kind None while there was none): open() fails with it when even the
    /// reserve (DiskReserve) did not make room, and succeeds with it when the reserve did, so
    /// that the front end says the disk is full before the user tries to write.
    const StorageError &storageProblem() const { return m_storageProblem; }

    /// The data folder.
    QString dataDir() const { return m_options.dataDir; }
    /// The accounts (in memory, written through storage()).
    AccountStore *accounts() const { return m_accounts.get(); }
    /// The settings (in memory, written through storage()).
    Settings *settings() const { return m_settings.get(); }
    /// The outbox's storage: every write, the group commit of new messages.
    Storage *storage() const { return m_storage.get(); }
    /// Reads of the outbox (read connection) and the signals of what changed.
    OutboxReader *outbox() const;
    /// The SMTP connection pool.
    Transport *transport() const { return m_transport.get(); }
    /// What sends when.
    Dispatcher *dispatcher() const { return m_dispatcher.get(); }
    /// Retention of sent messages' bytes and the return of free pages to the disk; nullptr in
    /// a process that does not dispatch (short commands).
    Retention *retention() const { return m_retention.get(); }
    /// The IMAP connection pool (copies in the Sent folder).
    ImapPool *imapPool() const { return m_imapPool.get(); }
    /// What copies sent messages into their Sent folder.
    CopyDispatcher *copier() const { return m_copier.get(); }
    /// True while a message or a copy for the Sent folder is in flight or due now.
    bool isBusy() const;
    /// Whether the network can be used.
    Connectivity *connectivity() const { return m_connectivity.get(); }
    /// Where passwords are kept.
    CredentialStore *credentials() const { return m_credentials; }
    /// Where the refresh tokens of OAuth accounts are kept (the keychain above, or files of
    /// the data folder).
    OAuthTokenStore *oauthTokens() const { return m_oauthTokens.get(); }
    /// The OAuth access tokens in memory, shared by submission and the Sent-folder copies:
    /// forget() an account's after a sign-out or a new sign-in.
    AccessTokenCache *accessTokens() const { return m_accessTokens.get(); }

    /// What became of a synchronous enqueue: the new message's id, or why it was refused.
    struct EnqueueResult
    {
        /// What kind of refusal `error` is, for callers that act on it (the command line's
        /// exit code) rather than show it.
        enum class Failure
        {
            None,
            NoAccount,   ///< no account of that name
            NotAMessage, ///< enqueueRaw(): the input is no RFC 5322 message at all
            Refused,     ///< the message cannot be made or taken as it is (address, field, DSN)
            Storage,     ///< the outbox could not be written (disk full, I/O error, busy)
        };
        qint64 id = 0;
        QString error; ///< why the message was refused (bad address, no account, disk full)
        Failure failure = Failure::None; ///< the kind of refusal; None when stored
        /// Failure::Storage: what kind of storage failure (a full disk: words::storageError()).
        StorageError storage;
        /// True when the message was stored.
        bool ok() const { return error.isEmpty(); }
    };
    /// Composes and queues a message written by the user (or holds it as a draft). sendAt
    /// schedules it; dsn asks for delivery status notifications (RFC 3461), NOTIFY from the
    /// `dsn.notify` setting when dsn leaves it open. Refuses (error) a
    /// draft that cannot be composed or a DSN request that fails checkDsnRequest().
    EnqueueResult enqueue(const QString &account, const mime::Draft &draft,
                          const QDateTime &sendAt = {}, MessageState state = MessageState::Queued,
                          const DsnRequest &dsn = {});
    /// enqueue() without blocking this thread (the compose window's Send, Send later and Save
    /// draft): the message is composed on a thread of this Service's own (GMime, base64 of
    /// the attachments: about 1.5 ms per 100 KB, seconds for a large attachment) and written
    /// by the storage's group commit (Storage::enqueueAsync) on the storage thread, in the order
    /// of the calls (a Service that does not dispatch has no storage thread unless it is given
    /// one, and writes at a later event-loop turn on its own). Returns a ticket (> 0):
    /// enqueued(ticket, id) follows once the message is durably stored (the dispatcher is woken
    /// then), or enqueueFailed(ticket, error) when it could not be composed or written (full
    /// disk, I/O error: nothing of it is stored). Returns 0 with *error, and emits nothing, when
    /// it is refused at once (no such account, a DSN request that fails checkDsnRequest()).
    quint64 enqueueAsync(const QString &account, const mime::Draft &draft, QString *error,
                         const QDateTime &sendAt = {}, MessageState state = MessageState::Queued,
                         const DsnRequest &dsn = {});
    /// Queues an existing RFC 5322 message (`queue --eml`, `sendmail`); the envelope comes from
    /// its headers unless mailFrom / recipients are given. dsn as for enqueue(). Waits for the
    /// disk: for short-lived processes.
    EnqueueResult enqueueRaw(const QString &account, const QByteArray &raw,
                             std::optional<QByteArray> mailFrom = {},
                             const QList<QByteArray> &recipients = {}, const QDateTime &sendAt = {},
                             const DsnRequest &dsn = {});
    /// enqueueRaw() without waiting for the disk (a message file dropped on a window): the
    /// message is read at once (0 with *error when it is refused), then stored by the group
    /// commit; enqueued(ticket, id) or enqueueFailed(ticket, error) follows.
    quint64 enqueueRawAsync(const QString &account, const QByteArray &raw, QString *error);

    /// A stored message opened for editing.
    struct EditableMessage
    {
        qint64 id = 0;
        QString account;
        mime::Draft draft;
        QDateTime sendAt; ///< the scheduled time it had (invalid = as soon as possible)
        QString error;    ///< why it cannot be edited (being sent, sent, unreadable)
        bool ok() const { return error.isEmpty(); }
    };
    /// "Edit (back to draft)": takes message `id` out of sending (OutboxWriter::takeBackToDraft:
    /// refused while it is being sent) and parses its stored bytes (mime::parseDraft, Bcc from
    /// the envelope) so a compose window can show it. The message stays a `draft` until
    /// replaceMessage() stores the edited version; a draft is reopened as it is. Waits for the
    /// disk; the window uses readForEditing() and takeBackToDraft().
    EditableMessage editMessage(qint64 id);
    /// Message `id` parsed for editing as it is stored, without changing anything.
    EditableMessage readForEditing(qint64 id) const;
    /// OutboxWriter::takeBackToDraft() without waiting for the disk: `done(ok, error)` follows
    /// in this thread (unless `context` is gone).
    void takeBackToDraft(qint64 id, QObject *context,
                         std::function<void(bool ok, const QString &error)> done);
    /// Composes `draft` and stores it in place of draft `id` (same id, no duplicate), queued,
    /// scheduled (sendAt) or kept as a draft (state). Refuses (error) a message that is no
    /// longer a draft or a draft that cannot be composed; the old message is then unchanged.
    EnqueueResult replaceMessage(qint64 id, const QString &account, const mime::Draft &draft,
                                 const QDateTime &sendAt = {},
                                 MessageState state = MessageState::Queued);

    /// replaceMessage() without waiting for the disk: a ticket as for enqueueAsync(); the
    /// replacement is refused later (enqueueFailed) when `id` is no longer a draft by then.
    quint64 replaceMessageAsync(qint64 id, const QString &account, const mime::Draft &draft,
                                QString *error, const QDateTime &sendAt = {},
                                MessageState state = MessageState::Queued);

    /// "Send queued now".
    void flush();
    /// The user asks to try a message again now (also ends its account's pause). A message
    /// scheduled for later goes at the next chance too: *overriddenSendAt, when given,
    /// receives the time it was scheduled for (OutboxWriter::retryNow()). Waits for the disk;
    /// the window uses act().
    bool retry(qint64 id, QString *error = nullptr, QDateTime *overriddenSendAt = nullptr);

    /// A user action on messages.
    enum class UserAction
    {
        Retry,   ///< send at the next chance (also ends its account's pause), as retry()
        Hold,    ///< OutboxWriter::hold()
        Release, ///< OutboxWriter::release()
        Cancel,  ///< OutboxWriter::cancel(): withdraw a message not sent yet
        /// OutboxWriter::removeFinished(): delete a sent or failed message wholly (record and
        /// history too); its free pages then go back to the disk (Retention::reclaim())
        Delete,
    };
    /// What became of a user action.
    struct ActionReport
    {
        int done = 0; ///< messages it was applied to
        int kept = 0; ///< Cancel: kept as failed, as some recipients already got them
        QList<QPair<qint64, QString>> refused; ///< message, why it was refused
        /// Set when an action could not be written because the disk is full (the messages it
        /// names in `refused` are unchanged); kind None otherwise.
        StorageError storage;
    };
    /// Applies `action` to `ids` without waiting for the disk, each message in a transaction of
    /// its own; `done` gets the report in this thread afterwards (unless `context` is gone).
    void act(UserAction action, const QList<qint64> &ids, QObject *context,
             std::function<void(const ActionReport &)> done);
    /// Stores a new password (keychain) and resumes the account.
    void setPassword(const QString &account, const QString &password);
    /// Ends an account's pause (after the user fixed it) and releases its held messages.
    void resumeAccount(const QString &account);
    /// QUIT to every SMTP server and LOGOUT to every IMAP server, graceful close;
    /// shutdownFinished() when both are done (at most deadlineMs).
    void shutdown(int deadlineMs);
    /// The answer to another process's "status" request: ok, with a sender (SenderStatus: role
    /// senderRoleName(), pid, work offline, network "online", "offline" or "unknown", one
    /// PooledSession per open pooled session).
    InstanceReply statusReport() const;
    /// Recent protocol log lines (all accounts), oldest first; AUTH secrets are redacted.
    QStringList recentLog() const { return m_log; }

    /// Name of the single-instance channel for a data directory: a socket in a folder only
    /// this user may create files in (instanceSocketPath()).
    static QString serverName(const QString &dataDir);
    /// True when no live process holds the outbox of `dataDir` (its lock is free now). A
    /// snapshot: another process may take it the next moment; open() is what decides.
    static bool isOutboxFree(const QString &dataDir);
    /// Takes the outbox's lock of `dataDir` without opening the database (what `salvage` needs
    /// while nobody may write); nullptr when it is held (*heldByOther true) or cannot be made.
    static std::unique_ptr<QLockFile> lockOutbox(const QString &dataDir, bool *heldByOther);
    /// Sends a request to the process serving `dataDir`, if any, and calls `done` with its
    /// answer (or ok=false when no instance answers), always from the event loop of `context`,
    /// never from inside this call, and not at all once `context` is gone. While the directory's
    /// lock is held but nobody listens yet (the holder is starting), it keeps trying for up to 5 s;
    /// when the lock is free it gives up at once. Only a process of this user is talked to (the
    /// socket's owner and the peer's credentials are checked), and an answer not in
    /// `replyTimeoutMs` counts as none.
    /// A reply that is not one (InstanceReply) counts as none too.
    static void sendToRunningInstance(const QString &dataDir, const InstanceRequest &request,
                                      QObject *context,
                                      std::function<void(bool ok, const InstanceReply &reply)> done,
                                      int replyTimeoutMs = 15000);

signals:
    /// The message of enqueueAsync() / replaceMessageAsync() `ticket` is durably stored as `id`.
    void enqueued(quint64 ticket, qint64 id);
    /// The message of `ticket` was not stored; `error` says why (e.g. "could not write the
    /// outbox: database or disk is full", or the draft is no longer a draft).
    void enqueueFailed(quint64 ticket, const QString &error);
    /// Something the user should hear of (an account paused, a message failed).
    void notice(const outpost::Notice &notice);
    /// shutdown() is over: `clean` sessions ended with QUIT or LOGOUT, `aborted` were cut off.
    void shutdownFinished(int clean, int aborted);
    /// False when nothing is in flight and nothing is due now.
    void activityChanged(bool busy);
    /// A protocol log line of `account`.
    void logLine(const QString &account, const QString &line);
    /// A request from another process that the core does not handle itself (Activate): the
    /// app answers through `reply`. With nothing connected, the request is refused.
    void remoteRequest(const outpost::InstanceRequest &request, const outpost::RemoteReply &reply);

private:
    /// Reads an existing message for enqueueRaw() / enqueueRawAsync(); Failure::None when it
    /// is taken, else the kind of refusal with *error (no such account, not a message).
    EnqueueResult::Failure importRaw(const QString &account, const QByteArray &raw,
                                     std::optional<QByteArray> mailFrom,
                                     const QList<QByteArray> &recipients, const QDateTime &sendAt,
                                     const DsnRequest &dsn, NewMessage *n, QString *error) const;
    /// `dsn` with NOTIFY from the `dsn.notify` setting (of `account`, else global) when the
    /// message does not say NOTIFY itself ("default" = ask nothing).
    DsnRequest withDefaultNotify(const DsnRequest &dsn, const QString &account) const;
    void onLocalConnection();
    /// One of the pools (SMTP, IMAP) finished its shutdown; the second emits shutdownFinished.
    void partShutDown(int clean, int aborted);
    /// Emits activityChanged() when isBusy() changed.
    void updateActivity();
    void handleRequest(const InstanceRequest &request, const RemoteReply &reply);

    ServiceOptions m_options;
    const Clock *m_clock = nullptr;
    CredentialStore *m_credentials = nullptr;
    std::unique_ptr<CredentialStore> m_ownedCredentials;
    std::unique_ptr<OAuthTokenStore> m_oauthTokens;
    std::unique_ptr<AccessTokenCache> m_accessTokens;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<Database> m_db; ///< the read connection (and the writer's, without a thread)
    std::unique_ptr<Storage> m_storage;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<Connectivity> m_connectivity;
    std::unique_ptr<Transport> m_transport;
    /// The end-of-data marks of this sending process (before the dispatcher: it outlives it).
    std::unique_ptr<EndOfDataJournal> m_endOfDataJournal;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::unique_ptr<Retention> m_retention;
    std::unique_ptr<ImapPool> m_imapPool;
    std::unique_ptr<CopyDispatcher> m_copier;
    bool m_busy = false;
    bool m_smtpShutDown = false;
    bool m_imapShutDown = false;
    int m_shutdownClean = 0;
    int m_shutdownAborted = 0;
    QLocalServer *m_server = nullptr;
    DataDirCheck m_dataDir;
    bool m_lockedByOther = false;
    int m_recovered = 0;
    int m_dbError = 0;
    StorageError m_storageProblem;
    QStringList m_log;
    /// enqueueAsync() / replaceMessageAsync(): composes on m_composer, then hands the message
    /// to the store under a store ticket mapped back to ours.
    quint64 composeAsync(qint64 replaces, const QString &account, const mime::Draft &draft,
                         const QDateTime &sendAt, MessageState state, const DsnRequest &dsn);
    void onComposed(quint64 ticket, qint64 replaces, const NewMessage &message,
                    const QString &error, const QStringList &remember);
    /// Waits for the compositions under way and hands their messages to the store.
    void finishCompositions();
    std::unique_ptr<QThreadPool> m_composer; ///< one thread, started at the first use
    quint64 m_lastTicket = 0;
    QHash<quint64, quint64> m_storeTickets; ///< store ticket -> enqueueAsync() ticket
};

} // namespace outpost
