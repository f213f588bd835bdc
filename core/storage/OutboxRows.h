#pragma once
// Internal to core/storage: how the outbox's values map to rows, shared by OutboxReader and
// OutboxWriter. Not for use outside this folder.

#include "Database.h"
#include "OutboxTypes.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace outpost::rows {

/// A stored time (ms since the epoch, 0 = none) as a QDateTime. In UTC: a local-time QDateTime
/// asks the C library for the time zone at every conversion (glibc stats /etc/localtime each
/// time), which made up a fifth of `outpost list --json` on 100,000 messages. Callers showing
/// a time to the user call toLocalTime().
inline QDateTime fromMs(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime();
}

/// A time as stored (0 for an invalid one).
inline qint64 toMs(const QDateTime &t)
{
    return t.isValid() ? t.toMSecsSinceEpoch() : 0;
}

/// SQL NULL for an empty text (optional columns of schema 2: NULL = not asked).
inline QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

/// The columns readSummary() reads, for `db` (see OutboxRows.cpp).
QLatin1String summaryColumns(const Database *db);
/// A MessageSummary from a row of summaryColumns().
MessageSummary readSummary(const QSqlQuery &q);
/// A recipient from a row of "address, state, code, enhanced, text" of the recipients table.
RecipientRecord readRecipient(const QSqlQuery &q);
/// Every recipient of message `id` in envelope order; *error (when given) is the read's
/// error, invalid when it worked.
QList<RecipientRecord> readRecipients(Database *db, qint64 id, QSqlError *error);
/// The DSN request from its three columns (at `first`, first + 1, first + 2). Values this
/// build does not know are ignored (the message is sent without them).
DsnRequest readDsn(const QSqlQuery &q, int first);
/// The summary of message `id`; nullopt when there is none or the read failed (*failure).
std::optional<MessageSummary> readOneSummary(Database *db, qint64 id, ReadFailure *failure);
/// True when `error` is set (a read failed), then filling *failure when given.
bool failed(const QSqlError &error, ReadFailure *failure);
/// " WHERE state = '…'" for one state, empty for all.
QString stateFilter(std::optional<MessageState> state);
/// The condition (without WHERE) that a message matches `search`, its values appended to
/// *binds; empty when `search` has no words. Every whitespace-separated word must occur in the
/// visible recipients (to_text) or the subject, as typed or in other letter case: LIKE folds
/// ASCII letters, and a word with other letters is also tried all lower- and all upper-case.
/// A plain scan of the messages table, no index (LIKE cannot use one for a word inside text).
QString searchFilter(const QString &search, QList<QVariant> *binds);
/// " AND account NOT IN (?, …)" for `skip` (its values appended to *binds), empty for none.
QString accountExclusion(const QStringList &skip, QList<QVariant> *binds);

/// Inserts one history row (every column).
extern const char kInsertHistory[];
/// Executes the prepared kInsertHistory for one entry of message `id`.
bool insertHistory(QSqlQuery &q, qint64 id, const HistoryEntry &h);

} // namespace outpost::rows
