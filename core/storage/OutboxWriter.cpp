#include "OutboxWriter.h"

#include "DiskSpace.h"
#include "MessageBlob.h"
#include "OutboxRows.h"
#include "outbox/Clock.h"

#include <QScopeGuard>
#include <QSet>

#include <algorithm>

namespace outpost {

using namespace rows;

OutboxWriter::OutboxWriter(Database *db, const Clock *clock)
    : m_db(db)
    , m_clock(clock)
    , m_reader(db, clock)
{}

bool OutboxWriter::failed(QString *error, const QSqlError &failure, const QString &prefix)
{
    if (!failure.isValid())
        return false; // refused before writing (*error says why): not a storage failure
    m_lastError = storageErrorFromSql(failure, m_db->folder());
    if (m_lastError.kind == StorageError::Kind::None) {
        m_lastError.kind = StorageError::Kind::Io; // failed without SQLite saying why
        m_lastError.freeBytes = freeBytes(m_db->folder());
    }
    if (error)
        *error = prefix + failure.text();
    return false;
}

bool OutboxWriter::withReserve(const std::function<bool()> &write)
{
    m_lastError = StorageError{};
    if (write())
        return true;
    if (!m_lastError.isDiskFull() || !DiskReserve::release(m_db->folder()))
        return false;
    // Room again: the reserve's. Debian's SQLite overwrites every freed page with zeros
    // (secure_delete), which would write a cancelled message's whole size to the write-ahead
    // log; FAST clears deleted cells but leaves freed overflow pages as they are until they
    // are reused, so the second try needs only a few pages.
    QSqlQuery pragma(m_db->db());
    const QString before = pragma.exec(QStringLiteral("PRAGMA secure_delete")) && pragma.next()
                               ? pragma.value(0).toString()
                               : QStringLiteral("1");
    pragma.finish();
    pragma.exec(QStringLiteral("PRAGMA secure_delete = FAST"));
    bool ok = false;
    do {
        ++m_reserveReleases;
        m_lastError = StorageError{};
        ok = write();
    } while (!ok && m_lastError.isDiskFull() && DiskReserve::release(m_db->folder()));
    pragma.exec(QStringLiteral("PRAGMA secure_delete = %1").arg(before.toInt()));
    return ok;
}

void OutboxWriter::notify(qint64 id)
{
    notify(QList<qint64>{id});
}

void OutboxWriter::notify(const QList<qint64> &ids)
{
    if (m_notifier && !ids.isEmpty())
        m_notifier(OutboxChanges{ids, false});
}

void OutboxWriter::notifyReset()
{
    if (m_notifier)
        m_notifier(OutboxChanges{{}, true});
}

namespace {
/// The statements enqueueMany() runs per message, prepared once per transaction (SQLite
/// parses a statement at every prepare(): four per message were a third of an enqueue).
struct InsertStatements
{
    explicit InsertStatements(QSqlDatabase &db)
        : message(db)
        , data(db)
        , recipient(db)
        , history(db)
    {
        message.prepare(QStringLiteral("INSERT INTO messages (account, state, reverse_path, "
                                       "from_text, to_text, subject, message_id, size, "
                                       "needs_smtputf8, created_at, send_at, next_attempt_at, "
                                       "updated_at, dsn_notify, dsn_ret, dsn_envid, "
                                       "recipient_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                       "?, ?, ?, ?, ?, ?, ?)"));
        data.prepare(QStringLiteral("INSERT INTO message_data (id, data) VALUES (?, ?)"));
        recipient.prepare(QStringLiteral(
            "INSERT INTO recipients (message, seq, address, state) VALUES (?, ?, ?, 'queued')"));
        history.prepare(
            QStringLiteral("INSERT INTO history (message, at, event) VALUES (?, ?, ?)"));
    }
    QSqlQuery message, data, recipient, history;
};

/// One message inside enqueueMany()'s transaction, on its prepared statements.
bool insertOne(InsertStatements *st, const NewMessage &m, qint64 now, qint64 *id, QString *error,
               QSqlError *failure)
{
    if (checkDsnRequest(m.dsn) != DsnProblem::None) {
        *error = QStringLiteral("invalid delivery status notification request");
        return false;
    }
    QSqlQuery &q = st->message;
    const qint64 sendAt = toMs(m.sendAt);
    q.addBindValue(m.account);
    q.addBindValue(messageStateName(m.state));
    q.addBindValue(m.reversePath);
    q.addBindValue(m.fromText);
    q.addBindValue(m.toText);
    q.addBindValue(m.subject);
    q.addBindValue(m.messageId);
    q.addBindValue(qint64(m.data.size()));
    q.addBindValue(m.needsSmtpUtf8 ? 1 : 0);
    q.addBindValue(now);
    q.addBindValue(sendAt);
    q.addBindValue(std::max(now, sendAt));
    q.addBindValue(now);
    q.addBindValue(textOrNull(dsnNotifyName(m.dsn.notify)));
    q.addBindValue(textOrNull(dsnRetName(m.dsn.ret)));
    q.addBindValue(textOrNull(QString::fromLatin1(m.dsn.envid)));
    q.addBindValue(int(m.recipients.size()));
    if (!q.exec()) {
        *failure = q.lastError();
        *error = failure->text();
        return false;
    }
    *id = q.lastInsertId().toLongLong();
    QSqlQuery &d = st->data;
    d.addBindValue(*id);
    d.addBindValue(m.data);
    if (!d.exec()) {
        *failure = d.lastError();
        *error = failure->text();
        return false;
    }
    QSqlQuery &r = st->recipient;
    for (qsizetype i = 0; i < m.recipients.size(); ++i) {
        r.addBindValue(*id);
        r.addBindValue(int(i));
        r.addBindValue(m.recipients[i]);
        if (!r.exec()) {
            *failure = r.lastError();
            *error = failure->text();
            return false;
        }
    }
    QSqlQuery &h = st->history;
    h.addBindValue(*id);
    h.addBindValue(now);
    h.addBindValue(historyEventName(m.state == MessageState::Draft ? HistoryEvent::DraftSaved
                                                                   : HistoryEvent::Queued));
    if (!h.exec()) {
        *failure = h.lastError();
        *error = failure->text();
        return false;
    }
    return true;
}
} // namespace

qint64 OutboxWriter::enqueue(const NewMessage &message, QString *error)
{
    const QList<qint64> ids = enqueueMany({message}, error);
    return ids.value(0);
}

QList<qint64> OutboxWriter::enqueueMany(const QList<NewMessage> &messages, QString *error)
{
    const qint64 now = m_clock->nowMs();
    m_lastError = StorageError{};
    Transaction tx(m_db->db());
    if (!tx.ok()) {
        failed(error, tx.error());
        return {};
    }
    QList<qint64> ids;
    ids.reserve(messages.size());
    InsertStatements statements(m_db->db());
    for (const NewMessage &m : messages) {
        qint64 id = 0;
        QSqlError failure;
        if (!insertOne(&statements, m, now, &id, error, &failure)) {
            if (failure.isValid())
                failed(error, failure);
            return {};
        }
        ids << id;
    }
    if (!tx.commit()) {
        failed(error, tx.error(), QStringLiteral("could not write the outbox: "));
        return {};
    }
    notify(ids);
    return ids;
}
QList<ClaimedMessage> OutboxWriter::claimDue(int limit, const QStringList &skipAccounts,
                                             qint64 maxBytes)
{
    const qint64 now = m_clock->nowMs();
    QList<ClaimedMessage> out;
    // A claim need not be on disk before the message goes out: lost in a power cut, the
    // message is `queued` again, just as recoverInterrupted() would make it. So it commits
    // without a disk sync (WAL with synchronous=NORMAL); the next synchronous commit (the
    // outcome) makes it durable too. Saves one fsync per claim batch (tests/bench flush).
    m_db->statement(QStringLiteral("PRAGMA synchronous=NORMAL")).exec();
    const auto syncAgain =
        qScopeGuard([this] { m_db->statement(QStringLiteral("PRAGMA synchronous=FULL")).exec(); });
    m_lastError = StorageError{};
    Transaction tx(m_db->db());
    if (!tx.ok()) {
        failed(nullptr, tx.error());
        return out;
    }
    QList<QVariant> binds;
    const QString excl = accountExclusion(skipAccounts, &binds);
    QSqlQuery &q = m_db->statement(
        QStringLiteral(
            "SELECT id, account, reverse_path, needs_smtputf8, attempts, created_at, size, "
            "dsn_notify, dsn_ret, dsn_envid, message_id, uncertain FROM messages "
            "WHERE state = 'queued' AND next_attempt_at <= ?%1 ORDER BY id LIMIT ?")
            .arg(excl));
    q.addBindValue(now);
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    q.addBindValue(limit);
    if (!q.exec())
        return out;
    qint64 bytes = 0;
    while (q.next()) {
        bytes += q.value(6).toLongLong();
        if (maxBytes >= 0 && bytes > maxBytes && !out.isEmpty())
            break;
        ClaimedMessage c;
        c.id = q.value(0).toLongLong();
        c.account = q.value(1).toString();
        c.reversePath = q.value(2).toByteArray();
        c.needsSmtpUtf8 = q.value(3).toBool();
        c.attempts = q.value(4).toInt();
        c.createdAt = fromMs(q.value(5).toLongLong());
        c.dsn = readDsn(q, 7);
        c.messageId = q.value(10).toByteArray();
        c.uncertain = q.value(11).toBool();
        out << c;
    }
    q.finish();
    QSqlQuery &u = m_db->statement(QStringLiteral(
        "UPDATE messages SET state = 'sending', updated_at = ? WHERE id = ? AND state = 'queued'"));
    // Every recipient: those still queued are sent now, the others were settled by earlier
    // attempts (ClaimedMessage::settled).
    QSqlQuery &r = m_db->statement(
        QStringLiteral("SELECT address, state, code, enhanced, text FROM recipients WHERE "
                       "message = ? ORDER BY seq"));
    // What the message comes to on the wire is scanned here, on the storage thread, piece by
    // piece: the sending thread learns it without reading the message before it goes out.
    MessageBlobReader blobs(m_db->db());
    QSqlQuery &d =
        m_db->statement(QStringLiteral("SELECT length(data) FROM message_data WHERE id = ?"));
    for (ClaimedMessage &c : out) {
        u.addBindValue(now);
        u.addBindValue(c.id);
        if (!u.exec()) {
            failed(nullptr, u.lastError());
            return {};
        }
        r.addBindValue(c.id);
        r.exec();
        while (r.next()) {
            const RecipientRecord rr = readRecipient(r);
            if (rr.state == MessageState::Queued)
                c.recipients << rr.address;
            else
                c.settled << rr;
        }
        r.finish();
        d.addBindValue(c.id);
        const bool found = d.exec() && d.next();
        c.size = found ? d.value(0).toLongLong() : 0;
        d.finish();
        QString error = found ? QString() : QStringLiteral("the message's octets are missing");
        if (const auto shape = found ? blobs.scan(c.id, c.size, &error) : std::nullopt)
            c.shape = *shape;
        else
            c.readError = error;
    }
    if (!tx.commit()) {
        failed(nullptr, tx.error());
        return {};
    }
    QList<qint64> ids;
    for (const ClaimedMessage &c : std::as_const(out))
        ids << c.id;
    notify(ids);
    return out;
}
namespace {
/// The statements applyUpdates() runs per message, prepared once per batch (SQLite parses a
/// statement at every prepare()).
struct UpdateStatements
{
    explicit UpdateStatements(Database *db)
        : message(db->statement(
              QStringLiteral("UPDATE messages SET state = ?, error_class = ?, attempts = "
                             "attempts + ?, next_attempt_at = ?, "
                             "last_code = ?, last_enhanced = ?, last_text = ?, "
                             "last_detail = ?, uncertain = MAX(uncertain, ?), "
                             "held_by_account = ?, updated_at = ?, end_of_data_at = 0, "
                             "copy_state = CASE WHEN ? THEN 'copied' WHEN ? AND "
                             "copy_state = 'none' THEN 'pending' ELSE copy_state END, "
                             "copy_uid = CASE WHEN ? THEN ? ELSE copy_uid END, "
                             "copy_next_attempt_at = CASE WHEN ? AND copy_state = 'none' "
                             "THEN ? ELSE copy_next_attempt_at END, "
                             "sent_at = CASE WHEN ? AND sent_at = 0 THEN ? ELSE sent_at END, "
                             "refused_recipients = "
                             "(SELECT COUNT(*) FROM recipients WHERE message = ? AND "
                             "state = 'failed') WHERE id = ?")))
        , recipient(db->statement(QStringLiteral("UPDATE recipients SET state = ?, code = ?, "
                                                 "enhanced = ?, text = ? WHERE message = ? AND "
                                                 "address = ?")))
        , history(db->statement(QLatin1String(kInsertHistory)))
    {}
    QSqlQuery &message, &recipient, &history;
};

/// One update inside applyUpdates()'s transaction, on its prepared statements. The recipients
/// first: the message's count of refused recipients is taken from them.
bool writeUpdate(UpdateStatements *st, const DeliveryUpdate &u, qint64 now, QSqlError *failure)
{
    QSqlQuery &r = st->recipient;
    for (const RecipientRecord &rr : u.recipients) {
        r.bindValue(0, messageStateName(rr.state));
        r.bindValue(1, rr.reply.code);
        r.bindValue(2, QString::fromLatin1(rr.reply.enhanced));
        r.bindValue(3, rr.reply.boundedText());
        r.bindValue(4, u.id);
        r.bindValue(5, rr.address);
        if (!r.exec()) {
            *failure = r.lastError();
            return false;
        }
    }
    QSqlQuery &q = st->message;
    q.bindValue(0, messageStateName(u.state));
    q.bindValue(1, errorClassName(u.errorClass));
    q.bindValue(2, u.countAttempt ? 1 : 0);
    q.bindValue(3, toMs(u.nextAttemptAt));
    q.bindValue(4, u.reply.code);
    q.bindValue(5, QString::fromLatin1(u.reply.enhanced));
    q.bindValue(6, u.reply.boundedText());
    q.bindValue(7, u.detail);
    q.bindValue(8, u.uncertain ? 1 : 0);
    q.bindValue(9, u.state == MessageState::Held && u.event == HistoryEvent::HeldAccountPaused);
    q.bindValue(10, now);
    // The copy in the Sent folder becomes pending with the outcome that made it due, so a
    // crash can never leave a sent message without its copy on the way.
    // A message found in the Sent folder has its copy there already: copied, with its UID.
    q.bindValue(11, u.copyFound ? 1 : 0);
    q.bindValue(12, u.copyPending ? 1 : 0);
    q.bindValue(13, u.copyFound ? 1 : 0);
    q.bindValue(14, qint64(u.copyFoundUid));
    q.bindValue(15, (u.copyPending && !u.copyFound) ? 1 : 0);
    q.bindValue(16, now);
    q.bindValue(17, (u.copyPending || u.state == MessageState::Sent) ? 1 : 0);
    q.bindValue(18, now);
    q.bindValue(19, u.id);
    q.bindValue(20, u.id);
    if (!q.exec()) {
        *failure = q.lastError();
        return false;
    }
    HistoryEntry h;
    h.at = fromMs(now);
    h.event = u.event;
    h.errorClass = u.errorClass;
    h.reply = u.reply;
    h.uncertain = u.uncertain;
    h.server = u.server;
    h.detail = u.detail;
    h.notes = u.notes;
    if (!insertHistory(st->history, u.id, h)) {
        *failure = st->history.lastError();
        return false;
    }
    return true;
}
} // namespace

void OutboxWriter::addHistory(qint64 id, const HistoryEntry &h)
{
    QSqlQuery q(m_db->db());
    q.prepare(QLatin1String(kInsertHistory));
    insertHistory(q, id, h);
}

void OutboxWriter::addNote(qint64 id, const HistoryEntry &entry)
{
    addHistory(id, entry);
    notify(id);
}

bool OutboxWriter::applyUpdate(const DeliveryUpdate &u, QString *error)
{
    return applyUpdates({u}, error);
}

bool OutboxWriter::applyUpdates(const QList<DeliveryUpdate> &updates, QString *error)
{
    return applyUpdatesAndMarks(updates, {}, error);
}

bool OutboxWriter::applyUpdatesAndMarks(const QList<DeliveryUpdate> &updates,
                                        const QList<qint64> &endOfData, QString *error)
{
    if (updates.isEmpty() && endOfData.isEmpty())
        return true;
    // What the server said about messages already sent must be written, or they would be
    // sent again: this write may use the reserve.
    return withReserve([&] { return writeUpdates(updates, endOfData, error); });
}

bool OutboxWriter::writeUpdates(const QList<DeliveryUpdate> &updates,
                                const QList<qint64> &endOfData, QString *error)
{
    const qint64 now = m_clock->nowMs();
    Transaction tx(m_db->db());
    if (!tx.ok())
        return failed(error, tx.error());
    if (!updates.isEmpty()) {
        UpdateStatements statements(m_db);
        for (const DeliveryUpdate &u : updates) {
            QSqlError failure;
            if (!writeUpdate(&statements, u, now, &failure)) {
                // Reset the statements now: a later attempt (after the reserve was released)
                // prepares nothing anew and must not find them half-run.
                statements.message.finish();
                statements.recipient.finish();
                statements.history.finish();
                return failed(error, failure);
            }
        }
    }
    if (!endOfData.isEmpty()) {
        // The mark says nothing a listing shows: no notification for it.
        QSqlQuery &m = m_db->statement(QStringLiteral(
            "UPDATE messages SET end_of_data_at = ? WHERE id = ? AND state = 'sending'"));
        for (qint64 id : endOfData) {
            m.bindValue(0, now);
            m.bindValue(1, id);
            if (!m.exec()) {
                const QSqlError failure = m.lastError();
                m.finish();
                return failed(error, failure);
            }
        }
    }
    if (!tx.commit())
        return failed(error, tx.error());
    QList<qint64> ids;
    for (const DeliveryUpdate &u : updates)
        ids << u.id;
    notify(ids);
    return true;
}

bool OutboxWriter::markEndOfData(const QList<qint64> &ids, QString *error)
{
    return applyUpdatesAndMarks({}, ids, error);
}

QList<ClaimedCopy> OutboxWriter::claimDueCopies(int limit, const QStringList &skipAccounts,
                                                qint64 leaseMs)
{
    const qint64 now = m_clock->nowMs();
    QList<QVariant> binds{now};
    const QString exclude = accountExclusion(skipAccounts, &binds);
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.prepare(
        QStringLiteral("SELECT m.id, m.account, d.data, m.message_id, m.sent_at, "
                       "m.copy_attempts, m.updated_at FROM messages m "
                       "JOIN message_data d ON d.id = m.id "
                       "WHERE m.copy_state IN ('pending', 'failed') AND "
                       "m.copy_next_attempt_at > 0 AND m.copy_next_attempt_at <= ?%1 "
                       "ORDER BY m.copy_next_attempt_at, m.id LIMIT %2")
            .arg(QString(exclude).replace(QLatin1String(" account"), QLatin1String(" m.account")))
            .arg(std::max(1, limit)));
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    QList<ClaimedCopy> out;
    if (!q.exec())
        return out;
    while (q.next()) {
        ClaimedCopy c;
        c.id = q.value(0).toLongLong();
        c.account = q.value(1).toString();
        c.data = q.value(2).toByteArray();
        c.messageId = q.value(3).toByteArray();
        const qint64 sent = q.value(4).toLongLong();
        c.sentAt = fromMs(sent > 0 ? sent : q.value(6).toLongLong());
        c.attemptsBefore = q.value(5).toInt();
        out << c;
    }
    q.finish();
    if (out.isEmpty())
        return out;
    // The attempt is counted, and the copy leased, before the APPEND is written: after a crash
    // the next attempt knows one may have reached the server and checks first.
    Transaction tx(m_db->db());
    QSqlQuery u(m_db->db());
    u.prepare(QStringLiteral("UPDATE messages SET copy_attempts = copy_attempts + 1, "
                             "copy_next_attempt_at = ? WHERE id = ?"));
    for (const ClaimedCopy &c : std::as_const(out)) {
        u.bindValue(0, now + std::max<qint64>(1, leaseMs));
        u.bindValue(1, c.id);
        if (!u.exec())
            return {};
    }
    if (!tx.commit())
        return {};
    return out;
}

bool OutboxWriter::applyCopyUpdates(const QList<CopyUpdate> &updates, QString *error)
{
    if (updates.isEmpty())
        return true;
    const qint64 now = m_clock->nowMs();
    Transaction tx(m_db->db());
    if (!tx.ok()) {
        *error = m_db->db().lastError().text();
        return false;
    }
    QSqlQuery &q = m_db->statement(QStringLiteral(
        "UPDATE messages SET copy_state = ?, copy_error_class = ?, copy_error_text = ?, "
        "copy_uid = ?, copy_next_attempt_at = ?, copy_attempts = MAX(0, copy_attempts - ?), "
        "updated_at = ? WHERE id = ? AND copy_state != 'none'"));
    QSqlQuery &h = m_db->statement(QLatin1String(kInsertHistory));
    for (const CopyUpdate &c : updates) {
        // Empty, never NULL: the columns are NOT NULL (a null QString binds as NULL).
        q.bindValue(0, copyStateName(c.state));
        q.bindValue(1, c.errorClass.isNull() ? QStringLiteral("") : c.errorClass);
        q.bindValue(2, c.error.isNull() ? QStringLiteral("") : c.error);
        q.bindValue(3, qint64(c.uid));
        q.bindValue(4, toMs(c.nextAttemptAt));
        q.bindValue(5, c.uncountAttempt ? 1 : 0);
        q.bindValue(6, now);
        q.bindValue(7, c.id);
        if (!q.exec()) {
            *error = q.lastError().text();
            return false;
        }
        if (c.event == HistoryEvent::Unknown || q.numRowsAffected() == 0)
            continue;
        HistoryEntry e;
        e.at = fromMs(now);
        e.event = c.event;
        e.server = c.server;
        e.detail = c.detail;
        if (!insertHistory(h, c.id, e)) {
            *error = h.lastError().text();
            return false;
        }
    }
    if (!tx.commit()) {
        *error = m_db->db().lastError().text();
        return false;
    }
    QList<qint64> ids;
    for (const CopyUpdate &c : updates)
        ids << c.id;
    notify(ids);
    return true;
}

int OutboxWriter::makeCopiesDue()
{
    const qint64 now = m_clock->nowMs();
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("UPDATE messages SET copy_next_attempt_at = ? WHERE copy_state IN "
                             "('pending', 'failed') AND copy_next_attempt_at > ?"));
    q.addBindValue(now);
    q.addBindValue(now);
    q.exec();
    const int n = q.numRowsAffected();
    if (n > 0)
        notifyReset();
    return n;
}

int OutboxWriter::recoverInterrupted(const RecoveryRule &rule, const QSet<qint64> &journalMarks,
                                     const QSet<qint64> &journalAccepted)
{
    const qint64 now = m_clock->nowMs();
    m_lastError = StorageError{};
    QList<InterruptedMessage> found;
    {
        QSqlQuery q(m_db->db());
        if (!q.exec(QStringLiteral(
                "SELECT id, attempts, end_of_data_at, (SELECT event FROM history WHERE "
                "history.message = messages.id ORDER BY at DESC, rowid DESC LIMIT 1), account "
                "FROM messages WHERE state = 'sending'")))
            return -1;
        while (q.next()) {
            InterruptedMessage m;
            m.id = q.value(0).toLongLong();
            m.attempts = q.value(1).toInt();
            m.endOfDataMayHaveGone = q.value(2).toLongLong() != 0 || journalMarks.contains(m.id);
            m.lastEvent = q.value(3).isNull() ? HistoryEvent::Unknown
                                              : historyEventFromName(q.value(3).toString());
            m.accepted = journalAccepted.contains(m.id);
            m.account = q.value(4).toString();
            found << m;
        }
    }
    if (found.isEmpty())
        return 0;
    // Messages left in `sending` are claimed by nobody: putting them back in the queue may use
    // the reserve. Should even that fail, they stay `sending` (kept, not lost) until a start
    // that can write.
    const bool ok = withReserve([&] {
        Transaction tx(m_db->db());
        if (!tx.ok())
            return failed(nullptr, tx.error());
        // A message found sent gets what an accepted outcome writes (writeUpdate()): its
        // error class cleared, its send time, its copy in the Sent folder pending, its
        // recipients sent.
        QSqlQuery u(m_db->db());
        u.prepare(QStringLiteral(
            "UPDATE messages SET state = ?, next_attempt_at = ?, attempts = attempts + ?, "
            "uncertain = MAX(uncertain, ?), end_of_data_at = 0, updated_at = ?, "
            "error_class = CASE WHEN ? THEN '' ELSE error_class END, "
            "sent_at = CASE WHEN ? AND sent_at = 0 THEN ? ELSE sent_at END, "
            "copy_state = CASE WHEN ? AND copy_state = 'none' THEN 'pending' ELSE copy_state "
            "END, copy_next_attempt_at = CASE WHEN ? AND copy_state = 'none' THEN ? ELSE "
            "copy_next_attempt_at END WHERE id = ?"));
        QSqlQuery rs(m_db->db());
        rs.prepare(QStringLiteral(
            "UPDATE recipients SET state = 'sent' WHERE message = ? AND state = 'queued'"));
        QSqlQuery h(m_db->db());
        h.prepare(QLatin1String(kInsertHistory));
        for (const InterruptedMessage &m : std::as_const(found)) {
            const Recovery r = rule(m);
            u.bindValue(0, messageStateName(r.state));
            u.bindValue(1, r.nextAttemptAt.isValid() ? toMs(r.nextAttemptAt) : now);
            u.bindValue(2, r.countAttempt ? 1 : 0);
            u.bindValue(3, r.uncertain ? 1 : 0);
            u.bindValue(4, now);
            const bool sent = r.state == MessageState::Sent;
            const bool copy = sent && r.copyPending;
            u.bindValue(5, sent ? 1 : 0);
            u.bindValue(6, sent ? 1 : 0);
            u.bindValue(7, now);
            u.bindValue(8, copy ? 1 : 0);
            u.bindValue(9, copy ? 1 : 0);
            u.bindValue(10, now);
            u.bindValue(11, m.id);
            if (!u.exec())
                return failed(nullptr, u.lastError());
            if (sent) {
                rs.bindValue(0, m.id);
                if (!rs.exec())
                    return failed(nullptr, rs.lastError());
            }
            if (r.event) {
                HistoryEntry e;
                e.at = fromMs(now);
                e.event = *r.event;
                e.uncertain = r.uncertain;
                e.detail = r.detail;
                if (!insertHistory(h, m.id, e))
                    return failed(nullptr, h.lastError());
            }
        }
        return tx.commit() || failed(nullptr, tx.error());
    });
    if (!ok)
        return 0;
    notifyReset();
    return int(found.size());
}

int OutboxWriter::makeAllDue()
{
    const qint64 now = m_clock->nowMs();
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral(
        "UPDATE messages SET next_attempt_at = ? WHERE state = 'queued' AND next_attempt_at > ? "
        "AND send_at <= ?"));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(now);
    q.exec();
    const int n = q.numRowsAffected();
    if (n > 0)
        notifyReset();
    return n;
}
namespace {
// keepSchedule: a message scheduled for later (send_at) stays due at its time, not now.
bool changeState(Database *db, const Clock *clock, qint64 id, const QStringList &from,
                 MessageState to, HistoryEvent event, QString *error, QSqlError *failure,
                 bool resetRecipients = false, bool keepSchedule = false,
                 const QString &detail = {})
{
    const auto now = clock->nowMs();
    Transaction tx(db->db());
    QSqlQuery q(db->db());
    q.prepare(QStringLiteral("SELECT state FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    const QString state = q.value(0).toString();
    if (!from.contains(state)) {
        *error = QStringLiteral("message %1 is %2").arg(id).arg(state);
        return false;
    }
    QSqlQuery u(db->db());
    u.prepare(
        QStringLiteral("UPDATE messages SET state = ?, next_attempt_at = MAX(?, send_at * ?), "
                       "held_by_account = 0, updated_at = ? WHERE id = ?"));
    u.addBindValue(messageStateName(to));
    u.addBindValue(now);
    u.addBindValue(keepSchedule ? 1 : 0);
    u.addBindValue(now);
    u.addBindValue(id);
    if (!u.exec()) {
        *failure = u.lastError();
        *error = failure->text();
        return false;
    }
    if (resetRecipients) {
        // Retry of a failed message: every recipient not yet delivered is tried again.
        QSqlQuery r(db->db());
        r.prepare(QStringLiteral(
            "UPDATE recipients SET state = 'queued' WHERE message = ? AND state = 'failed'"));
        r.addBindValue(id);
        QSqlQuery c(db->db());
        c.prepare(QStringLiteral("UPDATE messages SET refused_recipients = 0 WHERE id = ?"));
        c.addBindValue(id);
        if (!r.exec() || !c.exec()) {
            *failure = r.lastError().isValid() ? r.lastError() : c.lastError();
            *error = failure->text();
            return false;
        }
    }
    QSqlQuery h(db->db());
    h.prepare(
        QStringLiteral("INSERT INTO history (message, at, event, detail) VALUES (?, ?, ?, ?)"));
    h.addBindValue(id);
    h.addBindValue(now);
    h.addBindValue(historyEventName(event));
    h.addBindValue(detail);
    if (!h.exec()) {
        *failure = h.lastError();
        *error = failure->text();
        return false;
    }
    if (!tx.commit()) {
        *failure = tx.error();
        *error = failure->text();
        return false;
    }
    return true;
}
} // namespace

bool OutboxWriter::retryNow(qint64 id, QString *error, QDateTime *overriddenSendAt)
{
    const auto before = m_reader.summary(id);
    const qint64 now = m_clock->nowMs();
    const bool scheduled = before && before->sendAt.isValid() && toMs(before->sendAt) > now;
    if (overriddenSendAt)
        *overriddenSendAt = QDateTime();
    const bool ok = withReserve([&] {
        QSqlError failure;
        return changeState(
                   m_db, m_clock, id,
                   {QStringLiteral("queued"), QStringLiteral("failed"), QStringLiteral("held")},
                   MessageState::Queued, HistoryEvent::RetryRequested, error, &failure, true, false,
                   scheduled ? before->sendAt.toString(Qt::ISODateWithMs) : QString()) ||
               failed(error, failure);
    });
    if (ok && scheduled) {
        // Sent now: the schedule no longer holds, and listings must not claim it does.
        QSqlQuery q(m_db->db());
        q.prepare(QStringLiteral("UPDATE messages SET send_at = 0 WHERE id = ?"));
        q.addBindValue(id);
        q.exec();
        if (overriddenSendAt)
            *overriddenSendAt = before->sendAt;
    }
    if (ok)
        notify(id);
    return ok;
}

bool OutboxWriter::hold(qint64 id, QString *error)
{
    const bool ok = withReserve([&] {
        QSqlError failure;
        return changeState(m_db, m_clock, id, {QStringLiteral("queued"), QStringLiteral("draft")},
                           MessageState::Held, HistoryEvent::HeldByUser, error, &failure) ||
               failed(error, failure);
    });
    if (ok)
        notify(id);
    return ok;
}

bool OutboxWriter::release(qint64 id, QString *error)
{
    const bool ok = withReserve([&] {
        QSqlError failure;
        return changeState(m_db, m_clock, id, {QStringLiteral("held"), QStringLiteral("draft")},
                           MessageState::Queued, HistoryEvent::Released, error, &failure, false,
                           true) ||
               failed(error, failure);
    });
    if (ok)
        notify(id);
    return ok;
}

bool OutboxWriter::remove(qint64 id, QString *error)
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT state FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (q.value(0).toString() == QLatin1String("sending")) {
        *error = QStringLiteral("message %1 is being sent right now").arg(id);
        return false;
    }
    // Deleting is how the user makes room on a full disk (the message's pages become free
    // pages of the outbox for later messages): it may use the reserve.
    const bool ok = withReserve([&] {
        Transaction tx(m_db->db());
        if (!tx.ok())
            return failed(error, tx.error());
        // A DELETE that fails (a read-only connection, a damaged page, a full disk) leaves
        // everything in place (the transaction rolls back) and says why, instead of a success
        // that deleted nothing.
        for (const char *sql :
             {"DELETE FROM history WHERE message = ?", "DELETE FROM recipients WHERE message = ?",
              "DELETE FROM message_data WHERE id = ?", "DELETE FROM messages WHERE id = ?"}) {
            QSqlQuery d(m_db->db());
            d.prepare(QLatin1String(sql));
            d.addBindValue(id);
            if (!d.exec())
                return failed(error, d.lastError());
        }
        return tx.commit() || failed(error, tx.error());
    });
    if (ok)
        notify(id);
    return ok;
}

namespace {
/// The time a finished message reached its state (updated_at; created_at for a row that
/// never had one).
const char kFinishedAt[] = "MAX(updated_at, created_at)";

/// "1,2,3" for an IN (...) list of message ids (integers: nothing to quote).
QString idList(const QList<qint64> &ids)
{
    QStringList parts;
    parts.reserve(ids.size());
    for (qint64 id : ids)
        parts << QString::number(id);
    return parts.join(QLatin1Char(','));
}
} // namespace

int OutboxWriter::dropSentContent(const QDateTime &sentBefore, int days, int limit, QString *error)
{
    // The choice and the change in one transaction: another process cannot change a chosen
    // message in between.
    Transaction tx(m_db->db());
    QSqlQuery q(m_db->db());
    // A copy for the Sent folder still on its way needs the bytes: they stay until it is made
    // or given up.
    q.prepare(QStringLiteral("SELECT id FROM messages WHERE state = 'sent' AND bytes_dropped_at "
                             "= 0 AND %1 < ? AND NOT (copy_state IN ('pending', 'failed') AND "
                             "copy_next_attempt_at > 0) ORDER BY id LIMIT ?")
                  .arg(QLatin1String(kFinishedAt)));
    q.addBindValue(toMs(sentBefore));
    q.addBindValue(limit);
    QList<qint64> ids;
    if (!q.exec()) {
        *error = q.lastError().text();
        return -1;
    }
    while (q.next())
        ids << q.value(0).toLongLong();
    q.finish();
    if (ids.isEmpty())
        return 0;
    const qint64 now = m_clock->nowMs();
    const QString in = idList(ids);
    QSqlQuery d(m_db->db());
    QSqlQuery u(m_db->db());
    u.prepare(QStringLiteral("UPDATE messages SET bytes_dropped_at = ? WHERE id IN (%1) AND "
                             "state = 'sent'")
                  .arg(in));
    u.addBindValue(now);
    QSqlQuery hq(m_db->db());
    hq.prepare(QLatin1String(kInsertHistory));
    bool ok = tx.ok() &&
              d.exec(QStringLiteral("DELETE FROM message_data WHERE id IN (%1)").arg(in)) &&
              u.exec();
    HistoryEntry h;
    h.at = fromMs(now);
    h.event = HistoryEvent::ContentDropped;
    h.detail = QString::number(days);
    for (qint64 id : std::as_const(ids)) {
        if (!ok)
            break;
        ok = insertHistory(hq, id, h);
    }
    if (!ok || !tx.commit()) {
        *error =
            QStringLiteral("could not write the outbox: %1").arg(m_db->db().lastError().text());
        return -1;
    }
    notify(ids);
    return int(ids.size());
}

QList<PurgedMessage> OutboxWriter::purge(const PurgeFilter &filter, int limit, bool dryRun,
                                         QString *error)
{
    QStringList states;
    if (filter.sent)
        states << QStringLiteral("'sent'");
    if (filter.failed)
        states << QStringLiteral("'failed'");
    if (states.isEmpty())
        return {};
    // The choice and the deletion in one transaction (see dropSentContent()).
    Transaction tx(m_db->db());
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT id, state, size, bytes_dropped_at FROM messages WHERE state "
                             "IN (%1) AND %2 < ? ORDER BY id LIMIT ?")
                  .arg(states.join(QLatin1Char(',')), QLatin1String(kFinishedAt)));
    q.addBindValue(toMs(filter.before));
    q.addBindValue(limit);
    if (!q.exec()) {
        *error = q.lastError().text();
        return {};
    }
    QList<PurgedMessage> out;
    QList<qint64> ids;
    while (q.next()) {
        PurgedMessage m;
        m.id = q.value(0).toLongLong();
        messageStateFromName(q.value(1).toString(), &m.state);
        m.size = q.value(2).toLongLong();
        m.contentKept = q.value(3).toLongLong() == 0;
        out << m;
        ids << m.id;
    }
    q.finish();
    if (dryRun || ids.isEmpty())
        return out;
    const QString in = idList(ids);
    bool ok = tx.ok();
    for (const char *sql :
         {"DELETE FROM history WHERE message IN (%1)",
          "DELETE FROM recipients WHERE message IN (%1)",
          "DELETE FROM message_data WHERE id IN (%1)",
          // The state is checked again: only finished messages ever go.
          "DELETE FROM messages WHERE id IN (%1) AND state IN ('sent', 'failed')"}) {
        QSqlQuery d(m_db->db());
        ok = ok && d.exec(QString::fromLatin1(sql).arg(in));
    }
    if (!ok || !tx.commit()) {
        *error =
            QStringLiteral("could not write the outbox: %1").arg(m_db->db().lastError().text());
        return {};
    }
    notify(ids);
    return out;
}

