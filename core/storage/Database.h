#pragma once

#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>

#include "DiskSpace.h"

#include <memory>

namespace outpost {

/// How the outbox file's pages are used (SQLite's page_size, page_count, freelist_count).
struct FileSpace
{
    qint64 pageSize = 0;            ///< bytes per page
    qint64 pageCount = 0;           ///< pages in the file
    qint64 freePages = 0;           ///< pages of the file that hold nothing (left by deletions)
    bool incrementalVacuum = false; ///< `auto_vacuum = INCREMENTAL`: free pages can be returned
    /// Bytes of the file in use (what a VACUUM copies).
    qint64 liveBytes() const { return (pageCount - freePages) * pageSize; }
    /// Bytes of free pages.
    qint64 freeBytes() const { return freePages * pageSize; }
};

/// The outbox database: one SQLite file in the data directory, opened through Qt SQL
/// (QSQLITE) in WAL mode with synchronous=FULL and a busy timeout. The schema version is kept
/// in `PRAGMA user_version`; open() migrates one version at a time, each step inside its own
/// transaction. Used from one thread (the one that opened it).
class Database
{
public:
    /// Why open() failed.
    enum class OpenError
    {
        None,
        Locked,
        Corrupt,
        NewerSchema,
        ReadOnly, ///< opened for writing, but this user may not write the file or its folder
        DiskFull, ///< the disk holding it has no room for SQLite's -wal or -shm file
                  ///< (lastFailure())
        Io
    };

    /// Not open yet: open() or openConnection().
    Database() = default;
    /// Closes the connection.
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    /// What the opened outbox is used for, which decides what open() checks.
    enum class Access
    {
        /// Anything, writes included: open() runs SQLite's `PRAGMA quick_check` on every table
        /// but message_data (the frozen message bytes, 95 % of the file; a damaged message
        /// shows when it is read) and refuses a damaged file before anything is written to
        /// it. About 0.1 s of CPU for 100,000 messages.
        ReadWrite,
        /// Reading only (`outpost list`, `show`): no quick_check. open() still reads the
        /// header and the whole schema, and SQLite checks every page it reads afterwards: a
        /// damaged one fails that read with SQLITE_CORRUPT, which the store reports as damage
        /// (isCorruption()), never as an empty or short answer. The connection refuses every
        /// write (`PRAGMA query_only`), so a damaged file is never written through it. An
        /// outbox that needs a schema upgrade (a write) is checked as for ReadWrite first.
        ReadOnly,
        /// Reading the file as it is on disk (SQLite's `immutable=1`, read-only), without the
        /// -wal and -shm files SQLite otherwise makes even to read: what list and show fall
        /// back to on a full disk, valid only while no -wal file holds changes (nobody has
        /// the outbox open for writing). No check, no migration (an older schema is refused).
        Snapshot,
    };

    /// Opens (creating if needed) `path`. On failure returns false with *error set and
    /// lastOpenError() telling the kind: Corrupt (not a database, damaged header or schema, or
    /// the integrity check failed), Locked (another process holds a write lock past the busy
    /// timeout), NewerSchema (made by a newer Outpost), Io (cannot create or write the file).
    bool open(const QString &path, QString *error, Access access = Access::ReadWrite);
    /// Opens one more connection to an outbox that open() already checked and migrated (for
    /// a worker thread: a connection is used only by the thread that opened it). Same
    /// settings (WAL, synchronous=FULL, foreign keys, busy timeout); no checks, no migration.
    bool openConnection(const QString &path, QString *error);
    /// Closes the connection (its prepared statements first).
    void close();
    /// True while the connection is open.
    bool isOpen() const { return m_db.isOpen(); }
    /// The Qt SQL connection, for queries of the thread that opened it.
    QSqlDatabase &db() { return m_db; }
    /// The prepared statement for `sql` on this connection: prepared at the first call, the
    /// same QSqlQuery at every later one (SQLite parses and plans a statement at each
    /// prepare(), and Qt scans it for placeholders: about 100,000 instructions that a flush
    /// paid several times per message). The caller binds, executes and reads it, then calls
    /// finish() so that no read stays open. A statement that does not prepare (its
    /// lastError() says why) is not kept. The reference stays valid until close().
    QSqlQuery &statement(const QString &sql);
    /// Why the last open() failed (None when it did not).
    OpenError lastOpenError() const { return m_openError; }
    /// The last open() failure as a StorageError (kind None when it did not fail), with the
    /// free space of the folder for a full disk.
    const StorageError &lastFailure() const { return m_failure; }
    /// The folder that holds the file (the data folder).
    QString folder() const;
    /// True when the file keeps text in UTF-8 (`PRAGMA encoding`, read by open(); every
    /// outbox Outpost creates), so that a text's bytes (CAST AS BLOB) are its UTF-8.
    bool textIsUtf8() const { return m_textIsUtf8; }
    /// True when `error` is SQLite's verdict that the file is damaged (SQLITE_CORRUPT 11,
    /// SQLITE_NOTADB 26), as opposed to a lock, a permission or an I/O problem.
    static bool isCorruption(const QSqlError &error);
    /// The file this connection is to.
    QString path() const { return m_path; }

