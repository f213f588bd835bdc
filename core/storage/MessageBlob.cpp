#include "MessageBlob.h"

#include "Database.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

namespace outpost {

namespace {
/// The `sqlite3*` behind a QSQLITE connection, when it is one of the SQLite this program
/// calls (see MessageBlobReader); else null.
sqlite3 *sqliteHandle(QSqlDatabase &db)
{
    if (!db.isOpen() || !db.driver())
        return nullptr;
    const QVariant h = db.driver()->handle();
    if (!h.isValid() || qstrcmp(h.typeName(), "sqlite3*") != 0)
        return nullptr;
    // Another copy of SQLite (a Qt built with its own) would take our calls on its handle:
    // same source id or nothing.
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT sqlite_source_id()")) || !q.next() ||
        q.value(0).toString() != QLatin1String(sqlite3_sourceid()))
        return nullptr;
    return *static_cast<sqlite3 *const *>(h.constData());
}

QString sqliteError(sqlite3 *db, int rc)
{
    return QStringLiteral("%1 (SQLite %2)").arg(QString::fromUtf8(sqlite3_errmsg(db))).arg(rc);
}
} // namespace

MessageBlobReader::MessageBlobReader(QSqlDatabase db)
    : m_db(std::move(db))
    , m_handle(sqliteHandle(m_db))
{}

qint64 MessageBlobReader::read(qint64 id, qint64 offset, char *buffer, qint64 maxOctets,
                               QString *error)
{
    if (!m_handle) {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("SELECT substr(data, ?, ?) FROM message_data WHERE id = ?"));
        q.addBindValue(offset + 1);
        q.addBindValue(maxOctets);
        q.addBindValue(id);
        if (!q.exec()) {
            *error = q.lastError().text();
            return -1;
        }
        if (!q.next()) {
            *error = QStringLiteral("message %1 is no longer in the outbox").arg(id);
            return -1;
        }
        const QByteArray piece = q.value(0).toByteArray();
        const qint64 n = std::min<qint64>(piece.size(), maxOctets);
        std::memcpy(buffer, piece.constData(), size_t(n));
        return n;
    }
    return readPiecewise(id, offset, buffer, maxOctets, error);
}

namespace {
/// How long one read transaction (and its WAL snapshot) may last, and how much may be read
/// through it, before every blob is closed (MessageBlobReader).
constexpr qint64 kSnapshotMs = 1000;
constexpr qint64 kSnapshotOctets = 32 * 1024 * 1024;
} // namespace

qint64 MessageBlobReader::readPiecewise(qint64 id, qint64 offset, char *buffer, qint64 maxOctets,
                                        QString *error)
{
    if (!m_open.isEmpty() &&
        (m_snapshotOctets > kSnapshotOctets || m_snapshotAge.elapsed() > kSnapshotMs))
        closeAll();
    sqlite3_blob *blob = m_open.value(id);
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!blob) {
            const int rc =
                sqlite3_blob_open(m_handle, "main", "message_data", "data", id, 0, &blob);
            if (rc != SQLITE_OK) {
                // SQLITE_ERROR "no such rowid": the message was deleted meanwhile.
                *error = sqliteError(m_handle, rc);
                sqlite3_blob_close(blob);
                return -1;
            }
            if (m_open.isEmpty()) {
                m_snapshotOctets = 0;
                m_snapshotAge.start();
            }
            m_open.insert(id, blob);
        }
        const qint64 size = sqlite3_blob_bytes(blob);
        const qint64 n = std::clamp<qint64>(std::min(maxOctets, size - offset), 0, 1 << 30);
        const int rc = n > 0 ? sqlite3_blob_read(blob, buffer, int(n), int(offset)) : SQLITE_OK;
        if (rc == SQLITE_OK) {
            m_snapshotOctets += n;
            if (offset + n >= size)
                release(id); // the last piece: nothing more to read through it
            return n;
        }
        *error = sqliteError(m_handle, rc);
        release(id);
        blob = nullptr;
        if (rc != SQLITE_ABORT)
            break; // SQLITE_ABORT: the row changed under an open blob; open it once more
    }
    return -1;
}

void MessageBlobReader::release(qint64 id)
{
    if (sqlite3_blob *blob = m_open.take(id))
        sqlite3_blob_close(blob);
}

void MessageBlobReader::closeAll()
{
    for (sqlite3_blob *blob : std::as_const(m_open))
        sqlite3_blob_close(blob);
    m_open.clear();
}

bool MessageBlobReader::closeIfStale()
{
    if (!m_open.isEmpty() && m_snapshotAge.elapsed() > kSnapshotMs)
        closeAll();
    return !m_open.isEmpty();
}

MessageBlobReader::~MessageBlobReader()
{
    closeAll();
}

StoredMessageSource::~StoredMessageSource()
{
    if (m_reader)
        m_reader->release(m_id);
}

std::optional<WireShape> MessageBlobReader::scan(qint64 id, qint64 size, QString *error)
{
    StoredMessageSource source(std::shared_ptr<MessageBlobReader>(this, [](auto *) {}), id, size);
    return scanMessage(source, error);
}

qint64 StoredMessageSource::read(qint64 offset, char *buffer, qint64 maxOctets, QString *error)
{
    if (!m_reader) {
        *error = m_unavailable;
        return -1;
    }
    return m_reader->read(m_id, offset, buffer, maxOctets, error);
}

namespace {
/// Owns the connection of a reader made by openMessageBlobReader().
struct OwnedBlobReader
{
    Database db;
    std::unique_ptr<MessageBlobReader> reader;
};
} // namespace

std::shared_ptr<MessageBlobReader> openMessageBlobReader(const QString &path, QString *error)
{
    auto owned = std::make_shared<OwnedBlobReader>();
    if (!owned->db.openConnection(path, error))
        return {};
    QSqlQuery q(owned->db.db());
    if (!q.exec(QStringLiteral("PRAGMA query_only = ON"))) {
        *error = q.lastError().text();
        return {};
    }
    q.finish();
    owned->reader = std::make_unique<MessageBlobReader>(owned->db.db());
    // The reader lives as long as its connection (aliasing: one shared owner for both).
    return std::shared_ptr<MessageBlobReader>(owned, owned->reader.get());
}

} // namespace outpost