bool OutboxWriter::removeFinished(qint64 id, QString *error)
{
    const auto s = m_reader.summary(id);
    if (!s) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (s->state != MessageState::Sent && s->state != MessageState::Failed) {
        *error = QStringLiteral("message %1 is %2, not sent or failed")
                     .arg(id)
                     .arg(messageStateName(s->state));
        return false;
    }
    return remove(id, error);
}

bool OutboxWriter::cancel(qint64 id, bool *deleted, QString *error)
{
    *deleted = false;
    const auto rec = m_reader.message(id);
    if (!rec) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (rec->state == MessageState::Sent) {
        *error = QStringLiteral("message %1 was sent already; cancel only withdraws messages "
                                "not sent yet (it stays in the outbox as a record)")
                     .arg(id);
        return false;
    }
    if (rec->state == MessageState::Sending) {
        *error = QStringLiteral("message %1 is being sent right now").arg(id);
        return false;
    }
    const bool someSent =
        std::any_of(rec->recipients.cbegin(), rec->recipients.cend(),
                    [](const RecipientRecord &r) { return r.state == MessageState::Sent; });
    if (!someSent) {
        *deleted = remove(id, error);
        return *deleted;
    }
    const qint64 now = m_clock->nowMs();
    const bool ok = withReserve([&] { return cancelKept(id, now, error); });
    if (ok)
        notify(id);
    return ok;
}