    /// The file's pages and free pages, read on this connection (-1 values when a read fails).
    FileSpace fileSpace();
    /// Switches a file made before `auto_vacuum = INCREMENTAL` (outboxes made by an older
    /// Outpost) to it with a VACUUM, which rewrites the whole file (its live pages only): done
    /// only when they are at most `maxLiveBytes`, else nothing happens (the file's free pages
    /// are then reused by new messages but not returned). *switched says whether it ran.
    /// False with *error when the VACUUM failed (a full disk: it needs room for a copy).
    /// Blocks every other write for its duration: only on the storage thread or in a short
    /// command, never on a thread that draws windows.
    bool useIncrementalVacuum(qint64 maxLiveBytes, bool *switched, QString *error);
    /// Returns up to `maxPages` free pages to the disk (`PRAGMA incremental_vacuum`, in one
    /// transaction); the file shrinks by them at the next checkpoint. Returns how many, 0 when
    /// the file does not use incremental vacuum or has none free, -1 with *error on failure.
    qint64 reclaimFreePages(qint64 maxPages, QString *error);
    /// Copies the write-ahead log into the file and truncates the log (`PRAGMA
    /// wal_checkpoint(TRUNCATE)`), so that pages returned to the disk leave both files. Best
    /// effort: while another connection reads an older snapshot it does what it can.
    void checkpoint();

    /// The current schema version this build writes.
    static int schemaVersion();

private:
    bool checkIntegrity(QString *error);
    bool migrate(QString *error);
    /// Sets m_openError (and m_failure) for a failed open step from SQLite's code.
    void classifyOpenFailure(const QSqlError &why, OpenError otherwise);
    QSqlDatabase m_db;
    QHash<QString, std::shared_ptr<QSqlQuery>> m_statements;
    QSqlQuery m_failed;
    QString m_connection;
    QString m_path;
    OpenError m_openError = OpenError::None;
    StorageError m_failure;
    bool m_textIsUtf8 = true;
};

/// RAII transaction: begins on construction, rolls back in the destructor unless commit()
/// succeeded. commit() returns false (and leaves nothing half-written) on failure, e.g. a
/// full disk; error() then tells the first failure (BEGIN's or COMMIT's own, or the one the
/// caller passed to fail()), never the ROLLBACK's that follows it: on SQLITE_FULL or an I/O
/// error SQLite may have rolled the transaction back itself already, and then ROLLBACK says
/// "cannot rollback - no transaction is active", which is not what went wrong.
class Transaction
{
public:
    /// Begins a transaction on `db`.
    explicit Transaction(QSqlDatabase &db);
    /// Rolls back what was not committed.
    ~Transaction();
    /// True when the transaction began (and is not committed or rolled back yet).
    bool ok() const { return m_active; }
    /// Commits; false (everything rolled back) when it could not be written.
    bool commit();
    /// Records `error` (a statement of this transaction that failed) as its failure, unless an
    /// earlier one is recorded, and rolls back now. Returns false, for `return tx.fail(...)`.
    bool fail(const QSqlError &error);
    /// The first failure of this transaction (invalid while none).
    QSqlError error() const { return m_error; }

private:
    /// ROLLBACK if a transaction may still be open. SQLite documents that after SQLITE_FULL,
    /// SQLITE_IOERR, SQLITE_BUSY or SQLITE_NOMEM the transaction "may or may not" have been
    /// rolled back automatically, and recommends an explicit ROLLBACK whose failure is
    /// harmless; Qt's driver does not expose sqlite3_get_autocommit() to tell. Its error is
    /// never reported.
    void rollback();
    QSqlDatabase &m_db;
    QSqlError m_error;
    bool m_active = false;
};

} // namespace outpost
