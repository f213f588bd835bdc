#pragma once

#include "OutboxTypes.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <functional>
#include <optional>

namespace outpost {

class Clock;
class Database;

/// Reads of the outbox for the models, listings and the dispatcher's scheduling, on one
/// connection (the read connection of the process, or the writer's own). Never writes. Its
/// signals say what the writes changed (Storage announces each write once it is committed),
/// in the thread the reader lives in.
class OutboxReader : public QObject
{
    Q_OBJECT
public:
    /// Reads on `db`, from the thread that opened it; "now" (what is due) from `clock`.
    OutboxReader(Database *db, const Clock *clock, QObject *parent = nullptr);

    /// Everything stored about message `id` but its bytes; nullopt when there is no such
    /// message or a read failed (then *failure, when given, says why; detail empty otherwise).
    std::optional<MessageRecord> message(qint64 id, ReadFailure *failure = nullptr) const;
    /// The recipients of message `id` in envelope order, each with its state and the server's
    /// last word on it (MessageRecord::recipients without the rest); empty when there is no
    /// such message. For a view that needs only them, e.g. who refused a partly sent message.
    QList<RecipientRecord> recipients(qint64 id) const;
    /// The stored RFC 5322 bytes; empty when there is no such message.
    QByteArray messageData(qint64 id) const;
    /// Summaries, newest first, optionally of one state; `limit` < 0 = all.
    QList<MessageSummary> list(std::optional<MessageState> state = std::nullopt, int limit = -1,
                               int offset = 0) const;
    /// Calls `visit` with each summary in list()'s order (newest first), optionally of one
    /// state, without holding them all in memory; stops early when `visit` returns false.
    /// One query over the messages table only (no recipients, history or message bytes).
    /// False when the read failed, before or after some messages were visited (e.g. a damaged
    /// page: *failure, when given, says so), never a silently short list.
    bool forEachSummary(std::optional<MessageState> state,
                        const std::function<bool(const MessageSummary &)> &visit,
                        ReadFailure *failure = nullptr) const;
    /// forEachSummary() of the messages that match `search` (rows::searchFilter(): every word
    /// in the visible recipients or the subject, case-insensitive for ASCII letters; empty =
    /// every message). One scan of the messages table.
    bool forEachSummary(std::optional<MessageState> state, const QString &search,
                        const std::function<bool(const MessageSummary &)> &visit,
                        ReadFailure *failure = nullptr) const;
    /// Ids in the order list() uses (for lazy models).
    QList<qint64> ids(std::optional<MessageState> state = std::nullopt) const;
    /// One page of ids, newest first, for models that load as the user scrolls: at most
    /// `limit` ids lower than `beforeId` (0 = from the newest), of the given states (empty =
    /// every state). Uses the primary key only, so each page costs the same however deep.
    /// With `search`, only the messages that match it (as forEachSummary()); with `fromId` > 0,
    /// only ids from `fromId` up: a search reads every message of that range of ids, so a
    /// caller that must not wait long (the window) searches a range at a time.
    QList<qint64> idsPage(const QList<MessageState> &states, qint64 beforeId, int limit,
                          const QString &search = QString(), qint64 fromId = 0) const;
    /// How many ids a caller that must stay responsive (the window) searches per idsPage():
    /// about 4 ms for a plain scan of that many messages.
    static constexpr int kSearchSliceIds = 4000;
    /// The highest message id ever stored and still there (0 for an empty outbox).
    qint64 maxId() const;
    /// Summary of one message (for lazy models).
    std::optional<MessageSummary> summary(qint64 id) const;
    /// The states of the messages `ids` (those that no longer exist are left out): one query
    /// per run of close ids (gaps up to 64), so ids far apart do not read all between them.
    QHash<qint64, MessageState> states(const QList<qint64> &ids) const;
    /// Ids of the queued messages whose send time has come (none scheduled later), oldest first.
    QList<qint64> dueIds() const;
    /// Number of messages, optionally of one state.
    int count(std::optional<MessageState> state = std::nullopt) const;
    /// The earliest time a queued message becomes due (ms since epoch), or -1 when none.
    qint64 nextDueMs(const QStringList &skipAccounts) const;
    /// When the next copy for the Sent folder is due (ms since the epoch; pending or failed
    /// with a next attempt), for accounts not in `skipAccounts`; -1 when none is.
    qint64 nextCopyDueMs(const QStringList &skipAccounts) const;
    /// Messages of `account` not sent yet (queued, sending, held), e.g. before removing it.
    int unsentCount(const QString &account) const;
    /// Accounts named by queued or held messages that are not in `existing` (removed accounts).
    QStringList orphanAccounts(const QStringList &existing) const;

    /// The connection this reader reads.
    Database *database() const { return m_db; }
    /// Emits the signals for `changes` (written and committed through another object).
    void announce(const OutboxChanges &changes);

signals:
    /// Message `id` was added, changed or removed.
    void messageChanged(qint64 id);
    /// Many messages changed at once (bulk operations, another process): reread everything.
    void messagesReset();

private:
    Database *m_db;
    const Clock *m_clock;
};

} // namespace outpost