bool OutboxWriter::cancelKept(qint64 id, qint64 now, QString *error)
{
    Transaction tx(m_db->db());
    if (!tx.ok())
        return failed(error, tx.error(), QStringLiteral("could not write the outbox: "));
    QSqlQuery u(m_db->db());
    u.prepare(QStringLiteral(
        "UPDATE messages SET state = 'failed', error_class = 'local', last_detail = ?, "
        "held_by_account = 0, updated_at = ?, refused_recipients = recipient_count - (SELECT "
        "COUNT(*) FROM recipients WHERE message = ? AND state = 'sent') WHERE id = ?"));
    u.addBindValue(QStringLiteral("cancelled by the user"));
    u.addBindValue(now);
    u.addBindValue(id);
    u.addBindValue(id);
    QSqlQuery r(m_db->db());
    r.prepare(QStringLiteral("UPDATE recipients SET state = 'failed', text = ? WHERE message = ? "
                             "AND state <> 'sent'"));
    r.addBindValue(QStringLiteral("cancelled by the user"));
    r.addBindValue(id);
    HistoryEntry h;
    h.at = fromMs(now);
    h.event = HistoryEvent::Cancelled;
    h.errorClass = ErrorClass::Local;
    QSqlQuery hq(m_db->db());
    hq.prepare(QLatin1String(kInsertHistory));
    const QString prefix = QStringLiteral("could not write the outbox: ");
    if (!u.exec())
        return failed(error, u.lastError(), prefix);
    if (!r.exec())
        return failed(error, r.lastError(), prefix);
    if (!insertHistory(hq, id, h))
        return failed(error, hq.lastError(), prefix);
    return tx.commit() || failed(error, tx.error(), prefix);
}

