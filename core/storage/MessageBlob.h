#pragma once
// Reading stored message octets (message_data.data) in pieces with SQLite's incremental blob
// I/O (sqlite3_blob_open/read), so that neither a claim nor a send holds a message whole.

#include "smtp/MessageSource.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSqlDatabase>
#include <QString>

#include <memory>

struct sqlite3;
struct sqlite3_blob;

namespace outpost {

class Database;

/// Reads pieces of stored messages through one connection, on the thread that opened it.
/// A message's blob stays open from its first piece to its last (SQLite then finds each piece
/// from the last one; reopened per piece it walks the chain of overflow pages from the start
/// every time, quadratic in the message's size: 1.1 s of system time for one 25 MB message).
/// An open blob holds the connection's read transaction, and with it a WAL snapshot that
/// checkpoints cannot pass; so every blob is closed once the snapshot is a second old or
/// 32 MiB were read through it (and reopened at its offset by the next read). A message
/// deleted meanwhile fails its next read after that cleanly ("no such rowid"); until then the
/// snapshot still holds its octets.
///
/// The blob API needs the connection's `sqlite3*`, which QtSql gives only as
/// QSqlDriver::handle(); it is used when that handle is a "sqlite3*" of the same SQLite this
/// program links (the system's: Debian's Qt uses it too), checked once by comparing
/// sqlite_source_id(). Otherwise every piece is read with substr() through QtSql: correct, but
/// SQLite then loads the whole message for each piece.
class MessageBlobReader
{
public:
    /// Reads through `db` (open; not owned), used only on the thread that opened it.
    explicit MessageBlobReader(QSqlDatabase db);
    /// True when pieces are read with the blob API (else with substr(), see above).
    bool piecewise() const { return m_handle != nullptr; }
    /// Reads up to `maxOctets` octets at `offset` of message `id` into `buffer`; returns how
    /// many (0 at or past the end), or -1 with *error (the message is gone, the file is
    /// damaged, an I/O error; SQLite's words).
    qint64 read(qint64 id, qint64 offset, char *buffer, qint64 maxOctets, QString *error);
    /// The message's WireShape, read piece by piece (scanMessage()); nothing with *error.
    std::optional<WireShape> scan(qint64 id, qint64 size, QString *error);
    /// Closes message `id`'s blob if it is open (its reading ended early).
    void release(qint64 id);
    /// Closes every open blob: the read transaction, and its WAL snapshot, end.
    void closeAll();
    /// closeAll() when the snapshot is older than a second (a reading that stalled, e.g. on a
    /// server that stopped reading, must not hold back checkpoints); true while blobs stay open.
    bool closeIfStale();
    /// Closes the blobs.
    ~MessageBlobReader();
    MessageBlobReader(const MessageBlobReader &) = delete;
    MessageBlobReader &operator=(const MessageBlobReader &) = delete;

private:
    qint64 readPiecewise(qint64 id, qint64 offset, char *buffer, qint64 maxOctets, QString *error);

    QSqlDatabase m_db;
    sqlite3 *m_handle = nullptr;
    QHash<qint64, sqlite3_blob *> m_open; // message id -> its open blob
    qint64 m_snapshotOctets = 0;          // read since the first of m_open was opened
    QElapsedTimer m_snapshotAge;
};

/// The stored octets of message `id` (`size` octets), read through a shared reader on the
/// thread that made it.
class StoredMessageSource final : public MessageSource
{
public:
    /// Reads message `id` of `size` octets through `reader`; a null `reader` fails every read
    /// with `unavailable` (why no reader could be opened).
    StoredMessageSource(std::shared_ptr<MessageBlobReader> reader, qint64 id, qint64 size,
                        QString unavailable = {})
        : m_reader(std::move(reader))
        , m_id(id)
        , m_size(size)
        , m_unavailable(std::move(unavailable))
    {}
    /// Closes its blob if it is still open.
    ~StoredMessageSource() override;
    StoredMessageSource(const StoredMessageSource &) = delete;
    StoredMessageSource &operator=(const StoredMessageSource &) = delete;
    qint64 size() const override { return m_size; }
    qint64 read(qint64 offset, char *buffer, qint64 maxOctets, QString *error) override;

private:
    std::shared_ptr<MessageBlobReader> m_reader;
    qint64 m_id;
    qint64 m_size;
    QString m_unavailable;
};

/// A read-only connection of its own to the outbox at `path`, for reading message octets on
/// the thread that sends (never the storage thread's write connection): `PRAGMA query_only`,
/// no memory map (mapped pages of a file count as resident memory, and a flush reads all of
/// it). Null with *error when it cannot be opened.
std::shared_ptr<MessageBlobReader> openMessageBlobReader(const QString &path, QString *error);

} // namespace outpost