bool OutboxWriter::takeBackToDraft(qint64 id, QString *error)
{
    const auto current = m_reader.summary(id);
    if (!current) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (current->state == MessageState::Sending) {
        *error = QStringLiteral("message %1 is being sent right now").arg(id);
        return false;
    }
    if (current->state == MessageState::Sent) {
        *error = QStringLiteral("message %1 has been sent already").arg(id);
        return false;
    }
    if (current->state == MessageState::Draft)
        return true; // reopening a draft changes nothing
    // changeState() checks the state again inside its transaction: a claim in between loses.
    QSqlError failure;
    const bool ok =
        changeState(m_db, m_clock, id,
                    {QStringLiteral("queued"), QStringLiteral("held"), QStringLiteral("failed"),
                     QStringLiteral("draft")},
                    MessageState::Draft, HistoryEvent::BackToDraft, error, &failure, false, true) ||
        failed(error, failure);
    if (ok)
        notify(id);
    return ok;
}

bool OutboxWriter::replaceDraft(qint64 id, const NewMessage &m, QString *error)
{
    QSqlDatabase &db = m_db->db();
    const qint64 now = m_clock->nowMs();
    m_lastError = StorageError{};
    Transaction tx(db);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT state FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (q.value(0).toString() != QLatin1String("draft")) {
        *error = QStringLiteral("message %1 is %2, not a draft").arg(id).arg(q.value(0).toString());
        return false;
    }
    const qint64 sendAt = toMs(m.sendAt);
    QSqlQuery u(db);
    u.prepare(QStringLiteral(
        "UPDATE messages SET account = ?, state = ?, error_class = '', reverse_path = ?, "
        "from_text = ?, to_text = ?, subject = ?, message_id = ?, size = ?, needs_smtputf8 = ?, "
        "send_at = ?, next_attempt_at = ?, attempts = 0, last_code = 0, last_enhanced = '', "
        "last_text = '', uncertain = 0, held_by_account = 0, last_detail = '', updated_at = ?, "
        "recipient_count = ?, refused_recipients = 0 WHERE id = ?"));
    u.addBindValue(m.account);
    u.addBindValue(messageStateName(m.state));
    u.addBindValue(m.reversePath);
    u.addBindValue(m.fromText);
    u.addBindValue(m.toText);
    u.addBindValue(m.subject);
    u.addBindValue(m.messageId);
    u.addBindValue(qint64(m.data.size()));
    u.addBindValue(m.needsSmtpUtf8 ? 1 : 0);
    u.addBindValue(sendAt);
    u.addBindValue(std::max(now, sendAt));
    u.addBindValue(now);
    u.addBindValue(int(m.recipients.size()));
    u.addBindValue(id);
    QSqlQuery d(db);
    d.prepare(QStringLiteral("UPDATE message_data SET data = ? WHERE id = ?"));
    d.addBindValue(m.data);
    d.addBindValue(id);
    QSqlQuery del(db);
    del.prepare(QStringLiteral("DELETE FROM recipients WHERE message = ?"));
    del.addBindValue(id);
    if (!u.exec())
        return failed(error, u.lastError());
    if (!d.exec())
        return failed(error, d.lastError());
    if (!del.exec())
        return failed(error, del.lastError());
    QSqlQuery r(db);
    r.prepare(QStringLiteral(
        "INSERT INTO recipients (message, seq, address, state) VALUES (?, ?, ?, 'queued')"));
    for (qsizetype i = 0; i < m.recipients.size(); ++i) {
        r.addBindValue(id);
        r.addBindValue(int(i));
        r.addBindValue(m.recipients[i]);
        if (!r.exec()) {
            return failed(error, r.lastError());
        }
    }
    QSqlQuery h(db);
    h.prepare(QStringLiteral("INSERT INTO history (message, at, event) VALUES (?, ?, ?)"));
    h.addBindValue(id);
    h.addBindValue(now);
    h.addBindValue(historyEventName(m.state == MessageState::Draft ? HistoryEvent::EditedDraft
                                                                   : HistoryEvent::EditedQueued));
    if (!h.exec()) {
        return failed(error, h.lastError());
    }
    if (!tx.commit())
        return failed(error, tx.error());
    notify(id);
    return true;
}
int OutboxWriter::failAccount(const QString &account, const QString &detail)
{
    QList<qint64> ids;
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral(
        "SELECT id FROM messages WHERE account = ? AND state IN ('queued', 'held')"));
    s.addBindValue(account);
    if (!s.exec())
        return -1;
    while (s.next())
        ids << s.value(0).toLongLong();
    if (ids.isEmpty())
        return 0;
    QList<DeliveryUpdate> updates;
    for (qint64 id : std::as_const(ids)) {
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Failed;
        u.errorClass = ErrorClass::Local;
        u.detail = detail;
        u.countAttempt = false;
        u.event = HistoryEvent::FailedAccountRemoved;
        updates << u;
    }
    QString error;
    if (!applyUpdates(updates, &error))
        return -1;
    return int(ids.size());
}
int OutboxWriter::holdAccount(const QString &account, ErrorClass errorClass, const SmtpReply &reply,
                              const QString &detail)
{
    const qint64 now = m_clock->nowMs();
    QList<qint64> ids;
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral("SELECT id FROM messages WHERE account = ? AND state = 'queued'"));
    s.addBindValue(account);
    s.exec();
    while (s.next())
        ids << s.value(0).toLongLong();
    Transaction tx(m_db->db());
    for (qint64 id : std::as_const(ids)) {
        QSqlQuery u(m_db->db());
        u.prepare(QStringLiteral(
            "UPDATE messages SET state = 'held', held_by_account = 1, error_class = ?, last_code = "
            "?, "
            "last_enhanced = ?, last_text = ?, last_detail = ?, updated_at = ? WHERE id = ?"));
        u.addBindValue(errorClassName(errorClass));
        u.addBindValue(reply.code);
        u.addBindValue(QString::fromLatin1(reply.enhanced));
        u.addBindValue(reply.boundedText());
        u.addBindValue(detail);
        u.addBindValue(now);
        u.addBindValue(id);
        u.exec();
        HistoryEntry h;
        h.at = fromMs(now);
        h.event = HistoryEvent::HeldAccountPaused;
        h.errorClass = errorClass;
        h.reply = reply;
        h.detail = detail;
        addHistory(id, h);
    }
    tx.commit();
    if (!ids.isEmpty())
        notifyReset();
    return int(ids.size());
}

int OutboxWriter::releaseAccount(const QString &account)
{
    const qint64 now = m_clock->nowMs();
    QList<qint64> ids;
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral(
        "SELECT id FROM messages WHERE account = ? AND state = 'held' AND held_by_account = 1"));
    s.addBindValue(account);
    s.exec();
    while (s.next())
        ids << s.value(0).toLongLong();
    Transaction tx(m_db->db());
    for (qint64 id : std::as_const(ids)) {
        QSqlQuery u(m_db->db());
        u.prepare(QStringLiteral("UPDATE messages SET state = 'queued', held_by_account = 0, "
                                 "next_attempt_at = MAX(?, send_at), updated_at = ? WHERE id = ?"));
        u.addBindValue(now);
        u.addBindValue(now);
        u.addBindValue(id);
        u.exec();
        HistoryEntry h;
        h.at = fromMs(now);
        h.event = HistoryEvent::ReleasedAccountResumed;
        addHistory(id, h);
    }
    tx.commit();
    if (!ids.isEmpty())
        notifyReset();
    return int(ids.size());
}

} // namespace outpost
